"""Delinquency: replay a loan's schedule and payments as of a date.

Replay rules (one integer core, two entry points: `replay` on Money values, `replay_rows`
for the bulk importer on `schedule_rows` output):
- payments dated after `as_of` are ignored; a datetime `paid_at` counts on its local date in
  `tz` (Asia/Shanghai by default); payments on the same day apply in the order given;
- before a payment on day d, penalty interest accrues through d (see penalty.py);
- a payment is split by the creditor's waterfall over the installments due on or before d
  that are not settled (oldest first); what is left pays the next installments ahead of
  their due date, in schedule order, in full (no interest rebate); anything beyond the whole
  loan is `unapplied` (overpayment, to refund or credit);
- an installment is settled when nothing (fee, penalty, interest, principal) is left on it;
- overdue: an installment due before `as_of` and not settled (on its due date it is due, not
  overdue); `overdue_since` is the due date of the oldest such installment; days past due =
  as_of - overdue_since (0 when none); buckets M0 (0), M1 1-30, M2 31-60, ... M6 151-180,
  M7+ over 180;
- `outstanding` is everything still owed under the schedule: all unpaid principal, scheduled
  interest of every installment (also future ones), and penalty charged so far.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from faircollect.clock import SHANGHAI, local_date
from faircollect.money import CurrencyMismatch, Money

from .cost import LenderKind, applicable_cap_percent
from .loan import LoanTerms
from .penalty import Hold, PenaltyPolicy, daily_rate, effective_penalty_rate, merge_holds
from .schedule import Installment, ScheduleRow, build_schedule, rows_from_schedule
from .waterfall import (
    DEFAULT_WATERFALL,
    ComponentAmounts,
    WaterfallConfig,
    WaterfallMode,
)

__all__ = [
    "BUCKETS",
    "InstallmentState",
    "LoanState",
    "Payment",
    "PaymentAllocation",
    "ReplayCore",
    "RowsReplay",
    "bucket_for",
    "penalty_fraction",
    "replay",
    "replay_ordinals",
    "replay_rows",
]

BUCKETS = ("M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7+")


def bucket_for(days_past_due: int) -> str:
    """M0 for 0 days, M1 for 1-30, M2 31-60, ..., M6 151-180, M7+ above 180."""
    if days_past_due < 0:
        raise ValueError("days past due cannot be negative")
    if days_past_due == 0:
        return "M0"
    return BUCKETS[min((days_past_due - 1) // 30 + 1, 7)]


class Payment(NamedTuple):
    paid_at: date | datetime  # a datetime must be aware; it counts on its local date
    amount: Money


class PaymentAllocation(NamedTuple):
    """How one payment was applied (minor units): the four components plus what was left over
    (overpayment). A payment dated after `as_of` is not applied (all zero)."""

    fee: int
    penalty: int
    interest: int
    principal: int
    unapplied: int


class RowsReplay(NamedTuple):
    """Result of `replay_rows` (integer minor units)."""

    outstanding_minor: int
    paid_minor: int  # applied to the loan (payments up to as_of minus unapplied)
    overdue_since: date | None
    paid_by_installment: tuple[ComponentAmounts, ...]  # schedule order
    overdue_minor: int
    unapplied_minor: int
    penalty_charged_minor: int
    outstanding_principal_minor: int
    owed_by_installment: tuple[ComponentAmounts, ...]  # still owed, schedule order
    settled_on: tuple[date | None, ...]  # day each installment was settled by a payment
    # per payment, in the order the payments were given to `replay_rows`
    payment_allocations: tuple[PaymentAllocation, ...] = ()


class InstallmentState(NamedTuple):
    installment: Installment  # as scheduled
    paid_fee: Money
    paid_penalty: Money
    paid_interest: Money
    paid_principal: Money
    penalty_charged: Money
    remaining: Money  # everything still owed on this installment (incl. penalty)
    remaining_principal: Money
    settled_on: date | None
    is_paid: bool
    is_overdue: bool

    @property
    def paid_total(self) -> Money:
        return self.paid_fee + self.paid_penalty + self.paid_interest + self.paid_principal


class LoanState(NamedTuple):
    as_of: date
    installments: tuple[InstallmentState, ...]
    paid: Money  # applied to the loan
    unapplied: Money  # overpayment
    outstanding: Money
    outstanding_principal: Money
    overdue_amount: Money
    overdue_since: date | None
    days_past_due: int
    bucket: str
    penalty_charged: Money
    penalty_rate_percent: Decimal  # the effective (capped) annual penalty rate used


# --------------------------------------------------------------------------------------
# integer core
# --------------------------------------------------------------------------------------
def _as_local_date(paid_at: date | datetime, tz: str) -> date:
    return local_date(paid_at, tz) if isinstance(paid_at, datetime) else paid_at


class ReplayCore(NamedTuple):
    """Raw result of `replay_ordinals` (plain lists, for bulk callers). Per installment, in
    schedule order: `owed` and `paid` as [fee, penalty, interest, principal] lists, `settled`
    as a date ordinal (0 = not settled), `charged` penalty. Per payment, in the order given:
    `allocations` as (fee, penalty, interest, principal, unapplied)."""

    owed: list[list[int]]
    paid: list[list[int]]
    settled: list[int]
    charged: list[int]
    allocations: list[tuple[int, int, int, int, int]]
    total_in: int  # sum of the payments applied (dated up to as_of)
    unapplied: int
    outstanding: int
    outstanding_principal: int
    overdue: int
    overdue_since: int  # ordinal of the oldest overdue due date, 0 = not overdue


_NO_ALLOCATION = (0, 0, 0, 0, 0)


@lru_cache(maxsize=64)
def _checked_waterfall(waterfall: WaterfallConfig) -> tuple[tuple[int, ...], bool]:
    """(component order, per_installment?) of a valid waterfall; ValueError otherwise."""
    problems = waterfall.problems()
    if problems:
        raise ValueError("; ".join(problems))
    return waterfall.order_indexes, waterfall.mode is WaterfallMode.PER_INSTALLMENT


def replay_ordinals(
    due: Sequence[int],
    principal: Sequence[int],
    interest: Sequence[int],
    pay_days: Sequence[int],
    pay_amounts: Sequence[int],
    as_of: int,
    *,
    rate_num: int = 0,
    rate_den: int = 1,
    holds: Sequence[tuple[int, int]] = (),
    waterfall: WaterfallConfig = DEFAULT_WATERFALL,
) -> ReplayCore:
    """The replay on plain integers (the engine behind `replay_rows`; the bulk importer calls
    it directly).

    `due`: due-date ordinals of the installments in schedule order (non-decreasing, as every
    schedule is); `principal`/`interest`: minor units; payments as parallel `pay_days` (local
    date ordinals, non-decreasing: same-day payments apply in the order given) and
    `pay_amounts`; the daily penalty rate as the exact fraction rate_num / rate_den
    (`penalty.daily_rate`); `holds`: `penalty.merge_holds` output.

    It walks forward once: a pointer to the oldest open installment, another to the end of
    the installments due, so each payment touches only the installments it pays (and the
    penalty accrual only the open installments already due). Raises ValueError on a negative
    payment, payments out of date order, installments out of due-date order or an invalid
    waterfall."""
    order, per_installment = _checked_waterfall(waterfall)
    n = len(due)
    for i in range(1, n):
        if due[i] < due[i - 1]:
            raise ValueError("installments must be in due-date order")
    owed = [[0, 0, interest[i], principal[i]] for i in range(n)]
    paid = [[0, 0, 0, 0] for _ in range(n)]
    settled = [0] * n
    allocations: list[tuple[int, int, int, int, int]] = []
    rnum, rden = rate_num, rate_den
    accrues = rnum != 0
    pen_num = [0] * n if accrues else []  # exact penalty numerators (over rden)
    charged = [0] * n
    through = list(due) if accrues else []  # penalty accrued through this ordinal
    two_rden = 2 * rden

    lo = 0  # every installment before lo is closed (owes nothing) for good
    hi = 0  # installments [0, hi) are due on or before the current payment's day
    unapplied = 0
    total_in = 0
    last_day = None

    def accrue(day: int) -> None:
        # open installments due before `day` (those before lo owe no principal any more)
        for i in range(lo, n):
            if due[i] >= day:
                break  # due-date order
            o = owed[i]
            prin = o[3]
            start = through[i]
            if prin and day > start:
                first = start + 1
                days = day - first + 1
                for a, b in holds:
                    s, e = max(a, first), min(b, day)
                    if s <= e:
                        days -= e - s + 1
                if days:
                    pen_num[i] += prin * days * rnum
                    new = (2 * pen_num[i] + rden) // two_rden
                    o[1] += new - charged[i]
                    charged[i] = new
            through[i] = day

    k = 0
    npay = len(pay_days)
    while k < npay:
        day = pay_days[k]
        if last_day is not None and day < last_day:
            raise ValueError("payments must be in date order")
        last_day = day
        if day > as_of:
            break
        amount = pay_amounts[k]
        k += 1
        if amount < 0:
            raise ValueError("a payment amount cannot be negative")
        total_in += amount
        if accrues:
            accrue(day)
        while lo < n:
            o = owed[lo]
            if o[0] or o[1] or o[2] or o[3]:
                break
            lo += 1
        while hi < n and due[hi] <= day:
            hi += 1
        left = amount
        f = pe = it = pr = 0
        touched: list[int] = []
        if per_installment:
            i = lo
            while left and i < hi:
                o = owed[i]
                hit = False
                for c in order:
                    d = o[c]
                    if d:
                        take = d if d < left else left
                        o[c] = d - take
                        paid[i][c] += take
                        if c == 3:
                            pr += take
                        elif c == 2:
                            it += take
                        elif c == 1:
                            pe += take
                        else:
                            f += take
                        left -= take
                        hit = True
                        if not left:
                            break
                if hit:
                    touched.append(i)
                i += 1
        else:
            for c in order:
                if not left:
                    break
                for i in range(lo, hi):
                    o = owed[i]
                    d = o[c]
                    if d:
                        take = d if d < left else left
                        o[c] = d - take
                        paid[i][c] += take
                        if c == 3:
                            pr += take
                        elif c == 2:
                            it += take
                        elif c == 1:
                            pe += take
                        else:
                            f += take
                        left -= take
                        touched.append(i)
                        if not left:
                            break
        if left:
            # every installment due is paid: the rest pays the next ones ahead, in full
            i = hi if hi > lo else lo
            while left and i < n:
                o = owed[i]
                hit = False
                for c in order:
                    d = o[c]
                    if d:
                        take = d if d < left else left
                        o[c] = d - take
                        paid[i][c] += take
                        if c == 3:
                            pr += take
                        elif c == 2:
                            it += take
                        elif c == 1:
                            pe += take
                        else:
                            f += take
                        left -= take
                        hit = True
                        if not left:
                            break
                if hit:
                    touched.append(i)
                i += 1
        unapplied += left
        allocations.append((f, pe, it, pr, left))
        for i in touched:
            o = owed[i]
            if not settled[i] and not (o[0] or o[1] or o[2] or o[3]):
                settled[i] = day
    # payments after as_of are not applied (their order is still checked)
    for j in range(k, npay):
        if j and pay_days[j] < pay_days[j - 1]:
            raise ValueError("payments must be in date order")
        allocations.append(_NO_ALLOCATION)
    if accrues:
        accrue(as_of)
    outstanding = overdue = out_principal = since = 0
    for i in range(n):
        o = owed[i]
        rest = o[0] + o[1] + o[2] + o[3]
        outstanding += rest
        out_principal += o[3]
        if rest and due[i] < as_of:
            overdue += rest
            if not since:
                since = due[i]
    return ReplayCore(
        owed,
        paid,
        settled,
        charged,
        allocations,
        total_in,
        unapplied,
        outstanding,
        out_principal,
        overdue,
        since,
    )


def penalty_fraction(capped_penalty_rate: Decimal, day_basis: int = 365) -> tuple[int, int]:
    """The exact daily penalty rate as (numerator, denominator) for `replay_ordinals`."""
    if capped_penalty_rate <= 0:
        return 0, 1
    rate = daily_rate(capped_penalty_rate, day_basis)
    return rate.numerator, rate.denominator


def replay_rows(
    rows: Sequence[ScheduleRow],
    payments: Iterable[tuple[date | datetime, int]],
    as_of: date,
    *,
    capped_penalty_rate: Decimal = Decimal(0),
    day_basis: int = 365,
    holds: Sequence[Hold] = (),
    waterfall: WaterfallConfig = DEFAULT_WATERFALL,
    tz: str = SHANGHAI,
) -> RowsReplay:
    """Replay on integer rows (see the module docstring for the rules).

    rows: `schedule_rows(...)` output (seq, due_on, principal_minor, interest_minor) in
    schedule (= due-date) order; payments: (paid_at, amount_minor) with amount >= 0, paid_at a
    date or an aware datetime; capped_penalty_rate: the annual penalty rate in percent AFTER
    the legal cap (use `penalty.effective_penalty_rate(apr, creditor_rate,
    cost.applicable_cap_percent(...))`). Raises ValueError on a negative payment or an invalid
    waterfall, ClockError on a naive datetime."""
    _checked_waterfall(waterfall)
    dated = sorted(
        ((_as_local_date(at, tz).toordinal(), amt, k) for k, (at, amt) in enumerate(payments)),
        key=lambda p: p[0],
    )
    rnum, rden = penalty_fraction(capped_penalty_rate, day_basis)
    merged = merge_holds(holds) if rnum else ()
    as_of_ord = as_of.toordinal()
    core = replay_ordinals(
        [r[1].toordinal() for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        [p[0] for p in dated],
        [p[1] for p in dated],
        as_of_ord,
        rate_num=rnum,
        rate_den=rden,
        holds=merged,
        waterfall=waterfall,
    )
    applied = [PaymentAllocation(0, 0, 0, 0, 0)] * len(dated)
    for (_day, _amt, k), a in zip(dated, core.allocations, strict=True):
        applied[k] = PaymentAllocation(*a)
    fromordinal = date.fromordinal
    return RowsReplay(
        outstanding_minor=core.outstanding,
        paid_minor=core.total_in - core.unapplied,
        overdue_since=fromordinal(core.overdue_since) if core.overdue_since else None,
        paid_by_installment=tuple(ComponentAmounts(*p) for p in core.paid),
        overdue_minor=core.overdue,
        unapplied_minor=core.unapplied,
        penalty_charged_minor=sum(core.charged),
        outstanding_principal_minor=core.outstanding_principal,
        owed_by_installment=tuple(ComponentAmounts(*o) for o in core.owed),
        settled_on=tuple(fromordinal(s) if s else None for s in core.settled),
        payment_allocations=tuple(applied),
    )


# --------------------------------------------------------------------------------------
# Money entry point
# --------------------------------------------------------------------------------------
def replay(
    terms: LoanTerms,
    payments: Sequence[Payment],
    as_of: date,
    *,
    penalty: PenaltyPolicy = PenaltyPolicy(),
    lender_kind: LenderKind | str = LenderKind.LICENSED,
    holds: Sequence[Hold] = (),
    waterfall: WaterfallConfig = DEFAULT_WATERFALL,
    tz: str = SHANGHAI,
    schedule: tuple[Installment, ...] | None = None,
) -> LoanState:
    """The state of a loan as of `as_of` (see the module docstring for the rules).

    The creditor's penalty rate is capped so that apr + penalty <= the legal cap for
    `lender_kind` at the origination date; `holds` stop penalty accrual. Raises ValueError on
    invalid terms, a negative payment or an invalid waterfall; CurrencyMismatch when a
    payment is in another currency."""
    sched = build_schedule(terms) if schedule is None else schedule
    cur = terms.currency
    for p in payments:
        if p.amount.currency != cur:
            raise CurrencyMismatch(cur, p.amount.currency)
    rate = effective_penalty_rate(
        terms.apr,
        penalty.annual_rate_percent,
        applicable_cap_percent(lender_kind, terms.originated_on),
    )
    r = replay_rows(
        rows_from_schedule(sched),
        [(p.paid_at, p.amount.minor) for p in payments],
        as_of,
        capped_penalty_rate=rate,
        day_basis=penalty.day_basis,
        holds=holds,
        waterfall=waterfall,
        tz=tz,
    )

    def m(x: int) -> Money:
        return Money(x, cur)

    states = []
    for inst, pd, ow, st in zip(
        sched, r.paid_by_installment, r.owed_by_installment, r.settled_on, strict=True
    ):
        rest = ow.total
        states.append(
            InstallmentState(
                installment=inst,
                paid_fee=m(pd.fee),
                paid_penalty=m(pd.penalty),
                paid_interest=m(pd.interest),
                paid_principal=m(pd.principal),
                penalty_charged=m(pd.penalty + ow.penalty),
                remaining=m(rest),
                remaining_principal=m(ow.principal),
                settled_on=st,
                is_paid=rest == 0,
                is_overdue=rest > 0 and inst.due_on < as_of,
            )
        )
    dpd = 0 if r.overdue_since is None else (as_of - r.overdue_since).days
    return LoanState(
        as_of=as_of,
        installments=tuple(states),
        paid=m(r.paid_minor),
        unapplied=m(r.unapplied_minor),
        outstanding=m(r.outstanding_minor),
        outstanding_principal=m(r.outstanding_principal_minor),
        overdue_amount=m(r.overdue_minor),
        overdue_since=r.overdue_since,
        days_past_due=dpd,
        bucket=bucket_for(dpd),
        penalty_charged=m(r.penalty_charged_minor),
        penalty_rate_percent=rate,
    )
