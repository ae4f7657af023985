"""Import a portfolio folder: validate everything, then load it in ONE transaction.

    result = import_portfolio(db, folder, vault=vault)

1. Every file is read and checked on its own, outside any transaction (validate.check_files).
2. One write transaction (SQLite: BEGIN IMMEDIATE; bulk-load pragmas, durable commit) checks
   references and re-imports against what is stored (validate.check_against). Any issue: the
   transaction writes nothing and the issues are returned.
3. Otherwise it writes, with bulk inserts (store/repositories/imports.py): new creditors
   (pack CN, currency of their first loan), borrowers (PII encrypted, blind indexes), contact
   points (the borrower's own phone and e-mail as debtor/application, plus
   contact_points.csv), loans with their schedule (domain.schedule.schedule_rows) and derived
   state as of today (domain.delinquency.replay_rows: outstanding, paid, overdue_since, paid
   amounts per installment, each payment's waterfall allocation), payments, contact events
   (status completed), one import batch and one audit event (file digests and counts, no PII).

Re-importing the same refs is idempotent: identical rows are skipped; when nothing is new the
transaction writes nothing at all (no batch, no audit event). New payments for a stored loan
re-derive that loan's state from all its payments.

Creditor settings read here (all optional): ``waterfall`` ({"order": [...], "mode": ...}),
``penalty_rate_percent`` (creditor's overdue-interest rate before the legal cap; default 0),
``lender_kind`` ("licensed" default, or "private").
"""

from __future__ import annotations

import gc
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

from faircollect import audit, clock
from faircollect.domain.cost import applicable_cap_percent
from faircollect.domain.delinquency import replay_rows
from faircollect.domain.loan import add_months
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

from . import crypto, derive
from .issues import Issue
from .schema import PLACE_BY_KIND
from .validate import Plan, Validation, _local_dates, check_against, check_files

__all__ = ["ImportResult", "Progress", "import_portfolio"]

