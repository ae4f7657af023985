from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faircollect.domain.cost import LenderKind, applicable_cap_percent
from faircollect.domain.delinquency import Payment, replay
from faircollect.domain.loan import LoanTerms, RepaymentKind
from faircollect.domain.penalty import (
    Hold,
    PenaltyPolicy,
    accrual_days,
    daily_rate,
    effective_penalty_rate,
    penalty_minor,
)
from faircollect.money import Money

D = Decimal


def half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


@pytest.mark.parametrize(
    ("apr", "rate", "cap", "expected"),
    [
        (D(18), D(12), D(24), D(6)),  # reduced so that 18 + 6 = 24
        (D(18), D(3), D(24), D(3)),  # within the room
        (D(24), D(12), D(24), D(0)),  # no room
        (D(30), D(12), D(24), D(0)),  # APR already above the cap: never negative
        (D(10), D(12), D("15.40"), D("5.40")),
        (D(10), D(12), None, D(0)),  # no cap known: no penalty
        (D(10), D(-5), D(24), D(0)),
    ],
)
def test_effective_penalty_rate(apr: D, rate: D, cap: D | None, expected: D) -> None:
    assert effective_penalty_rate(apr, rate, cap) == expected


@given(
    st.decimals(min_value=0, max_value=100, places=2),
    st.decimals(min_value=0, max_value=100, places=2),
    st.one_of(st.none(), st.decimals(min_value=1, max_value=40, places=2)),
)
def test_apr_plus_penalty_never_exceeds_the_cap(apr: D, rate: D, cap: D | None) -> None:
    eff = effective_penalty_rate(apr, rate, cap)
    assert D(0) <= eff <= max(rate, D(0))
    if eff > 0:
        assert cap is not None and apr + eff <= cap


def test_daily_rate() -> None:
    assert daily_rate(D("36.5")) == Fraction(1, 1000)
    assert daily_rate(D(36), 360) == Fraction(1, 1000)
    with pytest.raises(ValueError):
        daily_rate(D(10), 364)


def test_accrual_days_and_holds() -> None:
    due = date(2026, 3, 10)
    assert accrual_days(due, due) == 0  # nothing on the due date itself
    assert accrual_days(due, due + timedelta(days=1)) == 1
    assert accrual_days(due, date(2026, 4, 9)) == 30
    assert accrual_days(due, date(2026, 3, 1)) == 0
    hold = Hold(date(2026, 3, 15), date(2026, 3, 19))  # 5 days, inclusive
    assert accrual_days(due, date(2026, 4, 9), [hold]) == 25
    # overlapping and adjacent holds are not double-counted
    holds = [
        hold,
        Hold(date(2026, 3, 18), date(2026, 3, 22)),
        Hold(date(2026, 3, 23), date(2026, 3, 23)),
    ]
    assert accrual_days(due, date(2026, 4, 9), holds) == 30 - 9
    # open-ended hold
    assert accrual_days(due, date(2026, 4, 9), [Hold(date(2026, 3, 20))]) == 9
    # a hold entirely before or after changes nothing; an inverted hold is ignored
    assert accrual_days(due, date(2026, 4, 9), [Hold(date(2026, 1, 1), date(2026, 2, 1))]) == 30
    assert accrual_days(due, date(2026, 4, 9), [Hold(date(2026, 3, 20), date(2026, 3, 1))]) == 30


def test_penalty_minor() -> None:
    # 10,000.00 overdue at 36.5%/365 = 0.1% a day for 10 days = 100.00
    assert penalty_minor(1_000_000, date(2026, 1, 1), date(2026, 1, 11), D("36.5")) == 10_000
    # half a fen rounds up: 5 fen * 0.1 = 0.5 fen
    assert penalty_minor(5, date(2026, 1, 1), date(2026, 1, 2), D("3650")) == 1
    assert (
        penalty_minor(
            1_000_000, date(2026, 1, 1), date(2026, 1, 11), D("36.5"), [Hold(date(2026, 1, 1))]
        )
        == 0
    )


# -- in the replay ------------------------------------------------------------------------
def bullet(apr: str = "18", months: int = 1, originated: date = date(2026, 1, 10)) -> LoanTerms:
    return LoanTerms(Money(1_000_000, "CNY"), D(apr), months, RepaymentKind.BULLET, originated)


