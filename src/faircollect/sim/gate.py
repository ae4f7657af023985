"""The rule gate at execution time: every planned contact is judged by the real rule engine at
the instant the simulated collector makes it, with the contact history as it is then.

`gate(cases, history)` runs the columnar form of the packs (`rules.columnar.decide_arrow`,
the same rules as `rules.engine.evaluate`, proven equal by the rules' property tests) over all
of a round's contacts at once. `realtime_check` re-judges a sample of the same cases with the
real-time engine, one scenario at a time, from the same inputs, and reports whether the two
agree (the simulator records the agreement in its results).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, time
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faircollect.rules.columnar import decide_arrow
from faircollect.rules.columnar.schema import CASES_SCHEMA, HISTORY_SCHEMA, WINDOW_TYPE
from faircollect.rules.engine import EngineConfig, evaluate
from faircollect.rules.model import Scenario
from faircollect.strategy.snapshot import STICKY_OUTCOMES

__all__ = ["Check", "build_cases", "gate", "history_for", "realtime_check"]

#: the rules' longest counting window is 30 local days
LOOKBACK_DAYS = 33
_TS = pa.timestamp("us", tz="UTC")


def _inconvenient_structs(values: pa.Array) -> pa.Array:
    cache: dict[str, list[dict[str, Any]]] = {}
    out = []
    for v in values.to_pylist():
        if v not in cache:
            cache[v] = [
                {"days": w.get("days"), "from": w.get("from", "00:00"), "to": w.get("to", "24:00")}
                for w in (json.loads(v) if v else [])
            ]
        out.append(cache[v])
    return pa.array(out, pa.list_(WINDOW_TYPE))


def build_cases(accounts: pa.Table, actions: pa.Table, now: pa.Array) -> pa.Table:
    """The rule engine's `cases` (CASES_SCHEMA): one row per action. `accounts` holds the
    snapshot row of each action's loan (same order), `actions` its channel, party, place,
    purpose, contact_point and treatment, `now` the execution instants; case_id = row number."""
    n = actions.num_rows
    a = accounts
    ec = pc.equal(actions.column("treatment"), "call_emergency_contact")
    src = a.column("emergency_contact_source")
    src_ok = pc.and_(ec, pc.not_equal(pc.fill_null(src, ""), ""))
    window = a.column("contact_window")
    has_w = pc.not_equal(window, "")
    parts = pc.split_pattern(window, "-")
    start = pc.if_else(has_w, pc.list_element(pc.if_else(has_w, parts, pa.scalar(["", ""],
                       pa.list_(pa.string()))), 0), None)  # fmt: skip
    end = pc.if_else(has_w, pc.list_element(pc.if_else(has_w, parts, pa.scalar(["", ""],
                     pa.list_(pa.string()))), 1), None)  # fmt: skip
    null_s = pa.nulls(n, pa.string())
    null_b = pa.nulls(n, pa.bool_())
    cols: dict[str, Any] = {
        "case_id": pa.array(np.arange(n, dtype=np.int64)),
        "debtor_key": a.column("debtor_id"),
        "pack": a.column("pack"),
        "now": now,
        "action_channel": actions.column("channel"),
        "action_party": actions.column("party"),
        "action_debt_id": a.column("loan_ref"),
        "action_place": actions.column("place"),
        "action_purpose": actions.column("purpose"),
        "action_has_content": pa.array(np.zeros(n, dtype=bool)),
        "action_in_response_to_consumer": pa.array(np.zeros(n, dtype=bool)),
        "action_contact_point": pc.if_else(ec, actions.column("contact_point"), null_s),
        "debtor_no_contact_places": a.column("no_contact_places"),
        "debtor_employer_prohibits": a.column("employer_prohibits"),
        "debtor_attorney": a.column("attorney"),
        "debtor_cease_received_at": a.column("cease_received_at"),
        "debtor_channel_opt_outs": a.column("channel_opt_outs"),
        "debtor_dispute_received_at": a.column("dispute_received_at"),
        "debtor_verification_sent_at": a.column("verification_sent_at"),
        "debtor_breathing_space_start": a.column("breathing_space_start"),
        "debtor_breathing_space_end": a.column("breathing_space_end"),
        "debtor_breathing_space_kind": a.column("breathing_space_kind"),
        "debtor_vulnerable": a.column("vulnerable"),
        "debtor_reachable": a.column("reachable"),
        "debtor_contact_refused": a.column("contact_refused"),
        "debtor_deceased": a.column("deceased"),
        "debtor_bankruptcy": a.column("bankruptcy"),
        "debt_time_barred": a.column("time_barred"),
        "debt_first_communication_at": a.column("first_communication_at"),
        "debt_validation_notice_sent_at": a.column("validation_notice_sent_at"),
        "debt_call_consent_until": a.column("call_consent_until"),
        "content_findings": pa.nulls(n, pa.list_(pa.string())),
        "content_has_opt_out": null_b,
        "content_has_mini_miranda": null_b,
        "config_contact_point_source": pc.if_else(src_ok, src, null_s),
        "debtor_timezones": a.column("timezones"),
        "debtor_inconvenient": _inconvenient_structs(a.column("inconvenient")),
        "config_contact_start": start,
        "config_contact_end": end,
    }
    return pa.table(
        {
            f.name: pa.array(cols[f.name]).cast(f.type)
            if not isinstance(cols[f.name], pa.ChunkedArray)
            else cols[f.name].cast(f.type)
            for f in CASES_SCHEMA
        }
    )


def history_for(contacts: pa.Table, debtor_ids: pa.Array, since: Any) -> pa.Table:
    """The rule engine's `history` (HISTORY_SCHEMA) of the given debtors: entries in the
    counting windows (since `since`), plus older ones the "ever" rules read (as the contact
    gate and the strategy do)."""
    mine = pc.is_in(contacts.column("debtor_id"), value_set=pc.unique(debtor_ids))
    recent = pc.greater_equal(contacts.column("at"), pa.scalar(since, _TS))
    sticky = pc.or_(
        pc.is_in(contacts.column("outcome"), value_set=pa.array(list(STICKY_OUTCOMES))),
        pc.equal(contacts.column("initiated_by"), "consumer"),
    )
    c = contacts.filter(pc.and_(mine, pc.or_(recent, pc.fill_null(sticky, False))))
    return pa.table(
        {
            "debtor_key": c.column("debtor_id"),
            "seq": c.column("seq"),
            "at": c.column("at"),
            "channel": c.column("channel"),
            "party": c.column("party"),
            "debt_ids": c.column("debt_ids"),
            "outcome": c.column("outcome"),
            "initiated_by": c.column("initiated_by"),
            "contact_point": c.column("contact_point"),
            "place": c.column("place"),
            "purpose": c.column("purpose"),
        }
    ).cast(HISTORY_SCHEMA)


def gate(cases: pa.Table, history: pa.Table) -> pa.Table:
    """The columnar rule engine's decisions (case_id, allowed, violations, first_provision,
    pack_version), one per case, in case order."""
    if cases.num_rows == 0:
        return pa.table(
            {"case_id": pa.array([], pa.int64()), "allowed": pa.array([], pa.bool_()),
             "violations": pa.array([], pa.list_(pa.string())),
             "first_provision": pa.array([], pa.string()),
             "pack_version": pa.array([], pa.string())}
        )  # fmt: skip
    packs = sorted(set(cases.column("pack").to_pylist()))
    return decide_arrow(cases, history, packs=packs)


# ---------------------------------------------------------------------------------------
# the real-time engine on a sample
# ---------------------------------------------------------------------------------------
class Check(NamedTuple):
    sampled: int
    agreed: int
    disagreements: tuple[dict[str, Any], ...]


def _iso(v: Any) -> str | None:
    if v is None:
        return None
    return str(v.astimezone(UTC).isoformat())


def _hhmm(text: str) -> time:
    return time(0) if text in ("24:00", "00:00") else time.fromisoformat(text)


def scenario_of(
    case: dict[str, Any], history: Sequence[dict[str, Any]]
) -> tuple[Scenario, EngineConfig]:
    """The real-time engine's scenario (DESIGN 4.3) and config for one `cases` row and the
    debtor's history rows (entries after `now` are left out: not known at `now`)."""
    now = case["now"]
    bs = None
    if case["debtor_breathing_space_start"] is not None:
        end = case["debtor_breathing_space_end"]
        bs = {"start": case["debtor_breathing_space_start"].isoformat(),
              "end": None if end is None else end.isoformat(),
              "kind": case["debtor_breathing_space_kind"] or "standard"}  # fmt: skip
    action: dict[str, Any] = {
        "channel": case["action_channel"],
        "party": case["action_party"],
        "debt_id": case["action_debt_id"],
        "purpose": case["action_purpose"],
        "in_response_to_consumer": bool(case["action_in_response_to_consumer"]),
    }
    if case["action_place"] is not None:
        action["place"] = case["action_place"]
    if case["action_contact_point"] is not None:
        action["contact_point"] = case["action_contact_point"]
    hist = []
    for h in sorted(history, key=lambda r: (r["at"], r["seq"])):
        if h["at"] > now:
            continue
        e: dict[str, Any] = {
            "at": _iso(h["at"]),
            "channel": h["channel"],
            "party": h["party"],
            "debt_ids": list(h["debt_ids"] or []),
            "initiated_by": h["initiated_by"],
        }
        for k in ("outcome", "contact_point", "place", "purpose"):
            if h[k]:  # the synthetic history writes "" for "none"
                e[k] = h[k]
        hist.append(e)
    data = {
        "pack": case["pack"],
        "now": _iso(now),
        "action": action,
        "debtor": {
            "timezones": list(case["debtor_timezones"] or []),
            "inconvenient": [
                {
                    k: v
                    for k, v in (("days", w["days"]), ("from", w["from"]), ("to", w["to"]))
                    if v is not None
                }
                for w in case["debtor_inconvenient"] or []
            ],
            "no_contact_places": list(case["debtor_no_contact_places"] or []),
            "employer_prohibits": bool(case["debtor_employer_prohibits"]),
            "attorney": bool(case["debtor_attorney"]),
            "cease_received_at": _iso(case["debtor_cease_received_at"]),
            "channel_opt_outs": list(case["debtor_channel_opt_outs"] or []),
            "dispute_received_at": _iso(case["debtor_dispute_received_at"]),
            "verification_sent_at": _iso(case["debtor_verification_sent_at"]),
            "breathing_space": bs,
            "vulnerable": bool(case["debtor_vulnerable"]),
            "reachable": bool(case["debtor_reachable"]),
            "contact_refused": bool(case["debtor_contact_refused"]),
            "deceased": bool(case["debtor_deceased"]),
            "bankruptcy": bool(case["debtor_bankruptcy"]),
        },
        "debt": {
            "time_barred": bool(case["debt_time_barred"]),
            "first_communication_at": _iso(case["debt_first_communication_at"]),
            "validation_notice_sent_at": _iso(case["debt_validation_notice_sent_at"]),
            "call_consent_until": _iso(case["debt_call_consent_until"]),
        },
        "history": hist,
    }
    window = None
    if case["config_contact_start"] is not None and case["config_contact_end"] is not None:
        window = (_hhmm(case["config_contact_start"]), _hhmm(case["config_contact_end"]))
    sources = {}
    if case["action_contact_point"] is not None and case["config_contact_point_source"]:
        sources[case["action_contact_point"]] = case["config_contact_point_source"]
    return Scenario.model_validate(data), EngineConfig(
        contact_window=window, contact_point_sources=sources
    )


