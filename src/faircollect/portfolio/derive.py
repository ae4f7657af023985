"""Schedules and derived loan state for many new loans at once, in worker processes for big
imports (it is pure CPU work: domain.schedule.schedule_rows + domain.delinquency.replay_rows
per loan, nothing else).

Inputs and outputs are plain arrays so that a chunk crosses a process boundary cheaply; the
same `derive_chunk` runs in-process for small imports, so there is one code path.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from faircollect.domain.delinquency import replay_rows
from faircollect.domain.schedule import schedule_rows
from faircollect.domain.waterfall import WaterfallConfig

__all__ = [
    "Chunk",
    "Derived",
    "Task",
    "derive_all",
    "derive_chunk",
    "make_pool",
    "split",
    "submit",
    "warm_up",
]

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
PARALLEL_FROM = 100_000  # loans; below this a pool costs more than it saves
CHUNK_LOANS = 25_000


@dataclass(frozen=True)
class Chunk:
    """New loans [lo, hi) of the import and their payments (already in replay order)."""

    principal: list[int]
    apr: list[Decimal]
    term: list[int]
    repayment: list[str]
    first_due: list[int]  # ordinals
    day: list[int]  # anchor day of month
    penalty: list[Decimal]  # capped annual penalty rate per loan
    waterfall: list[int]  # index into `waterfalls`
    waterfalls: list[WaterfallConfig]
    pay_start: list[int]  # payments of loan k: pay_day[pay_start[k]:pay_end[k]]
    pay_end: list[int]
    pay_day: list[int]  # local date ordinals
    pay_amount: list[int]
    as_of: int  # ordinal


@dataclass(frozen=True)
class Derived:
    outstanding: np.ndarray
    paid: np.ndarray
    overdue_since: np.ndarray  # datetime64[D], NaT = not overdue
    inst_count: np.ndarray  # installments per loan
    inst: dict[str, np.ndarray]  # seq, due_on, principal/interest, paid_*, settled_on
    allocation: list[str]  # per payment (chunk order): JSON text


def _days(ordinals: list[int]) -> np.ndarray:
    """Ordinals (0 = none) -> datetime64[D] (NaT for none)."""
    a = np.asarray(ordinals, dtype=np.int64)
    out = (a - EPOCH_ORDINAL).astype("datetime64[D]")
    out[a == 0] = np.datetime64("NaT")
    return out


def derive_chunk(c: Chunk) -> Derived:
    n = len(c.principal)
    as_of = date.fromordinal(c.as_of)
    out_outstanding = [0] * n
    out_paid = [0] * n
    out_since = [0] * n
    counts = [0] * n
    seq: list[int] = []
    due: list[int] = []
    pr: list[int] = []
    it: list[int] = []
    pf: list[int] = []
    pp: list[int] = []
    pi: list[int] = []
    ppr: list[int] = []
    settled: list[int] = []
    alloc: list[str] = []
    days = c.pay_day
    amounts = c.pay_amount
    fromordinal = date.fromordinal
    fmt = '{"fee": %d, "penalty": %d, "interest": %d, "principal": %d}'
    fmt_un = '{"fee": %d, "penalty": %d, "interest": %d, "principal": %d, "unapplied": %d}'
    for k in range(n):
        rows = schedule_rows(
            c.principal[k],
            c.apr[k],
            c.term[k],
            c.repayment[k],
            fromordinal(c.first_due[k]),
            day_of_month=c.day[k],
        )
        s, e = c.pay_start[k], c.pay_end[k]
        pays = [(fromordinal(days[j]), amounts[j]) for j in range(s, e)]
        r = replay_rows(
            rows,
            pays,
            as_of,
            capped_penalty_rate=c.penalty[k],
            waterfall=c.waterfalls[c.waterfall[k]],
        )
        out_outstanding[k] = r.outstanding_minor
        out_paid[k] = r.paid_minor
        out_since[k] = 0 if r.overdue_since is None else r.overdue_since.toordinal()
        counts[k] = len(rows)
        for (q, d, p, i), paid, st in zip(rows, r.paid_by_installment, r.settled_on, strict=True):
            seq.append(q)
            due.append(d.toordinal())
            pr.append(p)
            it.append(i)
            pf.append(paid.fee)
            pp.append(paid.penalty)
            pi.append(paid.interest)
            ppr.append(paid.principal)
            settled.append(0 if st is None else st.toordinal())
        for a in r.payment_allocations:
            if a.unapplied:
                alloc.append(fmt_un % (a.fee, a.penalty, a.interest, a.principal, a.unapplied))
            else:
                alloc.append(fmt % (a.fee, a.penalty, a.interest, a.principal))
    i64 = np.int64
    return Derived(
        outstanding=np.asarray(out_outstanding, dtype=i64),
        paid=np.asarray(out_paid, dtype=i64),
        overdue_since=_days(out_since),
        inst_count=np.asarray(counts, dtype=i64),
        inst={
            "seq": np.asarray(seq, dtype=i64),
            "due_on": _days(due),
            "principal_minor": np.asarray(pr, dtype=i64),
            "interest_minor": np.asarray(it, dtype=i64),
            "paid_fee_minor": np.asarray(pf, dtype=i64),
            "paid_penalty_minor": np.asarray(pp, dtype=i64),
            "paid_interest_minor": np.asarray(pi, dtype=i64),
            "paid_principal_minor": np.asarray(ppr, dtype=i64),
            "settled_on": _days(settled),
        },
        allocation=alloc,
    )


class Task:
    """A result to come: a future from the pool, or a call made when the result is asked for
    (in-process mode keeps the same order of work)."""

    def __init__(self, future: Future[Any] | None = None, call: Any = None) -> None:
        self._future = future
        self._call = call

    def result(self) -> Any:
        if self._future is not None:
            return self._future.result()
        return self._call()

    def cancel(self) -> None:
        if self._future is not None:
            self._future.cancel()


def _ready() -> bool:
    return True


def warm_up(pool: ProcessPoolExecutor) -> None:
    """Start every worker now (they import the domain while the caller reads files)."""
    for _ in range(pool._max_workers):
        pool.submit(_ready)


def submit(pool: ProcessPoolExecutor | None, fn: Any, *args: Any) -> Task:
    if pool is None:
        return Task(call=lambda: fn(*args))
    return Task(future=pool.submit(fn, *args))


def make_pool(workers: int | None, loans: int) -> ProcessPoolExecutor | None:
    """A process pool for a big import (None: do everything in this process).
    workers None = automatic (the CPU count, from PARALLEL_FROM loans on); 0 or 1 = none."""
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if loans >= PARALLEL_FROM else 0
    if workers <= 1:
        return None
    ctx: Any = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["faircollect.portfolio.derive", "faircollect.portfolio.crypto"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def split(c: Chunk, size: int) -> Iterator[tuple[int, int, Chunk]]:
    """(first loan, end loan, sub-chunk) pieces of `c`."""
    n = len(c.principal)
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        p0, p1 = c.pay_start[lo], c.pay_end[hi - 1]
        yield (
            lo,
            hi,
            Chunk(
                principal=c.principal[lo:hi],
                apr=c.apr[lo:hi],
                term=c.term[lo:hi],
                repayment=c.repayment[lo:hi],
                first_due=c.first_due[lo:hi],
                day=c.day[lo:hi],
                penalty=c.penalty[lo:hi],
                waterfall=c.waterfall[lo:hi],
                waterfalls=c.waterfalls,
                pay_start=[s - p0 for s in c.pay_start[lo:hi]],
                pay_end=[e - p0 for e in c.pay_end[lo:hi]],
                pay_day=c.pay_day[p0:p1],
                pay_amount=c.pay_amount[p0:p1],
                as_of=c.as_of,
            ),
        )


def derive_all(
    c: Chunk, pool: ProcessPoolExecutor | None, size: int | None = None
) -> list[tuple[int, int, Task]]:
    """Derivation of every loan of `c`, in pieces of `size` loans: [(lo, hi, task)]."""
    if not c.principal:
        return []
    return [
        (lo, hi, submit(pool, derive_chunk, part)) for lo, hi, part in split(c, size or CHUNK_LOANS)
    ]