def test_penalty_accrues_from_the_day_after_due_and_is_capped() -> None:
    t = bullet()  # due 2026-02-10: principal 10,000.00 + interest 150.00
    due = date(2026, 2, 10)
    policy = PenaltyPolicy(D(12))  # capped to 24 - 18 = 6
    on_due = replay(t, [], due, penalty=policy)
    assert on_due.penalty_charged.is_zero() and on_due.days_past_due == 0
    later = replay(t, [], due + timedelta(days=30), penalty=policy)
    assert later.penalty_rate_percent == D(6)
    assert later.penalty_charged.minor == penalty_minor(
        1_000_000, due, due + timedelta(days=30), D(6)
    )
    assert later.penalty_charged.minor == half_up(Fraction(1_000_000 * 6 * 30, 100 * 365))
    assert later.outstanding.minor == 1_015_000 + later.penalty_charged.minor


def test_no_penalty_when_apr_at_cap_or_private_loan_before_lpr() -> None:
    policy = PenaltyPolicy(D(12))
    at_cap = replay(bullet("24"), [], date(2026, 6, 1), penalty=policy)
    assert at_cap.penalty_charged.is_zero()
    old = replay(
        bullet("10", originated=date(2019, 1, 10)),
        [],
        date(2019, 6, 1),
        penalty=policy,
        lender_kind=LenderKind.PRIVATE,
    )
    assert applicable_cap_percent(LenderKind.PRIVATE, date(2019, 1, 10)) is None
    assert old.penalty_charged.is_zero()
    private = replay(
        bullet("10", originated=date(2024, 1, 10)),
        [],
        date(2024, 6, 1),
        penalty=policy,
        lender_kind="private",
    )
    # 4 x 3.45 = 13.80 cap; room 3.80
    assert private.penalty_rate_percent == D("3.80")


def test_hold_stops_accrual() -> None:
    t = bullet()
    due = date(2026, 2, 10)
    policy = PenaltyPolicy(D(6))
    as_of = due + timedelta(days=40)
    free = replay(t, [], as_of, penalty=policy)
    held = replay(
        t,
        [],
        as_of,
        penalty=policy,
        holds=[Hold(due + timedelta(days=11), due + timedelta(days=20))],
    )
    assert held.penalty_charged.minor == penalty_minor(
        1_000_000, due, as_of, D(6), [Hold(due + timedelta(days=11), due + timedelta(days=20))]
    )
    assert held.penalty_charged < free.penalty_charged
    frozen = replay(t, [], as_of, penalty=policy, holds=[Hold(due)])
    assert frozen.penalty_charged.is_zero()
    # the debt is still overdue during a hold: holds stop interest, not the clock
    assert frozen.days_past_due == 40


def test_penalty_is_paid_first_and_keeps_the_installment_open() -> None:
    t = bullet()
    due = date(2026, 2, 10)
    policy = PenaltyPolicy(D(6))
    paid_on = due + timedelta(days=5)
    # pay exactly the scheduled total 5 days late: the penalty takes its share first
    s = replay(t, [Payment(paid_on, Money(1_015_000, "CNY"))], paid_on, penalty=policy)
    pen = penalty_minor(1_000_000, due, paid_on, D(6))
    assert pen > 0
    inst = s.installments[0]
    assert inst.paid_penalty.minor == pen
    assert inst.paid_interest.minor == 15_000
    assert inst.remaining_principal.minor == pen
    assert not inst.is_paid and s.overdue_since == due and s.days_past_due == 5
    # penalty then accrues only on the small principal left
    s2 = replay(
        t, [Payment(paid_on, Money(1_015_000, "CNY"))], paid_on + timedelta(days=10), penalty=policy
    )
    # exact accrual: 5 days on the full principal, then 10 days on `pen` fen of principal
    exact = Fraction(1_000_000 * 5 + pen * 10) * Fraction(6, 100 * 365)
    assert s2.penalty_charged.minor == half_up(exact)


@given(
    st.integers(min_value=1, max_value=400),
    st.decimals(min_value=0, max_value=40, places=2),
    st.decimals(min_value=0, max_value=40, places=2),
)
def test_penalty_bounded_by_the_cap(days: int, apr: D, rate: D) -> None:
    t = bullet(str(apr))
    due = date(2026, 2, 10)
    s = replay(t, [], due + timedelta(days=days), penalty=PenaltyPolicy(rate))
    room = max(D(0), min(rate, D(24) - apr))
    bound = Fraction(1_000_000) * Fraction(room) / 100 * days / 365
    assert s.penalty_charged.minor <= bound + Fraction(1, 2)
