from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.clock import ClockError, local_date
from faircollect.domain.delinquency import (
    BUCKETS,
    Payment,
    PaymentAllocation,
    RowsReplay,
    bucket_for,
    penalty_fraction,
    replay,
    replay_ordinals,
    replay_rows,
)
from faircollect.domain.loan import LoanTerms, RepaymentKind
from faircollect.domain.penalty import (
    Hold,
    PenaltyPolicy,
    daily_rate,
    effective_penalty_rate,
    merge_holds,
)
from faircollect.domain.schedule import build_schedule, schedule_rows
from faircollect.domain.waterfall import (
    DEFAULT_WATERFALL,
    Component,
    ComponentAmounts,
    WaterfallConfig,
    WaterfallMode,
    allocate_minor,
)
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


# -- the incremental replay equals the previous (rescanning) implementation --------------------
def _reference_replay_rows(
    rows: list[tuple[int, date, int, int]],
    payments: list[tuple[date | datetime, int]],
    as_of: date,
    *,
    capped_penalty_rate: Decimal = Decimal(0),
    day_basis: int = 365,
    holds: tuple[Hold, ...] = (),
    waterfall: WaterfallConfig = DEFAULT_WATERFALL,
    tz: str = "Asia/Shanghai",
) -> RowsReplay:
    """The replay as it was before the incremental rewrite (kept verbatim as the reference:
    for every payment it rescans every installment)."""
    problems = waterfall.problems()
    if problems:
        raise ValueError("; ".join(problems))
    order = waterfall.order_indexes
    mode = waterfall.mode
    as_of_ord = as_of.toordinal()
    dated = sorted(
        (
            ((local_date(at, tz) if isinstance(at, datetime) else at).toordinal(), amt, k)
            for k, (at, amt) in enumerate(payments)
        ),
        key=lambda p: p[0],
    )
    applied = [PaymentAllocation(0, 0, 0, 0, 0)] * len(dated)
    n = len(rows)
    due = [r[1].toordinal() for r in rows]
    owed = [[0, 0, r[3], r[2]] for r in rows]  # fee, penalty, interest, principal
    paid = [[0, 0, 0, 0] for _ in rows]
    settled: list[int | None] = [None] * n
    rate = daily_rate(capped_penalty_rate, day_basis) if capped_penalty_rate > 0 else Fraction(0)
    rnum, rden = rate.numerator, rate.denominator
    merged = merge_holds(holds) if rnum else ()
    pen_num = [0] * n
    charged = [0] * n
    through = list(due)

    def accrue(day: int) -> None:
        for i in range(n):
            if due[i] >= day:
                break
            prin = owed[i][3]
            start = through[i]
            if prin and day > start:
                lo = start + 1
                days = day - lo + 1
                for a, b in merged:
                    s, e = max(a, lo), min(b, day)
                    if s <= e:
                        days -= e - s + 1
                if days:
                    pen_num[i] += prin * days * rnum
                    new = (2 * pen_num[i] + rden) // (2 * rden)
                    owed[i][1] += new - charged[i]
                    charged[i] = new
            through[i] = day

    unapplied = 0
    total_in = 0
    for day, amount, k in dated:
        if day > as_of_ord:
            break
        parts = [0, 0, 0, 0]
        if amount < 0:
            raise ValueError("a payment amount cannot be negative")
        total_in += amount
        if rnum:
            accrue(day)
        idx_due = [i for i in range(n) if due[i] <= day and settled[i] is None and any(owed[i])]
        allocs, left = allocate_minor(amount, [owed[i] for i in idx_due], order, mode)
        for pos, c, a in allocs:
            paid[idx_due[pos]][c] += a
            parts[c] += a
        if left:
            idx_future = [i for i in range(n) if due[i] > day and any(owed[i])]
            allocs, left = allocate_minor(
                left, [owed[i] for i in idx_future], order, WaterfallMode.PER_INSTALLMENT
            )
            for pos, c, a in allocs:
                paid[idx_future[pos]][c] += a
                parts[c] += a
        unapplied += left
        applied[k] = PaymentAllocation(parts[0], parts[1], parts[2], parts[3], left)
        for i in range(n):
            if settled[i] is None and not any(owed[i]) and any(paid[i]):
                settled[i] = day
    if rnum:
        accrue(as_of_ord)
    outstanding = overdue = out_principal = 0
    since: int | None = None
    for i in range(n):
        rest = sum(owed[i])
        outstanding += rest
        out_principal += owed[i][3]
        if due[i] < as_of_ord and rest:
            overdue += rest
            if since is None:
                since = due[i]
    return RowsReplay(
        outstanding_minor=outstanding,
        paid_minor=total_in - unapplied,
        overdue_since=None if since is None else date.fromordinal(since),
        paid_by_installment=tuple(ComponentAmounts(*p) for p in paid),
        overdue_minor=overdue,
        unapplied_minor=unapplied,
        penalty_charged_minor=sum(charged),
        outstanding_principal_minor=out_principal,
        owed_by_installment=tuple(ComponentAmounts(*o) for o in owed),
        settled_on=tuple(None if s is None else date.fromordinal(s) for s in settled),
        payment_allocations=tuple(applied),
    )


_COMPONENT_ORDERS = st.permutations(list(Component)).map(tuple)


