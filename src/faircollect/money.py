"""Exact money: integer minor units plus an ISO 4217 currency.

There is one way to make a `Money` from text (`Money.parse`) and one from a `Decimal`
(`Money.of`); both refuse amounts finer than the currency's minor unit. Arithmetic never mixes
currencies, never uses floats, and `allocate` splits an amount by weights so that the parts
always sum to the whole, to the fen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

from babel.numbers import format_currency

__all__ = [
    "CurrencyMismatch",
    "InvalidAmount",
    "Money",
    "UnknownCurrency",
    "exponent",
    "is_currency",
    "total",
]


class MoneyError(ValueError):
    """Base class for every money error (a ValueError, so parsers can report it)."""


class UnknownCurrency(MoneyError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown currency {code!r} (expected an ISO 4217 code such as CNY)")
        self.code = code


class InvalidAmount(MoneyError):
    pass


class CurrencyMismatch(MoneyError):
    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"cannot combine {a} with {b}")


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ISO 4217 active codes and their minor-unit exponent. Anything not listed is 2 if it is in
# _TWO, else unknown. Kept explicit (not from CLDR) because CLDR's display precision differs
# from ISO's minor unit for several currencies.
_ZERO = _codes("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF")
_THREE = _codes("BHD IQD JOD KWD LYD OMR TND")
_FOUR = _codes("CLF UYW")
_TWO = _codes(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK
    LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK
    NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER
    ZAR ZMW ZWG"""
)
_EXPONENTS: dict[str, int] = {
    **{c: 0 for c in _ZERO},
    **{c: 2 for c in _TWO},
    **{c: 3 for c in _THREE},
    **{c: 4 for c in _FOUR},
}

# ASCII digits only: \d would also accept full-width and other Unicode digits
_AMOUNT_RE = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?")


def is_currency(code: str) -> bool:
    return code in _EXPONENTS


def exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (CNY 2, JPY 0, KWD 3)."""
    try:
        return _EXPONENTS[currency]
    except KeyError:
        raise UnknownCurrency(currency) from None


class Money(NamedTuple):
    """An exact amount: `minor` units (fen, cents, pence, yen) of `currency`."""

    minor: int
    currency: str

    # -- construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a plain decimal string in major units ("1234.56").

        Refuses exponents, thousands separators, blanks and more decimals than the currency
        has ("1.234" CNY is an error even though it is a valid number).
        """
        exp = exponent(currency)
        m = _AMOUNT_RE.fullmatch(text) if text else None
        if m is None or text != text.strip():
            raise InvalidAmount(f"not a decimal amount: {text!r}")
        sign, whole, frac = m.group(1), m.group(2), m.group(3) or ""
        if len(frac) > exp:
            raise InvalidAmount(
                f"{text!r} has {len(frac)} decimal places; {currency} allows {exp}"
            )
        minor = int(whole) * 10**exp + (int(frac.ljust(exp, "0")) if exp else 0)
        return cls(-minor if sign == "-" else minor, currency)

    @classmethod
    def of(cls, amount: Decimal | int, currency: str) -> Money:
        """From a Decimal (or int) in major units; excess precision is an error."""
        exp = exponent(currency)
        try:
            scaled = Decimal(amount).scaleb(exp)
        except InvalidOperation as e:  # pragma: no cover - Decimal() of int/Decimal is total
            raise InvalidAmount(str(e)) from e
        if not scaled.is_finite() or scaled != scaled.to_integral_value():
            raise InvalidAmount(f"{amount} has more decimal places than {currency} allows ({exp})")
        return cls(int(scaled), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        exponent(currency)
        return cls(0, currency)

    # -- views --------------------------------------------------------------------------
    @property
    def exponent(self) -> int:
        return exponent(self.currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-self.exponent)

    def amount_str(self) -> str:
        """Major units as a plain decimal string with exactly the currency's places."""
        exp = self.exponent
        sign = "-" if self.minor < 0 else ""
        a = abs(self.minor)
        if exp == 0:
            return f"{sign}{a}"
        whole, frac = divmod(a, 10**exp)
        return f"{sign}{whole}.{frac:0{exp}d}"

    def format(self, locale: str = "en") -> str:
        """Human formatting via Babel/CLDR, e.g. ¥1,234.56 (zh_CN) or CN¥1,234.56 (en)."""
        return format_currency(self.to_decimal(), self.currency, locale=locale)

    def __str__(self) -> str:
        return f"{self.amount_str()} {self.currency}"

    def __repr__(self) -> str:
        return f"Money({self.amount_str()!r}, {self.currency!r})"

    # -- arithmetic -----------------------------------------------------------------------
    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)
        return other

    def __add__(self, other: object) -> Money:
        o = self._same(other)
        return Money(self.minor + o.minor, self.currency)

    def __radd__(self, other: object) -> Money:
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self  # so that sum(moneys) works
        return self.__add__(other)

    def __sub__(self, other: object) -> Money:
        o = self._same(other)
        return Money(self.minor - o.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, int) and not isinstance(factor, bool):
            return Money(self.minor * factor, self.currency)
        raise TypeError("Money * int only; use .scale(Decimal) for rates")

    def __rmul__(self, factor: object) -> Money:
        return self.__mul__(factor)

    def scale(self, factor: Decimal, rounding: str = ROUND_HALF_UP) -> Money:
        """Multiply by an exact rate and round to the minor unit (half-up by default)."""
        if not isinstance(factor, Decimal | int) or isinstance(factor, bool):
            raise TypeError("scale() takes a Decimal (floats are never used near money)")
        value = (Decimal(self.minor) * Decimal(factor)).to_integral_value(rounding=rounding)
        return Money(int(value), self.currency)

    def __lt__(self, other: object) -> bool:
        return self.minor < self._same(other).minor

    def __le__(self, other: object) -> bool:
        return self.minor <= self._same(other).minor

    def __gt__(self, other: object) -> bool:
        return self.minor > self._same(other).minor

    def __ge__(self, other: object) -> bool:
        return self.minor >= self._same(other).minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def is_zero(self) -> bool:
        return self.minor == 0

    def min(self, other: Money) -> Money:
        return self if self.minor <= self._same(other).minor else other

    def max(self, other: Money) -> Money:
        return self if self.minor >= self._same(other).minor else other

    # -- allocation -----------------------------------------------------------------------
    def allocate(self, weights: Sequence[int | Decimal]) -> list[Money]:
        """Split exactly by non-negative weights (largest remainder; ties go to the earlier
        weight). The parts always sum to `self`; a zero weight gets zero."""
        if not weights:
            raise ValueError("allocate() needs at least one weight")
        ws = [Decimal(w) for w in weights]
        if any(not w.is_finite() or w < 0 for w in ws):
            raise ValueError("weights must be finite and non-negative")
        # exact integer arithmetic: scale every weight to an integer
        places = max(-min(int(w.as_tuple().exponent), 0) for w in ws)
        iw = [int(w.scaleb(places)) for w in ws]
        total_w = sum(iw)
        if total_w == 0:
            raise ValueError("weights must not all be zero")
        sign = -1 if self.minor < 0 else 1
        amount = abs(self.minor)
        shares: list[int] = []
        remainders: list[tuple[int, int]] = []
        for i, w in enumerate(iw):
            q, r = divmod(amount * w, total_w)
            shares.append(q)
            remainders.append((r, i))
        left = amount - sum(shares)
        # largest remainder first; equal remainders: earlier index first (deterministic)
        for _, i in sorted(remainders, key=lambda r: (-r[0], r[1]))[:left]:
            shares[i] += 1
        return [Money(sign * s, self.currency) for s in shares]


def total(amounts: Iterable[Money], currency: str) -> Money:
    """Sum that is well-defined for an empty iterable."""
    result = Money.zero(currency)
    for a in amounts:
        result = result + a
    return result
