"""Ready-to-insert rows for the bulk importer, built in worker processes for big imports.

The importer's writer (the process holding the database transaction) should do nothing but
insert. Everything else per row happens here, in batches that cross the process boundary as
compact columns (numpy arrays, lists with shared strings) and come back as lists of tuples in
the column order of the store's `RowSink`s:

- `build_loans`: for a batch of new loans, the schedule (domain.schedule.schedule_rows), the
  state as of today (domain.delinquency.replay_ordinals: outstanding, paid, overdue_since,
  paid amounts per installment, each payment's waterfall allocation) and the rows of loans,
  installments and payments;
- `build_borrowers`: encrypted PII and blind indexes (vault), the borrowers' rows and their
  own phone/e-mail as debtor contact points (the blind index of a borrower's phone is the
  contact point's: computed once);
- `build_contacts`: contact-event rows.

The same functions run in-process for small imports (`Pipeline` without a pool), so there is
one code path. Values are in the store's storage form (see `LOAN_COLUMNS` & co and
store.repositories.imports): dates as ``YYYY-MM-DD``, instants as ``YYYY-MM-DD
HH:MM:SS.ffffff`` UTC plus `instant_suffix` (``""`` on SQLite, ``"+00"`` on PostgreSQL),
JSON as text, decimals as exact text.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import os
import pickle
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa

from faircollect.domain.cost import applicable_cap_percent
from faircollect.domain.delinquency import penalty_fraction, replay_ordinals
from faircollect.domain.loan import add_months
from faircollect.domain.penalty import effective_penalty_rate
from faircollect.domain.schedule import schedule_rows
from faircollect.domain.waterfall import WaterfallConfig
from faircollect.store import pii
from faircollect.vault import Vault

from .schema import PLACE_BY_KIND

__all__ = [
    "BORROWER_COLUMNS",
    "CONTACT_COLUMNS",
    "INSTALLMENT_COLUMNS",
    "LOAN_COLUMNS",
    "PAYMENT_COLUMNS",
    "POINT_COLUMNS",
    "BorrowerBatch",
    "BorrowerRows",
    "ContactBatch",
    "LoanBatch",
    "LoanRows",
    "Packed",
    "Pipeline",
    "PolicySpec",
    "build_borrowers",
    "build_contacts",
    "build_loans",
    "encrypt_points",
    "instant_texts",
    "make_pool",
    "pack",
    "runner",
    "texts",
    "vault_for",
]

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
PARALLEL_FROM = 100_000  # loans; below this a pool costs more than it saves
# workers' niceness: 0 (measured: lowering them starves them behind other users' processes
# and the writer then waits for its rows)
WORKER_NICENESS = 0

LOAN_COLUMNS = (
    "id",
    "ref",
    "creditor_id",
    "borrower_id",
    "product",
    "currency",
    "principal_minor",
    "apr",
    "originated_on",
    "term_months",
    "repayment",
    "first_due_on",
    "fee_minor",
    "status",
    "outstanding_minor",
    "overdue_since",
    "paid_minor",
)
INSTALLMENT_COLUMNS = (
    "loan_id",
    "seq",
    "due_on",
    "principal_minor",
    "interest_minor",
    "paid_principal_minor",
    "paid_interest_minor",
    "paid_fee_minor",
    "paid_penalty_minor",
    "settled_on",
)
PAYMENT_COLUMNS = (
    "id",
    "ref",
    "loan_id",
    "paid_at",
    "amount_minor",
    "currency",
    "channel",
    "allocation",
)
BORROWER_COLUMNS = (
    "id",
    "creditor_id",
    "ref",
    "name_enc",
    "id_number_enc",
    "phone_enc",
    "email_enc",
    "address_enc",
    "id_number_bidx",
    "phone_bidx",
    "email_bidx",
    "region",
    "timezone",
    "locale",
)
POINT_COLUMNS = (
    "id",
    "borrower_id",
    "kind",
    "party",
    "place",
    "source",
    "value_enc",
    "value_bidx",
)
CONTACT_COLUMNS = (
    "id",
    "ref",
    "creditor_id",
    "borrower_id",
    "loan_id",
    "debt_refs",
    "at",
    "channel",
    "party",
    "outcome",
    "initiated_by",
    "collector",
)


# ---------------------------------------------------------------------------------------
# loans, installments, payments
# ---------------------------------------------------------------------------------------
class PolicySpec(NamedTuple):
    """A creditor's settings that the derivation needs."""

    penalty_rate_percent: Decimal  # before the legal cap
    lender_kind: str
    waterfall: WaterfallConfig


