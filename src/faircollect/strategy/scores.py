"""Scores: the propensity to pay under each treatment and the expected recovery.

`Scorer` is the interface the strategy calls; `RuleBasedScorer` is a transparent stand-in
that a trained model (faircollect.scoring, LightGBM) will later replace. Everything is integer
arithmetic (basis points and minor units), so DuckDB and Spark give the same numbers and no
float comes near money.

The rule-based model (read it as a table, `RuleBasedScorer.describe()` prints it):

    p(treatment) [bp] = base[bucket] x lift[treatment] x fatigue[unanswered] x reach
                        x promises x recent_payment            (capped at 9,500 bp)
    expected recovery = balance x p x recovery_share

- base: the chance that an account in this bucket pays something in the next 14 days when
  it is reminded (M1 40% ... M7+ 3%);
- lift: what the treatment adds or loses against a reminder (app 50% ... visit 150%);
- fatigue: each unanswered attempt through the same treatment multiplies by 0.7 — the
  attempts in the last 14 days (letters 30, visits 90), counted when the borrower has not
  answered (a right-party conversation) or paid since the latest of them: this is what
  makes the least-intrusive strategy escalate only after cheaper channels have demonstrably
  failed;
- reach: a debtor who cannot be reached (失联) hardly answers messages or calls (20%); an
  emergency-contact call only makes sense then (else 0);
- promises: -15% per promise broken in 90 days (at most 3 counted);
- recent payment: +20% when something was paid in the last 30 days;
- recovery share: the part of the balance expected when the borrower pays (40%).
The baseline score (segment feature `score`) is base x promises x recent payment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from .treatments import BY_NAME, TREATMENT_NAMES

__all__ = ["RuleBasedScorer", "ScoreParams", "Scorer"]


class Scorer(Protocol):
    """What the strategy needs from a model. `score` receives the feature table (one row per
    account, columns of `compile.FEATURE_COLUMNS`) and returns it with, for each treatment
    `t` of `treatments`, an int64 column `p_<t>` (basis points, 0-10,000) and `er_<t>`
    (expected recovery in minor units), plus `score_bp` (the baseline propensity). A trained
    model may execute the features, predict and join its output back on `loan_id`; the
    result must be deterministic (the same input gives the same numbers on every engine)."""

    name: str
    version: str

    def score(self, features: Any, treatments: Sequence[str]) -> Any: ...


class ScoreParams:
    """The rule-based model's numbers (percent and basis points)."""

    base_bp: Mapping[str, int] = {
        "M1": 4000, "M2": 2500, "M3": 1500, "M4": 1000, "M5": 700, "M6": 500, "M7+": 300,
    }  # fmt: skip
    lift_pct: Mapping[str, int] = {
        "app": 50, "email": 40, "sms": 60, "call": 100, "letter": 70,
        "call_emergency_contact": 80, "visit": 150, "legal": 120,
    }  # fmt: skip
    #: multiplier (percent) after n unanswered attempts: 0.7 ** n, rounded
    fatigue_pct: tuple[int, ...] = (100, 70, 49, 34, 24, 17, 12, 8)
    unreachable_pct = 20
    broken_promise_pct = 15
    broken_promise_max = 3
    recent_payment_pct = 120
    recovery_share_pct = 40
    cap_bp = 9500


#: the feature column counting unanswered attempts of each treatment
UNANSWERED = {
    "app": "u_app",
    "email": "u_email",
    "sms": "u_sms",
    "call": "u_call",
    "letter": "u_letter",
    "call_emergency_contact": "u_ec",
    "visit": "u_visit",
    "legal": "u_legal",
}
#: treatments that reach the debtor remotely (hardly answered when contact is lost)
_REMOTE = frozenset({"app", "email", "sms", "call"})