@st.composite
def replay_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A random loan (schedule rows), payment history, as-of date, penalty rate, holds and
    waterfall: on time, early, late, split, partial, zero, over-payments, same-day payments,
    payments after as_of, datetimes around local midnight."""
    t = draw(loan_terms(min_principal=1, max_principal=10**9, max_term=36, with_fee=False))
    first, day = t.due_anchor
    rows = schedule_rows(
        t.principal.minor, t.apr, t.term_months, t.repayment.value, first, day_of_month=day
    )
    start = t.originated_on.toordinal()
    end = rows[-1][1].toordinal() + 400
    typical = max(1, rows[0][2] + rows[0][3])
    amount = st.one_of(
        st.integers(min_value=0, max_value=typical * 3),
        st.sampled_from([0, 1, typical, typical - 1, typical + 1]),
        st.integers(min_value=0, max_value=t.principal.minor * 3),
    )
    on_due = st.sampled_from([r[1].toordinal() for r in rows]).flatmap(
        lambda d: st.integers(min_value=d - 3, max_value=d + 40)
    )
    any_day = st.integers(min_value=start, max_value=end)
    when = st.one_of(on_due, any_day).map(date.fromordinal)
    instant = st.builds(
        lambda d, minutes: (
            datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(minutes=minutes)
        ),
        when,
        st.integers(min_value=-600, max_value=1440 + 600),
    )
    pays = draw(st.lists(st.tuples(st.one_of(when, instant), amount), max_size=14))
    as_of = date.fromordinal(draw(st.one_of(any_day, on_due)))
    rate = draw(
        st.sampled_from([Decimal(0), Decimal(0), Decimal("0.01"), Decimal(24)])
        | st.decimals(min_value=0, max_value=36, places=2)
    )
    holds = draw(
        st.lists(
            st.builds(
                lambda a, length, open_: Hold(a, None if open_ else a + timedelta(days=length)),
                when,
                st.integers(min_value=-3, max_value=120),
                st.booleans(),
            ),
            max_size=3,
        )
    )
    waterfall = WaterfallConfig(draw(_COMPONENT_ORDERS), draw(st.sampled_from(list(WaterfallMode))))
    return {
        "rows": rows,
        "payments": pays,
        "as_of": as_of,
        "capped_penalty_rate": rate,
        "day_basis": draw(st.sampled_from([360, 365])),
        "holds": tuple(holds),
        "waterfall": waterfall,
        "tz": draw(st.sampled_from(["Asia/Shanghai", "America/New_York"])),
    }


@given(replay_cases())
@settings(max_examples=400, deadline=None)
def test_incremental_replay_equals_the_reference(case: dict[str, Any]) -> None:
    try:
        expected: RowsReplay | str = _reference_replay_rows(**case)
    except ValueError as e:
        expected = f"ValueError: {e}"
    try:
        got: RowsReplay | str = replay_rows(**case)
    except ValueError as e:
        got = f"ValueError: {e}"
    assert got == expected


@given(replay_cases())
@settings(max_examples=200, deadline=None)
def test_replay_ordinals_is_the_core_of_replay_rows(case: dict[str, Any]) -> None:
    """The plain-integer entry (what the bulk importer calls) gives the same state."""
    rows, tz = case["rows"], case["tz"]
    dated = sorted(
        (
            ((local_date(at, tz) if isinstance(at, datetime) else at).toordinal(), amt)
            for at, amt in case["payments"]
        ),
        key=lambda p: p[0],
    )
    num, den = penalty_fraction(case["capped_penalty_rate"], case["day_basis"])
    core = replay_ordinals(
        [r[1].toordinal() for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        [d for d, _ in dated],
        [a for _, a in dated],
        case["as_of"].toordinal(),
        rate_num=num,
        rate_den=den,
        holds=merge_holds(case["holds"]) if num else (),
        waterfall=case["waterfall"],
    )
    ref = _reference_replay_rows(
        **{**case, "payments": [(date.fromordinal(d), a) for d, a in dated]}
    )
    assert core.outstanding == ref.outstanding_minor
    assert core.total_in - core.unapplied == ref.paid_minor
    assert [tuple(p) for p in core.paid] == [tuple(p) for p in ref.paid_by_installment]
    assert [tuple(o) for o in core.owed] == [tuple(o) for o in ref.owed_by_installment]
    assert [date.fromordinal(s) if s else None for s in core.settled] == list(ref.settled_on)
    assert [PaymentAllocation(*a) for a in core.allocations] == list(ref.payment_allocations)
    assert (date.fromordinal(core.overdue_since) if core.overdue_since else None) == (
        ref.overdue_since
    )


def test_replay_ordinals_rejects_unordered_input() -> None:
    with pytest.raises(ValueError, match="due-date order"):
        replay_ordinals([10, 5], [1, 1], [0, 0], [], [], 20)
    with pytest.raises(ValueError, match="date order"):
        replay_ordinals([10, 20], [1, 1], [0, 0], [15, 12], [1, 1], 30)
    with pytest.raises(ValueError, match="date order"):  # also among payments after as_of
        replay_ordinals([10, 20], [1, 1], [0, 0], [15, 40, 35], [1, 1, 1], 30)
