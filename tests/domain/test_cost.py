from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import assume, given, settings

from faircollect.domain.cost import (
    BASIS_CASH_LOAN,
    BASIS_LICENSED,
    BASIS_PRIVATE,
    LenderKind,
    annualised_cost_percent,
    applicable_cap_percent,
    cash_flows,
    cost_verdict,
    monthly_irr,
)
from faircollect.domain.loan import LoanTerms, RepaymentKind
from faircollect.money import Money

from .strategies import loan_terms

D = Decimal


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def test_cash_flows() -> None:
    t = LoanTerms(cny("1000"), D(12), 2, RepaymentKind.BULLET, date(2026, 1, 1), fee=cny("30"))
    assert cash_flows(t) == [cny("-970"), cny("10"), cny("1010")]


def test_irr_exact_cases() -> None:
    # bullet 10,000 at 24% without fee: exactly 2% a month
    t = LoanTerms(cny("10000"), D(24), 12, RepaymentKind.BULLET, date(2026, 1, 1))
    assert abs(monthly_irr(cash_flows(t)) - D("0.02")) < D("1e-25")
    assert annualised_cost_percent(t) == D("24.00")
    assert monthly_irr([-100, 100]) == 0
    assert abs(monthly_irr([-100, 0, 121]) - D("0.1")) < D("1e-25")
    zero = LoanTerms(cny("1200"), D(0), 12, RepaymentKind.EQUAL_PRINCIPAL, date(2026, 1, 1))
    assert annualised_cost_percent(zero) == D("0.00")


@pytest.mark.parametrize("flows", [[100, 100], [-100], [-100, -5, 200], [-100, 0], [0, 10]])
def test_irr_rejects_unusual_flows(flows: list[int]) -> None:
    with pytest.raises(ValueError):
        monthly_irr(flows)


@given(loan_terms(min_principal=10_000, max_principal=10**9, max_term=60))
@settings(max_examples=300, deadline=None)
def test_annualised_cost_agrees_with_numpy_financial(t: LoanTerms) -> None:
    flows = [m.minor for m in cash_flows(t)]
    ref = float(npf.irr(flows))
    assume(ref == ref)  # numpy-financial returns nan when it fails to converge
    ours = annualised_cost_percent(t)
    assert isinstance(ours, Decimal) and ours.as_tuple().exponent == -2
    assert abs(float(ours) - ref * 1200) <= 0.01 + 1e-9


@given(loan_terms(min_principal=1_000_000, max_principal=10**9, max_term=36, with_fee=False))
def test_without_fee_the_cost_is_the_apr(t: LoanTerms) -> None:
    # only rounding of installments to the fen separates the IRR from apr/1200
    assert abs(annualised_cost_percent(t) - t.apr) <= D("0.01")


def test_fee_raises_the_cost() -> None:
    base = LoanTerms(cny("10000"), D(18), 12, RepaymentKind.EQUAL_INSTALLMENT, date(2026, 1, 1))
    with_fee = base._replace(fee=cny("500"))
    assert annualised_cost_percent(with_fee) > annualised_cost_percent(base) + D(8)


# -- verdicts -------------------------------------------------------------------------------
DAY = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("cost", "lawful", "unsupported", "basis"),
    [
        ("0.00", True, False, BASIS_LICENSED),
        ("23.99", True, False, BASIS_LICENSED),
        ("24.00", True, False, BASIS_LICENSED),
        ("24.01", False, False, BASIS_LICENSED),
        ("35.99", False, False, BASIS_LICENSED),
        ("36.00", False, False, BASIS_LICENSED),
        ("36.01", False, True, f"{BASIS_LICENSED}; {BASIS_CASH_LOAN}"),
        ("120.00", False, True, f"{BASIS_LICENSED}; {BASIS_CASH_LOAN}"),
    ],
)
def test_licensed_verdict_boundaries(
    cost: str, lawful: bool, unsupported: bool, basis: str
) -> None:
    v = cost_verdict(D(cost), LenderKind.LICENSED, DAY)
    assert (v.lawful, v.unsupported, v.basis, v.cap_percent) == (lawful, unsupported, basis, D(24))
    assert v.determined
    assert f"{cost}%" in v.message and f"{cost}%" in v.message_zh
    if unsupported:
        assert "36%" in v.message and "not supported" in v.message and "现金贷" in v.message_zh


def test_basis_strings_cite_the_rule_catalog() -> None:
    assert BASIS_LICENSED == "法发〔2017〕22号"
    assert BASIS_CASH_LOAN == "整治办函〔2017〕141号"
    assert BASIS_PRIVATE == "SPC 法释〔2020〕17号 arts. 25, 28, 29"


@pytest.mark.parametrize(
    ("contract", "cap"),
    [
        (date(2019, 8, 20), "17.00"),
        (date(2020, 4, 19), "16.20"),
        (date(2020, 4, 20), "15.40"),
        (date(2022, 8, 22), "14.60"),
        (date(2025, 5, 20), "12.00"),
    ],
)
def test_private_cap_is_four_times_the_lpr_at_the_contract_date(contract: date, cap: str) -> None:
    assert applicable_cap_percent(LenderKind.PRIVATE, contract) == D(cap)
    at = cost_verdict(D(cap), "private", contract)
    above = cost_verdict(D(cap) + D("0.01"), "private", contract)
    assert at.lawful and not above.lawful
    assert at.cap_percent == above.cap_percent == D(cap)
    assert at.basis == BASIS_PRIVATE and at.lpr is not None
    assert at.lpr.effective_from <= contract
    assert "4 x one-year LPR" in at.message and "LPR" in at.message_zh


def test_private_loan_before_the_first_lpr_is_undetermined() -> None:
    v = cost_verdict(D(5), LenderKind.PRIVATE, date(2019, 8, 19))
    assert not v.determined and not v.lawful and v.cap_percent is None
    assert "2019-08-20" in v.message and "2019-08-20" in v.message_zh
    assert applicable_cap_percent("private", date(2019, 8, 19)) is None
    assert applicable_cap_percent("licensed", date(2010, 1, 1)) == D(24)


def test_unknown_lender_kind() -> None:
    with pytest.raises(ValueError):
        cost_verdict(D(5), "bank", DAY)