def realtime_check(
    cases: pa.Table, history: pa.Table, decided: pa.Table, sample: np.ndarray
) -> Check:
    """Judge the cases at positions `sample` with `rules.engine.evaluate` and compare with
    the columnar decisions (`allowed` and the set of violated rules)."""
    if len(sample) == 0:
        return Check(0, 0, ())
    rows = cases.take(pa.array(sample)).to_pylist()
    keys = pa.array([r["debtor_key"] for r in rows], pa.int64())
    h = history.filter(pc.is_in(history.column("debtor_key"), value_set=keys)).to_pylist()
    by_debtor: dict[int, list[dict[str, Any]]] = {}
    for r in h:
        by_debtor.setdefault(r["debtor_key"], []).append(r)
    dec = decided.take(pa.array(sample)).to_pylist()
    agreed = 0
    bad = []
    for case, d in zip(rows, dec, strict=True):
        scenario, config = scenario_of(case, by_debtor.get(case["debtor_key"], []))
        rt = evaluate(scenario, config=config)
        same = rt.allowed == d["allowed"] and {v.rule for v in rt.violations} == set(
            d["violations"] or []
        )
        if same:
            agreed += 1
        elif len(bad) < 5:
            bad.append({"case": scenario.model_dump(mode="json"), "columnar": d,
                        "realtime": rt.model_dump(mode="json")})  # fmt: skip
    return Check(len(rows), agreed, tuple(bad))
