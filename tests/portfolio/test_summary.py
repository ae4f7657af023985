"""The portfolio summary: buckets per creditor and loans above a legal cost cap."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from faircollect.domain.cost import annualised_cost_percent, cost_verdict
from faircollect.domain.delinquency import bucket_for
from faircollect.domain.loan import LoanTerms, RepaymentKind
from faircollect.money import Money
from faircollect.portfolio.summary import summarize
from faircollect.store.tables import Creditor, Loan

from .conftest import AS_OF


def _terms(lo: Loan) -> LoanTerms:
    fee = Money(lo.fee_minor, lo.currency) if lo.fee_minor else None
    return LoanTerms(
        Money(lo.principal_minor, lo.currency),
        lo.apr,
        lo.term_months,
        RepaymentKind(lo.repayment),
        lo.originated_on,
        lo.first_due_on,
        fee,
    )


def test_summary_matches_the_domain(db: Any, portfolio: Any, do_import: Any) -> None:
    assert do_import(db, portfolio).ok
    with db.transaction() as s:
        summary = summarize(s, as_of=AS_OF)
        loans = s.scalars(select(Loan)).all()
        codes = {c.id: c.code for c in s.scalars(select(Creditor))}
    expected: dict[tuple[str, str], list[int]] = {}
    for lo in loans:
        dpd = 0 if lo.overdue_since is None else (AS_OF - lo.overdue_since).days
        slot = expected.setdefault((codes[lo.creditor_id], bucket_for(dpd)), [0, 0])
        slot[0] += 1
        slot[1] += lo.outstanding_minor
    got = {
        (c.creditor, b.bucket): [b.loans, b.outstanding.minor]
        for c in summary.creditors
        for b in c.buckets
        if b.loans
    }
    assert got == expected
    assert [c.creditor for c in summary.creditors] == ["ACME-CFC", "ZEN-MICRO"]
    assert [b.bucket for b in summary.creditors[0].buckets] == [
        "M0",
        "M1",
        "M2",
        "M3",
        "M4",
        "M5",
        "M6",
        "M7+",
    ]
    # every loan judged without the shortcut: the same breaches
    over = {
        lo.ref
        for lo in loans
        if not cost_verdict(
            annualised_cost_percent(_terms(lo)), "licensed", lo.originated_on
        ).lawful
    }
    assert {b.loan_ref for b in summary.over_cap_examples} == over
    assert summary.over_cap_loans == len(over) and "L3" in over
    l3 = next(b for b in summary.over_cap_examples if b.loan_ref == "L3")
    assert l3.cap_percent == Decimal(24) and l3.cost_percent >= Decimal("36.5") - Decimal("0.5")
    assert l3.message and l3.message_zh


@settings(max_examples=25, deadline=None)
@given(
    st.integers(10_000, 5_000_000),
    st.decimals(Decimal(0), Decimal(23), places=2),
    st.sampled_from([1, 3, 6, 12, 24, 36]),
    st.sampled_from(list(RepaymentKind)),
)
def test_the_shortcut_is_sound(
    principal: int, apr: Decimal, term: int, kind: RepaymentKind
) -> None:
    """No fee, APR at least a point below the 24% cap, principal >= 100: never above the cap
    (the summary skips computing those)."""
    terms = LoanTerms(Money(principal, "CNY"), apr, term, kind, date(2025, 1, 10))
    assert annualised_cost_percent(terms) <= Decimal(24)
