"""Overdue (penalty) interest, 罚息.

Rules:
- accrues daily on the overdue principal of an installment, from the day after its due date
  (a payment on the due date is on time); the day of a payment accrues before the payment is
  applied (a payment on due date + 1 costs one day);
- daily rate = annual penalty rate / 100 / day_basis (365 by default: the lower daily rate of
  the two common conventions, so the cap below holds on any basis);
- the annual penalty rate is capped so that contract APR + penalty rate never exceeds the
  applicable legal cap (see `cost.applicable_cap_percent`); when no cap can be established
  (a private loan dated before the first LPR) no penalty accrues at all;
- nothing accrues on a day covered by a hold (breathing space, 停催 with interest freeze, a
  dispute under review...): `Hold(start, end)` with both ends inclusive, end None = open.
Amounts accrue exactly (rationals) and are rounded half-up to the minor unit when charged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

__all__ = [
    "DEFAULT_DAY_BASIS",
    "Hold",
    "PenaltyPolicy",
    "accrual_days",
    "daily_rate",
    "effective_penalty_rate",
    "merge_holds",
    "penalty_minor",
    "unheld_days",
]

DEFAULT_DAY_BASIS = 365


class Hold(NamedTuple):
    """Days on which no penalty accrues (inclusive); end None = still in force."""

    start: date
    end: date | None = None


class PenaltyPolicy(NamedTuple):
    """A creditor's overdue-interest setting (before the legal cap is applied)."""

    annual_rate_percent: Decimal = Decimal(0)
    day_basis: int = DEFAULT_DAY_BASIS


def effective_penalty_rate(
    apr: Decimal, penalty_rate_percent: Decimal, cap_percent: Decimal | None
) -> Decimal:
    """The annual penalty rate that may actually be charged: the creditor's rate, reduced so
    that apr + rate <= cap, never below 0. No cap known (None) -> 0."""
    if cap_percent is None or penalty_rate_percent <= 0:
        return Decimal(0)
    room = cap_percent - apr
    return max(Decimal(0), min(penalty_rate_percent, room))


def daily_rate(annual_rate_percent: Decimal, day_basis: int = DEFAULT_DAY_BASIS) -> Fraction:
    """The exact daily rate as a fraction of principal."""
    if day_basis not in (360, 365):
        raise ValueError("day_basis must be 360 or 365")
    return Fraction(annual_rate_percent) / 100 / day_basis


def merge_holds(holds: Sequence[Hold]) -> tuple[tuple[int, int], ...]:
    """Holds as sorted, disjoint, inclusive (first, last) date ordinals."""
    spans = sorted(
        (h.start.toordinal(), (h.end or date.max).toordinal())
        for h in holds
        if h.end is None or h.end >= h.start
    )
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)


def unheld_days(after_ord: int, through_ord: int, merged: Sequence[tuple[int, int]]) -> int:
    """Days d (ordinals) with after < d <= through outside the merged holds."""
    lo = after_ord + 1
    if through_ord < lo:
        return 0
    days = through_ord - lo + 1
    for a, b in merged:
        s, e = max(a, lo), min(b, through_ord)
        if s <= e:
            days -= e - s + 1
    return days


def accrual_days(after: date, through: date, holds: Sequence[Hold] = ()) -> int:
    """Days d with after < d <= through that are not covered by a hold."""
    return unheld_days(after.toordinal(), through.toordinal(), merge_holds(holds))


def penalty_minor(
    overdue_principal_minor: int,
    due_on: date,
    through: date,
    annual_rate_percent: Decimal,
    holds: Sequence[Hold] = (),
    day_basis: int = DEFAULT_DAY_BASIS,
) -> int:
    """Penalty on a constant overdue principal from due_on + 1 through `through`, rounded
    half-up (the rate given here is the effective one: cap it first)."""
    exact = (
        overdue_principal_minor
        * accrual_days(due_on, through, holds)
        * daily_rate(annual_rate_percent, day_basis)
    )
    return math.floor(exact + Fraction(1, 2))