class LoanBatch(NamedTuple):
    """New loans (in import order) and their payments (grouped by loan, in replay order)."""

    ids: np.ndarray
    refs: Texts
    creditor_id: np.ndarray
    borrower_id: np.ndarray
    policy: np.ndarray  # index into `policies`
    policies: tuple[PolicySpec, ...]
    product: Texts
    currency: Texts
    principal: np.ndarray
    apr: list[Decimal]
    originated: np.ndarray  # datetime64[D]
    term: np.ndarray
    repayment: Texts
    first_due: np.ndarray  # datetime64[D]; NaT: origination + 1 month
    fee: np.ndarray
    pay_start: np.ndarray  # payments of loan k: [pay_start[k], pay_end[k])
    pay_end: np.ndarray
    pay_ids: np.ndarray
    pay_refs: Texts
    pay_at: np.ndarray  # datetime64[us], UTC
    pay_day: np.ndarray  # local business date ordinals (Asia/Shanghai)
    pay_amount: np.ndarray
    pay_channel: Texts
    as_of: int  # ordinal
    instant_suffix: str
    per: int  # rows per statement (`RowSink.per_statement`)


class Packed(NamedTuple):
    """Rows for a `RowSink`: `full` holds tuples of `per` rows each (their values one after
    the other: one multi-row INSERT binds a whole tuple), `rest` the remaining rows one tuple
    each."""

    full: list[tuple[Any, ...]]
    rest: list[tuple[Any, ...]]
    rows: int

    def all_rows(self, ncols: int) -> list[tuple[Any, ...]]:
        """Every row as its own tuple (tests, small imports)."""
        out = [t[i : i + ncols] for t in self.full for i in range(0, len(t), ncols)]
        return out + self.rest


