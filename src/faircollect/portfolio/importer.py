"""Import a portfolio folder: validate everything, then load it in ONE transaction.

    result = import_portfolio(db, folder, vault=vault)

1. Every file is read and checked on its own, outside any transaction (validate.check_files;
   with a worker pool the largest files are checked in a worker meanwhile).
2. One write transaction (SQLite: BEGIN IMMEDIATE; a page cache sized for the import (see
   CACHE_PER_CSV_BYTE), temp store in memory, durable commit) checks references and
   re-imports against what is stored (validate.check_against). Any issue: the transaction
   writes nothing and the issues are returned.
3. Otherwise it writes new creditors (pack CN, currency of their first loan), borrowers (PII
   encrypted, blind indexes), contact points (the borrower's own phone and e-mail as
   debtor/application, plus contact_points.csv), loans with their schedule
   (domain.schedule.schedule_rows) and derived state as of today
   (domain.delinquency.replay_ordinals: outstanding, paid, overdue_since, paid amounts per
   installment, each payment's waterfall allocation), payments, contact events (status
   completed), one import batch and one audit event (file digests and counts, no PII).

How the writing is organised (the process holding the transaction - "the writer" - is the
bottleneck, so it only inserts): jobs of a few thousand rows are built by derive.py in worker
processes (encryption, schedules, replays, rows in storage form, packed for multi-row
INSERTs), at most WINDOW ahead of the writer, in the order the writer needs them (borrowers
and their own contact points, other contact points, loans with their installments and
payments, contact events); the writer inserts them with store.repositories.imports.RowSink
(SQLite: prepared multi-row INSERTs on the transaction's connection; PostgreSQL: COPY). The
borrowers' secondary indexes (random blind-index keys) are built once at the end, in the same
transaction. Small imports run the same jobs in this process.

Re-importing the same refs is idempotent: identical rows are skipped; when nothing is new the
transaction writes nothing at all (no batch, no audit event). New payments for a stored loan
re-derive that loan's state from all its payments.

Creditor settings read here (all optional): ``waterfall`` ({"order": [...], "mode": ...}),
``penalty_rate_percent`` (creditor's overdue-interest rate before the legal cap; default 0),
``lender_kind`` ("licensed" default, or "private").
"""

from __future__ import annotations

import gc
import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faircollect import audit, clock
from faircollect.domain.cost import applicable_cap_percent
from faircollect.domain.delinquency import replay_rows
from faircollect.domain.penalty import effective_penalty_rate
from faircollect.domain.waterfall import DEFAULT_WATERFALL, WaterfallConfig, parse_waterfall
from faircollect.store import pii
from faircollect.store.db import Database, Session
from faircollect.store.repositories import creditors as creditor_repo
from faircollect.store.repositories import imports as repo
from faircollect.store.tables import (
    Borrower,
    ContactEvent,
    ContactPoint,
    Installment,
    Loan,
    Payment,
)
from faircollect.vault import Vault

from . import derive
from .issues import Issue
from .schema import PLACE_BY_KIND
from .validate import Plan, Validation, _local_dates, check_against, check_files

__all__ = ["ImportResult", "Progress", "import_portfolio"]

ACTION = "portfolio.import"
COMPONENTS = ("fee", "penalty", "interest", "principal")
# rows per job handed to the workers (a loan brings ~11 installments and ~5 payments)
FIRST_CHUNK = 2_000  # the writer's first batch: small, so that it starts at once
BORROWER_CHUNK = 20_000
POINT_CHUNK = 50_000
LOAN_CHUNK = 10_000
CONTACT_CHUNK = 50_000
WINDOW = 6  # jobs in flight ahead of the writer
# rows (a loan counts for ~17 with its installments, points and borrower) from which an import
# is expected to outgrow a 1 GiB page cache (~300,000 loans)
BIG_IMPORT_ROWS = 6_000_000
# SQLite page cache of the import transaction: room for everything it writes (the database
# grows by ~4.5x the CSV bytes), at least 1 GiB, at most a quarter of the physical memory.
# Measured at 1,000,000 loans (a 3.3 GB database): 4 GiB instead of 1 GiB saved ~10% of the
# insert CPU (no dirty pages spilled to the WAL and written again). CACHE_KIB fixes it.
CACHE_PER_CSV_BYTE = 5
CACHE_MEMORY_SHARE = 4  # at most 1/4 of the physical memory
CACHE_KIB: int | None = None


class Progress(Protocol):
    """Progress reporting (a Rich progress bar in the CLI; nothing in tests)."""

    def stage(self, name: str, total: int) -> Callable[[int], None]: ...


class _Silent:
    def stage(self, name: str, total: int) -> Callable[[int], None]:
        return lambda n: None


@dataclass(frozen=True)
class ImportResult:
    ok: bool
    issues: list[Issue]
    inserted: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    batch_id: int | None = None
    digest: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds per stage
    cpu: dict[str, float] = field(default_factory=dict)  # this thread's CPU seconds per stage

    @property
    def nothing_new(self) -> bool:
        return self.ok and self.batch_id is None


