"""Loan terms: what was agreed at origination.

`LoanTerms` is a plain value; it does not validate itself. Use `parse_terms` (text in, e.g.
from the CLI or a CSV row) or `validate_terms` (a value in): both return errors as values, one
`FieldError` per offending field, named like the loans.csv columns (DESIGN 4.2), with an English
and a Chinese message.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from faircollect.money import Money, MoneyError, exponent, is_currency

__all__ = [
    "MAX_APR_PERCENT",
    "MAX_TERM_MONTHS",
    "FieldError",
    "Invalid",
    "LoanTerms",
    "RepaymentKind",
    "add_months",
    "check_apr",
    "parse_apr",
    "parse_terms",
    "validate_terms",
]

MAX_TERM_MONTHS = 600  # 50 years; anything longer is a data error, not a consumer loan
MAX_APR_PERCENT = Decimal(100000)  # absurd but representable: usurious loans must be quotable
MAX_APR_PLACES = 8


class RepaymentKind(StrEnum):
    """How the principal is repaid (DESIGN 4.2 `repayment`)."""

    EQUAL_INSTALLMENT = "equal_installment"  # 等额本息: constant payment (annuity)
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金: constant principal, declining interest
    BULLET = "bullet"  # 先息后本: interest monthly, all principal with the last installment

    @property
    def label_zh(self) -> str:
        return _KIND_ZH[self]


_KIND_ZH = {
    RepaymentKind.EQUAL_INSTALLMENT: "等额本息",
    RepaymentKind.EQUAL_PRINCIPAL: "等额本金",
    RepaymentKind.BULLET: "先息后本",
}


class LoanTerms(NamedTuple):
    """The agreed terms of one loan.

    - principal: the contract amount (what the schedule amortises), > 0
    - apr: nominal annual rate in percent (Decimal, e.g. Decimal("23.99")); monthly rate apr/1200
    - term_months: number of monthly installments (1..600)
    - repayment: see `RepaymentKind`
    - originated_on: contract/disbursement date (local business date)
    - first_due_on: first due date; None means originated_on + 1 month (day clamped)
    - fee: deducted at disbursement (the borrower receives principal - fee); None means zero
    """

    principal: Money
    apr: Decimal
    term_months: int
    repayment: RepaymentKind
    originated_on: date
    first_due_on: date | None = None
    fee: Money | None = None

    @property
    def currency(self) -> str:
        return self.principal.currency

    @property
    def upfront_fee(self) -> Money:
        """The fee deducted at disbursement (zero when none)."""
        return self.fee if self.fee is not None else Money.zero(self.principal.currency)

    @property
    def net_disbursed(self) -> Money:
        """What the borrower actually receives: principal - fee."""
        return self.principal - self.upfront_fee

    @property
    def due_anchor(self) -> tuple[date, int]:
        """(first due date, day of month every due date aims at).

        With first_due_on given, its day is the anchor. Without it, the origination day is the
        anchor: originated Jan 31 -> Feb 28 -> Mar 31 -> Apr 30 ...
        """
        if self.first_due_on is not None:
            return self.first_due_on, self.first_due_on.day
        return add_months(self.originated_on, 1, self.originated_on.day), self.originated_on.day


class FieldError(NamedTuple):
    """One invalid input field (names follow loans.csv columns)."""

    field: str
    message: str
    message_zh: str


class Invalid(NamedTuple):
    """The result of a failed `parse_terms`: every error found, in field order."""

    errors: tuple[FieldError, ...]


def add_months(d: date, months: int, day: int | None = None) -> date:
    """`d` moved by `months` calendar months, aiming at `day` (default d.day), clamped to the
    month's last day."""
    y, m0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    aim = d.day if day is None else day
    return date(y, m0 + 1, min(aim, _days_in_month(y, m0 + 1)))


def _days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    return 30 if m in (4, 6, 9, 11) else 31


