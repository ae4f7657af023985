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
from fractions import Fraction
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
    allocate_minor,
)

__all__ = [
    "BUCKETS",
    "InstallmentState",
    "LoanState",
    "Payment",
    "PaymentAllocation",
    "RowsReplay",
    "bucket_for",
    "replay",
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
    """Fast replay for the importer.

    rows: `schedule_rows(...)` output (seq, due_on, principal_minor, interest_minor);
    payments: (paid_at, amount_minor) with amount >= 0, paid_at a date or an aware datetime;
    capped_penalty_rate: the annual penalty rate in percent AFTER the legal cap (use
    `penalty.effective_penalty_rate(apr, creditor_rate, cost.applicable_cap_percent(...))`).
    Raises ValueError on a negative payment or an invalid waterfall, ClockError on a naive
    datetime."""
    problems = waterfall.problems()
    if problems:
        raise ValueError("; ".join(problems))
    order = waterfall.order_indexes
    mode = waterfall.mode
    as_of_ord = as_of.toordinal()
    dated = sorted(
        ((_as_local_date(at, tz).toordinal(), amt, k) for k, (at, amt) in enumerate(payments)),
        key=lambda p: p[0],
    )
    applied = [PaymentAllocation(0, 0, 0, 0, 0)] * len(dated)
    n = len(rows)
    due = [r[1].toordinal() for r in rows]
    owed = [[0, 0, r[3], r[2]] for r in rows]  # fee, penalty, interest, principal
    paid = [[0, 0, 0, 0] for _ in rows]
    settled: list[int | None] = [None] * n
    rate = daily_rate(capped_penalty_rate, day_basis) if capped_penalty_rate > 0 else Fraction(0)
    rnum, rden = rate.numerator, rate.denominator
    merged = merge_holds(holds) if rnum else ()
    pen_num = [0] * n  # exact penalty numerators (over rden)
    charged = [0] * n
    through = list(due)  # penalty accrued through this ordinal

    def accrue(day: int) -> None:
        for i in range(n):
            if due[i] >= day:
                break  # rows are in due-date order
            prin = owed[i][3]
            start = through[i]
            if prin and day > start:
                lo = start + 1
                days = day - lo + 1
                for a, b in merged:
                    s, e = max(a, lo), min(b, day)
                    if s <= e:
                        days -= e - s + 1
                if days:
                    pen_num[i] += prin * days * rnum
                    new = (2 * pen_num[i] + rden) // (2 * rden)
                    owed[i][1] += new - charged[i]
                    charged[i] = new
            through[i] = day

    unapplied = 0
    total_in = 0
    for day, amount, k in dated:
        if day > as_of_ord:
            break
        parts = [0, 0, 0, 0]
        if amount < 0:
            raise ValueError("a payment amount cannot be negative")
        total_in += amount
        if rnum:
            accrue(day)
        idx_due = [i for i in range(n) if due[i] <= day and settled[i] is None and any(owed[i])]
        allocs, left = allocate_minor(amount, [owed[i] for i in idx_due], order, mode)
        for pos, c, a in allocs:
            paid[idx_due[pos]][c] += a
            parts[c] += a
        if left:
            idx_future = [i for i in range(n) if due[i] > day and any(owed[i])]
            allocs, left = allocate_minor(
                left, [owed[i] for i in idx_future], order, WaterfallMode.PER_INSTALLMENT
            )
            for pos, c, a in allocs:
                paid[idx_future[pos]][c] += a
                parts[c] += a
        unapplied += left
        applied[k] = PaymentAllocation(parts[0], parts[1], parts[2], parts[3], left)
        for i in range(n):
            if settled[i] is None and not any(owed[i]) and any(paid[i]):
                settled[i] = day
    if rnum:
        accrue(as_of_ord)
    outstanding = overdue = out_principal = 0
    since: int | None = None
    for i in range(n):
        rest = sum(owed[i])
        outstanding += rest
        out_principal += owed[i][3]
        if due[i] < as_of_ord and rest:
            overdue += rest
            if since is None:
                since = due[i]
    return RowsReplay(
        outstanding_minor=outstanding,
        paid_minor=total_in - unapplied,
        overdue_since=None if since is None else date.fromordinal(since),
        paid_by_installment=tuple(ComponentAmounts(*p) for p in paid),
        overdue_minor=overdue,
        unapplied_minor=unapplied,
        penalty_charged_minor=sum(charged),
        outstanding_principal_minor=out_principal,
        owed_by_installment=tuple(ComponentAmounts(*o) for o in owed),
        settled_on=tuple(None if s is None else date.fromordinal(s) for s in settled),
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
