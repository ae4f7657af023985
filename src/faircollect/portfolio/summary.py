"""Portfolio summary: delinquency buckets per creditor and loans whose cost breaks a legal cap.

    s = summarize(session, as_of=clock.today())

- buckets: active loans and their outstanding amount per creditor (and currency) in M0..M7+,
  from the stored `overdue_since` (days past due = as_of - overdue_since; see
  domain.delinquency.bucket_for);
- cost of credit: the total annualised cost (domain.cost.annualised_cost_percent: monthly IRR
  of the contract cash flows, fee deducted up front, x 12) judged against the cap for the
  creditor's lender kind at the contract date (domain.cost.cost_verdict). The exact IRR is
  computed once per distinct contract (principal, apr, term, repayment, fee) and only where
  it can exceed the cap: a loan without a fee, an APR at least one point below the lowest cap
  and a principal of 100 or more has a cost within rounding (< 0.1 point) of its APR, so it
  is lawful without computing.

Creditor setting read: ``lender_kind`` ("licensed" by default, or "private").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from faircollect.domain.cost import (
    LICENSED_CAP_PERCENT,
    LenderKind,
    annualised_cost_percent,
    applicable_cap_percent,
    cost_verdict,
)
from faircollect.domain.delinquency import BUCKETS, bucket_for
from faircollect.domain.loan import LoanTerms, RepaymentKind
from faircollect.money import Money
from faircollect.store.db import Session
from faircollect.store.repositories import reports
from faircollect.store.scope import Scope

__all__ = ["BucketLine", "CapBreach", "CreditorSummary", "PortfolioSummary", "summarize"]


@dataclass(frozen=True)
class BucketLine:
    bucket: str  # M0 .. M7+
    loans: int
    outstanding: Money


@dataclass(frozen=True)
class CapBreach:
    loan_ref: str
    creditor: str
    cost_percent: Decimal
    cap_percent: Decimal | None
    basis: str
    principal: Money
    fee: Money
    apr: Decimal
    outstanding: Money
    message: str
    message_zh: str


@dataclass(frozen=True)
class CreditorSummary:
    creditor: str
    currency: str
    buckets: tuple[BucketLine, ...]  # every bucket, in order (zeros included)
    loans: int
    outstanding: Money
    over_cap_loans: int
    over_cap_outstanding: Money


@dataclass(frozen=True)
class PortfolioSummary:
    as_of: date
    creditors: tuple[CreditorSummary, ...]
    over_cap_examples: tuple[CapBreach, ...]
    over_cap_loans: int
    cost_checked: int = 0  # loans whose exact cost was computed
    totals: dict[str, Money] = field(default_factory=dict)  # outstanding per currency


def _lender_kind(settings: dict[str, object]) -> str:
    kind = str(settings.get("lender_kind", LenderKind.LICENSED))
    return kind if kind in {k.value for k in LenderKind} else LenderKind.LICENSED.value


def summarize(
    session: Session, *, as_of: date, scope: Scope | None = None, examples: int = 5
) -> PortfolioSummary:
    scope = scope or Scope.system()
    # -- buckets -------------------------------------------------------------------------------
    counts: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(
        lambda: {b: [0, 0] for b in BUCKETS}
    )
    for row in reports.delinquency_rows(session, scope=scope):
        dpd = 0 if row.overdue_since is None else max((as_of - row.overdue_since).days, 0)
        slot = counts[(row.creditor_code, row.currency)][bucket_for(dpd)]
        slot[0] += row.loans
        slot[1] += row.outstanding_minor
    # -- cost of credit ------------------------------------------------------------------------
    cost_cache: dict[tuple[int, Decimal, int, str, int, str], Decimal] = {}
    over: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    breaches: list[CapBreach] = []
    checked = 0
    for t in reports.loan_terms(session, scope=scope):
        kind = _lender_kind(t.creditor_settings)
        floor_cap = (
            LICENSED_CAP_PERCENT
            if kind == LenderKind.LICENSED
            else applicable_cap_percent(kind, t.originated_on)
        )
        if (
            floor_cap is not None
            and t.fee_minor == 0
            and t.apr <= floor_cap - 1
            and t.principal_minor >= 100 * 10 ** Money.zero(t.currency).exponent
        ):
            continue
        key = (t.principal_minor, t.apr, t.term_months, t.repayment, t.fee_minor, t.currency)
        cost = cost_cache.get(key)
        if cost is None:
            terms = LoanTerms(
                principal=Money(t.principal_minor, t.currency),
                apr=t.apr,
                term_months=t.term_months,
                repayment=RepaymentKind(t.repayment),
                originated_on=t.originated_on,
                first_due_on=t.first_due_on,
                fee=Money(t.fee_minor, t.currency) if t.fee_minor else None,
            )
            cost = cost_cache[key] = annualised_cost_percent(terms)
        checked += 1
        verdict = cost_verdict(cost, kind, t.originated_on)
        if verdict.lawful:
            continue
        slot = over[(t.creditor_code, t.currency)]
        slot[0] += 1
        slot[1] += t.outstanding_minor
        breaches.append(
            CapBreach(
                loan_ref=t.ref,
                creditor=t.creditor_code,
                cost_percent=cost,
                cap_percent=verdict.cap_percent,
                basis=verdict.basis,
                principal=Money(t.principal_minor, t.currency),
                fee=Money(t.fee_minor, t.currency),
                apr=t.apr,
                outstanding=Money(t.outstanding_minor, t.currency),
                message=verdict.message,
                message_zh=verdict.message_zh,
            )
        )
    # the most expensive first, then by ref: a stable, telling choice of examples
    breaches.sort(key=lambda b: (-b.cost_percent, b.loan_ref))
    creditors = []
    totals: dict[str, Money] = {}
    for (code, currency), by_bucket in sorted(counts.items()):
        lines = tuple(BucketLine(b, v[0], Money(v[1], currency)) for b, v in by_bucket.items())
        n = sum(line.loans for line in lines)
        amount = Money(sum(line.outstanding.minor for line in lines), currency)
        o = over.get((code, currency), [0, 0])
        creditors.append(
            CreditorSummary(code, currency, lines, n, amount, o[0], Money(o[1], currency))
        )
        totals[currency] = totals.get(currency, Money.zero(currency)) + amount
    return PortfolioSummary(
        as_of=as_of,
        creditors=tuple(creditors),
        over_cap_examples=tuple(breaches[:examples]),
        over_cap_loans=len(breaches),
        cost_checked=checked,
        totals=totals,
    )
