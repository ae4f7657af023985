from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faircollect.money import (
    CurrencyMismatch,
    InvalidAmount,
    Money,
    UnknownCurrency,
    exponent,
    is_currency,
    total,
)


# -- parse --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1234.56", "CNY", 123456),
        ("0.5", "CNY", 50),
        ("7", "CNY", 700),
        ("-12.30", "USD", -1230),
        ("+0.01", "EUR", 1),
        ("1234", "JPY", 1234),
        ("1.234", "KWD", 1234),
        ("0.0001", "CLF", 1),
    ],
)
def test_parse_valid(text: str, currency: str, minor: int) -> None:
    assert Money.parse(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    "text",
    [
        "1.234",  # more decimals than CNY has
        "1.2300",  # even trailing zeros beyond the minor unit
        "1e3",
        "1E3",
        "1.5e-1",
        " 12",
        "12 ",
        "12\n",
        "",
        " ",
        "1,234.00",
        ".5",
        "5.",
        "--1",
        "NaN",
        "Infinity",
        "１２３",  # full-width digits
        "١٢",  # Arabic-Indic digits
        "¥12",
    ],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(InvalidAmount):
        Money.parse(text, "CNY")


def test_parse_jpy_has_no_decimals() -> None:
    assert exponent("JPY") == 0
    assert Money.parse("1500", "JPY").minor == 1500
    with pytest.raises(InvalidAmount):
        Money.parse("1500.5", "JPY")
    with pytest.raises(InvalidAmount):
        Money.parse("1500.0", "JPY")
    assert Money(1500, "JPY").amount_str() == "1500"


def test_unknown_currency() -> None:
    assert not is_currency("XXX")
    with pytest.raises(UnknownCurrency):
        Money.parse("1", "XXX")
    with pytest.raises(UnknownCurrency):
        Money.zero("cny")


def test_exponents() -> None:
    assert [exponent(c) for c in ("CNY", "USD", "GBP", "JPY", "KRW", "KWD", "CLF")] == [
        2,
        2,
        2,
        0,
        0,
        3,
        4,
    ]


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["CNY", "JPY", "KWD"]))
def test_amount_str_round_trips(minor: int, currency: str) -> None:
    m = Money(minor, currency)
    assert Money.parse(m.amount_str(), currency) == m
    assert Money.of(m.to_decimal(), currency) == m


def test_of_refuses_excess_precision() -> None:
    assert Money.of(Decimal("12.30"), "CNY") == Money(1230, "CNY")
    assert Money.of(Decimal("12.300"), "CNY") == Money(1230, "CNY")  # same value
    assert Money.of(5, "JPY") == Money(5, "JPY")
    for bad in (Decimal("12.301"), Decimal("NaN"), Decimal("Infinity")):
        with pytest.raises(InvalidAmount):
            Money.of(bad, "CNY")
    with pytest.raises(InvalidAmount):
        Money.of(Decimal("0.5"), "JPY")


# -- arithmetic ---------------------------------------------------------------------------
def test_arithmetic_and_comparison() -> None:
    a, b = Money(150, "CNY"), Money(75, "CNY")
    assert a + b == Money(225, "CNY")
    assert a - b == Money(75, "CNY")
    assert -a == Money(-150, "CNY")
    assert abs(Money(-3, "CNY")) == Money(3, "CNY")
    assert a * 3 == 3 * a == Money(450, "CNY")
    assert b < a and a > b and a >= a and b <= a
    assert a.min(b) == b and a.max(b) == a
    assert sum([a, b]) == Money(225, "CNY")
    assert total([], "CNY") == Money(0, "CNY")
    assert not Money.zero("CNY") and Money.zero("CNY").is_zero()


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
        lambda a, b: a.min(b),
        lambda a, b: a.max(b),
        lambda a, b: total([a, b], "CNY"),
    ],
)
def test_mixing_currencies_raises(op: object) -> None:
    with pytest.raises(CurrencyMismatch):
        op(Money(1, "CNY"), Money(1, "USD"))  # type: ignore[operator]


def test_no_floats_near_money() -> None:
    m = Money(100, "CNY")
    with pytest.raises(TypeError):
        m * 1.5
    with pytest.raises(TypeError):
        m * True
    with pytest.raises(TypeError):
        m.scale(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        m + 1  # type: ignore[operator]


def test_scale_rounds_half_up() -> None:
    assert Money(5, "CNY").scale(Decimal("0.5")) == Money(3, "CNY")  # 2.5 -> 3
    assert Money(-5, "CNY").scale(Decimal("0.5")) == Money(-3, "CNY")  # away from zero
    assert Money(10000, "CNY").scale(Decimal("0.015")) == Money(150, "CNY")


# -- allocate -------------------------------------------------------------------------------
weights = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=10**6),
        st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False),
    ),
    min_size=1,
    max_size=30,
).filter(lambda ws: any(w > 0 for w in ws))


@given(st.integers(min_value=-(10**12), max_value=10**12), weights)
def test_allocate_sums_exactly(minor: int, ws: list[int | Decimal]) -> None:
    parts = Money(minor, "CNY").allocate(ws)
    assert len(parts) == len(ws)
    assert sum(p.minor for p in parts) == minor
    total_w = sum(Decimal(w) for w in ws)
    for p, w in zip(parts, ws, strict=True):
        if w == 0:
            assert p.minor == 0
        exact = Decimal(abs(minor)) * Decimal(w) / total_w
        # every part is the exact share rounded down or up by at most one minor unit
        assert abs(Decimal(abs(p.minor)) - exact) < 1


def test_allocate_remainder_is_deterministic() -> None:
    # 100 / 3: remainders equal -> the earlier weights get the extra fen
    assert [p.minor for p in Money(100, "CNY").allocate([1, 1, 1])] == [34, 33, 33]
    assert [p.minor for p in Money(101, "CNY").allocate([1, 1, 1])] == [34, 34, 33]
    # largest remainder wins regardless of position
    assert [p.minor for p in Money(10, "CNY").allocate([1, 2])] == [3, 7]
    assert [p.minor for p in Money(-100, "CNY").allocate([1, 1, 1])] == [-34, -33, -33]
    again = Money(12345, "CNY").allocate([Decimal("0.3"), 7, Decimal("1.25")])
    assert again == Money(12345, "CNY").allocate([Decimal("0.3"), 7, Decimal("1.25")])


@pytest.mark.parametrize("ws", [[], [0, 0], [-1, 2], [Decimal("NaN")]])
def test_allocate_rejects_bad_weights(ws: list[int | Decimal]) -> None:
    with pytest.raises(ValueError):
        Money(100, "CNY").allocate(ws)


# -- formatting ---------------------------------------------------------------------------
def test_babel_formatting() -> None:
    m = Money(123456, "CNY")
    assert m.format("zh_CN") == "¥1,234.56"
    assert m.format("en") == "CN¥1,234.56"
    assert Money(1234, "JPY").format("en") == "¥1,234"
    assert Money(-5, "USD").format("en") == "-$0.05"
    assert str(m) == "1234.56 CNY"
    assert repr(Money(-5, "CNY")) == "Money('-0.05', 'CNY')"
