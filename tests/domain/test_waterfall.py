from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faircollect.domain.waterfall import (
    DEFAULT_WATERFALL,
    Component,
    InvalidWaterfall,
    OpenInstallment,
    WaterfallConfig,
    WaterfallMode,
    allocate_payment,
    parse_waterfall,
)
from faircollect.money import CurrencyMismatch, Money

C = Component


def m(x: int) -> Money:
    return Money(x, "CNY")


def item(
    seq: int, fee: int = 0, penalty: int = 0, interest: int = 0, principal: int = 0
) -> OpenInstallment:
    return OpenInstallment(seq, m(fee), m(penalty), m(interest), m(principal))


amounts = st.integers(min_value=0, max_value=10**6)
items = st.lists(st.tuples(amounts, amounts, amounts, amounts), max_size=8).map(
    lambda rows: [item(i + 1, *r) for i, r in enumerate(rows)]
)
configs = st.builds(
    WaterfallConfig,
    st.permutations(list(Component)).map(tuple),
    st.sampled_from(list(WaterfallMode)),
)


def owed(o: OpenInstallment, c: Component) -> int:
    return {C.FEE: o.fee, C.PENALTY: o.penalty, C.INTEREST: o.interest, C.PRINCIPAL: o.principal}[
        c
    ].minor


@given(st.integers(min_value=0, max_value=10**7), items, configs)
def test_allocation_always_sums_to_the_payment(
    payment: int, open_items: list[OpenInstallment], cfg: WaterfallConfig
) -> None:
    r = allocate_payment(m(payment), list(reversed(open_items)), cfg)  # order given is irrelevant
    assert sum(a.amount.minor for a in r.allocations) + r.unapplied.minor == payment
    by = r.by_installment()
    total_owed = 0
    for o in open_items:
        for c in Component:
            got = by.get(o.seq, {}).get(c, m(0)).minor
            assert 0 <= got <= owed(o, c)
            total_owed += owed(o, c)
    assert all(a.amount.minor > 0 for a in r.allocations)
    # overpayment only once everything is paid
    assert r.unapplied.minor == max(0, payment - total_owed)


@given(st.integers(min_value=0, max_value=10**7), items, configs)
def test_order_is_respected(
    payment: int, open_items: list[OpenInstallment], cfg: WaterfallConfig
) -> None:
    r = allocate_payment(m(payment), open_items, cfg)
    by = r.by_installment()

    def fully_paid(o: OpenInstallment, c: Component) -> bool:
        return by.get(o.seq, {}).get(c, m(0)).minor == owed(o, c)

    # the slots in payment order; a slot gets money only when every earlier slot is full
    if cfg.mode is WaterfallMode.PER_INSTALLMENT:
        slots = [(o, c) for o in open_items for c in cfg.order]
    else:
        slots = [(o, c) for c in cfg.order for o in open_items]
    for k, (o, c) in enumerate(slots):
        if by.get(o.seq, {}).get(c, m(0)).minor > 0:
            assert all(fully_paid(p, d) for p, d in slots[:k])


def test_default_order_oldest_first() -> None:
    r = allocate_payment(
        m(1000),
        [item(2, fee=10, penalty=20, interest=100, principal=900), item(1, 5, 15, 80, 700)],
    )
    assert [(a.seq, a.component, a.amount.minor) for a in r.allocations] == [
        (1, C.FEE, 5),
        (1, C.PENALTY, 15),
        (1, C.INTEREST, 80),
        (1, C.PRINCIPAL, 700),
        (2, C.FEE, 10),
        (2, C.PENALTY, 20),
        (2, C.INTEREST, 100),
        (2, C.PRINCIPAL, 70),
    ]
    assert r.unapplied == m(0)


def test_component_first_across_installments() -> None:
    cfg = WaterfallConfig(mode=WaterfallMode.COMPONENT_FIRST)
    r = allocate_payment(
        m(150), [item(1, interest=50, principal=500), item(2, interest=50, principal=500)], cfg
    )
    assert [(a.seq, a.component, a.amount.minor) for a in r.allocations] == [
        (1, C.INTEREST, 50),
        (2, C.INTEREST, 50),
        (1, C.PRINCIPAL, 50),
    ]


def test_principal_first_order() -> None:
    cfg = WaterfallConfig(order=(C.PRINCIPAL, C.INTEREST, C.PENALTY, C.FEE))
    r = allocate_payment(m(600), [item(1, fee=1, penalty=2, interest=50, principal=500)], cfg)
    assert r.by_installment() == {
        1: {C.PRINCIPAL: m(500), C.INTEREST: m(50), C.PENALTY: m(2), C.FEE: m(1)}
    }
    assert r.unapplied == m(47)


def test_nothing_open_is_all_unapplied() -> None:
    r = allocate_payment(m(123), [])
    assert r.allocations == () and r.unapplied == m(123)


def test_errors() -> None:
    with pytest.raises(ValueError):
        allocate_payment(m(-1), [item(1, principal=5)])
    with pytest.raises(CurrencyMismatch):
        allocate_payment(Money(1, "USD"), [item(1, principal=5)])
    with pytest.raises(ValueError):
        allocate_payment(m(1), [item(1, principal=-5)])
    bad = WaterfallConfig(order=(C.FEE, C.FEE, C.INTEREST, C.PRINCIPAL))
    assert bad.problems()
    with pytest.raises(ValueError):
        allocate_payment(m(1), [item(1, principal=5)], bad)
    assert WaterfallConfig(order=(C.FEE, C.INTEREST, C.PRINCIPAL)).problems()


def test_parse_waterfall_from_creditor_settings() -> None:
    assert parse_waterfall(None) == DEFAULT_WATERFALL
    assert parse_waterfall({}) == DEFAULT_WATERFALL
    cfg = parse_waterfall(
        {"order": ["principal", "interest", "penalty", "fee"], "mode": "component_first"}
    )
    assert cfg == WaterfallConfig(
        (C.PRINCIPAL, C.INTEREST, C.PENALTY, C.FEE), WaterfallMode.COMPONENT_FIRST
    )
    assert parse_waterfall({"mode": "per_installment"}) == DEFAULT_WATERFALL
    for bad in (
        {"order": ["fee"]},
        {"order": ["fee", "tip", "interest", "principal"]},
        {"mode": "random"},
    ):
        result = parse_waterfall(bad)
        assert isinstance(result, InvalidWaterfall)
        assert result.problems and all(isinstance(x, str) for x in result.problems)


def test_every_permutation_is_a_valid_config() -> None:
    for order in itertools.permutations(Component):
        assert WaterfallConfig(tuple(order)).problems() == ()
