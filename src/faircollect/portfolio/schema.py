"""The portfolio CSV contract (DESIGN 4.2): files, columns, vocabularies and cell validators.

Every file is UTF-8 (a leading byte-order mark is tolerated), comma-separated, with one header
row naming exactly the columns below (any order; unknown and missing columns are errors) and
one record per line. Blank cells are allowed only in the optional columns; a blank optional
cell means "none" (or the default noted below).

Cell validators are small functions `(text) -> value | CellError`: they are the reference for
what a cell may hold and for the message a person reads. The vectorised fast path
(`fastpath.py`) may only accept what these accept (a property test checks it); anything it
does not accept is handed to these functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import phonenumbers
from babel import Locale, UnknownLocaleError

from faircollect.clock import ClockError, zone, zones_for_phone
from faircollect.domain.loan import MAX_TERM_MONTHS, FieldError, RepaymentKind, parse_apr
from faircollect.money import exponent, is_currency

from .idnumber import parse_id_number
from .issues import CellError

__all__ = [
    "BORROWERS",
    "CHANNELS",
    "CONTACTS",
    "CONTACT_KINDS",
    "CONTACT_POINTS",
    "FILES",
    "INITIATED_BY",
    "LOANS",
    "OUTCOMES",
    "PARTIES",
    "PAYMENTS",
    "REPAYMENTS",
    "SOURCES",
    "FileSpec",
]


class FileSpec(NamedTuple):
    name: str
    columns: tuple[str, ...]  # canonical order (the generator writes this order)
    optional_cells: frozenset[str]  # columns whose cells may be blank
    required: bool  # must the file be present?
    key: tuple[str, ...]  # the columns that identify a row (duplicates are errors)


BORROWERS = FileSpec(
    "borrowers.csv",
    (
        "borrower_ref",
        "creditor",
        "name",
        "id_number",
        "phone",
        "email",
        "address",
        "region",
        "timezone",
        "locale",
    ),
    frozenset({"id_number", "phone", "email", "address", "region", "timezone", "locale"}),
    True,
    ("creditor", "borrower_ref"),
)
LOANS = FileSpec(
    "loans.csv",
    (
        "loan_ref",
        "borrower_ref",
        "creditor",
        "product",
        "currency",
        "principal",
        "apr",
        "originated_on",
        "term_months",
        "repayment",
        "first_due_on",
        "fee",
    ),
    frozenset({"product", "first_due_on", "fee"}),
    True,
    ("loan_ref",),
)
PAYMENTS = FileSpec(
    "payments.csv",
    ("payment_ref", "loan_ref", "paid_at", "amount", "channel"),
    frozenset({"channel"}),
    True,
    ("payment_ref",),
)
CONTACTS = FileSpec(
    "contacts.csv",
    ("contact_ref", "loan_ref", "at", "channel", "party", "outcome", "initiated_by", "collector"),
    frozenset({"outcome", "collector"}),
    False,
    ("contact_ref",),
)
CONTACT_POINTS = FileSpec(
    "contact_points.csv",
    ("borrower_ref", "kind", "value", "party", "source"),
    frozenset(),
    False,
    ("borrower_ref", "kind", "value", "party"),
)
FILES: tuple[FileSpec, ...] = (BORROWERS, LOANS, PAYMENTS, CONTACTS, CONTACT_POINTS)

# -- vocabularies (DESIGN 4.3) ------------------------------------------------------------
CHANNELS = (
    "call",
    "ai_voice",
    "sms",
    "email",
    "app",
    "social",
    "letter",
    "visit",
    "legal",
    "credit_report",
)
PARTIES = ("debtor", "spouse", "attorney", "emergency_contact", "employer", "third_party")
OUTCOMES = (
    "no_answer",
    "voicemail",
    "conversation",
    "busy",
    "not_in_service",
    "wrong_number",
    "sent",
    "delivered",
    "bounced",
    "refused",
)
INITIATED_BY = ("collector", "consumer")
REPAYMENTS = tuple(k.value for k in RepaymentKind)
CONTACT_KINDS = ("phone", "email", "address", "app")
SOURCES = ("application", "borrower_provided", "skip_trace", "address_book", "call_log")
# where a contact point reaches the person, by kind (contact_points.place)
PLACE_BY_KIND = {"phone": "mobile", "email": "other", "address": "home", "app": "other"}

DEFAULT_LOCALE = "zh_CN"
MAX_REF = 64
MAX_NAME = 100
MAX_ADDRESS = 300
MAX_TEXT = 64

Validator = Callable[[str], Any]  # returns a value or a CellError


def _q(text: str) -> str:
    """A cell quoted for a message (double quotes, as people write them)."""
    return '"' + text.replace('"', '\\"') + '"'


# -- identifiers and text -----------------------------------------------------------------
REF_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_ref(text: str) -> str | CellError:
    """A reference: 1-64 ASCII letters, digits and _ . : / - (starting with a letter/digit)."""
    if REF_RE.fullmatch(text):
        return text
    return CellError(
        f"{_q(text)} is not a valid reference (1-{MAX_REF} letters, digits, _ . : / -)",
        f"{_q(text)} 不是有效的编号（1-{MAX_REF} 个字母、数字或 _ . : / -）",
    )


def check_text(max_len: int) -> Validator:
    def check(text: str) -> str | CellError:
        if _CONTROL.search(text):
            return CellError(f"{_q(text)} contains control characters", f"{_q(text)} 含有控制字符")
        if len(text) > max_len:
            return CellError(
                f"is {len(text)} characters long; at most {max_len} allowed",
                f"长度为 {len(text)} 个字符，最多允许 {max_len} 个",
            )
        if text != text.strip():
            return CellError(f"{_q(text)} has leading or trailing blanks", f"{_q(text)} 首尾有空白")
        return text

    return check


check_name = check_text(MAX_NAME)
check_address = check_text(MAX_ADDRESS)
check_short_text = check_text(MAX_TEXT)


def check_choice(choices: tuple[str, ...]) -> Validator:
    allowed = frozenset(choices)

    def check(text: str) -> str | CellError:
        if text in allowed:
            return text
        listed = ", ".join(choices)
        return CellError(
            f"{_q(text)} is not one of: {listed}", f"{_q(text)} 不是以下取值之一：{listed}"
        )

    return check


check_channel = check_choice(CHANNELS)
check_party = check_choice(PARTIES)
check_outcome = check_choice(OUTCOMES)
check_initiated_by = check_choice(INITIATED_BY)
check_repayment = check_choice(REPAYMENTS)
check_contact_kind = check_choice(CONTACT_KINDS)
check_source = check_choice(SOURCES)


# -- people ---------------------------------------------------------------------------------
def check_phone(text: str) -> str | CellError:
    """A valid phone number (national numbers are read as Chinese); returns E.164."""
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return CellError(
            f"{_q(text)} is not a valid phone number", f"{_q(text)} 不是有效的电话号码"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


EMAIL_RE = re.compile(r"[^@\s\x00-\x1f\"<>,;]+@[^@\s\x00-\x1f\"<>,;]+\.[^@\s\x00-\x1f\"<>,;.]+")


def check_email(text: str) -> str | CellError:
    if len(text) <= 254 and EMAIL_RE.fullmatch(text) and ".." not in text:
        return text
    return CellError(
        f"{_q(text)} is not a valid e-mail address", f"{_q(text)} 不是有效的电子邮件地址"
    )


def check_id_number(text: str) -> str | CellError:
    parsed = parse_id_number(text)
    return parsed if isinstance(parsed, CellError) else parsed.value


def check_timezone(text: str) -> str | CellError:
    if "/" in text or text == "UTC":
        try:
            zone(text)
            return text
        except ClockError:
            pass
    return CellError(
        f"{_q(text)} is not a time zone name (IANA, e.g. Asia/Shanghai)",
        f"{_q(text)} 不是时区名称（IANA 格式，如 Asia/Shanghai）",
    )


def check_locale(text: str) -> str | CellError:
    try:
        loc = Locale.parse(text.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        loc = None
    if loc is None:
        return CellError(
            f"{_q(text)} is not a locale (e.g. zh_CN, en)",
            f"{_q(text)} 不是语言区域代码（如 zh_CN、en）",
        )
    return text.replace("-", "_")


def phone_zones(e164: str) -> tuple[str, ...]:
    return zones_for_phone(e164)


# -- money, rates, numbers -----------------------------------------------------------------
AMOUNT_RE = re.compile(r"([+-]?)(\d+)(?:\.(\d+))?", re.ASCII)


def check_currency(text: str) -> str | CellError:
    if is_currency(text):
        return text
    return CellError(
        f"{_q(text)} is not a known ISO 4217 currency code (e.g. CNY)",
        f"{_q(text)} 不是已知的 ISO 4217 币种代码（如 CNY）",
    )


def check_amount(text: str, currency: str) -> int | CellError:
    """Minor units of a plain decimal amount in major units ("1234.56"); the same grammar as
    `Money.parse`. The sign is checked by the caller (positive / non-negative)."""
    m = AMOUNT_RE.fullmatch(text)
    if m is None:
        return CellError(
            f"{_q(text)} is not an amount (a plain decimal such as 1234.56)",
            f"{_q(text)} 不是金额（应为 1234.56 这样的普通小数）",
        )
    exp = exponent(currency)
    sign, whole, frac = m.group(1), m.group(2), m.group(3) or ""
    if len(frac) > exp:
        return CellError(
            f"{_q(text)} has {len(frac)} decimal places; {currency} allows {exp}",
            f"{_q(text)} 有 {len(frac)} 位小数；{currency} 最多允许 {exp} 位",
        )
    minor = int(whole) * 10**exp + (int(frac.ljust(exp, "0")) if exp else 0)
    return -minor if sign == "-" else minor


def must_be_positive(text: str) -> CellError:
    return CellError(f"{_q(text)} must be greater than zero", f"{_q(text)} 必须大于零")


def must_not_be_negative(text: str) -> CellError:
    return CellError(f"{_q(text)} must not be negative", f"{_q(text)} 不能为负数")


def check_apr(text: str) -> Decimal | CellError:
    result = parse_apr(text)
    if isinstance(result, FieldError):
        return CellError(result.message, result.message_zh)
    return result


def check_term_months(text: str) -> int | CellError:
    if re.fullmatch(r"\d{1,4}", text, re.ASCII) and 1 <= int(text) <= MAX_TERM_MONTHS:
        return int(text)
    return CellError(
        f"{_q(text)} is not a number of months between 1 and {MAX_TERM_MONTHS}",
        f"{_q(text)} 不是 1 到 {MAX_TERM_MONTHS} 之间的月数",
    )


# -- dates and times ------------------------------------------------------------------------
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
DATETIME_RE = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)


def check_date(text: str) -> date | CellError:
    if not DATE_RE.fullmatch(text):
        return CellError(
            f"{_q(text)} is not a date (YYYY-MM-DD)", f"{_q(text)} 不是日期（YYYY-MM-DD）"
        )
    try:
        return date.fromisoformat(text)
    except ValueError:
        return CellError(f"{_q(text)} is a date that does not exist", f"日期 {_q(text)} 不存在")


def check_datetime(text: str) -> datetime | CellError:
    """An ISO 8601 date and time WITH an offset ("2026-03-04T14:05:00+08:00" or "...Z");
    returned in UTC."""
    m = DATETIME_RE.fullmatch(text)
    if m is None:
        return CellError(
            f"{_q(text)} is not a date and time (YYYY-MM-DDTHH:MM:SS+08:00)",
            f"{_q(text)} 不是日期时间（YYYY-MM-DDTHH:MM:SS+08:00）",
        )
    if m.group(6) is None:
        return CellError(
            f"{_q(text)} has no UTC offset (add e.g. +08:00 or Z)",
            f"{_q(text)} 缺少时区偏移（请加上 +08:00 或 Z 等）",
        )
    check = check_date(m.group(1))
    if isinstance(check, CellError):
        return check
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return CellError(f"{_q(text)} is a time that does not exist", f"时间 {_q(text)} 不存在")
    if dt.utcoffset() is None:  # pragma: no cover - the regex demands an offset
        return CellError(f"{_q(text)} has no UTC offset", f"{_q(text)} 缺少时区偏移")
    return dt.astimezone(UTC)


def in_future(text: str, now: str) -> CellError:
    return CellError(f"{_q(text)} is in the future (now: {now})", f"{_q(text)} 晚于当前（{now}）")