# --------------------------------------------------------------------------------------
# validation (errors as values)
# --------------------------------------------------------------------------------------
_APR_RE = re.compile(r"^[0-9]+(?:\.[0-9]+)?$", re.ASCII)


def _err(field: str, en: str, zh: str) -> FieldError:
    return FieldError(field, en, zh)


def parse_apr(text: str) -> Decimal | FieldError:
    """A percent as a plain decimal string ("23.99"); no sign, exponent, blanks or NaN."""
    if not _APR_RE.match(text):
        return _err(
            "apr",
            f"apr must be a plain decimal percent such as 23.99, got {text!r}",
            f"年利率须为普通小数百分数（如 23.99），收到 {text!r}",
        )
    return check_apr(Decimal(text))


def check_apr(apr: Decimal) -> Decimal | FieldError:
    """Range checks on a parsed apr (>= 0, <= MAX_APR_PERCENT, at most 8 places)."""
    if not isinstance(apr, Decimal):
        return _err("apr", "apr must be a Decimal", "年利率必须为精确小数（Decimal）")
    if not apr.is_finite() or apr < 0:
        return _err("apr", f"apr must be >= 0, got {apr}", f"年利率不能为负：{apr}")
    if apr > MAX_APR_PERCENT:
        return _err(
            "apr",
            f"apr must be at most {MAX_APR_PERCENT}%, got {apr}",
            f"年利率不能超过 {MAX_APR_PERCENT}%：{apr}",
        )
    if -int(apr.as_tuple().exponent) > MAX_APR_PLACES:
        return _err(
            "apr",
            f"apr has more than {MAX_APR_PLACES} decimal places: {apr}",
            f"年利率小数位超过 {MAX_APR_PLACES} 位：{apr}",
        )
    return apr


def _check_term(n: int) -> FieldError | None:
    if not 1 <= n <= MAX_TERM_MONTHS:
        return _err(
            "term_months",
            f"term_months must be between 1 and {MAX_TERM_MONTHS}, got {n}",
            f"期数须在 1 到 {MAX_TERM_MONTHS} 之间，收到 {n}",
        )
    return None


def _check_principal(p: Money) -> FieldError | None:
    if p.minor <= 0:
        return _err(
            "principal",
            f"principal must be positive, got {p.amount_str()}",
            f"本金必须大于零，收到 {p.amount_str()}",
        )
    return None


def _check_fee(fee: Money, principal: Money) -> FieldError | None:
    if fee.currency != principal.currency:
        return _err(
            "fee",
            f"fee currency {fee.currency} differs from principal currency {principal.currency}",
            f"费用币种 {fee.currency} 与本金币种 {principal.currency} 不一致",
        )
    if fee.minor < 0:
        return _err("fee", f"fee must be >= 0, got {fee.amount_str()}", "费用不能为负")
    if principal.minor > 0 and fee.minor >= principal.minor:
        return _err(
            "fee",
            f"fee {fee.amount_str()} must be less than the principal {principal.amount_str()}",
            f"费用 {fee.amount_str()} 必须小于本金 {principal.amount_str()}",
        )
    return None


def _check_first_due(first_due_on: date | None, originated_on: date) -> FieldError | None:
    if first_due_on is not None and first_due_on <= originated_on:
        return _err(
            "first_due_on",
            f"first_due_on {first_due_on} must be after originated_on {originated_on}",
            f"首个还款日 {first_due_on} 必须晚于放款日 {originated_on}",
        )
    return None


def validate_terms(terms: LoanTerms) -> tuple[FieldError, ...]:
    """Every problem with a `LoanTerms` value; () when it is valid."""
    errors: list[FieldError] = []
    if not is_currency(terms.principal.currency):
        errors.append(
            _err(
                "currency",
                f"unknown currency {terms.principal.currency!r}",
                f"未知币种 {terms.principal.currency!r}",
            )
        )
        return tuple(errors)
    checks: list[FieldError | Decimal | None] = [
        _check_principal(terms.principal),
        check_apr(terms.apr),
        _check_term(terms.term_months),
        None
        if isinstance(terms.repayment, RepaymentKind)
        else _err("repayment", f"unknown repayment {terms.repayment!r}", "未知还款方式"),
        _check_first_due(terms.first_due_on, terms.originated_on),
        _check_fee(terms.upfront_fee, terms.principal),
    ]
    errors.extend(c for c in checks if isinstance(c, FieldError))
    return tuple(errors)