def pack(values: list[Any], ncols: int, per: int) -> Packed:
    """Packs a flat list of row values (`ncols` per row) into `Packed` with `per` rows per
    tuple."""
    n = len(values) // ncols
    step = ncols * max(1, per)
    cut = (n // max(1, per)) * step
    full = [tuple(values[i : i + step]) for i in range(0, cut, step)]
    rest = [tuple(values[i : i + ncols]) for i in range(cut, len(values), ncols)]
    return Packed(full, rest, n)


class LoanRows(NamedTuple):
    loans: Packed  # LOAN_COLUMNS
    installments: Packed  # INSTALLMENT_COLUMNS
    payments: Packed  # PAYMENT_COLUMNS


Texts = list[Any] | pa.Array | tuple[np.ndarray, list[Any]]
"""A text column as given to a worker: a list, an Arrow string array (pickled as buffers:
cheap), or dictionary codes with their values (low-cardinality columns)."""


def texts(column: Texts) -> list[Any]:
    """The column as a list of values."""
    if isinstance(column, list):
        return column
    if isinstance(column, tuple):
        codes, values = column
        return [values[c] for c in codes.tolist()]
    return column.to_pylist()  # type: ignore[no-any-return]


def instant_texts(instants: np.ndarray, suffix: str = "") -> list[str]:
    """datetime64 (UTC) -> "YYYY-MM-DD HH:MM:SS.ffffff" + suffix (the stored text)."""
    if len(instants) == 0:
        return []
    texts: list[str] = pa.array(instants.astype("datetime64[us]")).cast(pa.string()).to_pylist()
    return [t + suffix for t in texts] if suffix else texts


def _ordinals(days: np.ndarray) -> list[int]:
    """datetime64[D] -> date ordinals (NaT -> 0)."""
    nat = np.isnat(days)
    out = days.astype(np.int64) + EPOCH_ORDINAL
    out[nat] = 0
    return out.tolist()  # type: ignore[no-any-return]


class _DateTexts(dict[int, str]):
    """ordinal -> "YYYY-MM-DD" (0 -> None), one shared string per date."""

    def __missing__(self, key: int) -> Any:
        value = date.fromordinal(key).isoformat() if key else None
        self[key] = value
        return value


_ALLOC = '{"fee": %d, "penalty": %d, "interest": %d, "principal": %d}'
_ALLOC_UNAPPLIED = '{"fee": %d, "penalty": %d, "interest": %d, "principal": %d, "unapplied": %d}'


def build_loans(b: LoanBatch) -> LoanRows:
    refs, products, currencies = texts(b.refs), texts(b.product), texts(b.currency)
    repayments = texts(b.repayment)
    n = len(refs)
    text = _DateTexts()
    fromordinal = date.fromordinal
    orig = _ordinals(b.originated)
    first_given = _ordinals(b.first_due)
    ids = b.ids.tolist()
    cred = b.creditor_id.tolist()
    borr = b.borrower_id.tolist()
    pol = b.policy.tolist()
    principal = b.principal.tolist()
    term = b.term.tolist()
    fee = b.fee.tolist()
    p_start, p_end = b.pay_start.tolist(), b.pay_end.tolist()
    p_ids, p_day, p_amount = b.pay_ids.tolist(), b.pay_day.tolist(), b.pay_amount.tolist()
    p_at = instant_texts(b.pay_at, b.instant_suffix)
    p_refs, p_channel = texts(b.pay_refs), texts(b.pay_channel)
    as_of = b.as_of
    rates: dict[tuple[int, Decimal, int], tuple[int, int]] = {}
    apr_text: dict[Decimal, str] = {}
    loans: list[Any] = []
    insts: list[Any] = []
    pays: list[Any] = []
    add_loan, add_inst, add_pay = loans.extend, insts.extend, pays.extend
    for k in range(n):
        o = orig[k]
        f = first_given[k]
        if f:
            first = fromordinal(f)
            day = first.day
        else:  # no first due date: origination + 1 month, anchored on its day
            od = fromordinal(o)
            first, day = add_months(od, 1, od.day), od.day
            f = first.toordinal()
        apr = b.apr[k]
        rows = schedule_rows(principal[k], apr, term[k], repayments[k], first, day_of_month=day)
        p = pol[k]
        spec = b.policies[p]
        key = (p, apr, o)
        rate = rates.get(key)
        if rate is None:
            capped = Decimal(0)
            if spec.penalty_rate_percent > 0:
                cap = applicable_cap_percent(spec.lender_kind, fromordinal(o))
                capped = effective_penalty_rate(apr, spec.penalty_rate_percent, cap)
            rate = rates[key] = penalty_fraction(capped)
        s, e = p_start[k], p_end[k]
        due = [r[1].toordinal() for r in rows]
        r = replay_ordinals(
            due,
            [x[2] for x in rows],
            [x[3] for x in rows],
            p_day[s:e],
            p_amount[s:e],
            as_of,
            rate_num=rate[0],
            rate_den=rate[1],
            waterfall=spec.waterfall,
        )
        lid = ids[k]
        at = apr_text.get(apr)
        if at is None:
            at = apr_text[apr] = format(apr, "f")
        cur = currencies[k]
        add_loan(
            (
                lid,
                refs[k],
                cred[k],
                borr[k],
                products[k],
                cur,
                principal[k],
                at,
                text[o],
                term[k],
                repayments[k],
                text[f],
                fee[k],
                "active" if r.outstanding > 0 else "settled",
                r.outstanding,
                text[r.overdue_since],
                r.total_in - r.unapplied,
            )
        )
        for (seq, _d, pr, it), d, paid, st in zip(rows, due, r.paid, r.settled, strict=True):
            add_inst((lid, seq, text[d], pr, it, paid[3], paid[2], paid[0], paid[1], text[st]))
        for j, a in zip(range(s, e), r.allocations, strict=True):
            add_pay(
                (
                    p_ids[j],
                    p_refs[j],
                    lid,
                    p_at[j],
                    p_amount[j],
                    cur,
                    p_channel[j],
                    _ALLOC_UNAPPLIED % a if a[4] else _ALLOC % a[:4],
                )
            )
    per = b.per
    return LoanRows(
        pack(loans, len(LOAN_COLUMNS), per),
        pack(insts, len(INSTALLMENT_COLUMNS), per),
        pack(pays, len(PAYMENT_COLUMNS), per),
    )


# ---------------------------------------------------------------------------------------
# borrowers and contact points (PII)
# ---------------------------------------------------------------------------------------
class BorrowerBatch(NamedTuple):
    ids: np.ndarray
    creditor_id: np.ndarray
    refs: list[str]
    names: list[str]
    id_numbers: list[str | None]
    phones: list[str | None]  # E.164
    emails: list[str | None]
    addresses: list[str | None]
    regions: list[str | None]
    timezones: list[str | None]
    locales: list[str]
    point_ids: np.ndarray  # ids of the own contact points: per borrower phone, then e-mail
    per: int  # rows per statement


class BorrowerRows(NamedTuple):
    borrowers: Packed  # BORROWER_COLUMNS
    points: Packed  # POINT_COLUMNS: each borrower's own phone and e-mail
    keys: list[tuple[int, str, str]]  # (borrower id, kind, blind index) of those points


def vault_for(secret: Vault | tuple[str, ...]) -> Vault:
    """The vault itself, or one built (once per process) from the master secrets (workers
    get the secrets over a local pipe from their parent; they are never written anywhere)."""
    if isinstance(secret, Vault):
        return secret
    v = _VAULTS.get(secret)
    if v is None:
        v = _VAULTS[secret] = Vault(secret)
    return v


_VAULTS: dict[tuple[str, ...], Vault] = {}


def build_borrowers(secret: Vault | tuple[str, ...], b: BorrowerBatch) -> BorrowerRows:
    v = vault_for(secret)
    enc, bidx = v.encrypt_many, v.blind_index_many
    phone_bidx = bidx(b.phones, kind="phone")
    email_bidx = bidx(b.emails, kind="email")
    columns = zip(
        b.ids.tolist(),
        b.creditor_id.tolist(),
        b.refs,
        enc(b.names, field=pii.BORROWER_NAME),
        enc(b.id_numbers, field=pii.BORROWER_ID_NUMBER),
        enc(b.phones, field=pii.BORROWER_PHONE),
        enc(b.emails, field=pii.BORROWER_EMAIL),
        enc(b.addresses, field=pii.BORROWER_ADDRESS),
        bidx(b.id_numbers, kind="id_number"),
        phone_bidx,
        email_bidx,
        [r or "" for r in b.regions],
        b.timezones,
        b.locales,
        strict=True,
    )
    borrowers = list(columns)
    # own points: the same values under the contact point's field (AAD)
    owners: list[tuple[int, str, str]] = []  # (borrower id, kind, blind index)
    values: list[str | None] = []
    for row, phone, email in zip(borrowers, b.phones, b.emails, strict=True):
        if phone:
            owners.append((row[0], "phone", row[9]))
            values.append(phone)
        if email:
            owners.append((row[0], "email", row[10]))
            values.append(email)
    sealed = enc(values, field=pii.CONTACT_POINT_VALUE)
    point_ids = b.point_ids.tolist()
    if len(point_ids) != len(owners):
        raise ValueError("point ids do not match the borrowers' phones and e-mails")
    points: list[Any] = []
    add = points.extend
    for pid, (bid, kind, x), e in zip(point_ids, owners, sealed, strict=True):
        add((pid, bid, kind, "debtor", PLACE_BY_KIND.get(kind, "other"), "application", e, x))
    flat = list(itertools.chain.from_iterable(borrowers))
    return BorrowerRows(
        pack(flat, len(BORROWER_COLUMNS), b.per),
        pack(points, len(POINT_COLUMNS), b.per),
        owners,
    )


def encrypt_points(
    secret: Vault | tuple[str, ...], items: list[tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """(blind indexes, encrypted values) of contact point values given as (kind, value)."""
    v = vault_for(secret)
    by_kind: dict[str, list[int]] = {}
    for i, (kind, _value) in enumerate(items):
        by_kind.setdefault(kind, []).append(i)
    bidx: list[str] = [""] * len(items)
    for kind, idx in by_kind.items():
        for i, x in zip(
            idx, v.blind_index_many([items[i][1] for i in idx], kind=kind), strict=True
        ):
            bidx[i] = x or ""
    enc = v.encrypt_many([value for _kind, value in items], field=pii.CONTACT_POINT_VALUE)
    return bidx, [e or "" for e in enc]


# ---------------------------------------------------------------------------------------
# contact events
# ---------------------------------------------------------------------------------------
class ContactBatch(NamedTuple):
    ids: np.ndarray
    refs: Texts
    creditor_id: np.ndarray
    borrower_id: np.ndarray
    loan_id: np.ndarray
    loan_refs: Texts
    at: np.ndarray  # datetime64[us], UTC
    channel: Texts
    party: Texts
    outcome: Texts
    initiated_by: Texts
    collector: Texts
    instant_suffix: str
    per: int  # rows per statement


def build_contacts(b: ContactBatch) -> Packed:
    loan_refs = texts(b.loan_refs)
    debts = {r: f'["{r}"]' for r in loan_refs}  # refs are [A-Za-z0-9_.:/-]: no escaping
    rows = zip(
        b.ids.tolist(),
        texts(b.refs),
        b.creditor_id.tolist(),
        b.borrower_id.tolist(),
        b.loan_id.tolist(),
        [debts[r] for r in loan_refs],
        instant_texts(b.at, b.instant_suffix),
        texts(b.channel),
        texts(b.party),
        texts(b.outcome),
        texts(b.initiated_by),
        texts(b.collector),
        strict=True,
    )
    return pack(list(itertools.chain.from_iterable(rows)), len(CONTACT_COLUMNS), b.per)


# ---------------------------------------------------------------------------------------
# the pool and the pipeline
# ---------------------------------------------------------------------------------------
def _ready() -> bool:
    return True


def _worker_init(niceness: int) -> None:
    """Workers yield the CPU to the writer (the import's critical path) and skip the cyclic
    garbage collector (their batches make no reference cycles; the process ends with the
    import)."""
    gc.disable()
    if niceness:
        with contextlib.suppress(OSError):  # not allowed: run at normal priority
            os.nice(niceness)


def _run_pickled(job: bytes) -> tuple[bytes, float]:
    """Run a pickled (function, arguments) and return its pickled result. Jobs and results
    cross the pipe as bytes so that the parent pickles and unpickles them in its main thread,
    when it chooses: left to the pool's helper threads, (un)pickling large batches contends
    for the GIL with the writer, whose every statement releases and re-takes it. Also
    returns the CPU seconds the job took here."""
    c0 = time.process_time()
    fn, args = pickle.loads(job)
    out = pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)
    return out, time.process_time() - c0


def make_pool(workers: int | None, loans: int) -> ProcessPoolExecutor | None:
    """A process pool for a big import (None: do everything in this process).
    workers None = automatic: from PARALLEL_FROM loans on, one worker per CPU (at most 3: the
    writer is the bottleneck); 0 = none. Measured on 2 CPUs shared with other jobs (200,000
    loans): with one worker the writer waited ~2.2 s for rows, with two ~0.3 s, and the import
    took ~18% less wall time for the same CPU seconds (the workers' slack fills the core the
    writer leaves idle between statements and while it waits)."""
    if workers is None:
        workers = max(1, min(os.cpu_count() or 1, 3)) if loans >= PARALLEL_FROM else 0
    if workers < 1:
        return None
    ctx: Any = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["faircollect.portfolio.derive"])
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(WORKER_NICENESS,)
    )
    for _ in range(workers):  # start every worker now: they boot while the files are read
        pool.submit(_ready)
    return pool


