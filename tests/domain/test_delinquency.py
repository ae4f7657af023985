from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.clock import ClockError
from faircollect.domain.delinquency import (
    BUCKETS,
    Payment,
    bucket_for,
    replay,
    replay_rows,
)
from faircollect.domain.loan import LoanTerms, RepaymentKind
from faircollect.domain.penalty import PenaltyPolicy, effective_penalty_rate
from faircollect.domain.schedule import build_schedule, schedule_rows
from faircollect.domain.waterfall import Component, WaterfallConfig, WaterfallMode
from faircollect.money import CurrencyMismatch, Money

from .strategies import loan_terms


def cny(x: int) -> Money:
    return Money(x, "CNY")


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "M0"),
        (1, "M1"),
        (30, "M1"),
        (31, "M2"),
        (60, "M2"),
        (61, "M3"),
        (90, "M3"),
        (91, "M4"),
        (120, "M4"),
        (121, "M5"),
        (150, "M5"),
        (151, "M6"),
        (180, "M6"),
        (181, "M7+"),
        (10_000, "M7+"),
    ],
)
def test_bucket_boundaries(days: int, bucket: str) -> None:
    assert bucket_for(days) == bucket


@given(st.integers(min_value=0, max_value=5000))
def test_bucket_is_monotone_and_30_days_wide(days: int) -> None:
    b = bucket_for(days)
    assert b in BUCKETS
    assert BUCKETS.index(b) <= BUCKETS.index(bucket_for(days + 1))
    if 1 <= days <= 180:
        assert b == f"M{(days + 29) // 30}"


def test_negative_days_rejected() -> None:
    with pytest.raises(ValueError):
        bucket_for(-1)


# -- replay ---------------------------------------------------------------------------------
T = LoanTerms(cny(1_200_000), Decimal(12), 3, RepaymentKind.EQUAL_PRINCIPAL, date(2026, 1, 31))
# due 2026-02-28, 2026-03-31, 2026-04-30; principal 4000.00 each; interest 120, 80, 40


def test_schedule_fixture() -> None:
    s = build_schedule(T)
    assert [i.due_on for i in s] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert [i.total.minor for i in s] == [412_000, 408_000, 404_000]


def test_current_before_and_on_the_due_date() -> None:
    for as_of in (date(2026, 2, 1), date(2026, 2, 28)):
        s = replay(T, [], as_of)
        assert (s.days_past_due, s.bucket, s.overdue_since) == (0, "M0", None)
        assert s.overdue_amount.is_zero()
        assert s.outstanding == cny(1_224_000)
        assert not any(i.is_overdue for i in s.installments)


def test_overdue_from_the_day_after() -> None:
    s = replay(T, [], date(2026, 3, 1))
    assert (s.days_past_due, s.bucket, s.overdue_since) == (1, "M1", date(2026, 2, 28))
    assert s.overdue_amount == cny(412_000)
    s = replay(T, [], date(2026, 5, 1))
    assert s.overdue_since == date(2026, 2, 28)  # the oldest unpaid installment
    assert s.days_past_due == 62 and s.bucket == "M3"
    assert s.overdue_amount == cny(1_224_000)


def test_paying_on_time_keeps_the_loan_current() -> None:
    pays = [Payment(i.due_on, i.total) for i in build_schedule(T)]
    s = replay(T, pays[:2], date(2026, 4, 15))
    assert s.bucket == "M0" and s.outstanding == cny(404_000)
    assert [i.is_paid for i in s.installments] == [True, True, False]
    assert [i.settled_on for i in s.installments] == [date(2026, 2, 28), date(2026, 3, 31), None]
    done = replay(T, pays, date(2026, 6, 1))
    assert done.outstanding.is_zero() and done.paid == cny(1_224_000) and done.bucket == "M0"


def test_partial_payment_keeps_the_oldest_due_date() -> None:
    pays = [Payment(date(2026, 3, 5), cny(500_000))]  # first 4120.00, then 880.00 of the next
    s = replay(T, pays, date(2026, 4, 10))
    assert s.installments[0].is_paid
    assert s.installments[0].settled_on == date(2026, 3, 5)
    second = s.installments[1]
    assert second.paid_interest == cny(8_000) and second.paid_principal == cny(80_000)
    assert s.overdue_since == date(2026, 3, 31) and s.days_past_due == 10
    assert s.overdue_amount == cny(408_000 - 88_000)


def test_prepayment_pays_the_next_installment_and_overpayment_is_unapplied() -> None:
    s = replay(T, [Payment(date(2026, 2, 10), cny(500_000))], date(2026, 3, 15))
    assert s.installments[0].is_paid
    assert s.installments[1].paid_total == cny(88_000)
    assert s.bucket == "M0"
    over = replay(T, [Payment(date(2026, 2, 10), cny(1_300_000))], date(2026, 3, 15))
    assert over.outstanding.is_zero() and over.unapplied == cny(76_000)
    assert over.paid == cny(1_224_000)


def test_payments_after_as_of_are_ignored() -> None:
    s = replay(T, [Payment(date(2026, 3, 10), cny(412_000))], date(2026, 3, 5))
    assert s.paid.is_zero() and s.days_past_due == 5


