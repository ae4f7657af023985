"""A naive per-account implementation of the same strategy, in plain Python.

It walks the accounts one by one: features from the debtor's history, the arm from hashlib,
the segment and conditions from a Python interpreter of the spec's conditions, the scores
from `RuleBasedScorer.score_row`, and the rules from `rules.engine.evaluate` on the scenario
the contact gate would build (`recheck.scenario_for`), trying treatments in the account's
order until one is allowed; then one work item per borrower and the capacity stages.

Two uses: the tests prove the compiled plan (DuckDB, Spark) equal to it on random books, and
the benchmark measures it as the "Python loop" the batch is compared with. It favours
plainness over speed on purpose.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from faircollect.rules.engine import evaluate

from .capacity import collectors_pools, field_team_pools, workers_from_arrow
from .compile import (
    CALLS,
    COMMUNICATION,
    DIGITAL,
    NEVER,
    THIRD,
    TIDX,
    ArmSpec,
    PoolSlots,
    reference_end,
)
from .recheck import account_index, history_index, scenario_for
from .scores import RuleBasedScorer
from .snapshot import Snapshot
from .spec import FEATURES, TRUE, All, Any_, Cmp, Cond, Not, StrategySpec
from .treatments import BY_NAME, TREATMENT_NAMES
from .windows import WindowKey, windows

__all__ = ["cond_value", "plan_python"]

_COLUMN = {"balance": "outstanding_minor", "principal": "principal_minor",
           "paid_30d": "paid_30d_minor", "score": "score_bp"}  # fmt: skip
_BUCKETS = ((0, "M0"), (30, "M1"), (60, "M2"), (90, "M3"), (120, "M4"), (150, "M5"), (180, "M6"))


def _bucket(dpd: int) -> str:
    for limit, name in _BUCKETS:
        if dpd <= limit:
            return name
    return "M7+"


def cond_value(c: Cond, f: Mapping[str, Any]) -> bool:
    """A spec condition on one account's features (the Python twin of compile.cond_expr)."""
    if isinstance(c, All):
        return all(cond_value(x, f) for x in c.items)
    if isinstance(c, Any_):
        return any(cond_value(x, f) for x in c.items)
    if isinstance(c, Not):
        return not cond_value(c.item, f)
    assert isinstance(c, Cmp)
    v = f[_COLUMN.get(c.feature, c.feature)]
    if FEATURES[c.feature][0] == "money":
        return any(f["currency"] == cur and _cmp(v, c.op, m) for cur, m in c.value)
    if c.op == "in":
        return v in c.value
    if c.op == "not_in":
        return v not in c.value
    return _cmp(v, c.op, c.value)


