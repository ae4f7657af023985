"""Repayment schedules.

Two implementations of the same contract, proven equal by a property test:
- `build_schedule(terms)`: the readable reference, on `Money` values;
- `schedule_rows(...)`: the integer fast path for the bulk importer (no Money, no Decimal in
  the loop; per-rate constants are cached).

The contract (all amounts in minor units, rounding half-up to the minor unit):
- monthly rate r = apr / 1200; one month of interest per installment, interest of an
  installment = round(balance * apr / 1200) on the balance before that installment;
- due dates: monthly from the first due date, each aiming at the anchor day of month and
  clamped to month end (Jan 31 -> Feb 28 -> Mar 31), see `LoanTerms.due_anchor`;
- equal_installment (等额本息): payment = the exact annuity payment P*r/(1-(1+r)^-n) rounded
  half-up (what numpy_financial.pmt gives, without float error); principal = payment -
  interest, capped at the remaining balance (only bites on tiny loans); the last installment
  takes the remaining principal, so principals always sum exactly to the principal;
- equal_principal (等额本金): the principal split with `Money.allocate` over equal weights (the
  first P mod n installments carry one extra minor unit), interest on the declining balance;
- bullet (先息后本): interest only each month on the full principal, the whole principal with
  the last installment. (Chosen over "everything at maturity" because that is how Chinese
  online lenders write bullet loans.)
- The disbursement fee is not part of the schedule (it is deducted up front); `fee` on an
  installment is always zero: periodic fees are not modelled.
"""

from __future__ import annotations

import calendar
import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from faircollect.money import Money

from .loan import LoanTerms, RepaymentKind, validate_terms

__all__ = [
    "Installment",
    "ScheduleRow",
    "annuity_payment",
    "build_schedule",
    "due_dates",
    "rows_from_schedule",
    "schedule_rows",
]

ScheduleRow = tuple[int, date, int, int]
"""(seq, due_on, principal_minor, interest_minor) — seq starts at 1."""


class Installment(NamedTuple):
    seq: int  # 1-based
    due_on: date
    principal: Money
    interest: Money
    fee: Money
    total: Money  # principal + interest + fee

    @classmethod
    def make(cls, seq: int, due_on: date, principal: Money, interest: Money) -> Installment:
        fee = Money.zero(principal.currency)
        return cls(seq, due_on, principal, interest, fee, principal + interest + fee)


# --------------------------------------------------------------------------------------
# reference implementation (Money, Decimal/Fraction)
# --------------------------------------------------------------------------------------
def due_dates(first_due_on: date, term_months: int, day_of_month: int | None = None) -> list[date]:
    """The monthly due dates starting at `first_due_on`, each aiming at `day_of_month`
    (default: first_due_on.day) clamped to the month's end."""
    aim = first_due_on.day if day_of_month is None else day_of_month
    out = []
    for k in range(term_months):
        y, m0 = divmod(first_due_on.year * 12 + first_due_on.month - 1 + k, 12)
        last = calendar.monthrange(y, m0 + 1)[1]
        out.append(date(y, m0 + 1, min(aim, last)))
    return out


def annuity_payment(principal: Money, apr: Decimal, term_months: int) -> Money:
    """The equal-installment payment: exact P*r/(1-(1+r)^-n), r = apr/1200, rounded half-up to
    the minor unit (P/n when apr is 0)."""
    p = Fraction(principal.minor)
    r = Fraction(apr) / 1200
    exact = p / term_months if r == 0 else p * r / (1 - (1 + r) ** -term_months)
    return Money(_half_up(exact), principal.currency)


def _half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2)) if x >= 0 else -math.floor(-x + Fraction(1, 2))


def _interest(balance: Money, apr: Decimal) -> Money:
    # balance * apr / 1200, dividing last so that exact halves stay exact
    with localcontext() as ctx:
        ctx.prec = 80
        value = (Decimal(balance.minor) * apr / Decimal(1200)).to_integral_value(ROUND_HALF_UP)
    return Money(int(value), balance.currency)


