"""Compile strategy specs to Ibis expressions (the same expressions run on DuckDB and Spark).

The plan for one as-of date, stage by stage (run.py executes them, materialising where a
stage needs numbers from the previous one):

1. `features`: one row per account: the snapshot's columns plus days past due, bucket, and
   what the history says (contacts in 7/14/30/90 days, the last right-party conversation, the
   last payment, unanswered attempts per treatment since the borrower last answered or paid).
2. `with_arms`: the experiment arm of each borrower: a permanent holdout (sha256 of the
   holdout salt and the borrower key) and challengers (sha256 of the strategy's split salt),
   the rest is the champion. Borrowers, not loans, are split: every loan of a borrower is in
   the same arm (the harm budget is per borrower).
3. `with_plan_columns`: the scorer's propensity and expected recovery per treatment, the
   segment (first matching segment of the arm's strategy), its selection rule and threshold,
   and per treatment whether it is a candidate: in the segment's ladder, the channel exists,
   the escalation conditions hold, the harm budget allows it, the platform floor allows it
   (no visit for a vulnerable borrower or a disputed debt), the account has a contact window.
4. `cases`: one row per account x candidate treatment in the columnar rule engine's `cases`
   schema (`faircollect.rules.columnar`), judged at the start of the account's contact window;
   `decided_wide` turns the rule engine's answers back into one row per account.
5. `select`: the treatment per account (least intrusive clearing the threshold, most
   intrusive permitted, or the holdout's baseline), then one work item per borrower (the loan
   with the highest expected value; the borrower's other loans are "covered").
6. `capacity_stage` (visits to field teams, then calls to collectors): rank by expected value
   (expected recovery minus the treatment's cost) within each pool, keep what fits, move the
   rest to the next permitted LESS intrusive treatment (never a more intrusive one).
7. `work_items` / `no_action`: the output rows with reasons (explain.py renders the texts).

All arithmetic is on integers (minor units, basis points); every ranking has a total order
(expected value, then loan_ref): DuckDB and Spark produce identical work items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from .scores import Scorer
from .spec import TRUE, All, Any_, Cmp, Cond, Not, StrategySpec
from .treatments import BY_NAME, TREATMENT_NAMES, TREATMENTS

__all__ = [
    "CASE_STRIDE",
    "ArmSpec",
    "PoolSlots",
    "arms_for",
    "capacity_rank",
    "features",
    "plan_table",
    "round_cases",
    "round_tries",
    "round_update",
    "select",
    "with_arms",
]

TIDX: dict[str, int] = {t: i for i, t in enumerate(TREATMENT_NAMES)}
N_T = len(TREATMENT_NAMES)
CASE_STRIDE = 16  # case_id = loan_id * 16 + treatment index
NEVER = 9999  # "days since" when it never happened
SEP = "\x1f"  # separator inside packed strings (literal in SQL and in regular expressions)
CALLS = ("call", "ai_voice")
DIGITAL = ("app", "email", "sms")
COMMUNICATION = ("call", "ai_voice", "sms", "email", "app", "social", "letter", "visit")
THIRD = ("emergency_contact", "employer", "third_party")
_FEATURE_COLUMN = {
    "balance": "outstanding_minor",
    "principal": "principal_minor",
    "paid_30d": "paid_30d_minor",
    "score": "score_bp",
}
_TS_UTC = dt.Timestamp(timezone="UTC")


@dataclass(frozen=True)
class ArmSpec:
    """One arm of the experiment: its name, the strategy it runs (name, version), and for the
    holdout what it gets (baseline or none)."""

    arm: str
    spec: StrategySpec
    version: int
    holdout: str | None = None  # "baseline" | "none" for the holdout arm


def arms_for(
    champion: StrategySpec,
    version: int,
    challengers: Mapping[str, tuple[StrategySpec, int]] | None = None,
) -> tuple[ArmSpec, ...]:
    """The arms of a run: champion, its challengers (their strategies by arm name), holdout."""
    out = [ArmSpec("champion", champion, version)]
    for c in champion.challengers:
        found = (challengers or {}).get(c.arm)
        if found is None:
            raise KeyError(f"challenger arm {c.arm!r}: strategy {c.strategy!r} not given")
        out.append(ArmSpec(c.arm, found[0], found[1]))
    if champion.holdout is not None and champion.holdout.share > 0:
        out.append(ArmSpec("holdout", champion, version, champion.holdout.treatment))
    return tuple(out)


def _lit_ts(d: datetime) -> Any:
    return ibis.literal(d.astimezone(UTC), type=_TS_UTC)


def reference_end(as_of: date) -> datetime:
    """History and payments are read up to this instant (exclusive): the end of the as-of day
    in UTC. Feature windows of N days end there (approximate local days: features are not
    rules; the rules judge every candidate exactly)."""
    return datetime.combine(as_of + timedelta(days=1), time(0), UTC)


# ---------------------------------------------------------------------------------------
# 1. features
# ---------------------------------------------------------------------------------------
def features(accounts: Any, contacts: Any, payments: Any, as_of: date) -> Any:
    """One row per account: the snapshot's columns plus the features of spec.FEATURES."""
    end = reference_end(as_of)
    ref = _lit_ts(end)

    def since(days: int) -> Any:
        return _lit_ts(end - timedelta(days=days))

    # only the entries some aggregate below reads: right-party conversations (120 days) and
    # the collector's attempts in the longest window that counts them (30 days; visits 90).
    # A borrower without such entries gets no row: the same nulls / zero counts.
    h = contacts.filter(
        (contacts.at < ref)
        & (contacts.at >= since(120))
        & (
            ((contacts.party == "debtor") & (contacts.outcome == "conversation"))
            | (
                (contacts.initiated_by == "collector")
                & ((contacts.at >= since(30))
                   | ((contacts.channel == "visit") & (contacts.at >= since(90))))
            )
        )
    )  # fmt: skip
    coll = h.initiated_by == "collector"
    comm = h.channel.isin(COMMUNICATION)
    debtor = h.party == "debtor"
    d7, d14, d30, d90 = (h.at >= since(7), h.at >= since(14), h.at >= since(30),
                         h.at >= since(90))  # fmt: skip
    rpc = debtor & (h.outcome == "conversation") & h.channel.isin(("call", "ai_voice", "visit"))
    # attempts per treatment in its fatigue window (14 days; letters 30, visits 90)
    tries = {
        "app": coll & debtor & (h.channel == "app") & d14,
        "email": coll & debtor & (h.channel == "email") & d14,
        "sms": coll & debtor & (h.channel == "sms") & d14,
        "call": coll & debtor & h.channel.isin(CALLS) & d14,
        "letter": coll & (h.channel == "letter") & d30,
        "ec": coll & (h.party == "emergency_contact") & d14,
        "visit": coll & (h.channel == "visit") & d90,
    }
    agg = h.group_by("debtor_id").aggregate(
        last_rpc_at=h.at.max(where=rpc),
        contacts_7d=h.at.count(where=coll & comm & d7),
        calls_7d=h.at.count(where=coll & debtor & h.channel.isin(CALLS) & d7),
        digital_attempts_14d=h.at.count(where=coll & debtor & h.channel.isin(DIGITAL) & d14),
        third_party_contacts_7d=h.at.count(where=coll & comm & h.party.isin(THIRD) & d7),
        **{f"n_{t}": h.at.count(where=c) for t, c in tries.items()},
        **{f"l_{t}": h.at.max(where=c) for t, c in tries.items()},
    )
    p = payments.filter((payments.paid_at < ref) & (payments.paid_at >= since(120)))
    pay = p.group_by("loan_ref").aggregate(
        last_paid_at=p.paid_at.max(),
        paid_30d_minor=p.amount_minor.sum(where=p.paid_at >= since(30)),
    )
    debtor_paid = p.group_by("debtor_id").aggregate(debtor_paid_at=p.paid_at.max())
    a = accounts.left_join(pay, "loan_ref").drop("loan_ref_right")
    a = a.left_join(debtor_paid, "debtor_id").drop("debtor_id_right")
    f = a.left_join(agg, "debtor_id").drop("debtor_id_right")
    response = ibis.greatest(f.last_rpc_at, f.debtor_paid_at)

    def unanswered(t: str) -> Any:
        # the attempts in the window, when the borrower has not answered (a right-party
        # conversation) or paid since the latest of them; else none
        n, last = f[f"n_{t}"], f[f"l_{t}"]
        fresh = last.notnull() & (response.isnull() | (last > response))
        return ibis.ifelse(fresh, ibis.coalesce(n, 0), 0).cast("int64")

    f = f.mutate(
        visits_90d=ibis.coalesce(f.n_visit, 0),
        letters_30d=ibis.coalesce(f.n_letter, 0),
        u_app=unanswered("app"),
        u_email=unanswered("email"),
        u_sms=unanswered("sms"),
        u_call=unanswered("call"),
        u_letter=unanswered("letter"),
        u_ec=unanswered("ec"),
        u_visit=unanswered("visit"),
        u_legal=ibis.literal(0, "int64"),
    )
    as_of_lit = ibis.literal(as_of)
    dpd = as_of_lit.delta(f.overdue_since, unit="day").cast("int64")
    zero = ibis.literal(0, "int64")

    def n(col: str) -> Any:
        return ibis.coalesce(f[col].cast("int64"), zero)

    def days_since(ts: Any) -> Any:
        return ibis.coalesce(
            ((ref.epoch_seconds() - ts.epoch_seconds()) // 86400).cast("int64"),
            ibis.literal(NEVER, "int64"),
        )

    bucket = ibis.cases(
        (dpd <= 0, "M0"),
        (dpd <= 30, "M1"),
        (dpd <= 60, "M2"),
        (dpd <= 90, "M3"),
        (dpd <= 120, "M4"),
        (dpd <= 150, "M5"),
        (dpd <= 180, "M6"),
        else_="M7+",
    )
    disputed = (
        f.dispute_received_at.notnull()
        & (f.dispute_received_at < ref)
        & (f.verification_sent_at.isnull() | (f.verification_sent_at < f.dispute_received_at))
    )
    counts = {
        c: n(c)
        for c in (
            "contacts_7d",
            "calls_7d",
            "digital_attempts_14d",
            "third_party_contacts_7d",
            "visits_90d",
            "letters_30d",
            "u_app",
            "u_email",
            "u_sms",
            "u_call",
            "u_letter",
            "u_ec",
            "u_visit",
            "u_legal",
        )
    }
    return f.mutate(
        dpd=dpd,
        bucket=bucket,
        lost_contact=~f.reachable,
        language=ibis.ifelse(f.locale.startswith("zh"), "zh", "en"),
        disputed=disputed,
        days_since_rpc=days_since(f.last_rpc_at),
        days_since_payment=days_since(f.last_paid_at),
        paid_30d_minor=ibis.coalesce(f.paid_30d_minor.cast("int64"), zero),
        **counts,
    )


# ---------------------------------------------------------------------------------------
# 2. arms
# ---------------------------------------------------------------------------------------
def _hex_threshold(share: Decimal) -> str:
    return f"{min(int(share * 16**8), 16**8 - 1):08x}"


def _hash8(salt: str, key: Any) -> Any:
    return (ibis.literal(f"{salt}:") + key).hexdigest("sha256").substr(0, 8)


def with_arms(f: Any, champion: StrategySpec) -> Any:
    """`arm`: holdout (a permanent share, own salt), challengers (their shares of the split
    salt's hash), else champion. The hash is of the borrower key (stable across runs)."""
    branches: list[tuple[Any, str]] = []
    if champion.holdout is not None and champion.holdout.share > 0:
        h = _hash8(champion.holdout.salt, f.debtor_key)
        branches.append((h < _hex_threshold(champion.holdout.share), "holdout"))
    if champion.challengers:
        g = _hash8(champion.split_salt, f.debtor_key)
        lo = Decimal(0)
        for c in champion.challengers:
            hi = lo + c.share
            branches.append(((g >= _hex_threshold(lo)) & (g < _hex_threshold(hi)), c.arm))
            lo = hi
    arm = ibis.cases(*branches, else_="champion") if branches else ibis.literal("champion")
    return f.mutate(arm=arm)


# ---------------------------------------------------------------------------------------
# 3. conditions, segments, candidates
# ---------------------------------------------------------------------------------------
def cond_expr(c: Cond, f: Any) -> Any:
    """A spec condition as an Ibis boolean over the feature table."""
    if isinstance(c, All):
        out = ibis.literal(True)
        for x in c.items:
            out = out & cond_expr(x, f)
        return out
    if isinstance(c, Any_):
        out = ibis.literal(False)
        for x in c.items:
            out = out | cond_expr(x, f)
        return out
    if isinstance(c, Not):
        return ~cond_expr(c.item, f)
    assert isinstance(c, Cmp)
    from .spec import FEATURES

    col = f[_FEATURE_COLUMN.get(c.feature, c.feature)]
    kind = FEATURES[c.feature][0]
    if kind == "money":
        out = ibis.literal(False)
        for cur, minor in c.value:
            out = out | ((f.currency == cur) & _cmp(col, c.op, minor))
        return out
    if c.op == "in":
        return col.isin(list(c.value))
    if c.op == "not_in":
        return col.notin(list(c.value))
    return _cmp(col, c.op, c.value)


def _cmp(col: Any, op: str, v: Any) -> Any:
    return {
        "==": lambda: col == v,
        "!=": lambda: col != v,
        "<": lambda: col < v,
        "<=": lambda: col <= v,
        ">": lambda: col > v,
        ">=": lambda: col >= v,
    }[op]()


def _money_case(f: Any, money: Iterable[tuple[str, int]] | None, default: int = 0) -> Any:
    pairs = list(money or ())
    if not pairs:
        return ibis.literal(default, "int64")
    return ibis.cases(*((f.currency == cur, minor) for cur, minor in pairs), else_=default).cast(
        "int64"
    )


def _by_arm(f: Any, arms: Sequence[ArmSpec], make: Any, else_: Any) -> Any:
    """CASE arm WHEN a THEN make(a) ... (one branch per arm)."""
    return ibis.cases(*((f.arm == a.arm, make(a)) for a in arms), else_=else_)


def _by_spec(f: Any, arms: Sequence[ArmSpec], make: Any, else_: Any) -> Any:
    """Like `_by_arm` for what depends only on the arm's strategy: arms that run the same
    spec (the champion and the holdout) share one branch, and a single spec needs none."""
    groups: list[tuple[ArmSpec, list[str]]] = []
    for a in arms:
        for first, names in groups:
            if first.spec is a.spec or first.spec == a.spec:
                names.append(a.arm)
                break
        else:
            groups.append((a, [a.arm]))
    if len(groups) == 1:
        return make(groups[0][0])
    return ibis.cases(*((f.arm.isin(names), make(a)) for a, names in groups), else_=else_)


def _harm(t: str, spec: StrategySpec, f: Any) -> Any:
    hb = spec.harm_budget
    ok = ibis.literal(True)
    if t != "legal" and hb.contacts_per_week is not None:
        ok = ok & (f.contacts_7d < hb.contacts_per_week)
    if t == "visit" and hb.visits_per_90_days is not None:
        ok = ok & (f.visits_90d < hb.visits_per_90_days)
    if t == "call_emergency_contact" and hb.third_party_contacts_per_week is not None:
        ok = ok & (f.third_party_contacts_7d < hb.third_party_contacts_per_week)
    return ok


def _floor(t: str, f: Any) -> Any:
    """Platform floor, not configurable: no visit for a vulnerable borrower or a disputed
    debt (whatever a spec says; the rules may forbid more)."""
    if t == "visit":
        return ~f.vulnerable & ~f.disputed
    return ibis.literal(True)


def bit(k: Any) -> Any:
    """2**k for an int expression k in 0..N_T-1."""
    return ibis.cases(*((k == i, 2**i) for i in range(N_T)), else_=0).cast("int64")


def has_bit(mask: Any, i: int) -> Any:
    return (mask & ibis.literal(2**i, "int64")) != 0


def next_bit(mask: Any, desc: Any) -> Any:
    """The lowest set bit of `mask` (the highest when `desc`), or null."""
    low = ibis.cases(*((has_bit(mask, i), i) for i in range(N_T)), else_=ibis.null().cast("int64"))
    high = ibis.cases(
        *((has_bit(mask, i), i) for i in reversed(range(N_T))), else_=ibis.null().cast("int64")
    )
    return ibis.ifelse(desc, high, low).cast("int64")


def _mask(flags: Sequence[Any]) -> Any:
    out = ibis.literal(0, "int64")
    for i, fl in enumerate(flags):
        out = out + ibis.ifelse(fl, 2**i, 0).cast("int64")
    return out


def _any(flags: Sequence[Any]) -> Any:
    out = ibis.literal(False)
    for fl in flags:
        out = out | fl
    return out


#: columns of the plan table (one row per account; materialised once)
PLAN_COLUMNS = (
    "loan_id", "debtor_id", "debtor_key", "loan_ref", "pack", "creditor", "region", "language",
    "currency", "arm", "segment", "selection", "threshold_minor", "excluded", "has_window",
    "window_start", "window_end", "window_zone", "lost_contact", "dpd", "bucket",
    "outstanding_minor",
    "digital_attempts_14d", "days_since_rpc", "contacts_7d", "emergency_contact_point",
    *(f"er_{k}" for k in range(N_T)),
    "c_mask", "pref", "desc", "inl_any", "av_any", "cd_any", "hb_any",
)  # fmt: skip


def plan_table(f: Any, arms: Sequence[ArmSpec], scorer: Scorer) -> Any:
    """Scores, segment, selection, threshold, and which treatments are candidates (in the
    ladder, channel on file, conditions, platform floor, harm budget, a window today): the
    `PLAN_COLUMNS` of every account. `pref` is the mask of the treatments to try, in order
    (`desc`: most intrusive first): for least-intrusive selection only those whose expected
    recovery clears the threshold."""
    f = scorer.score(f, TREATMENT_NAMES)
    null_str = ibis.null().cast("string")

    def seg_of(a: ArmSpec) -> Any:
        return ibis.cases(
            *((cond_expr(s.when, f), s.name) for s in a.spec.segments), else_=null_str
        )

    f = f.mutate(segment=_by_spec(f, arms, seg_of, null_str))

    def selection_of(a: ArmSpec) -> Any:
        if a.holdout is not None:
            return ibis.literal("baseline" if a.holdout == "baseline" else "none")
        return ibis.cases(
            *((f.segment == s.name, a.spec.selection_of(s)) for s in a.spec.segments),
            else_=null_str,
        )

    def threshold_of(a: ArmSpec) -> Any:
        return ibis.cases(
            *((f.segment == s.name, _money_case(f, s.threshold)) for s in a.spec.segments),
            else_=ibis.literal(0, "int64"),
        )

    def excluded_of(a: ArmSpec) -> Any:
        return cond_expr(a.spec.exclude, f) if a.spec.exclude is not None else ibis.literal(False)

    f = f.mutate(
        selection=_by_arm(f, arms, selection_of, null_str),
        threshold_minor=_by_spec(f, arms, threshold_of, ibis.literal(0, "int64")),
        excluded=_by_spec(f, arms, excluded_of, ibis.literal(False)),
        **{f"er_{TIDX[t]}": f[f"er_{t}"] for t in TREATMENT_NAMES},
    )
    # the per-treatment flags are columns of their own (computed once per row) before the
    # masks and summaries read them: written inline, every mask would repeat them
    inl, av, cd, hb = [], [], [], []
    for t in TREATMENT_NAMES:

        def in_ladder(a: ArmSpec, t: str = t) -> Any:
            names = [s.name for s in a.spec.segments if t in s.ladder]
            return f.segment.isin(names) if names else ibis.literal(False)

        inl.append(_by_spec(f, arms, in_ladder, ibis.literal(False)))
    f = f.mutate(**{f"_i{k}": x for k, x in enumerate(inl)})
    f = f.mutate(**{f"_a{k}": f[f"_i{k}"] & f[BY_NAME[t].needs]
                    for k, t in enumerate(TREATMENT_NAMES)})  # fmt: skip
    for k, t in enumerate(TREATMENT_NAMES):

        def conditions(a: ArmSpec, t: str = t) -> Any:
            return cond_expr(a.spec.conditions.get(t, TRUE), f)  # type: ignore[arg-type]

        cd.append(f[f"_a{k}"] & _by_spec(f, arms, conditions, ibis.literal(False)) & _floor(t, f))
    f = f.mutate(**{f"_c{k}": x for k, x in enumerate(cd)})
    for k, t in enumerate(TREATMENT_NAMES):

        def harm(a: ArmSpec, t: str = t) -> Any:
            return _harm(t, a.spec, f)

        hb.append(f[f"_c{k}"] & _by_spec(f, arms, harm, ibis.literal(False)))
    live = f.segment.notnull() & ~f.excluded & f.has_window & (f.selection != "none")
    f = f.mutate(**{f"_h{k}": x for k, x in enumerate(hb)},
                 **{f"_k{k}": x & live for k, x in enumerate(hb)})  # fmt: skip
    inl, av, cd, hb = ([f[f"_{x}{k}"] for k in range(N_T)] for x in "iach")
    cand = [f[f"_k{k}"] for k in range(N_T)]
    clears = [cand[k] & (f[f"er_{k}"] >= f.threshold_minor) for k in range(N_T)]
    c_mask = _mask(cand)
    pref = ibis.cases(
        (f.selection == "least_intrusive", _mask(clears)),
        (f.selection.isin(("most_intrusive", "baseline")), c_mask),
        else_=ibis.literal(0, "int64"),
    )
    f = f.mutate(
        c_mask=c_mask,
        pref=pref.cast("int64"),
        desc=f.selection == "most_intrusive",
        inl_any=_any(inl),
        av_any=_any(av),
        cd_any=_any(cd),
        hb_any=_any(hb),
    )
    return f.select(*PLAN_COLUMNS)


# ---------------------------------------------------------------------------------------
# 4. the rules, in rounds: each account tries its next preferred treatment until one is
#    allowed (most accounts need one round: the rules rarely block the first choice)
# ---------------------------------------------------------------------------------------
#: the search state of every account being planned
STATE_COLUMNS = ("loan_id", "pref", "desc", "chosen", "blocked", "blocked_mask")


def initial_state(p: Any) -> Any:
    return p.select(
        "loan_id",
        "pref",
        "desc",
        chosen=ibis.null().cast("int64"),
        blocked=ibis.null().cast("string"),
        blocked_mask=ibis.literal(0, "int64"),
    )


def round_tries(state: Any, *, every: bool = False) -> Any:
    """(loan_id, k): the next treatment each searching account tries — or, with `every`,
    all the treatments it has left (a second round settles the few accounts whose first
    choice was blocked in one go)."""
    s = state.filter(state.chosen.isnull() & (state.pref != 0))
    if not every:
        return s.select("loan_id", k=next_bit(s.pref, s.desc))
    parts = [
        s.filter(has_bit(s.pref, i)).select("loan_id", k=ibis.literal(i, "int64"))
        for i in range(N_T)
    ]
    out = parts[0]
    for x in parts[1:]:
        out = out.union(x)
    return out


def round_cases(tries: Any, plan: Any, accounts: Any, inconvenient_structs: Any) -> Any:
    """The tries as rows of the rule engine's `cases` (rules.columnar.CASES_SCHEMA), judged
    at the start of the account's contact window."""
    from faircollect.rules.columnar.schema import CASES_SCHEMA

    p = plan.select("loan_id", "window_start", "emergency_contact_point")
    a = (
        accounts.drop("emergency_contact_point")
        if "tzkey" not in accounts.columns
        else (accounts.drop("emergency_contact_point", "tzkey"))
    )
    t = tries.join(p, "loan_id").join(a, "loan_id")
    t = t.left_join(inconvenient_structs, "inconvenient").drop("inconvenient_right")
    k = t.k
    null_s = ibis.null().cast("string")
    null_b = ibis.null().cast("boolean")
    ec = TIDX["call_emergency_contact"]

    def attr(name: str) -> Any:
        vals = [(i, getattr(x, name)) for i, x in enumerate(TREATMENTS)]
        return ibis.cases(*((k == i, v) for i, v in vals if v is not None), else_=null_s)

    window = t.contact_window
    return t.select(
        case_id=t.loan_id * CASE_STRIDE + k,
        debtor_key=t.debtor_id,
        pack=t.pack,
        now=t.window_start,
        action_channel=attr("channel"),
        action_party=attr("party"),
        action_debt_id=t.loan_ref,
        action_place=attr("place"),
        action_purpose=attr("purpose"),
        action_has_content=ibis.literal(False),
        action_in_response_to_consumer=ibis.literal(False),
        action_contact_point=ibis.ifelse(k == ec, t.emergency_contact_point, null_s),
        debtor_no_contact_places=t.no_contact_places,
        debtor_employer_prohibits=t.employer_prohibits,
        debtor_attorney=t.attorney,
        debtor_cease_received_at=t.cease_received_at,
        debtor_channel_opt_outs=t.channel_opt_outs,
        debtor_dispute_received_at=t.dispute_received_at,
        debtor_verification_sent_at=t.verification_sent_at,
        debtor_breathing_space_start=t.breathing_space_start,
        debtor_breathing_space_end=t.breathing_space_end,
        debtor_breathing_space_kind=t.breathing_space_kind,
        debtor_vulnerable=t.vulnerable,
        debtor_reachable=t.reachable,
        debtor_contact_refused=t.contact_refused,
        debtor_deceased=t.deceased,
        debtor_bankruptcy=t.bankruptcy,
        debt_time_barred=t.time_barred,
        debt_first_communication_at=t.first_communication_at,
        debt_validation_notice_sent_at=t.validation_notice_sent_at,
        debt_call_consent_until=t.call_consent_until,
        content_findings=ibis.null().cast("array<string>"),
        content_has_opt_out=null_b,
        content_has_mini_miranda=null_b,
        config_contact_point_source=ibis.ifelse(
            (k == ec) & (t.emergency_contact_source != ""), t.emergency_contact_source, null_s
        ),
        debtor_timezones=t.timezones,
        debtor_inconvenient=t.debtor_inconvenient,
        config_contact_start=ibis.ifelse(window == "", null_s, window.split("-")[0]),
        config_contact_end=ibis.ifelse(window == "", null_s, window.split("-")[1]),
    ).select(*CASES_SCHEMA.names)


def round_update(state: Any, decided: Any) -> Any:
    """The state after a round: the first allowed try in the account's order is chosen;
    blocked tries are struck off (the least intrusive blocked one is remembered with its rule
    and provision)."""
    k = (decided.case_id % CASE_STRIDE).cast("int64")
    b = bit(k)
    tag = (
        k.cast("string").lpad(2, "0")
        + SEP
        + ibis.coalesce(decided.violations[0], "")
        + SEP
        + ibis.coalesce(decided.first_provision, "")
    )
    null_s = ibis.null().cast("string")
    d = decided.group_by(loan_id=(decided.case_id // CASE_STRIDE).cast("int64")).aggregate(
        _tested=b.sum(),
        _allowed=ibis.ifelse(decided.allowed, b, 0).sum(),
        _blocked=ibis.ifelse(decided.allowed, 0, b).sum(),
        _tag=ibis.ifelse(decided.allowed, null_s, tag).min(),
    )
    s = state.left_join(d, "loan_id").drop("loan_id_right")
    tried = s._tested.notnull()
    tag_new = s._tag
    blocked = ibis.cases(
        (tag_new.isnull(), s.blocked),
        (s.blocked.isnull(), tag_new),
        else_=ibis.least(s.blocked, tag_new),
    )
    allowed = ibis.coalesce(s._allowed, 0).cast("int64")
    return s.select(
        "loan_id",
        pref=ibis.ifelse(tried, s.pref - s._tested, s.pref).cast("int64"),
        desc=s.desc,
        chosen=ibis.ifelse(s.chosen.isnull() & (allowed != 0), next_bit(allowed, s.desc), s.chosen),
        blocked=blocked,
        blocked_mask=(s.blocked_mask + ibis.coalesce(s._blocked, 0)).cast("int64"),
    )


def rules_lookback_days(packs: Iterable[str], day: date) -> int:
    """How many days back the packs' counting windows reach on `day` (plus a margin for
    local days seen from UTC): older history is needed only for the "ever" rules."""
    from faircollect.rules.packs import get_pack
    from faircollect.rules.vocab import Const, Count, Days, Hours, walk

    longest = 1
    for pid in packs:
        for r in get_pack(pid).snapshot(day).rules:
            for node in walk(r.bound):
                if isinstance(node, Count) and isinstance(node.window, Days | Hours):
                    n = node.window.n
                    if isinstance(n, Const) and isinstance(n.value, int):
                        days = n.value if isinstance(node.window, Days) else -(-n.value // 24)
                        longest = max(longest, days)
    return longest + 2


def history(contacts: Any, as_of: date, lookback_days: int, sticky: Sequence[str]) -> Any:
    """The rule engine's `history` table from the snapshot's contacts: entries in the pack's
    counting windows, plus older ones the "ever" rules read (as the contact gate does)."""
    end = reference_end(as_of) + timedelta(days=1)
    since = _lit_ts(end - timedelta(days=lookback_days + 1))
    c = contacts.filter(
        (contacts.at < _lit_ts(end))
        & (
            (contacts.at >= since)
            | contacts.outcome.isin(list(sticky))
            | (contacts.initiated_by == "consumer")
        )
    )
    return c.select(
        debtor_key=c.debtor_id,
        seq=c.seq,
        at=c.at,
        channel=c.channel,
        party=c.party,
        debt_ids=c.debt_ids,
        outcome=c.outcome,
        initiated_by=c.initiated_by,
        contact_point=c.contact_point,
        place=c.place,
        purpose=c.purpose,
    )


# ---------------------------------------------------------------------------------------
# 5. one work item per borrower
# ---------------------------------------------------------------------------------------
def cost_expr(t: Any, arms: Sequence[ArmSpec], k: Any) -> Any:
    """The cost (minor units) of treatment index `k` for the row's arm and currency."""
    branches = []
    for a in arms:
        for name, money in a.spec.costs.items():
            for cur, minor in money or ():
                branches.append(((t.arm == a.arm) & (k == TIDX[name]) & (t.currency == cur),
                                 minor))  # fmt: skip
    if not branches:
        return ibis.literal(0, "int64")
    return ibis.cases(*branches, else_=0).cast("int64")


def er_of(t: Any, k: Any) -> Any:
    return ibis.cases(*((k == i, t[f"er_{i}"]) for i in range(N_T)),
                      else_=ibis.null().cast("int64"))  # fmt: skip


#: columns of the work table (materialised after selection and after each capacity stage)
WORK_COLUMNS = (
    "loan_id", "debtor_id", "loan_ref", "creditor", "region", "language", "currency", "arm",
    *(f"er_{k}" for k in range(N_T)),
    "c_mask", "blocked", "blocked_mask", "chosen", "cur", "ev", "keep", "covered_by",
    "fallback_from", "capacity_dropped", "field_team", "collector",
)  # fmt: skip


def select(plan: Any, state: Any, arms: Sequence[ArmSpec]) -> Any:
    """The chosen treatment per account (`cur`), its expected value (expected recovery minus
    cost), and `keep`: the borrower's one work item (highest expected value, then loan_ref)."""
    w = plan.join(state.drop("pref", "desc"), "loan_id")
    ev = er_of(w, w.chosen) - cost_expr(w, arms, w.chosen)
    w = w.mutate(cur=w.chosen, ev=ev)
    has = w.cur.notnull()
    # the borrower's first loan by (has a treatment, highest expected value, loan_ref): one
    # GROUP BY (arg_min of a struct key) instead of sorting the wide rows in a window
    last = ibis.literal(2**62, "int64")  # a missing expected value sorts last
    key = ibis.struct(
        {
            "h": ibis.ifelse(has, 0, 1).cast("int64"),
            "e": ibis.ifelse(has, ibis.coalesce(-w.ev, last), 0).cast("int64"),
            "r": w.loan_ref,
        }
    )
    best = w.group_by(_b_debtor_id=w.debtor_id).aggregate(covered_by=w.loan_ref.argmin(key))
    w = w.join(best, w.debtor_id == best._b_debtor_id)
    null_i = ibis.null().cast("int64")
    null_s = ibis.null().cast("string")
    w = w.mutate(
        keep=has & (w.loan_ref == w.covered_by),
        fallback_from=null_i,
        capacity_dropped=null_i,
        field_team=null_s,
        collector=null_s,
    )
    return w.select(*WORK_COLUMNS)


# ---------------------------------------------------------------------------------------
# 6. capacity
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PoolSlots:
    """What fits in each pool today: (pool keys..., cap) rows, and which worker takes which
    ranks: (pool keys..., worker, lo, hi) rows (ranks lo <= r < hi). `limited` False: the
    pool kind is not configured (no limit)."""

    keys: tuple[str, ...]
    capacity: list[dict[str, Any]] = field(default_factory=list)
    slots: list[dict[str, Any]] = field(default_factory=list)
    limited: bool = True


def pool_tables(pools: PoolSlots) -> tuple[pa.Table, pa.Table]:
    """The capacity and the worker slots of the pools as Arrow tables (the engine registers
    them: no in-memory tables inside the expressions, so Spark needs no pandas)."""
    keys = list(pools.keys)
    cap_rows = pools.capacity or [{**{c: "" for c in keys}, "cap": 0}]
    cap = pa.table(
        {**{c: pa.array([r[c] for r in cap_rows], pa.string()) for c in keys},
         "_cap": pa.array([int(r["cap"]) for r in cap_rows], pa.int64())}
    )  # fmt: skip
    slot_rows = pools.slots or [{**{c: "" for c in keys}, "worker": "", "lo": 0, "hi": 0}]
    slots = pa.table(
        {
            **{f"_s_{c}": pa.array([r[c] for r in slot_rows], pa.string()) for c in keys},
            "_worker": pa.array([r["worker"] for r in slot_rows], pa.string()),
            "_lo": pa.array([int(r["lo"]) for r in slot_rows], pa.int64()),
            "_hi": pa.array([int(r["hi"]) for r in slot_rows], pa.int64()),
        }
    )
    return cap, slots


def capacity_rank(
    w: Any, treatments: Sequence[str], pools: PoolSlots, assignee: str, cap: Any, slots: Any
) -> Any:
    """Rank the kept items whose treatment is in `treatments` within their pool by expected
    value (then loan_ref); those that fit get their worker in `assignee`; those that do not
    get `cur` null, `fallback_from` their treatment and `fallback` the mask of treatments
    to try instead: permitted candidates less intrusive than it and outside this stage.
    `cap` / `slots`: the tables of `pool_tables(pools)` registered with the engine."""
    ks = [TIDX[t] for t in treatments]
    inside = w.keep & w.cur.isin(ks)
    null_s = ibis.null().cast("string")
    if not pools.limited:
        return w.mutate(fallback=ibis.literal(0, "int64"))
    key_cols = list(pools.keys)
    # rank only the items of this stage (a few percent of the rows), then join back
    r = w.filter(inside)
    r = r.select(
        "loan_id",
        *key_cols,
        _rank=ibis.row_number().over(
            ibis.window(group_by=[r[c] for c in key_cols], order_by=[ibis.desc(r.ev), r.loan_ref])
        ),
    )
    r = r.left_join(cap, key_cols).drop(*[f"{c}_right" for c in key_cols])
    pred = [r[c] == slots[f"_s_{c}"] for c in key_cols] + [
        r._rank >= slots._lo,
        r._rank < slots._hi,
    ]
    r = r.left_join(slots, pred).select("loan_id", "_rank", "_cap", "_worker")
    w = w.left_join(r, "loan_id").drop("loan_id_right")
    fits = inside & (w._rank < ibis.coalesce(w._cap, 0))
    over = inside & ~fits
    stage_bits = sum(2**k for k in ks)
    below = bit(w.cur) - 1  # every treatment less intrusive than the current one
    fallback = (w.c_mask & below & ibis.literal((2**N_T - 1) - stage_bits, "int64")) - (
        w.c_mask & below & ibis.literal((2**N_T - 1) - stage_bits, "int64") & w.blocked_mask
    )
    w = w.mutate(
        fallback=ibis.ifelse(over, fallback, ibis.literal(0, "int64")).cast("int64"),
        fallback_from=ibis.ifelse(over, w.cur, w.fallback_from),
        cur=ibis.ifelse(over, ibis.null().cast("int64"), w.cur),
        **{assignee: ibis.ifelse(fits, w._worker, w[assignee] if assignee in w.columns
                                 else null_s)},
    )  # fmt: skip
    return w.select(*WORK_COLUMNS, "fallback")


#: what a capacity stage may change on an item
OVERRIDE_COLUMNS = ("cur", "ev", "fallback_from", "capacity_dropped", "field_team", "collector",
                    "blocked", "blocked_mask")  # fmt: skip


def with_overrides(w: Any, overrides: Sequence[Any]) -> Any:
    """The work table with the items the capacity stages changed (small tables of
    loan_id + OVERRIDE_COLUMNS) applied in order. Lazy: the big table is never copied."""
    for i, o in enumerate(overrides):
        tag = f"_o{i}_"
        o2 = o.select("loan_id", **{f"{tag}{c}": o[c] for c in OVERRIDE_COLUMNS},
                      **{f"{tag}hit": ibis.literal(True)})  # fmt: skip
        j = w.left_join(o2, "loan_id").drop("loan_id_right")
        hit = j[f"{tag}hit"].notnull()
        j = j.mutate(**{c: ibis.ifelse(hit, j[f"{tag}{c}"], j[c]) for c in OVERRIDE_COLUMNS})
        w = j.select(*WORK_COLUMNS)
    return w


def fallback_state(w: Any) -> Any:
    """Search state for the items that overflowed: most intrusive fallback first."""
    s = w.filter(w.fallback != 0)
    return s.select(
        "loan_id",
        pref=s.fallback,
        desc=ibis.literal(True),
        chosen=ibis.null().cast("int64"),
        blocked=s.blocked,
        blocked_mask=s.blocked_mask,
    )


def apply_fallback(w: Any, state: Any, arms: Sequence[ArmSpec]) -> Any:
    """Items that overflowed take the treatment their fallback search found (or none)."""
    s = state.select("loan_id", _fb=state.chosen, _blocked=state.blocked,
                     _blocked_mask=state.blocked_mask)  # fmt: skip
    w = w.left_join(s, "loan_id").drop("loan_id_right")
    over = w.fallback != 0
    cur = ibis.ifelse(over, w._fb, w.cur)
    w = w.mutate(
        cur=cur,
        blocked=ibis.ifelse(over, w._blocked, w.blocked),
        blocked_mask=ibis.ifelse(over, w._blocked_mask, w.blocked_mask),
        capacity_dropped=ibis.ifelse(
            w.fallback_from.notnull() & cur.isnull(), w.fallback_from, w.capacity_dropped
        ),
    )
    w = w.mutate(ev=ibis.ifelse(over, er_of(w, w.cur) - cost_expr(w, arms, w.cur), w.ev))
    return w.select(*WORK_COLUMNS)