Job = tuple[Any, Callable[..., Any], tuple[Any, ...]]  # (tag, function, arguments)


def _call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return fn(*args, **kwargs)


def runner(pool: ProcessPoolExecutor | None) -> Callable[..., Callable[[], Any]] | None:
    """`run(fn, *args, **kwargs)` starting the call on the pool (pickled both ways in the
    calling thread, see `_run_pickled`) and returning a callable that waits for its result;
    None without a pool."""
    if pool is None:
        return None

    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
        packed = pickle.dumps((_call, (fn, args, kwargs)), protocol=pickle.HIGHEST_PROTOCOL)
        future = pool.submit(_run_pickled, packed)

        def result() -> Any:
            data, _cpu = future.result()
            return pickle.loads(data)

        return result

    return run


class Pipeline:
    """Runs jobs (tag, function, arguments) on the pool, at most `window` ahead of the
    consumer, and yields (tag, result) in job order. The jobs are pulled lazily, so their
    inputs are built while earlier results are consumed; without a pool each job runs when
    its result is wanted."""

    def __init__(
        self, pool: ProcessPoolExecutor | None, jobs: Iterable[Job], window: int = 4
    ) -> None:
        self.pool = pool
        self.jobs = iter(jobs)
        self.window = window
        self.waiting = 0.0  # seconds the consumer waited for a result
        self.unpacking = 0.0  # seconds spent unpickling results
        self.packing = 0.0  # seconds spent pickling jobs
        self.worker_cpu = 0.0  # CPU seconds the workers spent on the jobs

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.pool is None:
            for tag, fn, args in self.jobs:
                yield tag, fn(*args)
            return
        pending: deque[tuple[Any, Future[Any]]] = deque()
        try:
            while True:
                while len(pending) < self.window:
                    job = next(self.jobs, None)
                    if job is None:
                        break
                    tag, fn, args = job
                    t0 = time.perf_counter()
                    packed = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
                    self.packing += time.perf_counter() - t0
                    pending.append((tag, self.pool.submit(_run_pickled, packed)))
                if not pending:
                    return
                tag, future = pending.popleft()
                t0 = time.perf_counter()
                result = future.result()
                t1 = time.perf_counter()
                self.waiting += t1 - t0
                result, cpu = result
                self.worker_cpu += cpu
                value = pickle.loads(result)
                self.unpacking += time.perf_counter() - t1
                del result
                yield tag, value
        finally:
            for _tag, future in pending:
                future.cancel()