def build_schedule(terms: LoanTerms) -> tuple[Installment, ...]:
    """The installments of a loan (see the module docstring for the exact rules).

    Raises ValueError when the terms are invalid (use `validate_terms` first to get the
    errors as values)."""
    problems = validate_terms(terms)
    if problems:
        raise ValueError("; ".join(e.message for e in problems))
    first, day = terms.due_anchor
    dates = due_dates(first, terms.term_months, day)
    n = terms.term_months
    principal = terms.principal
    kind = RepaymentKind(terms.repayment)
    out: list[Installment] = []
    balance = principal
    if kind is RepaymentKind.EQUAL_INSTALLMENT:
        payment = annuity_payment(principal, terms.apr, n)
        for i, due in enumerate(dates, start=1):
            interest = _interest(balance, terms.apr)
            part = balance if i == n else (payment - interest).min(balance)
            out.append(Installment.make(i, due, part, interest))
            balance = balance - part
    elif kind is RepaymentKind.EQUAL_PRINCIPAL:
        parts = principal.allocate([1] * n)
        for i, (due, part) in enumerate(zip(dates, parts, strict=True), start=1):
            out.append(Installment.make(i, due, part, _interest(balance, terms.apr)))
            balance = balance - part
    else:  # bullet: interest only, principal at the end
        zero = Money.zero(principal.currency)
        interest = _interest(principal, terms.apr)
        for i, due in enumerate(dates, start=1):
            out.append(Installment.make(i, due, principal if i == n else zero, interest))
    return tuple(out)


def rows_from_schedule(schedule: tuple[Installment, ...]) -> list[ScheduleRow]:
    """The integer rows of a Money schedule (the shape `schedule_rows` returns)."""
    return [(i.seq, i.due_on, i.principal.minor, i.interest.minor) for i in schedule]


# --------------------------------------------------------------------------------------
# fast integer path (bulk importer)
# --------------------------------------------------------------------------------------
_KINDS = {k.value: k for k in RepaymentKind}


@lru_cache(maxsize=4096)
def _rate(apr: Decimal) -> tuple[int, int]:
    """Monthly rate apr/1200 as an exact fraction p/q."""
    num, den = apr.as_integer_ratio()
    return num, den * 1200


@lru_cache(maxsize=4096)
def _annuity(apr: Decimal, n: int) -> tuple[int, int]:
    """(N, D) with payment = P * N / D exactly."""
    p, q = _rate(apr)
    if p == 0:
        return 1, n
    a = (q + p) ** n
    num, den = p * a, q * (a - q**n)
    g = math.gcd(num, den)
    return num // g, den // g


_MDAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@lru_cache(maxsize=65536)
def _dates(first_due_on: date, n: int, day: int) -> tuple[date, ...]:
    base = first_due_on.year * 12 + first_due_on.month - 1
    out = []
    for k in range(n):
        y, m0 = divmod(base + k, 12)
        last = _MDAYS[m0]
        if m0 == 1 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0):
            last = 29
        out.append(date(y, m0 + 1, day if day <= last else last))
    return tuple(out)


def schedule_rows(
    principal_minor: int,
    apr: Decimal,
    term_months: int,
    repayment: str,
    first_due_on: date,
    *,
    day_of_month: int | None = None,
) -> list[ScheduleRow]:
    """The schedule as integer rows (seq, due_on, principal_minor, interest_minor); equal to
    `rows_from_schedule(build_schedule(terms))` for the same terms.

    `day_of_month` is the anchor day (default first_due_on.day). When first_due_on was not
    given and defaults to origination + 1 month, pass `terms.due_anchor` (or the origination
    day) so that Jan 31 -> Feb 28 -> Mar 31 matches `build_schedule`. Raises ValueError on a
    non-positive principal, a term outside 1..600, a negative apr or an unknown repayment;
    TypeError when apr is not a Decimal.
    """
    if not isinstance(apr, Decimal):
        raise TypeError("apr must be a Decimal (floats are never used near money)")
    kind = _KINDS.get(repayment)
    if kind is None:
        raise ValueError(f"unknown repayment {repayment!r}")
    if principal_minor <= 0 or not 1 <= term_months <= 600 or apr < 0:
        raise ValueError("principal must be > 0, term_months in 1..600, apr >= 0")
    n = term_months
    dates = _dates(first_due_on, n, first_due_on.day if day_of_month is None else day_of_month)
    p, q = _rate(apr)
    p2, q2 = 2 * p, 2 * q
    bal = principal_minor
    rows: list[ScheduleRow] = []
    append = rows.append
    if kind is RepaymentKind.EQUAL_INSTALLMENT:
        num, den = _annuity(apr, n)
        pay = (2 * bal * num + den) // (2 * den)
        for i in range(n - 1):
            it = (bal * p2 + q) // q2
            pr = pay - it
            if pr > bal:
                pr = bal
            bal -= pr
            append((i + 1, dates[i], pr, it))
        append((n, dates[n - 1], bal, (bal * p2 + q) // q2))
    elif kind is RepaymentKind.EQUAL_PRINCIPAL:
        base, extra = divmod(bal, n)
        for i in range(n):
            pr = base + 1 if i < extra else base
            append((i + 1, dates[i], pr, (bal * p2 + q) // q2))
            bal -= pr
    else:
        it = (bal * p2 + q) // q2
        for i in range(n - 1):
            append((i + 1, dates[i], 0, it))
        append((n, dates[n - 1], bal, it))
    return rows