def _cmp(a: Any, op: str, b: Any) -> bool:
    return bool(
        {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    )


def _features(
    a: Mapping[str, Any],
    events: Sequence[Any],
    pays: Sequence[tuple[datetime, int]],
    debtor_paid: datetime | None,
    as_of: date,
) -> dict[str, Any]:
    end = reference_end(as_of)

    def since(days: int) -> datetime:
        return end - timedelta(days=days)

    hs = [e for e in events if since(120) <= e.at < end]
    last_rpc = None
    counts = defaultdict(int)
    last: dict[str, datetime] = {}
    for e in hs:
        coll = e.initiated_by == "collector"
        comm = e.channel in COMMUNICATION
        deb = e.party == "debtor"
        if deb and e.outcome == "conversation" and e.channel in ("call", "ai_voice", "visit"):
            last_rpc = e.at if last_rpc is None else max(last_rpc, e.at)
        d7, d14, d30, d90 = (e.at >= since(7), e.at >= since(14), e.at >= since(30),
                             e.at >= since(90))  # fmt: skip
        counts["contacts_7d"] += coll and comm and d7
        counts["calls_7d"] += coll and deb and e.channel in CALLS and d7
        counts["digital_attempts_14d"] += coll and deb and e.channel in DIGITAL and d14
        counts["third_party_contacts_7d"] += coll and comm and e.party in THIRD and d7
        tries = {
            "app": coll and deb and e.channel == "app" and d14,
            "email": coll and deb and e.channel == "email" and d14,
            "sms": coll and deb and e.channel == "sms" and d14,
            "call": coll and deb and e.channel in CALLS and d14,
            "letter": coll and e.channel == "letter" and d30,
            "ec": coll and e.party == "emergency_contact" and d14,
            "visit": coll and e.channel == "visit" and d90,
        }
        for t, hit in tries.items():
            if hit:
                counts[f"n_{t}"] += 1
                last[t] = max(last.get(t, e.at), e.at)
    ps = [(at, amt) for at, amt in pays if since(120) <= at < end]
    paid30 = sum(amt for at, amt in ps if at >= since(30))
    last_paid = max((at for at, _ in ps), default=None)
    response = max((x for x in (last_rpc, debtor_paid) if x is not None), default=None)

    def unanswered(t: str) -> int:
        lt = last.get(t)
        fresh = lt is not None and (response is None or lt > response)
        return counts[f"n_{t}"] if fresh else 0

    def days_since(x: datetime | None) -> int:
        return NEVER if x is None else int((end - x).total_seconds() // 86400)

    dpd = (as_of - a["overdue_since"]).days
    dispute = a["dispute_received_at"]
    verification = a["verification_sent_at"]
    f = dict(a)
    f.update(
        dpd=dpd,
        bucket=_bucket(dpd),
        lost_contact=not a["reachable"],
        language="zh" if (a["locale"] or "").startswith("zh") else "en",
        disputed=dispute is not None and dispute < end
        and (verification is None or verification < dispute),
        days_since_rpc=days_since(last_rpc),
        days_since_payment=days_since(last_paid),
        paid_30d_minor=paid30,
        contacts_7d=counts["contacts_7d"],
        calls_7d=counts["calls_7d"],
        digital_attempts_14d=counts["digital_attempts_14d"],
        third_party_contacts_7d=counts["third_party_contacts_7d"],
        visits_90d=counts["n_visit"],
        letters_30d=counts["n_letter"],
        u_app=unanswered("app"), u_email=unanswered("email"), u_sms=unanswered("sms"),
        u_call=unanswered("call"), u_letter=unanswered("letter"), u_ec=unanswered("ec"),
        u_visit=unanswered("visit"), u_legal=0,
    )  # fmt: skip
    return f


def _h8(salt: str, key: str) -> str:
    return hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()[:8]


def _thr(share: Decimal) -> str:
    return f"{min(int(share * 16**8), 16**8 - 1):08x}"


def _arm(champion: StrategySpec, key: str) -> str:
    h = champion.holdout
    if h is not None and h.share > 0 and _h8(h.salt, key) < _thr(h.share):
        return "holdout"
    lo = Decimal(0)
    g = _h8(champion.split_salt, key)
    for c in champion.challengers:
        hi = lo + c.share
        if _thr(lo) <= g < _thr(hi):
            return c.arm
        lo = hi
    return "champion"


def _money(money: Any, currency: str) -> int:
    return next((m for cur, m in money or () if cur == currency), 0)


def _harm_ok(t: str, spec: StrategySpec, f: Mapping[str, Any]) -> bool:
    hb = spec.harm_budget
    if (
        t != "legal"
        and hb.contacts_per_week is not None
        and f["contacts_7d"] >= hb.contacts_per_week
    ):
        return False
    if (
        t == "visit"
        and hb.visits_per_90_days is not None
        and f["visits_90d"] >= hb.visits_per_90_days
    ):
        return False
    return not (
        t == "call_emergency_contact"
        and hb.third_party_contacts_per_week is not None
        and f["third_party_contacts_7d"] >= hb.third_party_contacts_per_week
    )


def plan_python(
    snapshot: Snapshot, arms: Sequence[ArmSpec], *, scorer: RuleBasedScorer | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(work items, no-action rows) as dicts with the main columns of output.WORK_ITEMS /
    output.NO_ACTION (loan_ref, treatment, window_start, window_end, priority, arm,
    reason_code, segment, assignee, expected_recovery_minor, expected_value_minor,
    fallback_from / loan_ref, reason_code, detail, arm, segment)."""
    scorer = scorer or RuleBasedScorer()
    as_of = snapshot.as_of
    by_arm = {a.arm: a for a in arms}
    champion = arms[0].spec
    accounts = account_index(snapshot.table("accounts"))
    hist = history_index(snapshot.table("contacts"))
    pays: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for p in snapshot.table("payments").to_pylist():
        at = p["paid_at"]
        pays[p["loan_ref"]].append((at.replace(tzinfo=UTC) if at.tzinfo is None else at,
                                    int(p["amount_minor"])))  # fmt: skip
    end = reference_end(as_of)
    debtor_paid: dict[int, datetime] = {}
    for ref, a in accounts.items():
        ps = [at for at, _ in pays.get(ref, ()) if end - timedelta(days=120) <= at < end]
        if ps:
            d = int(a["debtor_id"])
            debtor_paid[d] = max(debtor_paid.get(d, ps[0]), max(ps))
    keys = {
        ref: WindowKey(
            a["pack"], tuple(a["timezones"] or ()), a["inconvenient"], a["contact_window"]
        )
        for ref, a in accounts.items()
    }
    found = windows(keys.values(), as_of)
    plans: dict[str, dict[str, Any]] = {}
    for ref, a in sorted(accounts.items()):
        d = int(a["debtor_id"])
        f = _features(a, hist.get(d, ()), pays.get(ref, ()), debtor_paid.get(d), as_of)
        f["score_bp"] = scorer.baseline_row(f)
        arm = _arm(champion, a["debtor_key"])
        armspec = by_arm[arm]
        spec = armspec.spec
        seg = next((s for s in spec.segments if cond_value(s.when, f)), None)
        win = found[keys[ref]]
        er = [scorer.score_row(f, t)[1] for t in TREATMENT_NAMES]
        cost = [_money(spec.costs.get(t), a["currency"]) for t in TREATMENT_NAMES]
        if armspec.holdout is not None:
            selection = "baseline" if armspec.holdout == "baseline" else "none"
        else:
            selection = None if seg is None else spec.selection_of(seg)
        threshold = 0 if seg is None else _money(seg.threshold, a["currency"])
        excluded = spec.exclude is not None and cond_value(spec.exclude, f)
        inl = [seg is not None and t in seg.ladder for t in TREATMENT_NAMES]
        av = [inl[k] and bool(a[BY_NAME[t].needs]) for k, t in enumerate(TREATMENT_NAMES)]
        cd = [
            av[k]
            and cond_value(spec.conditions.get(t, TRUE), f)
            and (t != "visit" or (not f["vulnerable"] and not f["disputed"]))
            for k, t in enumerate(TREATMENT_NAMES)
        ]
        hb = [cd[k] and _harm_ok(t, spec, f) for k, t in enumerate(TREATMENT_NAMES)]
        live = seg is not None and not excluded and win.start is not None and selection != "none"
        cand = [h and live for h in hb]
        if selection == "least_intrusive":
            order = [k for k in range(len(cand)) if cand[k] and er[k] >= threshold]
        elif selection in ("most_intrusive", "baseline"):
            order = [k for k in range(len(cand)) if cand[k]]
            if selection == "most_intrusive":
                order.reverse()
        else:
            order = []
        chosen, blocked = None, None
        blocked_set: set[int] = set()
        for k in order:
            dec = _judge(a, k, win.start, hist.get(d, ()))
            if dec.allowed:
                chosen = k
                break
            blocked_set.add(k)
            if blocked is None or k < blocked[0]:
                v = dec.violations[0]
                blocked = (k, v.rule, v.provision)
        plans[ref] = {
            "a": a, "f": f, "arm": arm, "seg": seg, "win": win, "er": er, "cost": cost,
            "selection": selection, "threshold": threshold, "excluded": excluded,
            "inl": inl, "av": av, "cd": cd, "hb": hb, "cand": cand, "pref": order,
            "chosen": chosen, "cur": chosen, "blocked": blocked, "blocked_set": blocked_set,
            "fallback_from": None, "dropped": None, "assignee": None,
            "ev": None if chosen is None else er[chosen] - cost[chosen],
        }  # fmt: skip
    # one work item per borrower
    by_debtor: dict[int, list[str]] = defaultdict(list)
    for ref, p in plans.items():
        by_debtor[int(p["a"]["debtor_id"])].append(ref)
    for refs in by_debtor.values():
        ranked = sorted(refs, key=lambda r: (plans[r]["cur"] is None,
                                             -(plans[r]["ev"] or 0), r))  # fmt: skip
        for i, r in enumerate(ranked):
            plans[r]["keep"] = plans[r]["cur"] is not None and i == 0
            plans[r]["covered_by"] = ranked[0]
    # capacity: visits, then calls
    stages = (
        (["visit"], ("creditor", "region"), "field"),
        (["call", "call_emergency_contact"], ("creditor", "language"), "calls"),
    )
    for treatments, key_cols, kind in stages:
        ks = {TIDX[t] for t in treatments}
        inside = [r for r, p in plans.items() if p["keep"] and p["cur"] in ks]
        demand: dict[tuple[str, ...], int] = defaultdict(int)
        for r in inside:
            demand[tuple(plans[r]["f"][c] for c in key_cols)] += 1
        if kind == "field":
            pools = field_team_pools(demand, workers_from_arrow(snapshot.table("field_teams")),
                                     as_of)  # fmt: skip
        else:
            pools = collectors_pools(demand, workers_from_arrow(snapshot.table("collectors")))
        if not pools.limited:
            continue
        _capacity(plans, inside, pools, key_cols, ks, hist)
    items, none = [], []
    for _, p in sorted(plans.items()):
        if p["keep"] and p["cur"] is not None:
            items.append(_item(p))
        else:
            none.append(_none(p))
    items.sort(key=lambda x: (-x["expected_value_minor"], x["loan_ref"]))
    for i, it in enumerate(items, start=1):
        it["priority"] = i
    return items, none


def _judge(a: Mapping[str, Any], k: int, now: Any, events: Sequence[Any]) -> Any:
    s, cfg = scenario_for(a, TREATMENT_NAMES[k], now, events)
    return evaluate(s, config=cfg)


def _capacity(
    plans: dict[str, dict[str, Any]],
    inside: Sequence[str],
    pools: PoolSlots,
    key_cols: tuple[str, ...],
    ks: set[int],
    hist: Mapping[int, Sequence[Any]],
) -> None:
    caps = {tuple(r[c] for c in key_cols): int(r["cap"]) for r in pools.capacity}
    slots = defaultdict(list)
    for s in pools.slots:
        slots[tuple(s[c] for c in key_cols)].append((int(s["lo"]), int(s["hi"]), s["worker"]))
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for r in inside:
        groups[tuple(plans[r]["f"][c] for c in key_cols)].append(r)
    for key, refs in groups.items():
        refs.sort(key=lambda r: (-plans[r]["ev"], r))
        for rank, r in enumerate(refs):
            p = plans[r]
            if rank < caps.get(key, 0):
                p["assignee"] = next(w for lo, hi, w in slots[key] if lo <= rank < hi)
                continue
            p["fallback_from"] = p["cur"]
            new = None
            for k in reversed(range(p["cur"])):
                if k in ks or not p["cand"][k] or k in p["blocked_set"]:
                    continue
                dec = _judge(p["a"], k, p["win"].start, hist.get(int(p["a"]["debtor_id"]), ()))
                if dec.allowed:
                    new = k
                    break
                p["blocked_set"].add(k)
                v = dec.violations[0]
                if p["blocked"] is None or k < p["blocked"][0]:
                    p["blocked"] = (k, v.rule, v.provision)
            if new is None:
                p["dropped"] = p["cur"]
                p["cur"] = None
            else:
                p["cur"] = new
                p["ev"] = p["er"][new] - p["cost"][new]


def _item(p: Mapping[str, Any]) -> dict[str, Any]:
    k = p["cur"]
    if p["arm"] == "holdout":
        code = "holdout_baseline"
    elif p["fallback_from"] is not None:
        code = "capacity_fallback"
    elif k == TIDX["visit"] and p["selection"] == "least_intrusive":
        code = "visit_lost_contact" if p["f"]["lost_contact"] else "visit_no_conversation"
    elif p["selection"] == "most_intrusive":
        code = "most_intrusive"
    else:
        code = "least_intrusive"
    return {
        "loan_ref": p["a"]["loan_ref"],
        "treatment": TREATMENT_NAMES[k],
        "window_start": p["win"].start.astimezone(UTC),
        "window_end": p["win"].end.astimezone(UTC),
        "arm": p["arm"],
        "reason_code": code,
        "segment": p["seg"].name,
        "assignee": p["assignee"],
        "expected_recovery_minor": p["er"][k],
        "expected_value_minor": p["ev"],
        "fallback_from": None if p["fallback_from"] is None
        else TREATMENT_NAMES[p["fallback_from"]],
    }  # fmt: skip


def _none(p: Mapping[str, Any]) -> dict[str, Any]:
    detail = None
    if p["selection"] == "none":
        code = "holdout_none"
    elif p["excluded"]:
        code = "excluded"
    elif p["seg"] is None:
        code = "no_segment"
    elif p["win"].start is None:
        code = "no_window"
    elif not any(p["av"]):
        code = "no_channel"
    elif not any(p["cd"]):
        code = "conditions"
    elif not any(p["hb"]):
        code = "harm_budget"
        detail = str(p["f"]["contacts_7d"])
    elif p["chosen"] is None and not p["pref"]:
        code = "below_threshold"
    elif p["chosen"] is None:
        code = "rules_blocked"
        detail = f"{p['blocked'][1]} {p['blocked'][2]}"
    elif not p["keep"]:
        code = "debtor_covered"
        detail = p["covered_by"]
    else:
        code = "capacity"
        detail = TREATMENT_NAMES[p["dropped"]]
    return {
        "loan_ref": p["a"]["loan_ref"],
        "reason_code": code,
        "detail": detail,
        "arm": p["arm"],
        "segment": None if p["seg"] is None else p["seg"].name,
    }