class _DbLookup:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def creditors(self, codes: Iterable[str]) -> dict[str, repo.ExistingCreditor]:
        return repo.creditors_by_code(self.conn, codes)

    def borrowers(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], repo.ExistingBorrower]:
        return repo.borrowers_by_key(self.conn, keys)

    def borrowers_by_ref(self, refs: Iterable[str]) -> dict[str, list[repo.ExistingBorrower]]:
        return repo.borrowers_by_ref(self.conn, refs)

    def loans(self, refs: Iterable[str]) -> dict[str, repo.ExistingLoan]:
        return repo.loans_by_ref(self.conn, refs)

    def payments(self, refs: Iterable[str]) -> dict[str, repo.ExistingPayment]:
        return repo.payments_by_ref(self.conn, refs)

    def contacts(self, refs: Iterable[str]) -> dict[str, repo.ExistingContact]:
        return repo.contacts_by_ref(self.conn, refs)

    def contact_point_keys(self, borrower_ids: Iterable[int]) -> set[tuple[int, str, str, str]]:
        return repo.contact_point_keys(self.conn, borrower_ids)


class _Timer:
    """Wall seconds per stage (`timings`) and the CPU seconds of this thread in them
    (`cpu`: far below the wall time means the writer was starved of a core)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0
            self.cpu[name] = self.cpu.get(name, 0.0) + time.thread_time() - c0


def import_portfolio(
    db: Database,
    folder: str | Path,
    *,
    vault: Vault,
    actor: str = "cli",
    today: date | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    vault_keys: tuple[str, ...] | None = None,
) -> ImportResult:
    """Validate and load `folder` (see the module docstring). Never raises for bad data:
    the issues come back in the result and nothing is written.

    `workers`: worker processes for schedules, loan state and (with `vault_keys`) encryption
    (None: automatic, a pool only for big imports; 0: everything in this process).
    `vault_keys`: the vault's master secrets (settings.secret_keys), so that workers can
    encrypt; without them encryption runs in this process with `vault`."""
    # millions of small objects are created and all of them live until the end: the cyclic
    # GC would scan them again and again (quadratic); nothing here makes reference cycles
    collecting = gc.isenabled()
    folder = Path(folder)
    pool = None
    try:
        gc.disable()
        # start the worker processes (if any) now: they boot while the files are read
        pool = derive.make_pool(workers, _estimated_loans(folder))
        return _import(
            db,
            folder,
            vault,
            actor,
            today or clock.today(),
            now or clock.now(),
            progress or _Silent(),
            pool,
            vault_keys,
        )
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if collecting:
            gc.enable()


def _cache_kib(folder: Path) -> int:
    """The import transaction's SQLite page cache in KiB (see CACHE_PER_CSV_BYTE)."""
    if CACHE_KIB is not None:
        return CACHE_KIB
    csv_bytes = 0
    for path in folder.glob("*.csv"):
        try:
            csv_bytes += path.stat().st_size
        except OSError:
            continue
    wanted = csv_bytes * CACHE_PER_CSV_BYTE // 1024
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 1024
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not on Linux
        memory = 4 * repo.IMPORT_CACHE_KIB
    return max(repo.IMPORT_CACHE_KIB, min(wanted, memory // CACHE_MEMORY_SHARE))


def _estimated_loans(folder: Path) -> int:
    """Rows of loans.csv, estimated from its size (decides whether a pool pays off)."""
    try:
        return (folder / "loans.csv").stat().st_size // 100
    except OSError:
        return 0


def _import(
    db: Database,
    folder: Path,
    vault: Vault,
    actor: str,
    today: date,
    now: datetime,
    progress: Progress,
    pool: ProcessPoolExecutor | None,
    keys: tuple[str, ...] | None,
) -> ImportResult:
    timer = _Timer()
    with timer("read_and_check_files"):
        files = check_files(folder, today=today, now=now, run=derive.runner(pool))
    with db.transaction(immediate=True) as session:
        conn = session.connection()
        with repo.import_pragmas(conn, _cache_kib(folder)):
            with timer("check_against_db"):
                validation = check_against(files, lookup=_DbLookup(conn), vault=vault)
            if not validation.ok:
                return ImportResult(
                    False, validation.issues, digest=validation.digest, timings=timer.timings
                )
            plan = validation.plan
            if plan.is_empty():
                return ImportResult(
                    True,
                    [],
                    skipped=dict(plan.skipped),
                    digest=validation.digest,
                    timings=timer.timings,
                )
            loader = _Loader(
                session, conn, validation, vault, today, now, progress, timer, pool, keys
            )
            loader.run()
            counts = {
                "inserted": loader.inserted,
                "updated": loader.updated,
                "skipped": dict(plan.skipped),
            }
            with timer("batch_and_audit"):
                batch_id = repo.add_batch(
                    conn,
                    at=now,
                    source=str(folder.resolve()),
                    digest=validation.digest,
                    counts=counts,
                )
                audit.append(
                    session,
                    actor=actor,
                    action=ACTION,
                    entity=f"import_batch:{batch_id}",
                    payload={
                        "batch_id": batch_id,
                        "digest": validation.digest,
                        "files": {n: r.digest for n, r in validation.raw.items() if r.present},
                        **counts,
                    },
                )
        commit_started = time.perf_counter()
    timer.timings["commit"] = time.perf_counter() - commit_started
    with timer("checkpoint"):
        repo.make_durable(db.engine)
    return ImportResult(
        True,
        [],
        loader.inserted,
        dict(plan.skipped),
        loader.updated,
        batch_id,
        validation.digest,
        timer.timings,
        timer.cpu,
    )


# ---------------------------------------------------------------------------------------
# the loader
# ---------------------------------------------------------------------------------------
class _Policy:
    """A creditor's waterfall, penalty rate and lender kind (from its settings)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        wf = parse_waterfall(settings.get("waterfall"))
        self.waterfall: WaterfallConfig = (
            wf if isinstance(wf, WaterfallConfig) else DEFAULT_WATERFALL
        )
        self.penalty = Decimal(str(settings.get("penalty_rate_percent", "0")))
        self.lender_kind = str(settings.get("lender_kind", "licensed"))
        self._rates: dict[tuple[Decimal, date], Decimal] = {}

    def rate(self, apr: Decimal, originated_on: date) -> Decimal:
        if self.penalty <= 0:
            return Decimal(0)
        key = (apr, originated_on)
        r = self._rates.get(key)
        if r is None:
            cap = applicable_cap_percent(self.lender_kind, originated_on)
            r = self._rates[key] = effective_penalty_rate(apr, self.penalty, cap)
        return r


class _Loader:
    def __init__(
        self,
        session: Session,
        conn: Any,
        v: Validation,
        vault: Vault,
        today: date,
        now: datetime,
        progress: Progress,
        timer: _Timer,
        pool: ProcessPoolExecutor | None,
        keys: tuple[str, ...] | None,
    ) -> None:
        self.session = session
        self.conn = conn
        self.v = v
        self.plan: Plan = v.plan
        self.vault = vault
        self.today = today
        self.now = now
        self.progress = progress
        self.timer = timer
        self.pool = pool
        # what the workers encrypt with: the master secrets (a worker builds its own vault)
        self.secret: Vault | tuple[str, ...] = keys if pool is not None and keys else vault
        self.inserted: dict[str, int] = {}
        self.updated: dict[str, int] = {}
        self.creditor_ids: dict[str, int] = {}
        self.policies: dict[int, _Policy] = {}
        self.borrower_ids: dict[tuple[str, str], int] = {}
        self.suffix = repo.instant_suffix(conn)
        self._coded: dict[tuple[str, str, str | None], tuple[np.ndarray, list[str | None]]] = {}

    def col(self, file: str, column: str) -> Any:
        return self.v.tables[file].values[column]

    def raw(self, file: str, column: str) -> pa.Array:
        return self.v.raw[file].columns[column]

    # Text columns whose validated value is the cell itself (references and closed or plain
    # texts: their checks accept or reject, never rewrite) go to the workers straight from
    # the file's Arrow columns: pickled as buffers, not string by string.
    def take(self, file: str, column: str, rows: np.ndarray) -> pa.Array:
        return self.raw(file, column).take(pa.array(rows, pa.int64()))

    def coded(
        self, file: str, column: str, rows: np.ndarray, blank: str | None = ""
    ) -> tuple[np.ndarray, list[str | None]]:
        """Dictionary codes of a low-cardinality column at `rows` and the values they stand
        for (a blank cell: `blank`, the column's default)."""
        key = (file, column, blank)
        enc = self._coded.get(key)
        if enc is None:
            d = pc.dictionary_encode(self.raw(file, column))
            values = [blank if v == "" else v for v in d.dictionary.to_pylist()]
            codes = np.asarray(d.indices.to_numpy(zero_copy_only=False), dtype=np.int32)
            enc = self._coded[key] = (codes, values)
        return enc[0][rows], enc[1]

    def run(self) -> None:
        with self.timer("creditors"):
            self._creditors()
        with self.timer("prepare"):
            self._reserve()
            payments = self._group_payments()
            if self.plan.borrowers_changed:
                self._update_borrowers(self.plan.borrowers_changed)
            self._prepare_points()
        sinks = {
            "borrowers": repo.RowSink(
                self.conn,
                Borrower.__table__,
                derive.BORROWER_COLUMNS,
                {"created_at": self.now, "updated_at": self.now},
            ),
            "contact_points": repo.RowSink(
                self.conn,
                ContactPoint.__table__,
                derive.POINT_COLUMNS,
                {"created_at": self.now, "updated_at": self.now},
            ),
            "loans": repo.RowSink(
                self.conn,
                Loan.__table__,
                derive.LOAN_COLUMNS,
                {"created_at": self.now, "updated_at": self.now},
            ),
            "installments": repo.RowSink(
                self.conn, Installment.__table__, derive.INSTALLMENT_COLUMNS
            ),
            "payments": repo.RowSink(
                self.conn, Payment.__table__, derive.PAYMENT_COLUMNS, {"created_at": self.now}
            ),
            "contact_events": repo.RowSink(
                self.conn,
                ContactEvent.__table__,
                derive.CONTACT_COLUMNS,
                {"status": "completed", "created_at": self.now},
            ),
        }
        self.sinks = sinks
        self.per = sinks["installments"].per_statement
        advance = {
            "borrowers": self.progress.stage("borrowers", len(self.plan.borrowers_new)),
            "points": self.progress.stage("contact points", len(self.plan.points_new)),
            "loans": self.progress.stage("loans", len(self.plan.loans_new)),
            "contacts": self.progress.stage("contacts", len(self.plan.contacts_new)),
        }
        jobs = self._jobs(payments)
        pipeline = derive.Pipeline(self.pool, jobs, window=WINDOW)
        timer = self.timer
        # measured: the borrowers' blind indexes (random keys) are cheaper to build at the
        # end than to fill row by row; so are the indexes of contact points and loans once the
        # import outgrows SQLite's page cache (their pages, evicted by the installments and
        # payments, would be read back for every insert). Payments and contact events: no
        # gain (their keys arrive nearly in order).
        planned = {"borrowers": len(self.plan.borrowers_new)}
        rows = len(self.plan.loans_new) * 17 + len(payments.rows) + len(self.plan.contacts_new)
        if rows >= BIG_IMPORT_ROWS:
            planned["contact_points"] = len(self.own_point_ids) + len(self.plan.points_new)
            planned["loans"] = len(self.plan.loans_new)
        # (entered and left by hand to time the index builds; on an error the transaction
        # rolls back, and the indexes with it)
        with timer("drop_indexes"):
            deferred = repo.deferred_indexes(self.conn, planned)
            deferred.__enter__()
        for tag, result in pipeline:  # tags: "borrowers", ("points", lo, hi), "loans", ...
            if tag == "borrowers":
                with timer("insert_borrowers"):
                    sinks["borrowers"].write_packed(*result.borrowers)
                    sinks["contact_points"].write_packed(*result.points)
                    self._remember_points(result.keys)
                advance["borrowers"](result.borrowers.rows)
            elif tag[0] == "points":
                with timer("insert_contact_points"):
                    n = self._insert_points(*result, self.wanted[tag[1] : tag[2]])
                advance["points"](n)
            elif tag == "loans":
                with timer("insert_loans"):
                    sinks["loans"].write_packed(*result.loans)
                with timer("insert_installments"):
                    sinks["installments"].write_packed(*result.installments)
                with timer("insert_payments"):
                    sinks["payments"].write_packed(*result.payments)
                advance["loans"](result.loans.rows)
            else:
                with timer("insert_contacts"):
                    sinks["contact_events"].write_packed(*result)
                advance["contacts"](result.rows)
        with timer("build_indexes"):
            deferred.__exit__(None, None, None)
        timer.timings["wait_for_workers"] = pipeline.waiting
        timer.timings["unpickle_results"] = pipeline.unpacking
        timer.timings["pickle_jobs"] = pipeline.packing
        timer.cpu["workers"] = pipeline.worker_cpu
        if payments.stored:
            with timer("rederive_stored_loans"):
                self._insert_stored_payments(payments)
                self._rederive_stored(payments.stored)
        self.inserted["borrowers"] = len(self.plan.borrowers_new)
        self.inserted["contact_points"] = sinks["contact_points"].rows
        self.inserted["installments"] = sinks["installments"].rows
        self.inserted["loans"] = len(self.plan.loans_new)
        self.inserted["payments"] = len(payments.rows)
        self.inserted["contact_events"] = len(self.plan.contacts_new)

    # -- ids and grouping ----------------------------------------------------------------------
    def _reserve(self) -> None:
        plan = self.plan
        fb, fl = "borrowers.csv", "loans.csv"
        for key, e in plan.borrowers_existing.items():
            self.borrower_ids[key] = e.id
        b_rows = plan.borrowers_new.tolist()
        self.borrower_new_ids = repo.reserve_ids(self.conn, Borrower.__table__, len(b_rows))
        creds, refs = self.col(fb, "creditor"), self.col(fb, "borrower_ref")
        for i, bid in zip(b_rows, self.borrower_new_ids.tolist(), strict=True):
            self.borrower_ids[(creds[i], refs[i])] = bid
        phones, emails = self.col(fb, "phone"), self.col(fb, "email")
        own = [(1 if phones[i] else 0) + (1 if emails[i] else 0) for i in b_rows]
        self.own_point_offsets = np.concatenate([[0], np.cumsum(own, dtype=np.int64)])
        self.own_point_ids = repo.reserve_ids(
            self.conn, ContactPoint.__table__, int(self.own_point_offsets[-1])
        )
        l_rows = plan.loans_new
        self.new_loan_ids = repo.reserve_ids(self.conn, Loan.__table__, len(l_rows))
        # creditor (and so policy) of each new loan, through the creditor column's codes
        codes, names = self.coded(fl, "creditor", l_rows)
        ordered = sorted(self.creditor_ids)
        self.policy_specs = tuple(
            derive.PolicySpec(p.penalty, p.lender_kind, p.waterfall)
            for p in (self.policies[self.creditor_ids[c]] for c in ordered)
        )
        # (a code of a row that is not a new loan may name no creditor: it is never used)
        cid = np.array([self.creditor_ids.get(c or "", 0) for c in names], np.int64)
        pol = np.array([ordered.index(c) if c in ordered else 0 for c in names], np.int64)
        self.loan_creditor = cid[codes] if len(codes) else np.zeros(0, np.int64)
        self.loan_policy = pol[codes] if len(codes) else np.zeros(0, np.int64)
        # borrower of each new loan: a new borrower (matched on creditor + ref) or a stored one
        self.loan_borrower = np.zeros(len(l_rows), dtype=np.int64)
        if len(l_rows):
            sep = pa.scalar("\x1f", pa.string())
            lkeys = pc.binary_join_element_wise(
                self.take(fl, "creditor", l_rows), self.take(fl, "borrower_ref", l_rows), sep
            )
            bkeys = pc.binary_join_element_wise(
                self.take(fb, "creditor", plan.borrowers_new),
                self.take(fb, "borrower_ref", plan.borrowers_new),
                sep,
            )
            pos = pc.fill_null(pc.index_in(lkeys, value_set=bkeys), -1)
            pos = np.asarray(pos.to_numpy(zero_copy_only=False), dtype=np.int64)
            new = pos >= 0
            self.loan_borrower[new] = self.borrower_new_ids[pos[new]]
            l_creds, l_brefs = self.col(fl, "creditor"), self.col(fl, "borrower_ref")
            for n in np.flatnonzero(~new).tolist():
                i = int(l_rows[n])
                self.loan_borrower[n] = self.borrower_ids[(l_creds[i], l_brefs[i])]
        self.payment_ids = repo.reserve_ids(self.conn, Payment.__table__, len(plan.payments_new))
        self.contact_ids = repo.reserve_ids(
            self.conn, ContactEvent.__table__, len(plan.contacts_new)
        )

    def _new_loan_positions(self, file: str, rows: np.ndarray) -> np.ndarray:
        """For rows of `file`: the position of their loan_ref among the new loans (-1: a
        stored loan)."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.int64)
        refs = self.raw(file, "loan_ref").take(pa.array(rows))
        new_refs = self.raw("loans.csv", "loan_ref").take(pa.array(self.plan.loans_new))
        pos = pc.index_in(refs, value_set=new_refs)
        return np.asarray(pc.fill_null(pos, -1).to_numpy(zero_copy_only=False), dtype=np.int64)

    def _group_payments(self) -> _Payments:
        """New payments in replay order: grouped by new loan (position in plan.loans_new),
        then by local business date, time and file order; payments on stored loans set
        aside."""
        fp = "payments.csv"
        rows = self.plan.payments_new
        group = self._new_loan_positions(fp, rows)
        stored: dict[str, list[int]] = {}
        p_loan = self.col(fp, "loan_ref")
        for n in np.flatnonzero(group < 0).tolist():
            stored.setdefault(p_loan[int(rows[n])], []).append(n)
        if len(rows):
            paid_at = self.col(fp, "paid_at")[rows]
            day = _local_dates(paid_at, clock.SHANGHAI).astype(np.int64) + derive.EPOCH_ORDINAL
        else:
            paid_at = np.zeros(0, "datetime64[us]")
            day = np.zeros(0, np.int64)
        order = np.lexsort((paid_at, day, group))  # stable: ties keep the file order
        order = order[group[order] >= 0]
        nl = len(self.plan.loans_new)
        g = group[order]
        starts = np.searchsorted(g, np.arange(nl), side="left")
        ends = np.searchsorted(g, np.arange(nl), side="right")
        return _Payments(rows, order, starts, ends, stored, day)

    # -- the jobs, in the order the writer needs their rows ---------------------------------------
    def _jobs(self, payments: _Payments) -> Iterator[derive.Job]:
        return itertools.chain(
            self._borrower_jobs(),
            self._point_jobs(),
            self._loan_jobs(payments),
            self._contact_jobs(),
        )

    def _borrower_jobs(self) -> Iterator[derive.Job]:
        f = "borrowers.csv"
        rows = self.plan.borrowers_new.tolist()
        names = ("borrower_ref", "name", "id_number", "phone", "email", "address")
        names += ("region", "timezone", "locale", "creditor")
        cols = {c: self.col(f, c) for c in names}
        ids, offsets = self.borrower_new_ids, self.own_point_offsets
        for lo, hi in _bounds(len(rows), BORROWER_CHUNK, first=FIRST_CHUNK):
            with self.timer("prepare_jobs"):
                part = rows[lo:hi]
                pick = _picker(part)
                batch = derive.BorrowerBatch(
                    ids=ids[lo:hi],
                    creditor_id=np.array(
                        [self.creditor_ids[c] for c in pick(cols["creditor"])], dtype=np.int64
                    ),
                    refs=pick(cols["borrower_ref"]),
                    names=pick(cols["name"]),
                    id_numbers=pick(cols["id_number"]),
                    phones=pick(cols["phone"]),
                    emails=pick(cols["email"]),
                    addresses=pick(cols["address"]),
                    regions=pick(cols["region"]),
                    timezones=pick(cols["timezone"]),
                    locales=pick(cols["locale"]),
                    point_ids=self.own_point_ids[offsets[lo] : offsets[hi]],
                    per=self.per,
                )
            yield "borrowers", derive.build_borrowers, (self.secret, batch)

    def _wanted_points(self) -> list[tuple[int, str, str, str, str]]:
        """(borrower id, kind, value, party, source) of the contact points to add besides the
        new borrowers' own phone and e-mail: changed borrowers' new ones, contact_points.csv."""
        wanted: list[tuple[int, str, str, str, str]] = []
        for bid, ch in self.plan.borrowers_changed.items():
            for kind in ("phone", "email"):
                if ch.get(kind):
                    wanted.append((bid, kind, ch[kind], "debtor", "application"))
        q = "contact_points.csv"
        kinds, values = self.col(q, "kind"), self.col(q, "value")
        parties, sources = self.col(q, "party"), self.col(q, "source")
        for i, key in self.plan.points_new:
            wanted.append((self.borrower_ids[key], kinds[i], values[i], parties[i], sources[i]))
        return wanted

    def _prepare_points(self) -> None:
        """The contact points besides the new borrowers' own (`wanted`) and what they are
        deduplicated against: the stored points and, of the own points, those of borrowers
        that also have a debtor point in `wanted` (only those can collide)."""
        self.wanted = self._wanted_points()
        self.debtor_owners = {w[0] for w in self.wanted if w[3] == "debtor"}
        self.seen = set(self.plan.points_existing)

    def _point_jobs(self) -> Iterator[derive.Job]:
        wanted = self.wanted
        for lo, hi in _bounds(len(wanted), POINT_CHUNK):
            with self.timer("prepare_jobs"):
                items = [(w[1], w[2]) for w in wanted[lo:hi]]
            yield ("points", lo, hi), derive.encrypt_points, (self.secret, items)

    def _remember_points(self, keys: list[tuple[int, str, str]]) -> None:
        owners = self.debtor_owners
        if owners:
            for bid, kind, bidx in keys:
                if bid in owners:
                    self.seen.add((bid, kind, bidx, "debtor"))

    def _insert_points(
        self, bidx: list[str], enc: list[str], part: list[tuple[int, str, str, str, str]]
    ) -> int:
        seen = self.seen
        keep: list[tuple[Any, ...]] = []
        for (bid, kind, _value, party, source), b, e in zip(part, bidx, enc, strict=True):
            key = (bid, kind, b, party)
            if key in seen:
                continue
            seen.add(key)
            keep.append((bid, kind, party, PLACE_BY_KIND.get(kind, "other"), source, e, b))
        ids = repo.reserve_ids(self.conn, ContactPoint.__table__, len(keep)).tolist()
        flat: list[Any] = []
        add = flat.extend
        for pid, r in zip(ids, keep, strict=True):
            flat.append(pid)
            add(r)
        sink = self.sinks["contact_points"]
        sink.write_packed(*derive.pack(flat, len(derive.POINT_COLUMNS), sink.per_statement))
        return len(part)

    def _loan_jobs(self, payments: _Payments) -> Iterator[derive.Job]:
        fl, fp = "loans.csv", "payments.csv"
        rows = self.plan.loans_new
        aprs = self.col(fl, "apr")
        num = {
            c: self.col(fl, c)
            for c in ("principal", "originated_on", "term_months", "fee", "first_due_on")
        }
        p_at = self.col(fp, "paid_at")
        amounts = self.plan.payment_amounts
        as_of = self.today.toordinal()
        for lo, hi in _bounds(len(rows), LOAN_CHUNK, first=FIRST_CHUNK):
            with self.timer("prepare_jobs"):
                sel = rows[lo:hi]
                s0, s1 = int(payments.starts[lo]), int(payments.ends[hi - 1])
                pos = payments.order[s0:s1]
                prow = payments.rows[pos]
                batch = derive.LoanBatch(
                    ids=self.new_loan_ids[lo:hi],
                    refs=self.take(fl, "loan_ref", sel),
                    creditor_id=self.loan_creditor[lo:hi],
                    borrower_id=self.loan_borrower[lo:hi],
                    policy=self.loan_policy[lo:hi],
                    policies=self.policy_specs,
                    product=self.coded(fl, "product", sel),
                    currency=self.coded(fl, "currency", sel),
                    principal=num["principal"][sel],
                    apr=[aprs[i] for i in sel.tolist()],
                    originated=num["originated_on"][sel],
                    term=num["term_months"][sel],
                    repayment=self.coded(fl, "repayment", sel),
                    first_due=num["first_due_on"][sel],
                    fee=num["fee"][sel],
                    pay_start=payments.starts[lo:hi] - s0,
                    pay_end=payments.ends[lo:hi] - s0,
                    pay_ids=self.payment_ids[pos],
                    pay_refs=self.take(fp, "payment_ref", prow),
                    pay_at=p_at[prow],
                    pay_day=payments.day[pos],
                    pay_amount=amounts[prow],
                    pay_channel=self.coded(fp, "channel", prow),
                    as_of=as_of,
                    instant_suffix=self.suffix,
                    per=self.per,
                )
            yield "loans", derive.build_loans, (batch,)

    def _contact_jobs(self) -> Iterator[derive.Job]:
        fc = "contacts.csv"
        rows = self.plan.contacts_new
        if len(rows) == 0:
            return
        with self.timer("prepare_jobs"):
            pos = self._new_loan_positions(fc, rows)
            new = pos >= 0
            safe = np.where(new, pos, 0)
            loan_id = np.where(new, self.new_loan_ids[safe] if len(safe) else 0, 0)
            cred = np.where(new, self.loan_creditor[safe] if len(safe) else 0, 0)
            borr = np.where(new, self.loan_borrower[safe] if len(safe) else 0, 0)
            refs_of = self.col(fc, "loan_ref")
            existing = self.plan.loans_existing
            for n in np.flatnonzero(~new).tolist():
                e = existing[refs_of[int(rows[n])]]
                loan_id[n], cred[n], borr[n] = e.id, e.creditor_id, e.borrower_id
            at = self.col(fc, "at")
        for lo, hi in _bounds(len(rows), CONTACT_CHUNK):
            with self.timer("prepare_jobs"):
                sel = rows[lo:hi]
                batch = derive.ContactBatch(
                    ids=self.contact_ids[lo:hi],
                    refs=self.take(fc, "contact_ref", sel),
                    creditor_id=cred[lo:hi],
                    borrower_id=borr[lo:hi],
                    loan_id=loan_id[lo:hi],
                    loan_refs=self.take(fc, "loan_ref", sel),
                    at=at[sel],
                    channel=self.coded(fc, "channel", sel),
                    party=self.coded(fc, "party", sel),
                    outcome=self.coded(fc, "outcome", sel, None),
                    initiated_by=self.coded(fc, "initiated_by", sel),
                    collector=self.coded(fc, "collector", sel, None),
                    instant_suffix=self.suffix,
                    per=self.per,
                )
            yield "contacts", derive.build_contacts, (batch,)

    # -- creditors -------------------------------------------------------------------------
    def _creditors(self) -> None:
        for code, e in self.plan.creditors.items():
            self.creditor_ids[code] = e.id
            self.policies[e.id] = _Policy(e.settings)
        for code, currency in sorted(self.plan.creditors_new.items()):
            c = creditor_repo.get_or_create(self.session, code, currency=currency, now=self.now)
            self.session.flush()
            self.creditor_ids[code] = c.id
            self.policies[c.id] = _Policy(c.settings or {})
        self.inserted["creditors"] = len(self.plan.creditors_new)

    # -- borrowers whose contact data changed ---------------------------------------------------
    def _update_borrowers(self, changed: dict[int, dict[str, Any]]) -> None:
        enc_fields = {
            "phone": pii.BORROWER_PHONE,
            "email": pii.BORROWER_EMAIL,
            "address": pii.BORROWER_ADDRESS,
            "id_number": pii.BORROWER_ID_NUMBER,
        }
        bidx = {"phone": "phone", "email": "email", "id_number": "id_number"}
        for bid, ch in changed.items():
            cols: dict[str, list[Any]] = {"id": [bid], "updated_at": [self.now]}
            for k, value in ch.items():
                if k in enc_fields:
                    cols[f"{k}_enc"] = [self.vault.encrypt_optional(value, field=enc_fields[k])]
                    if k in bidx:
                        cols[f"{k}_bidx"] = [self.vault.blind_index_optional(value, kind=bidx[k])]
                else:
                    cols[k] = [value if value is not None or k == "timezone" else ""]
            repo.bulk_update(self.conn, Borrower.__table__, ["id"], cols)
        self.updated["borrowers"] = len(changed)

    # -- new payments on stored loans --------------------------------------------------------------
    def _insert_stored_payments(self, payments: _Payments) -> None:
        fp = "payments.csv"
        positions = np.array(sorted(p for ps in payments.stored.values() for p in ps), np.int64)
        rows = self.plan.payments_new[positions]
        pick = _picker(rows.tolist())
        existing = self.plan.loans_existing
        loans = [existing[r] for r in pick(self.col(fp, "loan_ref"))]
        # allocations are written by _rederive_stored
        repo.bulk_insert(
            self.conn,
            Payment.__table__,
            {
                "id": self.payment_ids[positions],
                "ref": pick(self.col(fp, "payment_ref")),
                "loan_id": [e.id for e in loans],
                "paid_at": self.col(fp, "paid_at")[rows],
                "amount_minor": self.plan.payment_amounts[rows],
                "currency": [e.currency for e in loans],
                "channel": [c or "" for c in pick(self.col(fp, "channel"))],
                "allocation": repo.JSONText(["{}"] * len(positions)),
                "created_at": repo.Const(self.now),
            },
        )

    def _rederive_stored(self, stored: dict[str, list[int]]) -> None:
        """New payments on stored loans: replay each such loan with all its payments and
        rewrite its derived state, installments' paid amounts and payments' allocations."""
        by_ref = self.plan.loans_existing
        ids = sorted(by_ref[ref].id for ref in stored)
        schedules = repo.installments_for_loans(self.conn, ids)
        stored_pays = repo.payments_for_loans(self.conn, ids)  # includes the new ones now
        by_id = {e.id: e for e in by_ref.values()}
        loans: dict[str, list[Any]] = {
            k: []
            for k in (
                "id",
                "outstanding_minor",
                "paid_minor",
                "overdue_since",
                "status",
                "updated_at",
            )
        }
        inst: dict[str, list[Any]] = {
            k: []
            for k in (
                "loan_id",
                "seq",
                "paid_fee_minor",
                "paid_penalty_minor",
                "paid_interest_minor",
                "paid_principal_minor",
                "settled_on",
            )
        }
        pays: dict[str, list[Any]] = {"id": [], "allocation": []}
        for lid in ids:
            e = by_id[lid]
            sched = schedules.get(lid, [])
            plist = sorted(stored_pays.get(lid, []), key=lambda p: (p[2], p[0]))
            pol = self.policies.get(e.creditor_id) or _Policy({})
            r = replay_rows(
                sched,
                [(p[2], p[3]) for p in plist],
                self.today,
                capped_penalty_rate=pol.rate(e.apr, e.originated_on),
                waterfall=pol.waterfall,
            )
            loans["id"].append(lid)
            loans["outstanding_minor"].append(r.outstanding_minor)
            loans["paid_minor"].append(r.paid_minor)
            loans["overdue_since"].append(r.overdue_since)
            loans["status"].append("active" if r.outstanding_minor > 0 else "settled")
            loans["updated_at"].append(self.now)
            for (seq, _due, _pr, _it), pd, st in zip(
                sched, r.paid_by_installment, r.settled_on, strict=True
            ):
                inst["loan_id"].append(lid)
                inst["seq"].append(seq)
                inst["paid_fee_minor"].append(pd.fee)
                inst["paid_penalty_minor"].append(pd.penalty)
                inst["paid_interest_minor"].append(pd.interest)
                inst["paid_principal_minor"].append(pd.principal)
                inst["settled_on"].append(st)
            for p, a in zip(plist, r.payment_allocations, strict=True):
                pays["id"].append(p[0])
                pays["allocation"].append(_allocation(a))
        repo.bulk_update(self.conn, Loan.__table__, ["id"], loans)
        repo.bulk_update(self.conn, Installment.__table__, ["loan_id", "seq"], inst)
        if pays["id"]:
            repo.bulk_update(self.conn, Payment.__table__, ["id"], pays)
        self.updated["loans"] = len(ids)


@dataclass(frozen=True)
class _Payments:
    rows: np.ndarray  # payments.csv rows to insert
    order: np.ndarray  # positions in `rows` of new loans' payments, in replay order
    starts: np.ndarray  # per new loan: its slice of `order`
    ends: np.ndarray
    stored: dict[str, list[int]]  # stored loan ref -> positions in `rows`
    day: np.ndarray  # per position in `rows`: local business date ordinal


def _bounds(n: int, size: int, first: int | None = None) -> Iterator[tuple[int, int]]:
    """[lo, hi) pieces of range(n): a small first piece (the writer starts sooner)."""
    lo = 0
    step = min(first or size, size)
    while lo < n:
        hi = min(n, lo + step)
        yield lo, hi
        lo, step = hi, size


def _picker(rows: list[int]) -> Callable[[Sequence[Any]], list[Any]]:
    def pick(values: Sequence[Any]) -> list[Any]:
        return [values[i] for i in rows]

    return pick


def _allocation(a: Any) -> dict[str, int]:
    d = {c: int(getattr(a, c)) for c in COMPONENTS}
    if a.unapplied:
        d["unapplied"] = int(a.unapplied)
    return d