ACTION = "portfolio.import"
COMPONENTS = ("fee", "penalty", "interest", "principal")
CRYPTO_CHUNK = 50_000


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
    timings: dict[str, float] = field(default_factory=dict)

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
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0


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
        if pool is not None:
            derive.warm_up(pool)
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
        files = check_files(folder, today=today, now=now)
    with db.transaction(immediate=True) as session:
        conn = session.connection()
        with repo.import_pragmas(conn):
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
        self.keys = keys
        self.inserted: dict[str, int] = {}
        self.updated: dict[str, int] = {}
        self.creditor_ids: dict[str, int] = {}
        self.policies: dict[int, _Policy] = {}
        self.borrower_ids: dict[tuple[str, str], int] = {}
        self.loan_ids: dict[str, int] = {}
        self.loan_borrower: dict[int, tuple[int, int]] = {}  # loan id -> (creditor, borrower)

    def col(self, file: str, column: str) -> Any:
        return self.v.tables[file].values[column]

    def run(self) -> None:
        with self.timer("creditors"):
            self._creditors()
        with self.timer("prepare"):
            payments = self._group_payments()
            chunk = self._derive_input(payments)
            people = self._assign_borrower_ids()
        pool = self.pool
        with self.timer("prepare"):
            # encryption first (the main process needs it first), then the derivation
            secret: Any = self.keys if pool is not None and self.keys else self.vault
            b_tasks = [
                (lo, derive.submit(pool, crypto.encrypt_borrowers, secret, part))
                for lo, part in _pieces(people, CRYPTO_CHUNK)
            ]
            wanted = self._wanted_points()
            p_tasks = [
                derive.submit(pool, crypto.encrypt_points, secret, [(w[1], w[2]) for w in part])
                for _lo, part in _pieces(wanted, CRYPTO_CHUNK)
            ]
            d_tasks = derive.derive_all(chunk, pool)
        with self.timer("borrowers"):
            self._insert_borrowers(b_tasks)
        with self.timer("contact_points"):
            self._insert_points(wanted, p_tasks)
        self._reserve_loans_and_payments(payments)
        for lo, hi, task in d_tasks:
            with self.timer("derive_wait"):
                d = task.result()
            with self.timer("insert_loans"):
                self._insert_loans(d, lo, hi)
            with self.timer("insert_installments"):
                self._insert_installments(d, lo, hi)
            with self.timer("insert_payments"):
                self._insert_payments(payments, d, lo, hi)
        if payments.stored:
            with self.timer("rederive_stored_loans"):
                self._insert_stored_payments(payments)
                self._rederive_stored(payments.stored)
        self.inserted["loans"] = len(self.plan.loans_new)
        self.inserted["payments"] = len(payments.rows)
        with self.timer("contacts"):
            self._contacts()

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

    # -- borrowers ---------------------------------------------------------------------------
    def _assign_borrower_ids(self) -> list[crypto.Person]:
        f = "borrowers.csv"
        for key, e in self.plan.borrowers_existing.items():
            self.borrower_ids[key] = e.id
        rows = self.plan.borrowers_new.tolist()
        self.borrower_new_ids = repo.reserve_ids(self.conn, Borrower.__table__, len(rows))
        pick = _picker(rows)
        keys = zip(pick(self.col(f, "creditor")), pick(self.col(f, "borrower_ref")), strict=True)
        for n, key in enumerate(keys):
            self.borrower_ids[key] = int(self.borrower_new_ids[n])
        return list(
            zip(
                pick(self.col(f, "name")),
                pick(self.col(f, "id_number")),
                pick(self.col(f, "phone")),
                pick(self.col(f, "email")),
                pick(self.col(f, "address")),
                strict=True,
            )
        )

    def _insert_borrowers(self, tasks: list[tuple[int, derive.Task]]) -> None:
        f = "borrowers.csv"
        rows = self.plan.borrowers_new
        advance = self.progress.stage("borrowers", len(rows))
        pick = _picker(rows.tolist())
        creds, refs = pick(self.col(f, "creditor")), pick(self.col(f, "borrower_ref"))
        regions, zones = pick(self.col(f, "region")), pick(self.col(f, "timezone"))
        locales = pick(self.col(f, "locale"))
        ids = self.borrower_new_ids
        for lo, task in tasks:
            enc = task.result()
            hi = lo + len(enc["name_enc"])
            repo.bulk_insert(
                self.conn,
                Borrower.__table__,
                {
                    "id": ids[lo:hi],
                    "creditor_id": [self.creditor_ids[c] for c in creds[lo:hi]],
                    "ref": refs[lo:hi],
                    **enc,
                    "region": [r or "" for r in regions[lo:hi]],
                    "timezone": zones[lo:hi],
                    "locale": locales[lo:hi],
                    "created_at": repo.Const(self.now),
                    "updated_at": repo.Const(self.now),
                },
            )
            advance(hi - lo)
        self.inserted["borrowers"] = len(rows)
        if self.plan.borrowers_changed:
            self._update_borrowers(self.plan.borrowers_changed)

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

    # -- contact points ------------------------------------------------------------------------
    def _wanted_points(self) -> list[tuple[int, str, str, str, str]]:
        """(borrower id, kind, value, party, source) of every contact point to add."""
        f = "borrowers.csv"
        phones, emails = self.col(f, "phone"), self.col(f, "email")
        refs, creds = self.col(f, "borrower_ref"), self.col(f, "creditor")
        wanted: list[tuple[int, str, str, str, str]] = []
        for i in self.plan.borrowers_new.tolist():
            bid = self.borrower_ids[(creds[i], refs[i])]
            if phones[i]:
                wanted.append((bid, "phone", phones[i], "debtor", "application"))
            if emails[i]:
                wanted.append((bid, "email", emails[i], "debtor", "application"))
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

    def _insert_points(
        self, wanted: list[tuple[int, str, str, str, str]], tasks: list[derive.Task]
    ) -> None:
        advance = self.progress.stage("contact points", len(wanted))
        seen = set(self.plan.points_existing)
        names = ("borrower_id", "kind", "party", "place", "source", "value_enc", "value_bidx")
        cols: dict[str, list[Any]] = {k: [] for k in names}
        lo = 0
        for task in tasks:
            bidx, enc = task.result()
            for (bid, kind, _value, party, source), b, e in zip(
                wanted[lo : lo + len(bidx)], bidx, enc, strict=True
            ):
                key = (bid, kind, b, party)
                if key in seen:
                    continue
                seen.add(key)
                cols["borrower_id"].append(bid)
                cols["kind"].append(kind)
                cols["party"].append(party)
                cols["place"].append(PLACE_BY_KIND.get(kind, "other"))
                cols["source"].append(source)
                cols["value_enc"].append(e)
                cols["value_bidx"].append(b)
            lo += len(bidx)
            advance(len(bidx))
        m = len(cols["kind"])
        ids = repo.reserve_ids(self.conn, ContactPoint.__table__, m)
        repo.bulk_insert(
            self.conn,
            ContactPoint.__table__,
            {
                "id": ids,
                **cols,
                "created_at": repo.Const(self.now),
                "updated_at": repo.Const(self.now),
            },
        )
        self.inserted["contact_points"] = m

    # -- loans, installments, payments ---------------------------------------------------------
    def _group_payments(self) -> _Payments:
        """New payments in replay order: grouped by new loan (position in plan.loans_new),
        then by time, then by file order; payments on stored loans set aside."""
        fl, fp = "loans.csv", "payments.csv"
        l_ref = self.col(fl, "loan_ref")
        new_pos = {l_ref[i]: n for n, i in enumerate(self.plan.loans_new.tolist())}
        rows = self.plan.payments_new
        p_loan = self.col(fp, "loan_ref")
        group = np.fromiter(
            (new_pos.get(p_loan[i], -1) for i in rows.tolist()), np.int64, len(rows)
        )
        stored: dict[str, list[int]] = {}
        for n in np.flatnonzero(group < 0).tolist():
            stored.setdefault(p_loan[int(rows[n])], []).append(n)
        paid_at = self.col(fp, "paid_at")[rows] if len(rows) else np.zeros(0, "datetime64[us]")
        order = np.lexsort((np.arange(len(rows)), paid_at, group))
        order = order[group[order] >= 0]
        nl = len(self.plan.loans_new)
        g = group[order]
        starts = np.searchsorted(g, np.arange(nl), side="left")
        ends = np.searchsorted(g, np.arange(nl), side="right")
        return _Payments(rows, order, starts, ends, stored)

    def _derive_input(self, payments: _Payments) -> derive.Chunk:
        fl = "loans.csv"
        rows = self.plan.loans_new
        pick = _picker(rows.tolist())
        orig = self.col(fl, "originated_on")[rows]
        first = self.col(fl, "first_due_on")[rows]
        first_list, day_list = [], []
        for o, f in zip(orig.tolist(), first.tolist(), strict=True):
            if f is None:  # no first due date: origination + 1 month, anchored on its day
                f, day = add_months(o, 1, o.day), o.day
            else:
                day = f.day
            first_list.append(f)
            day_list.append(day)
        self.first_due = first_list
        aprs = pick(self.col(fl, "apr"))
        waterfalls: list[WaterfallConfig] = []
        wf_index: dict[WaterfallConfig, int] = {}
        penalty, wf = [], []
        for code, apr, o in zip(pick(self.col(fl, "creditor")), aprs, orig.tolist(), strict=True):
            pol = self.policies[self.creditor_ids[code]]
            penalty.append(pol.rate(apr, o))
            idx = wf_index.get(pol.waterfall)
            if idx is None:
                idx = wf_index[pol.waterfall] = len(waterfalls)
                waterfalls.append(pol.waterfall)
            wf.append(idx)
        sel = payments.rows[payments.order]
        empty = np.zeros(0, "datetime64[us]")
        paid_at = self.col("payments.csv", "paid_at")[sel] if len(sel) else empty
        days = _local_dates(paid_at, clock.SHANGHAI) if len(sel) else np.zeros(0, "datetime64[D]")
        return derive.Chunk(
            principal=self.col(fl, "principal")[rows].tolist(),
            apr=aprs,
            term=self.col(fl, "term_months")[rows].tolist(),
            repayment=pick(self.col(fl, "repayment")),
            first_due=[d.toordinal() for d in first_list],
            day=day_list,
            penalty=penalty,
            waterfall=wf,
            waterfalls=waterfalls,
            pay_start=payments.starts.tolist(),
            pay_end=payments.ends.tolist(),
            pay_day=(days.astype(np.int64) + derive.EPOCH_ORDINAL).tolist(),
            pay_amount=self.plan.payment_amounts[sel].tolist() if len(sel) else [],
            as_of=self.today.toordinal(),
        )

    def _reserve_loans_and_payments(self, payments: _Payments) -> None:
        fl = "loans.csv"
        rows = self.plan.loans_new
        self.new_loan_ids = repo.reserve_ids(self.conn, Loan.__table__, len(rows))
        self.payment_ids = repo.reserve_ids(self.conn, Payment.__table__, len(payments.rows))
        pick = _picker(rows.tolist())
        refs, creds = pick(self.col(fl, "loan_ref")), pick(self.col(fl, "creditor"))
        self.loan_creditor = [self.creditor_ids[c] for c in creds]
        self.loan_borrower_ids = [
            self.borrower_ids[k]
            for k in zip(creds, pick(self.col(fl, "borrower_ref")), strict=True)
        ]
        for e in self.plan.loans_existing.values():
            self.loan_ids[e.ref] = e.id
            self.loan_borrower[e.id] = (e.creditor_id, e.borrower_id)
        for k, lid in enumerate(self.new_loan_ids.tolist()):
            self.loan_ids[refs[k]] = lid
            self.loan_borrower[lid] = (self.loan_creditor[k], self.loan_borrower_ids[k])
        self.currency_of = {
            lid: c
            for lid, c in zip(
                self.new_loan_ids.tolist(), pick(self.col(fl, "currency")), strict=True
            )
        }
        for e in self.plan.loans_existing.values():
            self.currency_of[e.id] = e.currency
        self.advance_loans = self.progress.stage("loans", len(rows))

    def _insert_loans(self, d: derive.Derived, lo: int, hi: int) -> None:
        fl = "loans.csv"
        rows = self.plan.loans_new[lo:hi]
        pick = _picker(rows.tolist())
        repo.bulk_insert(
            self.conn,
            Loan.__table__,
            {
                "id": self.new_loan_ids[lo:hi],
                "ref": pick(self.col(fl, "loan_ref")),
                "creditor_id": self.loan_creditor[lo:hi],
                "borrower_id": self.loan_borrower_ids[lo:hi],
                "product": pick(self.col(fl, "product")),
                "currency": pick(self.col(fl, "currency")),
                "principal_minor": self.col(fl, "principal")[rows],
                "apr": pick(self.col(fl, "apr")),
                "originated_on": self.col(fl, "originated_on")[rows],
                "term_months": self.col(fl, "term_months")[rows],
                "repayment": pick(self.col(fl, "repayment")),
                "first_due_on": self.first_due[lo:hi],
                "fee_minor": self.col(fl, "fee")[rows],
                "status": np.where(d.outstanding > 0, "active", "settled").tolist(),
                "outstanding_minor": d.outstanding,
                "overdue_since": d.overdue_since,
                "paid_minor": d.paid,
                "created_at": repo.Const(self.now),
                "updated_at": repo.Const(self.now),
            },
        )
        self.advance_loans(hi - lo)

    def _insert_installments(self, d: derive.Derived, lo: int, hi: int) -> None:
        loan_id = np.repeat(self.new_loan_ids[lo:hi], d.inst_count)
        repo.bulk_insert(self.conn, Installment.__table__, {"loan_id": loan_id, **d.inst})
        self.inserted["installments"] = self.inserted.get("installments", 0) + len(loan_id)

    def _payment_columns(self, positions: np.ndarray, allocation: Sequence[str]) -> dict[str, Any]:
        fp = "payments.csv"
        rows = self.plan.payments_new[positions]
        pick = _picker(rows.tolist())
        loan_col = [self.loan_ids[r] for r in pick(self.col(fp, "loan_ref"))]
        return {
            "id": self.payment_ids[positions],
            "ref": pick(self.col(fp, "payment_ref")),
            "loan_id": loan_col,
            "paid_at": self.col(fp, "paid_at")[rows],
            "amount_minor": self.plan.payment_amounts[rows],
            "currency": [self.currency_of[lid] for lid in loan_col],
            "channel": [c or "" for c in pick(self.col(fp, "channel"))],
            "allocation": repo.JSONText(allocation),
            "created_at": repo.Const(self.now),
        }

    def _insert_payments(self, payments: _Payments, d: derive.Derived, lo: int, hi: int) -> None:
        s0, s1 = int(payments.starts[lo]), int(payments.ends[hi - 1])
        positions = payments.order[s0:s1]
        if len(positions):
            repo.bulk_insert(
                self.conn, Payment.__table__, self._payment_columns(positions, d.allocation)
            )

    def _insert_stored_payments(self, payments: _Payments) -> None:
        positions = np.array(sorted(p for ps in payments.stored.values() for p in ps), np.int64)
        # allocations are written by _rederive_stored
        cols = self._payment_columns(positions, ["{}"] * len(positions))
        repo.bulk_insert(self.conn, Payment.__table__, cols)

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

    # -- contact events --------------------------------------------------------------------------
    def _contacts(self) -> None:
        fc = "contacts.csv"
        rows = self.plan.contacts_new
        n = len(rows)
        if n == 0:
            self.inserted["contact_events"] = 0
            return
        pick = _picker(rows.tolist())
        loan_refs = pick(self.col(fc, "loan_ref"))
        loan_col = [self.loan_ids[r] for r in loan_refs]
        owner = [self.loan_borrower[lid] for lid in loan_col]
        ids = repo.reserve_ids(self.conn, ContactEvent.__table__, n)
        advance = self.progress.stage("contacts", n)
        repo.bulk_insert(
            self.conn,
            ContactEvent.__table__,
            {
                "id": ids,
                "ref": pick(self.col(fc, "contact_ref")),
                "creditor_id": [o[0] for o in owner],
                "borrower_id": [o[1] for o in owner],
                "loan_id": loan_col,
                "debt_refs": repo.JSONText(f'["{r}"]' for r in loan_refs),
                "at": self.col(fc, "at")[rows],
                "channel": pick(self.col(fc, "channel")),
                "party": pick(self.col(fc, "party")),
                "outcome": pick(self.col(fc, "outcome")),
                "initiated_by": pick(self.col(fc, "initiated_by")),
                "collector": pick(self.col(fc, "collector")),
                "status": repo.Const("completed"),
                "created_at": repo.Const(self.now),
            },
            progress=advance,
        )
        self.inserted["contact_events"] = n


@dataclass(frozen=True)
class _Payments:
    rows: np.ndarray  # payments.csv rows to insert
    order: np.ndarray  # positions in `rows` of new loans' payments, in replay order
    starts: np.ndarray  # per new loan: its slice of `order`
    ends: np.ndarray
    stored: dict[str, list[int]]  # stored loan ref -> positions in `rows`


def _pieces(items: list[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    for lo in range(0, len(items), size):
        yield lo, items[lo : lo + size]


def _picker(rows: list[int]) -> Callable[[Sequence[Any]], list[Any]]:
    def pick(values: Sequence[Any]) -> list[Any]:
        return [values[i] for i in rows]

    return pick


def _allocation(a: Any) -> dict[str, int]:
    d = {c: int(getattr(a, c)) for c in COMPONENTS}
    if a.unapplied:
        d["unapplied"] = int(a.unapplied)
    return d
