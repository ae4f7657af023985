"""Schedules and derived loan state for many new loans at once, in worker processes for big
imports (it is pure CPU work: domain.schedule.schedule_rows + domain.delinquency.replay_rows
per loan, nothing else).

Inputs and outputs are plain arrays so that a chunk crosses a process boundary cheaply; the
same `derive_chunk` runs in-process for small imports, so there is one code path.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from faircollect.domain.delinquency import replay_rows
from faircollect.domain.schedule import schedule_rows
from faircollect.domain.waterfall import WaterfallConfig

__all__ = ["Chunk", "Derived", "derive_all", "derive_chunk"]

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
PARALLEL_FROM = 20_000  # loans; below this a pool costs more than it saves
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


def _concat(parts: Sequence[Derived]) -> Derived:
    if len(parts) == 1:
        return parts[0]
    return Derived(
        outstanding=np.concatenate([p.outstanding for p in parts]),
        paid=np.concatenate([p.paid for p in parts]),
        overdue_since=np.concatenate([p.overdue_since for p in parts]),
        inst_count=np.concatenate([p.inst_count for p in parts]),
        inst={k: np.concatenate([p.inst[k] for p in parts]) for k in parts[0].inst},
        allocation=[a for p in parts for a in p.allocation],
    )


class Pending:
    """Derivation under way (futures in a pool, or already done in-process)."""

    def __init__(self, futures: list[Future[Derived]] | None, done: Derived | None,
                 pool: ProcessPoolExecutor | None) -> None:  # fmt: skip
        self._futures = futures
        self._done = done
        self._pool = pool

    def result(self) -> Derived:
        try:
            if self._done is None:
                assert self._futures is not None
                self._done = _concat([f.result() for f in self._futures])
            return self._done
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def cancel(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _split(c: Chunk, size: int) -> Iterator[Chunk]:
    n = len(c.principal)
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        p0, p1 = c.pay_start[lo] if lo < n else 0, c.pay_end[hi - 1] if hi > lo else 0
        yield Chunk(
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
        )


def derive_all(c: Chunk, *, workers: int | None = None) -> Pending:
    """Start deriving every loan of `c`. With more than PARALLEL_FROM loans (and workers != 0)
    the chunks go to a process pool and this returns at once; call `.result()` later."""
    n = len(c.principal)
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if n >= PARALLEL_FROM else 0
    if workers <= 1 or n == 0:
        return Pending(None, derive_chunk(c), None)
    ctx: Any = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["faircollect.portfolio.derive"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    futures = [pool.submit(derive_chunk, part) for part in _split(c, CHUNK_LOANS)]
    return Pending(futures, None, pool)
