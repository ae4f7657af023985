from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given

from faircollect.domain.cost import LenderKind, annualised_cost_percent, cost_verdict
from faircollect.domain.loan import LoanTerms, RepaymentKind
from faircollect.domain.quote import quote
from faircollect.domain.schedule import build_schedule
from faircollect.money import Money

from .strategies import loan_terms


@given(loan_terms(max_term=36))
def test_quote_totals_are_consistent(t: LoanTerms) -> None:
    q = quote(t)
    assert q.installments == build_schedule(t)
    assert q.total_principal == t.principal
    assert q.total_repaid == q.total_principal + q.total_interest
    assert q.total_fees == t.upfront_fee
    # what the loan costs the borrower = what they repay - what they received
    assert q.total_repaid - q.net_disbursed == q.total_interest + q.total_fees
    assert q.annualised_cost_percent == annualised_cost_percent(t)
    assert q.verdict == cost_verdict(
        q.annualised_cost_percent, LenderKind.LICENSED, t.originated_on
    )
    assert (q.payment is not None) == (t.repayment is RepaymentKind.EQUAL_INSTALLMENT)


def test_json_shape() -> None:
    t = LoanTerms(
        Money(1_000_000, "CNY"),
        Decimal(18),
        3,
        RepaymentKind.EQUAL_INSTALLMENT,
        date(2024, 1, 31),
        fee=Money(30_000, "CNY"),
    )
    j = quote(t, "private").as_json()
    assert list(j)[:6] == [
        "installments",
        "total_interest",
        "total_fees",
        "total_repaid",
        "annualised_cost_percent",
        "verdict",
    ]
    assert [list(i) for i in j["installments"]] == [
        ["seq", "due_on", "principal", "interest", "fee", "total"]
    ] * 3
    assert [i["due_on"] for i in j["installments"]] == ["2024-02-29", "2024-03-31", "2024-04-30"]
    assert j["total_fees"] == "300.00"
    assert j["verdict"]["cap_percent"] == "13.80"  # 4 x 3.45
    assert j["verdict"]["lawful"] is False
    assert j["lender_kind"] == "private" and j["currency"] == "CNY"
