"""Re-check planned work items with the real-time rule engine (`rules.engine.evaluate`).

For every work item, the scenario the contact gate would judge at the start of its window:
the account's debtor and debt facts, the planned action, and the debtor's whole contact
history from the snapshot. A plan is lawful when every one of them is allowed. This is the
acceptance test of the batch (it proves the columnar gating, the windows and the plumbing
agree with the engine the desk uses), and the naive per-account implementation in
`reference.py` uses the same scenarios.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

import pyarrow as pa

from faircollect.rules.engine import EngineConfig, evaluate
from faircollect.rules.model import Decision, HistoryEntry, Scenario

from .snapshot import Snapshot
from .treatments import BY_NAME
from .windows import parse_hours

__all__ = ["Finding", "History", "account_index", "history_index", "recheck", "scenario_for"]

History = dict[int, list[HistoryEntry]]


class Finding(NamedTuple):
    loan_ref: str
    treatment: str
    at: datetime
    decision: Decision


def _utc(v: Any) -> Any:
    if v is None:
        return None
    return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)


def history_index(contacts: pa.Table) -> History:
    """debtor_id -> history entries (time order, then seq)."""
    out: dict[int, list[tuple[datetime, int, HistoryEntry]]] = defaultdict(list)
    for r in contacts.to_pylist():
        e = HistoryEntry.model_construct(
            at=_utc(r["at"]),
            channel=r["channel"],
            party=r["party"],
            debt_ids=tuple(r["debt_ids"] or ()),
            outcome=r["outcome"],
            initiated_by=r["initiated_by"],
            contact_point=r["contact_point"],
            place=r["place"] or None,
            purpose=r["purpose"] or None,
        )
        out[int(r["debtor_id"])].append((e.at, int(r["seq"]), e))
    return {k: [e for _, _, e in sorted(v, key=lambda x: (x[0], x[1]))] for k, v in out.items()}


def account_index(accounts: pa.Table) -> dict[str, dict[str, Any]]:
    return {r["loan_ref"]: r for r in accounts.to_pylist()}


def scenario_for(
    account: Mapping[str, Any],
    treatment: str,
    now: datetime,
    history: Iterable[HistoryEntry],
) -> tuple[Scenario, EngineConfig]:
    """The scenario the contact gate judges for `treatment` on this account at `now`."""
    t = BY_NAME[treatment]
    a = account
    is_ec = treatment == "call_emergency_contact"
    bs = None
    if a["breathing_space_start"] is not None:
        bs = {
            "start": a["breathing_space_start"].isoformat(),
            "end": None
            if a["breathing_space_end"] is None
            else a["breathing_space_end"].isoformat(),
            "kind": a["breathing_space_kind"] or "standard",
        }

    def iso(v: Any) -> Any:
        return None if v is None else _utc(v).isoformat()

    data = {
        "pack": a["pack"],
        "now": _utc(now).isoformat(),
        "action": {
            "channel": t.channel,
            "party": t.party,
            "debt_id": a["loan_ref"],
            "place": t.place,
            "purpose": t.purpose,
            "contact_point": a["emergency_contact_point"] if is_ec else None,
        },
        "debtor": {
            "timezones": list(a["timezones"] or ()),
            "inconvenient": json.loads(a["inconvenient"]) if a["inconvenient"] else [],
            "no_contact_places": list(a["no_contact_places"] or ()),
            "employer_prohibits": bool(a["employer_prohibits"]),
            "attorney": bool(a["attorney"]),
            "cease_received_at": iso(a["cease_received_at"]),
            "channel_opt_outs": list(a["channel_opt_outs"] or ()),
            "dispute_received_at": iso(a["dispute_received_at"]),
            "verification_sent_at": iso(a["verification_sent_at"]),
            "breathing_space": bs,
            "vulnerable": bool(a["vulnerable"]),
            "reachable": bool(a["reachable"]),
            "contact_refused": bool(a["contact_refused"]),
            "deceased": bool(a["deceased"]),
            "bankruptcy": bool(a["bankruptcy"]),
        },
        "debt": {
            "time_barred": bool(a["time_barred"]),
            "first_communication_at": iso(a["first_communication_at"]),
            "validation_notice_sent_at": iso(a["validation_notice_sent_at"]),
            "call_consent_until": iso(a["call_consent_until"]),
        },
    }
    scenario = Scenario.model_validate(data).model_copy(update={"history": tuple(history)})
    sources = {}
    if is_ec and a["emergency_contact_point"] and a["emergency_contact_source"]:
        sources[a["emergency_contact_point"]] = a["emergency_contact_source"]
    config = EngineConfig(
        contact_window=parse_hours(a["contact_window"] or ""),
        contact_point_sources=sources,
    )
    return scenario, config


def recheck(snapshot: Snapshot, work_items: pa.Table) -> Iterator[Finding]:
    """Every work item the real-time engine does NOT allow at its window start."""
    accounts = account_index(snapshot.table("accounts"))
    hist = history_index(snapshot.table("contacts"))
    for item in work_items.to_pylist():
        a = accounts[item["loan_ref"]]
        s, cfg = scenario_for(a, item["treatment"], item["window_start"],
                              hist.get(int(a["debtor_id"]), ()))  # fmt: skip
        d = evaluate(s, config=cfg)
        if not d.allowed:
            yield Finding(item["loan_ref"], item["treatment"], item["window_start"], d)
