"""The kept/broken rule, for all inputs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from faircollect.payments.policy import PromisePolicy
from faircollect.payments.promises import PaymentIn, PromiseIn, judge

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def pay(day: int, amount: int, hour: int = 12) -> PaymentIn:
    at = T0 + timedelta(days=day, hours=hour)
    return PaymentIn(at, at.date(), amount)


def promise(pid: int, amount: int, due_day: int, made_day: int = 0) -> PromiseIn:
    return PromiseIn(
        pid, amount, (T0 + timedelta(days=due_day)).date(), T0 + timedelta(days=made_day), "open"
    )


def test_each_payment_counts_once():
    v = judge(
        [promise(1, 100, 5), promise(2, 100, 10)],
        [pay(3, 100)],
        today=date(2026, 3, 20),
        now=T0,
        policy=PromisePolicy(),
        currency="CNY",
    )
    assert [(x.promise_id, x.status) for x in v] == [(1, "kept"), (2, "broken")]


def test_tolerance_takes_the_larger_slack():
    pol = PromisePolicy(amount_tolerance_percent=Decimal(1), amount_tolerance_minor=500)
    from faircollect.money import Money

    assert pol.required(Money(10000, "CNY")).minor == 9500
    assert pol.required(Money(100000, "CNY")).minor == 99000


@given(
    st.lists(
        st.tuples(st.integers(1, 50_000), st.integers(0, 20), st.integers(0, 5)),
        min_size=1,
        max_size=4,
    ),
    st.lists(st.tuples(st.integers(0, 25), st.integers(1, 60_000)), max_size=6),
    st.integers(0, 3),
    st.integers(0, 30),
)
def test_judge_invariants(prs, pays, grace, today_day):
    promises = [promise(i, amt, made + due, made) for i, (amt, due, made) in enumerate(prs)]
    payments = [pay(d, a) for d, a in pays]
    today = (T0 + timedelta(days=today_day)).date()
    out = judge(
        promises,
        payments,
        today=today,
        now=T0,
        policy=PromisePolicy(grace_days=grace),
        currency="CNY",
    )
    # payments are never counted twice
    assert sum(v.paid_minor for v in out) <= sum(p.amount_minor for p in payments)
    by_id = {p.id: p for p in promises}
    for v in out:
        p = by_id[v.promise_id]
        last = p.due_on + timedelta(days=grace)
        if v.status == "kept":
            assert v.paid_minor >= p.amount_minor
            assert v.resolved_at is not None and v.resolved_at.date() <= last
        elif v.status == "broken":
            assert today > last and v.paid_minor < p.amount_minor
        else:
            assert today <= last and v.paid_minor < p.amount_minor
        # a promise kept needs payments made after it and by its last day
        eligible = sum(
            x.amount_minor for x in payments if x.paid_at >= p.made_at and x.paid_on <= last
        )
        assert v.paid_minor <= eligible