_FIELDS = (
    "currency",
    "principal",
    "apr",
    "term_months",
    "repayment",
    "originated_on",
    "first_due_on",
    "fee",
)


def parse_terms(
    *,
    principal: str,
    apr: str,
    term_months: str | int,
    repayment: str,
    originated_on: str | date,
    first_due_on: str | date | None = None,
    fee: str | None = None,
    currency: str = "CNY",
) -> LoanTerms | Invalid:
    """Build `LoanTerms` from text (CLI options, CSV cells). Returns `Invalid` with every error
    (field names as in loans.csv) instead of raising. Empty `fee`/`first_due_on` mean none."""
    errors: list[FieldError] = []
    if not is_currency(currency):
        return Invalid(
            (_err("currency", f"unknown currency {currency!r}", f"未知币种 {currency!r}"),)
        )
    places = exponent(currency)

    def money(field: str, text: str, zh: str) -> Money | None:
        try:
            return Money.parse(text, currency)
        except MoneyError:
            errors.append(
                _err(
                    field,
                    f"{field} must be an amount with at most {places} decimal places "
                    f"in {currency}, got {text!r}",
                    f"{zh}须为最多 {places} 位小数的 {currency} 金额，收到 {text!r}",
                )
            )
            return None

    p = money("principal", principal, "本金")
    rate = parse_apr(apr)
    if isinstance(rate, FieldError):
        errors.append(rate)
    n: int | None = None
    try:
        n = int(term_months) if isinstance(term_months, int) else int(term_months.strip())
    except ValueError:
        errors.append(
            _err(
                "term_months",
                f"term_months must be a whole number, got {term_months!r}",
                f"期数须为整数，收到 {term_months!r}",
            )
        )
    kind: RepaymentKind | None = None
    try:
        kind = RepaymentKind(repayment)
    except ValueError:
        choices = ", ".join(k.value for k in RepaymentKind)
        errors.append(
            _err(
                "repayment",
                f"repayment must be one of {choices}, got {repayment!r}",
                f"还款方式须为 {choices} 之一，收到 {repayment!r}",
            )
        )
    orig = _parse_date("originated_on", originated_on, "放款日", errors)
    first = (
        None
        if first_due_on in (None, "")
        else _parse_date("first_due_on", first_due_on, "首个还款日", errors)
    )
    f = money("fee", fee, "费用") if fee else None
    if (
        errors
        or p is None
        or isinstance(rate, FieldError)
        or n is None
        or kind is None
        or orig is None
    ):
        # also report range problems of the fields that did parse
        extra = [
            _check_principal(p) if p is not None else None,
            _check_term(n) if n is not None else None,
            _check_fee(f, p) if f is not None and p is not None else None,
            _check_first_due(first, orig) if orig is not None else None,
        ]
        errors.extend(e for e in extra if e is not None)
        order = {name: i for i, name in enumerate(_FIELDS)}
        return Invalid(tuple(sorted(errors, key=lambda e: order.get(e.field, len(order)))))
    terms = LoanTerms(p, rate, n, kind, orig, first, f)
    problems = validate_terms(terms)
    return Invalid(problems) if problems else terms


def _parse_date(
    field: str, value: str | date | None, zh: str, errors: list[FieldError]
) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        errors.append(
            _err(
                field,
                f"{field} must be a date YYYY-MM-DD, got {value!r}",
                f"{zh}须为 YYYY-MM-DD 格式的日期，收到 {value!r}",
            )
        )
        return None
