from __future__ import annotations

import itertools
import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.domain.loan import LoanTerms, RepaymentKind
from faircollect.domain.schedule import (
    annuity_payment,
    build_schedule,
    due_dates,
    rows_from_schedule,
    schedule_rows,
)
from faircollect.money import Money

from .strategies import loan_terms


def is_month_end(d: date) -> bool:
    return date.fromordinal(d.toordinal() + 1).month != d.month


def half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


@given(loan_terms())
def test_schedule_invariants(t: LoanTerms) -> None:
    sched = build_schedule(t)
    n = t.term_months
    assert [i.seq for i in sched] == list(range(1, n + 1))
    # principals sum exactly to the principal, and none is negative
    assert sum(i.principal.minor for i in sched) == t.principal.minor
    assert all(i.principal.minor >= 0 and i.interest.minor >= 0 for i in sched)
    assert all(i.fee.is_zero() for i in sched)
    assert all(i.total == i.principal + i.interest + i.fee for i in sched)
    # due dates strictly increase, one calendar month apart
    first, day = t.due_anchor
    assert sched[0].due_on == first
    for a, b in itertools.pairwise(sched):
        assert (b.due_on.year * 12 + b.due_on.month) - (a.due_on.year * 12 + a.due_on.month) == 1
        # the anchor day, clamped only at month end
        assert b.due_on.day == day or (b.due_on.day < day and is_month_end(b.due_on))
    # interest of each installment = round_half_up(balance * apr / 1200) on the balance
    # before that installment (and zero at apr 0)
    balance = t.principal.minor
    rate = Fraction(t.apr) / 1200
    for i in sched:
        assert i.interest.minor == half_up(balance * rate)
        balance -= i.principal.minor
    assert balance == 0


@given(loan_terms(max_term=360))
def test_fast_rows_equal_reference(t: LoanTerms) -> None:
    first, day = t.due_anchor
    fast = schedule_rows(
        t.principal.minor, t.apr, t.term_months, t.repayment.value, first, day_of_month=day
    )
    assert fast == rows_from_schedule(build_schedule(t))


@given(loan_terms(min_principal=100, max_principal=10**9, max_term=120, with_fee=False))
@settings(max_examples=300)
def test_equal_installment_payment_matches_numpy_financial(t: LoanTerms) -> None:
    t = t._replace(repayment=RepaymentKind.EQUAL_INSTALLMENT)
    sched = build_schedule(t)
    payment = annuity_payment(t.principal, t.apr, t.term_months)
    ref = float(npf.pmt(float(t.apr) / 1200, t.term_months, -t.principal.minor))
    frac = ref - math.floor(ref)
    if abs(frac - 0.5) > 1e-6:  # away from a rounding tie, float and exact agree
        assert payment.minor == math.floor(ref + 0.5)
    # every installment but the last is the payment, unless the balance ran out (tiny loans)
    balance = t.principal.minor
    for i in sched[:-1]:
        assert i.total == payment or i.principal.minor == balance
        balance -= i.principal.minor


def test_known_annuity_example() -> None:
    # 10,000 at 2% a month for 12 months: the textbook payment 945.60
    t = LoanTerms(cny("10000"), Decimal(24), 12, RepaymentKind.EQUAL_INSTALLMENT, date(2026, 1, 31))
    sched = build_schedule(t)
    assert annuity_payment(t.principal, t.apr, 12) == cny("945.60")
    assert sched[0].interest == cny("200.00")
    assert sched[0].principal == cny("745.60")
    assert all(i.total == cny("945.60") for i in sched[:-1])
    assert sum(i.principal.minor for i in sched) == 1000000
    assert [i.due_on for i in sched[:4]] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]


def test_equal_principal_spreads_the_remainder_first() -> None:
    t = LoanTerms(cny("100.00"), Decimal(12), 3, RepaymentKind.EQUAL_PRINCIPAL, date(2026, 1, 10))
    sched = build_schedule(t)
    assert [i.principal.minor for i in sched] == [3334, 3333, 3333]
    # 1% a month on the declining balance
    assert [i.interest.minor for i in sched] == [100, half_up(Fraction(6666, 100)), 33]
    assert [i.principal for i in sched] == t.principal.allocate([1, 1, 1])


def test_bullet_is_interest_only_then_principal() -> None:
    t = LoanTerms(cny("10000"), Decimal(18), 6, RepaymentKind.BULLET, date(2026, 1, 10))
    sched = build_schedule(t)
    assert [i.interest for i in sched] == [cny("150")] * 6
    assert [i.principal for i in sched] == [cny("0")] * 5 + [cny("10000")]


def test_zero_rate_and_tiny_loans() -> None:
    t = LoanTerms(
        Money(2, "CNY"), Decimal(0), 4, RepaymentKind.EQUAL_INSTALLMENT, date(2026, 1, 10)
    )
    sched = build_schedule(t)
    # payment rounds 0.5 fen up to 1: the balance runs out, the rest are zero, never negative
    assert [i.principal.minor for i in sched] == [1, 1, 0, 0]
    assert all(i.interest.is_zero() for i in sched)
    jpy = LoanTerms(
        Money(100000, "JPY"), Decimal(15), 12, RepaymentKind.EQUAL_PRINCIPAL, date(2026, 1, 10)
    )
    assert sum(i.principal.minor for i in build_schedule(jpy)) == 100000


def test_invalid_terms_raise() -> None:
    bad = LoanTerms(cny("0"), Decimal(10), 12, RepaymentKind.BULLET, date(2026, 1, 1))
    with pytest.raises(ValueError, match="principal"):
        build_schedule(bad)
    with pytest.raises(ValueError):
        schedule_rows(0, Decimal(10), 12, "bullet", date(2026, 2, 1))
    with pytest.raises(ValueError):
        schedule_rows(100, Decimal(10), 12, "balloon", date(2026, 2, 1))
    with pytest.raises(ValueError):
        schedule_rows(100, Decimal(10), 0, "bullet", date(2026, 2, 1))
    with pytest.raises(TypeError):
        schedule_rows(100, 10.5, 12, "bullet", date(2026, 2, 1))  # type: ignore[arg-type]


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(min_value=1, max_value=31),
    st.integers(min_value=1, max_value=48),
)
def test_due_dates_clamp_to_month_end(first: date, day: int, n: int) -> None:
    ds = due_dates(first, n, day)
    for k, d in enumerate(ds):
        months = first.year * 12 + first.month - 1 + k
        y, m0 = divmod(months, 12)
        assert (d.year, d.month) == (y, m0 + 1)
        assert d.day == day or (d.day < day and is_month_end(d))


def test_fast_path_accepts_the_enum_and_defaults_the_anchor() -> None:
    rows = schedule_rows(100000, Decimal(12), 3, RepaymentKind.BULLET, date(2026, 1, 31))
    assert [r[1] for r in rows] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