class RuleBasedScorer:
    name = "rule-based"
    version = "1"

    def __init__(self, params: ScoreParams | None = None) -> None:
        self.p = params or ScoreParams()

    # -- Ibis --------------------------------------------------------------------------------
    def score(self, f: Any, treatments: Sequence[str] = TREATMENT_NAMES) -> Any:
        import ibis

        p = self.p
        i64 = "int64"
        base = ibis.cases(*((f.bucket == b, v) for b, v in p.base_bp.items()), else_=0).cast(i64)
        broken = ibis.least(f.broken_promises_90d.cast(i64), p.broken_promise_max)
        promises = (100 - broken * p.broken_promise_pct).cast(i64)
        paid = ibis.ifelse(f.paid_30d_minor > 0, p.recent_payment_pct, 100).cast(i64)
        cols: dict[str, Any] = {
            "score_bp": (base * promises * paid) // 10_000,
        }
        for t in treatments:
            n = ibis.least(f[UNANSWERED[t]].cast("int64"), len(p.fatigue_pct) - 1)
            fatigue = ibis.cases(*((n == i, v) for i, v in enumerate(p.fatigue_pct)), else_=0).cast(
                i64
            )
            if t in _REMOTE:
                reach = ibis.ifelse(f.lost_contact, p.unreachable_pct, 100).cast(i64)
            elif t == "call_emergency_contact":
                reach = ibis.ifelse(f.lost_contact, 100, 0).cast(i64)
            else:
                reach = ibis.literal(100, i64)
            raw = base * ibis.literal(p.lift_pct[t], i64) * fatigue * reach * promises * paid
            prob = ibis.least(raw // 10_000_000_000, p.cap_bp).cast("int64")
            cols[f"p_{t}"] = prob
            cols[f"er_{t}"] = (
                (f.outstanding_minor.cast(i64) * prob * p.recovery_share_pct) // 1_000_000
            ).cast("int64")
        return f.mutate(**cols)

    # -- Python (the reference implementation, one account) --------------------------------
    def score_row(self, row: Mapping[str, Any], treatment: str) -> tuple[int, int]:
        """(p_bp, expected recovery minor) for one account (a mapping of feature values)."""
        p = self.p
        base = p.base_bp.get(row["bucket"], 0)
        promises = 100 - min(int(row["broken_promises_90d"]), p.broken_promise_max) * (
            p.broken_promise_pct
        )
        paid = p.recent_payment_pct if row["paid_30d_minor"] > 0 else 100
        n = min(int(row[UNANSWERED[treatment]]), len(p.fatigue_pct) - 1)
        fatigue = p.fatigue_pct[n]
        if treatment in _REMOTE:
            reach = p.unreachable_pct if row["lost_contact"] else 100
        elif treatment == "call_emergency_contact":
            reach = 100 if row["lost_contact"] else 0
        else:
            reach = 100
        raw = base * p.lift_pct[treatment] * fatigue * reach * promises * paid
        prob = min(raw // 10_000_000_000, p.cap_bp)
        return prob, (int(row["outstanding_minor"]) * prob * p.recovery_share_pct) // 1_000_000

    def baseline_row(self, row: Mapping[str, Any]) -> int:
        p = self.p
        base = p.base_bp.get(row["bucket"], 0)
        promises = 100 - min(int(row["broken_promises_90d"]), p.broken_promise_max) * (
            p.broken_promise_pct
        )
        paid = p.recent_payment_pct if row["paid_30d_minor"] > 0 else 100
        return (base * promises * paid) // 10_000

    def describe(self) -> dict[str, Any]:
        p = self.p
        return {
            "name": self.name,
            "version": self.version,
            "base_bp": dict(p.base_bp),
            "lift_pct": {t: p.lift_pct[t] for t in BY_NAME},
            "fatigue_pct": list(p.fatigue_pct),
            "unreachable_pct": p.unreachable_pct,
            "broken_promise_pct": p.broken_promise_pct,
            "recent_payment_pct": p.recent_payment_pct,
            "recovery_share_pct": p.recovery_share_pct,
            "cap_bp": p.cap_bp,
        }
