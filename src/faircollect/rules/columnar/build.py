"""`build_cases`: the `cases` and `history` tables of a list of scenarios (tests, small inputs).

The facts are read exactly as the real-time engine reads them (`engine._data`: the same
content lint, the same contact-point source), so both forms start from the same inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import time
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from faircollect.rules import engine
from faircollect.rules.columnar.schema import CASES_SCHEMA, FACT_COLUMNS, HISTORY_SCHEMA
from faircollect.rules.engine import EngineConfig
from faircollect.rules.model import HistoryEntry, Scenario
from faircollect.rules.packs import get_pack

__all__ = ["build_cases"]

_DEFAULT = EngineConfig()


def _hhmm(t: time, *, end: bool) -> str:
    return "24:00" if end and t == time(0) else f"{t:%H:%M}"


def build_cases(
    scenarios: Iterable[Scenario],
    *,
    config: EngineConfig | Sequence[EngineConfig] | None = None,
    debtor_keys: Sequence[int] | None = None,
) -> tuple[pa.Table, pa.Table]:
    """(cases, history) as Arrow tables with `CASES_SCHEMA` / `HISTORY_SCHEMA`.

    Case i has case_id i. `config`: one `EngineConfig` for all, or one per scenario (its
    contact window and contact-point sources become the case's `config_*` columns). Without
    `debtor_keys` each scenario is its own debtor (key i); scenarios sharing a key must carry
    the same history (ValueError otherwise), written once. The history keeps every entry,
    also those after `now` (the interpreter drops them)."""
    cases: dict[str, list[Any]] = {f.name: [] for f in CASES_SCHEMA}
    hist: dict[str, list[Any]] = {f.name: [] for f in HISTORY_SCHEMA}
    written: dict[int, tuple[HistoryEntry, ...]] = {}
    for i, s in enumerate(scenarios):
        if config is None or isinstance(config, EngineConfig):
            cfg = config or _DEFAULT
        else:
            cfg = config[i]
        window = cfg.contact_window
        key = i if debtor_keys is None else int(debtor_keys[i])
        pack = get_pack(s.pack)
        content = engine._content(s, pack, cfg) if s.action.content is not None else None
        data = engine._data(s, pack, cfg, content)
        facts = dict(data.facts)
        # the raw (not "known at now") instants: the interpreter applies `now` itself
        d, b = s.debtor, s.debt
        facts["debtor.cease_received_at"] = d.cease_received_at
        facts["debtor.dispute_received_at"] = d.dispute_received_at
        facts["debtor.verification_sent_at"] = d.verification_sent_at
        facts["debt.first_communication_at"] = b.first_communication_at
        facts["debt.validation_notice_sent_at"] = b.validation_notice_sent_at
        cases["case_id"].append(i)
        cases["debtor_key"].append(key)
        cases["pack"].append(s.pack)
        for name, col in FACT_COLUMNS.items():
            v = facts[name]
            if isinstance(v, frozenset | tuple):
                v = sorted(v) if isinstance(v, frozenset) else list(v)
            cases[col].append(v)
        cases["debtor_timezones"].append(list(d.timezones))
        cases["debtor_inconvenient"].append(
            [
                {"days": None if w.days is None else list(w.days), "from": w.from_, "to": w.to}
                for w in d.inconvenient
            ]
        )
        cases["config_contact_start"].append(
            None if window is None else _hhmm(window[0], end=False)
        )
        cases["config_contact_end"].append(None if window is None else _hhmm(window[1], end=True))
        if key in written:
            if written[key] != s.history:
                raise ValueError(f"debtor_key {key}: scenarios with different histories")
            continue
        written[key] = s.history
        for seq, e in enumerate(s.history):
            hist["debtor_key"].append(key)
            hist["seq"].append(seq)
            hist["at"].append(e.at)
            hist["channel"].append(e.channel)
            hist["party"].append(e.party)
            hist["debt_ids"].append(list(e.debt_ids))
            hist["outcome"].append(e.outcome)
            hist["initiated_by"].append(e.initiated_by)
            hist["contact_point"].append(e.contact_point)
            hist["place"].append(e.place)
            hist["purpose"].append(e.purpose)
    return (
        pa.table(cases, schema=CASES_SCHEMA),
        pa.table(hist, schema=HISTORY_SCHEMA),
    )