def test_datetime_payments_count_on_the_local_date() -> None:
    # 2026-02-28 16:30 UTC is 2026-03-01 00:30 in Shanghai: one day late
    late = Payment(datetime(2026, 2, 28, 16, 30, tzinfo=UTC), cny(412_000))
    s = replay(T, [late], date(2026, 2, 28))
    assert s.paid.is_zero()
    s = replay(T, [late], date(2026, 3, 1))
    assert s.installments[0].settled_on == date(2026, 3, 1)
    in_time = Payment(datetime(2026, 2, 28, 15, 59, tzinfo=UTC), cny(412_000))
    assert replay(T, [in_time], date(2026, 2, 28)).installments[0].is_paid
    # the same instant is still 2026-02-28 in New York
    ny = replay(T, [late], date(2026, 2, 28), tz="America/New_York")
    assert ny.installments[0].is_paid
    with pytest.raises(ClockError):
        replay(T, [Payment(datetime(2026, 2, 28, 12), cny(1))], date(2026, 3, 1))


def test_invalid_payments() -> None:
    with pytest.raises(ValueError):
        replay(T, [Payment(date(2026, 2, 1), cny(-1))], date(2026, 3, 1))
    with pytest.raises(CurrencyMismatch):
        replay(T, [Payment(date(2026, 2, 1), Money(1, "USD"))], date(2026, 3, 1))


def test_component_first_waterfall_in_the_replay() -> None:
    cfg = WaterfallConfig(mode=WaterfallMode.COMPONENT_FIRST)
    s = replay(T, [Payment(date(2026, 4, 1), cny(20_000))], date(2026, 4, 1), waterfall=cfg)
    # both overdue installments' interest (120 + 80) is paid before any principal
    assert [i.paid_interest for i in s.installments[:2]] == [cny(12_000), cny(8_000)]
    assert all(i.paid_principal.is_zero() for i in s.installments)
    order = WaterfallConfig(
        order=(Component.PRINCIPAL, Component.INTEREST, Component.PENALTY, Component.FEE)
    )
    s = replay(T, [Payment(date(2026, 4, 1), cny(20_000))], date(2026, 4, 1), waterfall=order)
    assert s.installments[0].paid_principal == cny(20_000)


@st.composite
def loan_with_payments(draw: st.DrawFn) -> tuple[LoanTerms, list[Payment], date, Decimal]:
    t = draw(loan_terms(min_principal=100, max_principal=10**8, max_term=24))
    sched = build_schedule(t)
    start = t.originated_on
    end = sched[-1].due_on + timedelta(days=200)
    span = (end - start).days
    pays = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=span),
                st.integers(min_value=0, max_value=max(1, sched[0].total.minor * 2)),
            ),
            max_size=10,
        )
    )
    as_of = start + timedelta(days=draw(st.integers(min_value=0, max_value=span)))
    rate = draw(st.decimals(min_value=0, max_value=36, places=2))
    return t, [Payment(start + timedelta(days=d), cny(a)) for d, a in pays], as_of, rate


@given(loan_with_payments(), st.sampled_from(list(WaterfallMode)))
@settings(max_examples=200)
def test_replay_invariants(
    case: tuple[LoanTerms, list[Payment], date, Decimal], mode: WaterfallMode
) -> None:
    t, pays, as_of, rate = case
    s = replay(t, pays, as_of, penalty=PenaltyPolicy(rate), waterfall=WaterfallConfig(mode=mode))
    sched = build_schedule(t)
    received = sum(p.amount.minor for p in pays if p.paid_at <= as_of)
    # money is conserved: what came in is applied or unapplied; what is owed is what was
    # scheduled plus penalty minus what was applied
    assert s.paid.minor + s.unapplied.minor == received
    scheduled = sum(i.total.minor for i in sched)
    assert s.outstanding.minor == scheduled + s.penalty_charged.minor - s.paid.minor
    assert s.outstanding.minor >= 0 and s.unapplied.minor >= 0
    assert s.unapplied.is_zero() or s.outstanding.is_zero()
    assert sum(i.paid_total.minor for i in s.installments) == s.paid.minor
    assert 0 <= s.overdue_amount.minor <= s.outstanding.minor
    assert s.outstanding_principal.minor == sum(i.remaining_principal.minor for i in s.installments)
    # days past due and bucket agree with the oldest overdue installment
    overdue = [i for i in s.installments if i.is_overdue]
    if overdue:
        assert s.overdue_since == overdue[0].installment.due_on < as_of
        assert s.days_past_due == (as_of - s.overdue_since).days >= 1
    else:
        assert s.overdue_since is None and s.days_past_due == 0
    assert s.bucket == bucket_for(s.days_past_due)
    for i in s.installments:
        assert i.remaining.minor >= 0
        assert i.is_paid == (i.remaining.minor == 0)
        assert i.paid_principal.minor + i.remaining_principal.minor == i.installment.principal.minor
        assert i.penalty_charged.minor >= 0
        if s.penalty_rate_percent == 0:
            assert i.penalty_charged.is_zero()


@given(loan_with_payments())
@settings(max_examples=100)
def test_fast_entry_matches_the_money_replay(
    case: tuple[LoanTerms, list[Payment], date, Decimal],
) -> None:
    t, pays, as_of, rate = case
    s = replay(t, pays, as_of, penalty=PenaltyPolicy(rate))
    first, day = t.due_anchor
    rows = schedule_rows(
        t.principal.minor, t.apr, t.term_months, t.repayment.value, first, day_of_month=day
    )
    capped = effective_penalty_rate(t.apr, rate, Decimal(24))
    r = replay_rows(
        rows, [(p.paid_at, p.amount.minor) for p in pays], as_of, capped_penalty_rate=capped
    )
    assert r.outstanding_minor == s.outstanding.minor
    assert r.paid_minor == s.paid.minor
    assert r.overdue_since == s.overdue_since
    assert r.unapplied_minor == s.unapplied.minor
    assert [p.total for p in r.paid_by_installment] == [i.paid_total.minor for i in s.installments]
    assert [p.principal for p in r.paid_by_installment] == [
        i.paid_principal.minor for i in s.installments
    ]
