"""The run's outputs as Ibis expressions: work items and accounts left without action.

Work items (`WORK_ITEMS`, DESIGN 4.1 columns first): loan_ref, treatment, window_start,
window_end (UTC instants; the window is the debtor's local contact window on the as-of day
in `timezone`), priority (1 = most valuable, over the whole run), arm, reason (English),
then reason_zh, reason_code, timezone, segment, strategy, strategy_version, channel, party,
place, purpose, contact_point, assignee (collector or field team), expected_recovery_minor,
expected_value_minor, currency, bucket, balance_minor, fallback_from, debtor_key, pack, as_of.

No action (`NO_ACTION`): loan_ref, reason_code, reason, reason_zh, detail (machine-readable:
the blocking rule and provision, the covering loan, ...), arm, segment, strategy,
strategy_version, bucket, balance_minor, currency, debtor_key, pack, as_of.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import ibis
import pyarrow as pa

from . import explain
from .compile import SEP, TIDX, ArmSpec, er_of
from .treatments import TREATMENTS

__all__ = ["NO_ACTION", "WORK_ITEMS", "no_action", "order_keys", "with_priority", "work_items"]

_TS = pa.timestamp("us", tz="UTC")
WORK_ITEMS = pa.schema(
    [
        ("loan_ref", pa.string()),
        ("treatment", pa.string()),
        ("window_start", _TS),
        ("window_end", _TS),
        ("priority", pa.int64()),
        ("arm", pa.string()),
        ("reason", pa.string()),
        ("reason_zh", pa.string()),
        ("reason_code", pa.string()),
        ("timezone", pa.string()),
        ("segment", pa.string()),
        ("strategy", pa.string()),
        ("strategy_version", pa.int64()),
        ("channel", pa.string()),
        ("party", pa.string()),
        ("place", pa.string()),
        ("purpose", pa.string()),
        ("contact_point", pa.string()),
        ("assignee", pa.string()),
        ("expected_recovery_minor", pa.int64()),
        ("expected_value_minor", pa.int64()),
        ("currency", pa.string()),
        ("bucket", pa.string()),
        ("balance_minor", pa.int64()),
        ("fallback_from", pa.string()),
        ("debtor_key", pa.string()),
        ("pack", pa.string()),
        ("as_of", pa.date32()),
    ]
)
NO_ACTION = pa.schema(
    [
        ("loan_ref", pa.string()),
        ("reason_code", pa.string()),
        ("reason", pa.string()),
        ("reason_zh", pa.string()),
        ("detail", pa.string()),
        ("arm", pa.string()),
        ("segment", pa.string()),
        ("strategy", pa.string()),
        ("strategy_version", pa.int64()),
        ("bucket", pa.string()),
        ("balance_minor", pa.int64()),
        ("currency", pa.string()),
        ("debtor_key", pa.string()),
        ("pack", pa.string()),
        ("as_of", pa.date32()),
    ]
)


def order_keys() -> list[Any]:
    """The order of the work items: highest expected value first, then loan_ref (a total
    order: loan_ref is unique). `priority` is the position in it."""
    return [ibis.desc("expected_value_minor"), "loan_ref"]


def with_priority(items: pa.Table) -> pa.Table:
    """Work items sorted by order_keys() with `priority` 1..n (Arrow, the same on every engine)."""
    i = items.schema.get_field_index("priority")
    n = items.num_rows
    return items.set_column(i, "priority", pa.array(range(1, n + 1), pa.int64()))


def _name(k: Any) -> Any:
    return ibis.cases(*((k == i, t.name) for i, t in enumerate(TREATMENTS)),
                      else_=ibis.null().cast("string"))  # fmt: skip


def _attr(k: Any, attr: str) -> Any:
    return ibis.cases(
        *((k == i, getattr(t, attr)) for i, t in enumerate(TREATMENTS) if getattr(t, attr)),
        else_=ibis.null().cast("string"),
    )


def _strategy(w: Any, arms: Sequence[ArmSpec]) -> tuple[Any, Any]:
    name = ibis.cases(*((w.arm == a.arm, a.spec.name) for a in arms), else_="")
    version = ibis.cases(*((w.arm == a.arm, a.version) for a in arms), else_=0).cast("int64")
    return name, version


def _both(e: Any) -> tuple[Any, Any]:
    return (e, e)


#: the plan table's columns the outputs read
PLAN_FOR_OUTPUT = (
    "loan_id", "debtor_key", "pack", "segment", "selection", "threshold_minor", "excluded",
    "has_window", "window_start", "window_end", "window_zone", "lost_contact", "dpd", "bucket",
    "outstanding_minor",
    "digital_attempts_14d", "days_since_rpc", "contacts_7d", "emergency_contact_point",
    "pref", "av_any", "cd_any", "hb_any",
)  # fmt: skip


def work_items(
    w: Any, plan: Any, arms: Sequence[ArmSpec], currencies: list[str], as_of: date
) -> Any:
    items = w.filter(w.keep & w.cur.notnull()).join(plan.select(*PLAN_FOR_OUTPUT), "loan_id")
    k = items.cur
    er = er_of(items, k)
    code = ibis.cases(
        (items.arm == "holdout", "holdout_baseline"),
        (items.fallback_from.notnull(), "capacity_fallback"),
        ((k == TIDX["visit"]) & (items.selection == "least_intrusive") & items.lost_contact,
         "visit_lost_contact"),
        ((k == TIDX["visit"]) & (items.selection == "least_intrusive"), "visit_no_conversation"),
        (items.selection == "most_intrusive", "most_intrusive"),
        else_="least_intrusive",
    )  # fmt: skip
    money = explain.money_text_expr
    values = {
        "treatment": (explain.treatment_title_expr(k, "en"), explain.treatment_title_expr(k, "zh")),
        "from_treatment": (
            explain.treatment_title_expr(items.fallback_from, "en"),
            explain.treatment_title_expr(items.fallback_from, "zh"),
        ),
        "er": _both(money(er, items.currency, currencies)),
        "threshold": _both(money(items.threshold_minor, items.currency, currencies)),
        "segment": _both(items.segment),
        "dpd": _both(items.dpd),
        "digital": _both(items.digital_attempts_14d),
        "days": _both(items.days_since_rpc),
    }
    name, version = _strategy(items, arms)
    is_ec = k == TIDX["call_emergency_contact"]
    return items.select(
        loan_ref=items.loan_ref,
        treatment=_name(k),
        window_start=items.window_start,
        window_end=items.window_end,
        # assigned by `with_priority` after sorting by order_keys() (one sort, no window)
        priority=ibis.literal(0, "int64"),
        arm=items.arm,
        reason=explain.render_expr(code, values, explain.WORK, "en"),
        reason_zh=explain.render_expr(code, values, explain.WORK, "zh"),
        reason_code=code,
        timezone=items.window_zone,
        segment=items.segment,
        strategy=name,
        strategy_version=version,
        channel=_attr(k, "channel"),
        party=_attr(k, "party"),
        place=_attr(k, "place"),
        purpose=_attr(k, "purpose"),
        contact_point=ibis.ifelse(is_ec, items.emergency_contact_point,
                                  ibis.null().cast("string")),
        assignee=ibis.coalesce(items.collector, items.field_team),
        expected_recovery_minor=er,
        expected_value_minor=items.ev,
        currency=items.currency,
        bucket=items.bucket,
        balance_minor=items.outstanding_minor,
        fallback_from=_name(items.fallback_from),
        debtor_key=items.debtor_key,
        pack=items.pack,
        as_of=ibis.literal(as_of),
    )  # fmt: skip


def no_action(
    w: Any, plan: Any, arms: Sequence[ArmSpec], currencies: list[str], as_of: date
) -> Any:
    rest = w.filter(~(w.keep & w.cur.notnull())).join(plan.select(*PLAN_FOR_OUTPUT), "loan_id")
    blocked = rest.blocked.split(SEP)
    blocked_k = blocked[0].cast("int64")
    code = ibis.cases(
        (rest.selection == "none", "holdout_none"),
        (rest.excluded, "excluded"),
        (rest.segment.isnull(), "no_segment"),
        (~rest.has_window, "no_window"),
        (~rest.av_any, "no_channel"),
        (~rest.cd_any, "conditions"),
        (~rest.hb_any, "harm_budget"),
        (rest.chosen.isnull() & (rest.pref == 0), "below_threshold"),
        (rest.chosen.isnull(), "rules_blocked"),
        (~rest.keep, "debtor_covered"),
        else_="capacity",
    )
    null_s = ibis.null().cast("string")
    detail = ibis.cases(
        (code == "rules_blocked", blocked[1] + " " + blocked[2]),
        (code == "debtor_covered", rest.covered_by),
        (code == "harm_budget", rest.contacts_7d.cast("string")),
        (code == "capacity", _name(rest.capacity_dropped)),
        else_=null_s,
    )
    cap = code == "capacity"
    values = {
        "segment": _both(rest.segment),
        "contacts": _both(rest.contacts_7d),
        "treatment": (
            ibis.ifelse(cap, explain.treatment_title_expr(rest.capacity_dropped, "en"),
                        explain.treatment_title_expr(blocked_k, "en")),
            ibis.ifelse(cap, explain.treatment_title_expr(rest.capacity_dropped, "zh"),
                        explain.treatment_title_expr(blocked_k, "zh")),
        ),
        "rule": _both(blocked[1]),
        "provision": _both(blocked[2]),
        "threshold": _both(
            explain.money_text_expr(rest.threshold_minor, rest.currency, currencies)
        ),
        "covered_by": _both(rest.covered_by),
    }  # fmt: skip
    name, version = _strategy(rest, arms)
    return rest.select(
        loan_ref=rest.loan_ref,
        reason_code=code,
        reason=explain.render_expr(code, values, explain.NO_ACTION, "en"),
        reason_zh=explain.render_expr(code, values, explain.NO_ACTION, "zh"),
        detail=detail,
        arm=rest.arm,
        segment=rest.segment,
        strategy=name,
        strategy_version=version,
        bucket=rest.bucket,
        balance_minor=rest.outstanding_minor,
        currency=rest.currency,
        debtor_key=rest.debtor_key,
        pack=rest.pack,
        as_of=ibis.literal(as_of),
    )
