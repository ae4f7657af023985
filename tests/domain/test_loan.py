from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faircollect.domain.loan import (
    FieldError,
    Invalid,
    LoanTerms,
    RepaymentKind,
    add_months,
    parse_apr,
    parse_terms,
    validate_terms,
)
from faircollect.money import Money


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def terms(**kw: object) -> LoanTerms:
    base: dict[str, object] = {
        "principal": cny("10000"),
        "apr": Decimal(18),
        "term_months": 12,
        "repayment": RepaymentKind.EQUAL_INSTALLMENT,
        "originated_on": date(2026, 1, 15),
    }
    base.update(kw)
    return LoanTerms(**base)  # type: ignore[arg-type]


def test_repayment_kinds() -> None:
    assert [k.value for k in RepaymentKind] == ["equal_installment", "equal_principal", "bullet"]
    assert RepaymentKind("equal_installment").label_zh == "等额本息"
    assert RepaymentKind.EQUAL_PRINCIPAL.label_zh == "等额本金"
    assert RepaymentKind.BULLET.label_zh == "先息后本"
    assert RepaymentKind.BULLET == "bullet"  # StrEnum


def test_defaults_and_derived_values() -> None:
    t = terms(fee=cny("300"))
    assert t.first_due_on is None
    assert t.due_anchor == (date(2026, 2, 15), 15)
    assert t.upfront_fee == cny("300")
    assert t.net_disbursed == cny("9700")
    assert terms().upfront_fee == Money.zero("CNY")
    assert terms().currency == "CNY"


def test_default_first_due_clamps_but_keeps_the_origination_day() -> None:
    assert terms(originated_on=date(2026, 1, 31)).due_anchor == (date(2026, 2, 28), 31)
    assert terms(originated_on=date(2024, 1, 31)).due_anchor == (date(2024, 2, 29), 31)
    explicit = terms(first_due_on=date(2026, 2, 28))
    assert explicit.due_anchor == (date(2026, 2, 28), 28)


@pytest.mark.parametrize(
    ("start", "months", "day", "expected"),
    [
        (date(2026, 1, 31), 1, None, date(2026, 2, 28)),
        (date(2026, 1, 31), 2, None, date(2026, 3, 31)),
        (date(2026, 2, 28), 1, 31, date(2026, 3, 31)),
        (date(2026, 12, 15), 1, None, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, None, date(2026, 2, 28)),
        (date(2100, 1, 29), 1, None, date(2100, 2, 28)),  # 2100 is not a leap year
        (date(2000, 1, 29), 1, None, date(2000, 2, 29)),
    ],
)
def test_add_months(start: date, months: int, day: int | None, expected: date) -> None:
    assert add_months(start, months, day) == expected


def test_valid_terms_have_no_errors() -> None:
    assert validate_terms(terms()) == ()
    assert validate_terms(terms(apr=Decimal(0), term_months=1)) == ()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"principal": cny("0")}, "principal"),
        ({"principal": cny("-1")}, "principal"),
        ({"apr": Decimal(-1)}, "apr"),
        ({"apr": Decimal("NaN")}, "apr"),
        ({"apr": Decimal("100001")}, "apr"),
        ({"apr": Decimal("1.123456789")}, "apr"),
        ({"apr": 12.5}, "apr"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": 601}, "term_months"),
        ({"repayment": "balloon"}, "repayment"),
        ({"first_due_on": date(2026, 1, 15)}, "first_due_on"),
        ({"fee": cny("10000")}, "fee"),
        ({"fee": cny("-1")}, "fee"),
        ({"fee": Money(1, "USD")}, "fee"),
    ],
)
def test_invalid_terms_name_the_field(kw: dict[str, object], field: str) -> None:
    errors = validate_terms(terms(**kw))
    assert [e.field for e in errors] == [field]
    assert all(e.message and e.message_zh for e in errors)


def test_unknown_currency_is_reported() -> None:
    errors = validate_terms(terms(principal=Money(100, "XXX")))
    assert [e.field for e in errors] == ["currency"]


def test_parse_terms_ok() -> None:
    t = parse_terms(
        principal="5000.50",
        apr="23.99",
        term_months="6",
        repayment="equal_principal",
        originated_on="2026-03-31",
        fee="50",
    )
    assert t == LoanTerms(
        cny("5000.50"),
        Decimal("23.99"),
        6,
        RepaymentKind.EQUAL_PRINCIPAL,
        date(2026, 3, 31),
        None,
        cny("50"),
    )
    jpy = parse_terms(
        principal="50000",
        apr="5",
        term_months=3,
        repayment="bullet",
        originated_on=date(2026, 1, 1),
        currency="JPY",
        first_due_on="2026-02-10",
        fee="",
    )
    assert isinstance(jpy, LoanTerms)
    assert jpy.principal == Money(50000, "JPY") and jpy.fee is None
    assert jpy.first_due_on == date(2026, 2, 10)


def test_parse_terms_collects_every_error_in_field_order() -> None:
    r = parse_terms(
        principal="1.234",
        apr="1e2",
        term_months="0",
        repayment="weekly",
        originated_on="2026-02-30",
        fee="x",
    )
    assert isinstance(r, Invalid)
    fields = [e.field for e in r.errors]
    assert fields == ["principal", "apr", "term_months", "repayment", "originated_on", "fee"]
    assert "2 decimal places" in r.errors[0].message
    assert "本金" in r.errors[0].message_zh


def test_parse_terms_range_checks_after_parsing() -> None:
    r = parse_terms(
        principal="-5",
        apr="10",
        term_months="12",
        repayment="bullet",
        originated_on="2026-01-01",
        fee="10",
    )
    assert isinstance(r, Invalid)
    assert [e.field for e in r.errors] == ["principal"]
    r = parse_terms(
        principal="100",
        apr="10",
        term_months="12",
        repayment="bullet",
        originated_on="2026-01-01",
        currency="ABC",
    )
    assert isinstance(r, Invalid) and r.errors[0].field == "currency"


@pytest.mark.parametrize("text", ["-1", "1e2", " 5", "5 ", "NaN", "inf", "", "5%", "１"])
def test_parse_apr_rejects(text: str) -> None:
    assert isinstance(parse_apr(text), FieldError)


@given(st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False))
def test_parse_apr_accepts_plain_percents(value: Decimal) -> None:
    assert parse_apr(f"{value:f}") == value
