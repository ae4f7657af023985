"""Validate a portfolio folder completely before anything is written.

Every file is read in full and every problem is reported as `file:line:column: column: reason`
(see issues.py): cell syntax and types (schema.py / fastpath.py), rules across cells (fee below
principal, first due date after origination, nothing in the future), duplicates within a file,
references between files and to what is already stored, and conflicts with stored facts that
cannot change (a re-imported loan with another principal, a payment with another amount...).

The result is either the issues, or a `Plan`: what is new, what is already stored (identical
rows are skipped: re-imports are idempotent) and what changes (borrower contact data).
Cascades are suppressed: a payment of a loan whose own row is invalid is not reported again as
"unknown loan_ref".
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faircollect.clock import SHANGHAI
from faircollect.domain.loan import MAX_TERM_MONTHS
from faircollect.money import Money, exponent, is_currency
from faircollect.store.repositories.imports import (
    ExistingBorrower,
    ExistingContact,
    ExistingCreditor,
    ExistingLoan,
    ExistingPayment,
)
from faircollect.vault import Vault

from . import fastpath, schema
from .columns import TableCheck
from .issues import CellError, Issue
from .reader import RawTable, read_table

__all__ = [
    "EMPTY_LOOKUP",
    "FileChecks",
    "Lookup",
    "Plan",
    "Validation",
    "check_against",
    "check_file",
    "check_files",
    "validate",
]

REF = r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}"
FAST_LOCALES = ("en", "en_GB", "en_US", "zh", "zh_CN", "zh_HK", "zh_TW")
FAST_CURRENCIES = ("CNY", "EUR", "GBP", "HKD", "USD")


class Lookup(Protocol):
    """What is already stored (bound to the import's transaction)."""

    def creditors(self, codes: Iterable[str]) -> dict[str, ExistingCreditor]: ...
    def borrowers(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], ExistingBorrower]: ...
    def borrowers_by_ref(self, refs: Iterable[str]) -> dict[str, list[ExistingBorrower]]: ...
    def loans(self, refs: Iterable[str]) -> dict[str, ExistingLoan]: ...
    def payments(self, refs: Iterable[str]) -> dict[str, ExistingPayment]: ...
    def contacts(self, refs: Iterable[str]) -> dict[str, ExistingContact]: ...
    def contact_point_keys(self, borrower_ids: Iterable[int]) -> set[tuple[int, str, str, str]]: ...


class _EmptyLookup:
    def creditors(self, codes: Iterable[str]) -> dict[str, ExistingCreditor]:
        return {}

    def borrowers(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ExistingBorrower]:
        return {}

    def borrowers_by_ref(self, refs: Iterable[str]) -> dict[str, list[ExistingBorrower]]:
        return {}

    def loans(self, refs: Iterable[str]) -> dict[str, ExistingLoan]:
        return {}

    def payments(self, refs: Iterable[str]) -> dict[str, ExistingPayment]:
        return {}

    def contacts(self, refs: Iterable[str]) -> dict[str, ExistingContact]:
        return {}

    def contact_point_keys(self, borrower_ids: Iterable[int]) -> set[tuple[int, str, str, str]]:
        return set()


EMPTY_LOOKUP: Lookup = _EmptyLookup()


@dataclass
class Plan:
    """What the loader writes. Row numbers index the validated tables' columns."""

    creditors_new: dict[str, str] = field(default_factory=dict)  # code -> currency
    creditors: dict[str, ExistingCreditor] = field(default_factory=dict)
    borrowers_new: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # existing borrower id -> changed columns {"phone": "+86...", "region": ...}
    borrowers_changed: dict[int, dict[str, Any]] = field(default_factory=dict)
    borrowers_existing: dict[tuple[str, str], ExistingBorrower] = field(default_factory=dict)
    loans_new: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    loans_existing: dict[str, ExistingLoan] = field(default_factory=dict)
    payments_new: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    payment_amounts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    contacts_new: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # contact_points.csv rows to add: (row, owner key (creditor code, borrower ref))
    points_new: list[tuple[int, tuple[str, str]]] = field(default_factory=list)
    points_existing: set[tuple[int, str, str, str]] = field(default_factory=set)
    skipped: dict[str, int] = field(default_factory=dict)  # already stored, identical

    def is_empty(self) -> bool:
        return not (
            self.creditors_new
            or len(self.borrowers_new)
            or self.borrowers_changed
            or len(self.loans_new)
            or len(self.payments_new)
            or len(self.contacts_new)
            or self.points_new
        )


@dataclass
class Validation:
    issues: list[Issue]
    tables: dict[str, TableCheck]
    raw: dict[str, RawTable]
    plan: Plan

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def digest(self) -> str:
        import hashlib

        h = hashlib.sha256()
        for name, raw in sorted(self.raw.items()):
            h.update(f"{name}:{raw.digest}\n".encode())
        return h.hexdigest()

    def values(self, file: str, column: str) -> Any:
        return self.tables[file].values[column]


def _e(en: str, zh: str) -> CellError:
    return CellError(en, zh)


def _ref(t: TableCheck, column: str) -> list[str | None]:
    return t.strings(column, lambda a: fastpath.matches(a, REF), schema.check_ref)


def _duplicates(t: TableCheck, key: tuple[str, ...], report_column: str) -> None:
    """Report rows whose key repeats an earlier row of the same file (measured: a Python set
    of the checked values beats pyarrow's count_distinct on the cells)."""
    ok = t.ok(*key)
    cols = [t.values[c] for c in key]
    keys = list(zip(*cols, strict=True)) if len(key) > 1 else cols[0]
    rows = np.flatnonzero(ok).tolist()
    sel = keys if len(rows) == t.n else [keys[i] for i in rows]
    if len(set(sel)) == len(sel):
        return
    first: dict[Any, int] = {}
    for i in rows:
        k = keys[i]
        j = first.setdefault(k, int(i))
        if j != i:
            line = int(t.raw.lines[j])
            label = "/".join(str(x) for x in k) if isinstance(k, tuple) else str(k)
            t.report(
                int(i),
                report_column,
                _e(
                    f"duplicate {'/'.join(key)} {label} (first on line {line})",
                    f"重复的 {'/'.join(key)} {label}（首次出现在第 {line} 行）",
                ),
            )


# ---------------------------------------------------------------------------------------
# per-file cell checks
# ---------------------------------------------------------------------------------------
def _check_borrowers(t: TableCheck) -> None:
    _ref(t, "borrower_ref")
    _ref(t, "creditor")
    t.strings("name", lambda a: fastpath.texts(a, schema.MAX_NAME), schema.check_name)
    t.strings("id_number", fastpath.id_numbers, schema.check_id_number)
    phones = t.phones("phone")
    t.strings("email", fastpath.emails, schema.check_email)
    t.strings("address", lambda a: fastpath.texts(a, schema.MAX_ADDRESS), schema.check_address)
    t.strings("region", lambda a: fastpath.texts(a, schema.MAX_TEXT), schema.check_short_text, "")
    zones = t.strings(
        "timezone", lambda a: fastpath.choices(a, fastpath.timezone_names()), schema.check_timezone
    )
    t.strings(
        "locale",
        lambda a: fastpath.choices(a, FAST_LOCALES),
        schema.check_locale,
        schema.DEFAULT_LOCALE,
    )
    # no time zone given: it must follow from the phone number
    need = t.ok("timezone") & t.ok("phone")
    cn_mobile = fastpath.phones(t.raw.columns["phone"])[0] if t.n else np.zeros(0, bool)
    for i in np.flatnonzero(need):
        if zones[i] is not None or cn_mobile[i]:
            continue
        phone = phones[i]
        if phone is None:
            t.report(
                int(i),
                "timezone",
                _e("is required when there is no phone number", "没有电话号码时必须填写时区"),
            )
        elif not schema.phone_zones(phone):
            t.report(
                int(i),
                "timezone",
                _e(
                    "cannot be derived from the phone number: give a time zone",
                    "无法从电话号码推断时区：请填写时区",
                ),
            )
    _duplicates(t, ("creditor", "borrower_ref"), "borrower_ref")


def _exponents(currencies: list[str | None]) -> np.ndarray:
    """Minor-unit exponent of each currency (-1: not a currency)."""
    table = {c: exponent(c) if c is not None and is_currency(c) else -1 for c in set(currencies)}
    return np.fromiter(map(table.__getitem__, currencies), dtype=np.int64, count=len(currencies))


def _check_loans(t: TableCheck, today: date) -> None:
    _ref(t, "loan_ref")
    _ref(t, "borrower_ref")
    _ref(t, "creditor")
    t.strings("product", lambda a: fastpath.texts(a, schema.MAX_TEXT), schema.check_short_text, "")
    currencies = t.strings(
        "currency", lambda a: fastpath.choices(a, FAST_CURRENCIES), schema.check_currency
    )
    places = _exponents(currencies)
    places[~t.ok("currency")] = -1
    principal = t.amounts("principal", places, currencies)
    fee = t.amounts("fee", places, currencies)
    t.decimals("apr")
    originated = t.dates("originated_on")
    t.ints("term_months", 1, MAX_TERM_MONTHS, schema.check_term_months)
    t.strings("repayment", lambda a: fastpath.choices(a, schema.REPAYMENTS), schema.check_repayment)
    first_due = t.dates("first_due_on")

    p_ok = t.ok("principal")
    t.report_many(
        p_ok & (principal <= 0),
        "principal",
        lambda i: schema.must_be_positive(t.text("principal", i)),
    )
    f_ok = t.ok("fee")
    t.report_many(f_ok & (fee < 0), "fee", lambda i: schema.must_not_be_negative(t.text("fee", i)))
    both = t.ok("fee", "principal", "currency") & (fee >= principal) & (fee > 0)
    t.report_many(
        both,
        "fee",
        lambda i: _e(
            f"fee {t.text('fee', i)} must be less than the principal {t.text('principal', i)}",
            f"费用 {t.text('fee', i)} 必须小于本金 {t.text('principal', i)}",
        ),
    )
    o_ok = t.ok("originated_on")
    limit = np.datetime64(today, "D")
    t.report_many(
        o_ok & (originated > limit),
        "originated_on",
        lambda i: schema.in_future(t.text("originated_on", i), today.isoformat()),
    )
    has_first = t.ok("first_due_on", "originated_on") & ~np.isnat(first_due)
    t.report_many(
        has_first & (first_due <= originated),
        "first_due_on",
        lambda i: _e(
            f"first_due_on {t.text('first_due_on', i)} must be after originated_on "
            f"{t.text('originated_on', i)}",
            f"首个还款日 {t.text('first_due_on', i)} 必须晚于放款日 {t.text('originated_on', i)}",
        ),
    )
    _duplicates(t, ("loan_ref",), "loan_ref")


def _check_payments(t: TableCheck, now: datetime) -> None:
    _ref(t, "payment_ref")
    _ref(t, "loan_ref")
    paid_at = t.datetimes("paid_at")
    t.strings("channel", lambda a: fastpath.texts(a, schema.MAX_TEXT), schema.check_short_text, "")
    _future(t, "paid_at", paid_at, now)
    _duplicates(t, ("payment_ref",), "payment_ref")


def _future(t: TableCheck, column: str, values: np.ndarray, now: datetime) -> None:
    limit = np.datetime64(now.astimezone(UTC).replace(tzinfo=None), "us")
    stamp = now.astimezone(UTC).isoformat(timespec="seconds")
    t.report_many(
        t.ok(column) & (values > limit),
        column,
        lambda i: schema.in_future(t.text(column, i), stamp),
    )


def _check_contacts(t: TableCheck, now: datetime) -> None:
    _ref(t, "contact_ref")
    _ref(t, "loan_ref")
    at = t.datetimes("at")
    t.strings("channel", lambda a: fastpath.choices(a, schema.CHANNELS), schema.check_channel)
    t.strings("party", lambda a: fastpath.choices(a, schema.PARTIES), schema.check_party)
    t.strings("outcome", lambda a: fastpath.choices(a, schema.OUTCOMES), schema.check_outcome)
    t.strings(
        "initiated_by",
        lambda a: fastpath.choices(a, schema.INITIATED_BY),
        schema.check_initiated_by,
    )
    t.strings("collector", lambda a: fastpath.texts(a, schema.MAX_TEXT), schema.check_short_text)
    _future(t, "at", at, now)
    _duplicates(t, ("contact_ref",), "contact_ref")


def _check_points(t: TableCheck) -> None:
    _ref(t, "borrower_ref")
    kinds = t.strings(
        "kind", lambda a: fastpath.choices(a, schema.CONTACT_KINDS), schema.check_contact_kind
    )
    t.strings("party", lambda a: fastpath.choices(a, schema.PARTIES), schema.check_party)
    t.strings("source", lambda a: fastpath.choices(a, schema.SOURCES), schema.check_source)
    # the value's grammar depends on the kind
    arr = t.raw.columns["value"]
    blank = t.blank("value")
    values: list[str | None] = arr.to_pylist()
    t.cell_ok["value"] = ~t.raw.bad["value"] & ~blank
    for i in np.flatnonzero(blank & ~t.raw.bad["value"]):
        t.report(int(i), "value", _e("is required (the cell is blank)", "必填（单元格为空）"))
    k_ok = t.ok("kind")
    todo = t.ok("value") & k_ok
    kind_arr = np.array([k or "" for k in kinds], dtype=object)
    if t.n:
        phone_ok, e164 = fastpath.phones(arr)
        e164_list = e164.to_pylist()
        email_ok = fastpath.emails(arr)
        addr_ok = fastpath.texts(arr, schema.MAX_ADDRESS)
        app_ok = fastpath.texts(arr, schema.MAX_TEXT)
    else:
        phone_ok = email_ok = addr_ok = app_ok = np.zeros(0, bool)
        e164_list = []
    scalars = {
        "phone": (phone_ok, schema.check_phone),
        "email": (email_ok, schema.check_email),
        "address": (addr_ok, schema.check_address),
        "app": (app_ok, schema.check_short_text),
    }
    for kind, (fast_ok, scalar) in scalars.items():
        sel = todo & (kind_arr == kind)
        if kind == "phone":
            for i in np.flatnonzero(sel & fast_ok):
                values[i] = e164_list[i]
        for i in np.flatnonzero(sel & ~fast_ok):
            r = scalar(str(values[i]))
            if isinstance(r, CellError):
                t.report(int(i), "value", r)
            else:
                values[i] = r
    t.cell_ok["value"] &= k_ok
    t.values["value"] = values
    _duplicates(t, ("borrower_ref", "kind", "value", "party"), "value")


# ---------------------------------------------------------------------------------------
# across files and against the database
# ---------------------------------------------------------------------------------------
def _fmt_amount(minor: int, currency: str) -> str:
    return Money(minor, currency).amount_str()


def _conflict(t: TableCheck, row: int, column: str, what: str, stored: Any, given: Any) -> None:
    t.report(
        row,
        column,
        _e(
            f"{what} was already imported with {column} {stored}; this file says {given} "
            "(imported facts cannot change)",
            f"{what} 已导入，{column} 为 {stored}；本文件为 {given}（已导入的事实不可更改）",
        ),
    )


@dataclass
class FileChecks:
    """Every file read and checked on its own (no database)."""

    raw: dict[str, RawTable]
    tables: dict[str, TableCheck]
    issues: list[Issue]  # structural issues (missing files, headers, bytes, field counts)

    @property
    def usable(self) -> bool:
        return all(r.usable for r in self.raw.values())


def check_file(
    folder: Any, name: str, *, today: date, now: datetime
) -> tuple[RawTable, TableCheck, list[Issue]]:
    """Read one file and check it on its own (cells, rows, duplicates): (the raw table, its
    checked columns, the structural issues)."""
    from pathlib import Path

    spec = next(s for s in schema.FILES if s.name == name)
    raw, found = read_table(Path(folder), spec)
    table = TableCheck(raw)
    if raw.usable:
        if name == "borrowers.csv":
            _check_borrowers(table)
        elif name == "loans.csv":
            _check_loans(table, today)
        elif name == "payments.csv":
            _check_payments(table, now)
        elif name == "contacts.csv":
            _check_contacts(table, now)
        else:
            _check_points(table)
    return raw, table, found


# files handed to a worker process when the caller has a pool, while this process checks the
# others (each file is checked on its own). Measured split: the worker's share including
# pickling its results is smaller than this process's, so this process does not wait for
# it (payments.csv, half of the work, would cost as much to send back as to check here).
PARALLEL_FILES = ("loans.csv", "contacts.csv", "contact_points.csv")


def check_files(
    folder: Any, *, today: date, now: datetime, run: Callable[..., Any] | None = None
) -> FileChecks:
    """Read every file and check each one on its own (cells, rows, duplicates).

    `run(fn, *args)`, when given, starts fn(*args) elsewhere (a worker process) and returns a
    zero-argument callable giving its result: PARALLEL_FILES are checked that way while this
    process checks the others."""
    elsewhere = {}
    if run is not None:
        for name in PARALLEL_FILES:
            elsewhere[name] = run(check_file, str(folder), name, today=today, now=now)
    results = {}
    for spec in sorted(schema.FILES, key=lambda f: f.name != "payments.csv"):  # largest first
        if spec.name not in elsewhere:
            results[spec.name] = check_file(folder, spec.name, today=today, now=now)
    for name, result in elsewhere.items():
        results[name] = result()
    issues: list[Issue] = []
    raws: dict[str, RawTable] = {}
    tables: dict[str, TableCheck] = {}
    for spec in schema.FILES:
        raw, table, found = results[spec.name]
        raws[spec.name], tables[spec.name] = raw, table
        issues.extend(found)
    return FileChecks(raws, tables, issues)


def check_against(
    files: FileChecks, *, lookup: Lookup = EMPTY_LOOKUP, vault: Vault | None = None
) -> Validation:
    """References between files and to what is stored; the plan of what to write."""
    plan = Plan()
    t = files.tables
    if files.usable:
        _cross_check(
            t["borrowers.csv"],
            t["loans.csv"],
            t["payments.csv"],
            t["contacts.csv"],
            t["contact_points.csv"],
            plan,
            lookup,
            vault,
        )
    issues = list(files.issues)
    for table in t.values():
        issues.extend(table.issues)
    order = {spec.name: i for i, spec in enumerate(schema.FILES)}
    issues.sort(key=lambda i: (order.get(i.file, 99), i.line, i.column, i.error.en))
    return Validation(issues, t, files.raw, plan)


def validate(
    folder: Any,
    *,
    lookup: Lookup = EMPTY_LOOKUP,
    vault: Vault | None = None,
    today: date,
    now: datetime,
) -> Validation:
    """Read and check every file in `folder`; compare with what `lookup` finds stored."""
    return check_against(check_files(folder, today=today, now=now), lookup=lookup, vault=vault)


def _cross_check(
    tb: TableCheck,
    tl: TableCheck,
    tp: TableCheck,
    tc: TableCheck,
    tq: TableCheck,
    plan: Plan,
    lookup: Lookup,
    vault: Vault | None,
) -> None:
    b_ref, b_cred = tb.values["borrower_ref"], tb.values["creditor"]
    l_ref, l_cred, l_bref = tl.values["loan_ref"], tl.values["creditor"], tl.values["borrower_ref"]
    l_cur = tl.values["currency"]

    # -- creditors -----------------------------------------------------------------------
    codes = {c for c in b_cred if c} | {c for c in l_cred if c}
    plan.creditors = lookup.creditors(codes)
    # a new creditor's currency: that of its first loan with a valid currency
    if tl.n:
        enc = pc.dictionary_encode(tl.raw.columns["creditor"])
        code_of = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        rows = np.flatnonzero(tl.ok("currency") & ~tl.blank("creditor"))
        _, first = np.unique(code_of[rows], return_index=True)
        for i in np.sort(rows[first]).tolist():
            code, cur = l_cred[i], l_cur[i]
            if code and cur and code not in plan.creditors:
                plan.creditors_new[code] = cur
    for code in sorted(codes):
        if code not in plan.creditors and code not in plan.creditors_new:
            plan.creditors_new[code] = "CNY"

    # -- borrowers -----------------------------------------------------------------------
    b_ok = tb.ok("borrower_ref", "creditor")
    b_keys = {(b_cred[i], b_ref[i]): int(i) for i in np.flatnonzero(b_ok)}
    b_valid = tb.row_ok.copy()
    l_keys = {(l_cred[i], l_bref[i]) for i in np.flatnonzero(tl.ok("creditor", "borrower_ref"))}
    existing_b = lookup.borrowers(set(b_keys) | l_keys)
    plan.borrowers_existing = existing_b
    new_rows = list(b_keys.values()) if not existing_b else []
    for key, i in b_keys.items() if existing_b else ():
        e = existing_b.get(key)
        if e is None:
            new_rows.append(i)
        elif b_valid[i]:
            _compare_borrower(tb, i, e, plan, vault)
    plan.borrowers_new = np.array(sorted(new_rows), dtype=np.int64)

    # -- loans -----------------------------------------------------------------------------
    refs_needed = itertools.chain(l_ref, tp.values["loan_ref"], tc.values["loan_ref"])
    existing_l = lookup.loans(r for r in refs_needed if r)
    plan.loans_existing = existing_l
    # every loan with a ref is new or stored (a blank ref is reported already); a new loan's
    # borrower must be in borrowers.csv or stored (a borrower row with errors is reported
    # there: its loans are not reported again)
    has_ref = ~tl.blank("loan_ref")
    stored = np.zeros(tl.n, dtype=bool)
    for i in _stored_rows(tl, "loan_ref", existing_l):
        stored[i] = True
        if tl.row_ok[i]:
            _compare_loan(tl, i, existing_l[l_ref[i]])
    new = has_ref & ~stored
    check = new & tl.ok("borrower_ref", "creditor")
    if check.any():
        known = _borrower_known(tl, tb, b_ok, existing_b)
        for i in np.flatnonzero(check & ~known).tolist():
            tl.report(
                i,
                "borrower_ref",
                _e(
                    f"unknown borrower_ref {l_bref[i]} for creditor {l_cred[i]} (not in "
                    "borrowers.csv and not imported before)",
                    f"债权人 {l_cred[i]} 下不存在借款人编号 {l_bref[i]}"
                    "（borrowers.csv 中没有，也未曾导入）",
                ),
            )
    plan.loans_new = np.flatnonzero(new).astype(np.int64)
    new_loans = plan.loans_new
    plan.skipped["loans"] = tl.n - len(new_loans)

    loans = _LoanIndex(tl, existing_l)

    # -- payments --------------------------------------------------------------------------
    _check_payment_refs(tp, loans, lookup, plan)
    # -- contacts --------------------------------------------------------------------------
    _check_contact_refs(tc, loans, lookup, plan)
    # -- contact points ----------------------------------------------------------------------
    _check_point_refs(tq, b_keys, b_valid, lookup, plan, vault)


class _LoanIndex:
    """The loans that payments and contacts may name: the rows of loans.csv with a valid
    loan_ref (a repeated ref: its last row) and the stored loans (which win over the file)."""

    def __init__(self, tl: TableCheck, existing: dict[str, ExistingLoan]) -> None:
        rows = np.flatnonzero(tl.ok("loan_ref"))[::-1]  # last row first: index_in finds it
        self.rows = rows
        self.refs = tl.raw.columns["loan_ref"].take(pa.array(rows, pa.int64()))
        self.row_ok = tl.row_ok
        self.currency = np.array(tl.values["currency"], dtype=object)
        self.places = _exponents(tl.values["currency"])
        self.originated = tl.values["originated_on"]
        self.existing = existing

    def resolve(self, refs: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For distinct `refs`: (known, currency exponent or -1, currency or None,
        originated_on or NaT); a loan whose own row is invalid is known without a currency
        (no cascade)."""
        u = len(refs)
        pos = pc.fill_null(pc.index_in(refs, value_set=self.refs), -1)
        pos = np.asarray(pos.to_numpy(zero_copy_only=False), dtype=np.int64)
        in_file = pos >= 0
        stored = np.zeros(u, dtype=bool)
        if self.existing and u:
            hit = pc.is_in(refs, value_set=pa.array(list(self.existing), pa.string()))
            stored = np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
        places = np.full(u, -1, dtype=np.int64)
        currencies = np.full(u, None, dtype=object)
        orig = np.full(u, np.datetime64("NaT", "D"), dtype="datetime64[D]")
        if in_file.any():
            row = self.rows[np.where(in_file, pos, 0)]
            use = in_file & ~stored & self.row_ok[row]
            places = np.where(use, self.places[row], -1)
            currencies = np.where(use, self.currency[row], None)
            orig = np.where(use, self.originated[row], orig)
        for j in np.flatnonzero(stored).tolist():
            e = self.existing[refs[j].as_py()]
            currencies[j], places[j] = e.currency, exponent(e.currency)
            orig[j] = np.datetime64(e.originated_on, "D")
        return in_file | stored, places, currencies, orig


def _borrower_known(
    tl: TableCheck, tb: TableCheck, b_ok: np.ndarray, existing: dict[tuple[str, str], Any]
) -> np.ndarray:
    """Per loans.csv row: whether its (creditor, borrower_ref) is a borrower of borrowers.csv
    (a row with both cells valid) or a stored one (on the Arrow columns: both are references,
    whose checked values are their cells' text)."""
    sep = "\x1f"  # never in a reference
    lkeys = pc.binary_join_element_wise(
        tl.raw.columns["creditor"], tl.raw.columns["borrower_ref"], sep
    )
    bkeys = pc.binary_join_element_wise(
        tb.raw.columns["creditor"], tb.raw.columns["borrower_ref"], sep
    ).filter(pa.array(b_ok, pa.bool_()))
    known = np.asarray(pc.is_in(lkeys, value_set=bkeys).to_numpy(zero_copy_only=False), bool)
    if existing:
        stored = pa.array([f"{c}{sep}{r}" for c, r in existing], pa.string())
        hit = pc.is_in(lkeys, value_set=stored).to_numpy(zero_copy_only=False)
        known |= np.asarray(hit, dtype=bool)
    return known


def _resolve_loans(t: TableCheck, loans: _LoanIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row's loan_ref: (currency exponent or -1, currency (object array),
    originated_on). Unknown loans are reported; loans whose own row is invalid make the row
    invalid silently (no cascade)."""
    n = t.n
    places = np.full(n, -1, dtype=np.int64)
    currencies = np.full(n, None, dtype=object)
    orig = np.full(n, np.datetime64("NaT", "D"), dtype="datetime64[D]")
    if n == 0:
        return places, currencies, orig
    encoded = pc.dictionary_encode(t.raw.columns["loan_ref"])
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    u_known, u_places, u_cur, u_orig = loans.resolve(encoded.dictionary)
    ok = t.ok("loan_ref")
    known = u_known[codes]
    for i in np.flatnonzero(ok & ~known).tolist():
        ref = t.values["loan_ref"][i]
        t.report(
            i,
            "loan_ref",
            _e(
                f"unknown loan_ref {ref} (not in loans.csv and not imported before)",
                f"贷款编号 {ref} 不存在（loans.csv 中没有，也未曾导入）",
            ),
        )
    resolved = ok & known & (u_places[codes] >= 0)
    t.row_ok &= ~(ok & known & ~resolved)
    places = np.where(resolved, u_places[codes], -1)
    currencies = np.where(resolved, u_cur[codes], None)
    orig = np.where(resolved, u_orig[codes], np.datetime64("NaT", "D"))
    return places, currencies, orig


def _stored_rows(t: TableCheck, column: str, stored: dict[str, Any]) -> list[int]:
    """Rows whose `column` value is a key of `stored`."""
    if not stored:
        return []
    hit = pc.is_in(t.raw.columns[column], value_set=pa.array(list(stored), pa.string()))
    return np.flatnonzero(np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)).tolist()


def _check_payment_refs(tp: TableCheck, loans: _LoanIndex, lookup: Lookup, plan: Plan) -> None:
    p_loan = tp.values["loan_ref"]
    places, currencies, orig = _resolve_loans(tp, loans)
    amounts = tp.amounts("amount", places, currencies)
    a_ok = tp.ok("amount")
    tp.report_many(
        a_ok & (amounts <= 0), "amount", lambda i: schema.must_be_positive(tp.text("amount", i))
    )
    # a payment cannot precede the loan (local business date in Asia/Shanghai)
    paid_at = tp.values["paid_at"]
    check = tp.ok("paid_at") & ~np.isnat(orig)
    if check.any():
        local = _local_dates(paid_at, SHANGHAI)
        tp.report_many(
            check & (local < orig),
            "paid_at",
            lambda i: _e(
                f'"{tp.text("paid_at", i)}" is before the loan was originated ({orig[i]})',
                f'"{tp.text("paid_at", i)}" 早于放款日（{orig[i]}）',
            ),
        )
    refs = tp.values["payment_ref"]
    existing = lookup.payments(r for r in refs if r)
    stored = _stored_rows(tp, "payment_ref", existing)
    is_new = ~tp.blank("payment_ref")
    is_new[stored] = False
    for i in stored:
        ref = refs[i]
        e = existing[ref]
        if not tp.row_ok[i]:
            continue
        what = f"payment {ref}"
        if e.loan_ref != p_loan[i]:
            _conflict(tp, i, "loan_ref", what, e.loan_ref, p_loan[i])
        elif e.amount_minor != int(amounts[i]):
            cur = currencies[i] or "CNY"
            _conflict(
                tp,
                i,
                "amount",
                what,
                _fmt_amount(e.amount_minor, cur),
                _fmt_amount(int(amounts[i]), cur),
            )
        elif np.datetime64(e.paid_at.astimezone(UTC).replace(tzinfo=None), "us") != paid_at[i]:
            _conflict(tp, i, "paid_at", what, e.paid_at.isoformat(), tp.text("paid_at", i))
        elif (e.channel or "") != (tp.values["channel"][i] or ""):
            _conflict(tp, i, "channel", what, e.channel, tp.values["channel"][i])
    plan.payments_new = np.flatnonzero(is_new)
    plan.payment_amounts = amounts
    plan.skipped["payments"] = len(stored)


def _local_dates(instants: np.ndarray, tz: str) -> np.ndarray:
    """Local calendar dates of UTC instants (datetime64[us]) in `tz` (tz database rules)."""
    arr = pa.array(instants, pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us", tz=tz))
    local = pc.local_timestamp(arr).cast(pa.date32())
    out = local.to_numpy(zero_copy_only=False)
    return np.asarray(out, dtype="datetime64[D]")


def _check_contact_refs(tc: TableCheck, loans: _LoanIndex, lookup: Lookup, plan: Plan) -> None:
    c_loan = tc.values["loan_ref"]
    _resolve_loans(tc, loans)
    refs = tc.values["contact_ref"]
    existing = lookup.contacts(r for r in refs if r)
    at = tc.values["at"]
    stored = _stored_rows(tc, "contact_ref", existing)
    is_new = ~tc.blank("contact_ref")
    is_new[stored] = False
    for i in stored:
        ref = refs[i]
        e = existing[ref]
        if not tc.row_ok[i]:
            continue
        what = f"contact {ref}"
        if e.loan_ref != c_loan[i]:
            _conflict(tc, i, "loan_ref", what, e.loan_ref, c_loan[i])
            continue
        if np.datetime64(e.at.astimezone(UTC).replace(tzinfo=None), "us") != at[i]:
            _conflict(tc, i, "at", what, e.at.isoformat(), tc.text("at", i))
            continue
        for col in ("channel", "party", "outcome", "initiated_by", "collector"):
            stored_value, given = getattr(e, col), tc.values[col][i]
            if (stored_value or None) != (given or None):
                _conflict(tc, i, col, what, stored_value, given)
                break
    plan.contacts_new = np.flatnonzero(is_new)
    plan.skipped["contacts"] = len(stored)


def _check_point_refs(
    tq: TableCheck,
    b_keys: dict[tuple[str, str], int],
    b_valid: np.ndarray,
    lookup: Lookup,
    plan: Plan,
    vault: Vault | None,
) -> None:
    refs = tq.values["borrower_ref"]
    # only the refs this file names (borrowers.csv may hold far more)
    named = set(refs)
    by_ref: dict[str, list[tuple[str, str]]] = {}
    for code, ref in b_keys:
        if ref in named:
            by_ref.setdefault(ref, []).append((code, ref))
    stored = lookup.borrowers_by_ref(r for r in refs if r and r not in by_ref)
    for ref, rows in stored.items():
        by_ref.setdefault(ref, []).extend((e.creditor_code, e.ref) for e in rows)
    existing_ids = {(e.creditor_code, e.ref): e.id for rows in stored.values() for e in rows}
    existing_ids.update({k: e.id for k, e in plan.borrowers_existing.items()})
    owners: list[tuple[int, tuple[str, str]]] = []
    unique = {ref: keys if len(keys) == 1 else sorted(set(keys)) for ref, keys in by_ref.items()}
    valid = b_valid.tolist()  # (numpy scalar indexing is slow in a loop)
    for i in np.flatnonzero(tq.ok("borrower_ref")).tolist():
        ref = refs[i]
        found = unique.get(ref, [])
        if not found:
            tq.report(
                int(i),
                "borrower_ref",
                _e(
                    f"unknown borrower_ref {ref} (not in borrowers.csv and not imported before)",
                    f"借款人编号 {ref} 不存在（borrowers.csv 中没有，也未曾导入）",
                ),
            )
        elif len(found) > 1:
            creditors = ", ".join(c for c, _ in found)
            tq.report(
                int(i),
                "borrower_ref",
                _e(
                    f"borrower_ref {ref} is ambiguous: it exists for creditors {creditors}",
                    f"借款人编号 {ref} 不唯一：债权人 {creditors} 下都有",
                ),
            )
        else:
            key = found[0]
            j = b_keys.get(key)
            if j is not None and not valid[j]:
                tq.row_ok[i] = False
            else:
                owners.append((int(i), key))
    ids = {existing_ids[k] for _, k in owners if k in existing_ids}
    plan.points_existing = lookup.contact_point_keys(ids) if ids else set()
    kinds, values, parties = tq.values["kind"], tq.values["value"], tq.values["party"]
    skipped = 0
    for i, key in owners:
        bid = existing_ids.get(key)
        if bid is not None and vault is not None and tq.row_ok[i]:
            bidx = vault.blind_index(values[i], kind=kinds[i])
            if (bid, kinds[i], bidx, parties[i]) in plan.points_existing:
                skipped += 1
                continue
        plan.points_new.append((i, key))
    plan.skipped["contact_points"] = skipped


def _compare_borrower(
    t: TableCheck, i: int, e: ExistingBorrower, plan: Plan, vault: Vault | None
) -> None:
    """Name and id number cannot change; contact data and settings may (they are updated)."""
    if vault is None:
        return
    from faircollect.store import pii

    v = t.values
    what = f"borrower {e.creditor_code}/{e.ref}"
    name = vault.decrypt(e.name_enc, field=pii.BORROWER_NAME)
    if name != v["name"][i]:
        t.report(
            i,
            "name",
            _e(
                f"{what} was already imported with another name (imported facts cannot change)",
                f"{what} 已导入且姓名不同（已导入的事实不可更改）",
            ),
        )
        return
    stored_id = vault.decrypt_optional(e.id_number_enc, field=pii.BORROWER_ID_NUMBER)
    if stored_id is not None and stored_id != v["id_number"][i]:
        t.report(
            i,
            "id_number",
            _e(
                f"{what} was already imported with another id number "
                "(imported facts cannot change)",
                f"{what} 已导入且身份证号码不同（已导入的事实不可更改）",
            ),
        )
        return
    changed: dict[str, Any] = {}
    if stored_id is None and v["id_number"][i] is not None:
        changed["id_number"] = v["id_number"][i]
    for col, fld in (
        ("phone", pii.BORROWER_PHONE),
        ("email", pii.BORROWER_EMAIL),
        ("address", pii.BORROWER_ADDRESS),
    ):
        stored = vault.decrypt_optional(getattr(e, f"{col}_enc"), field=fld)
        if stored != v[col][i]:
            changed[col] = v[col][i]
    for col in ("region", "timezone", "locale"):
        if (getattr(e, col) or None) != (v[col][i] or None):
            changed[col] = v[col][i]
    if changed:
        plan.borrowers_changed[e.id] = changed
    else:
        plan.skipped["borrowers"] = plan.skipped.get("borrowers", 0) + 1


def _compare_loan(t: TableCheck, i: int, e: ExistingLoan) -> None:
    v = t.values
    what = f"loan {e.ref}"
    cur = e.currency
    first_due = v["first_due_on"][i]
    checks: list[tuple[str, Any, Any]] = [
        ("creditor", e.creditor_code, v["creditor"][i]),
        ("borrower_ref", e.borrower_ref, v["borrower_ref"][i]),
        ("product", e.product or "", v["product"][i] or ""),
        ("currency", cur, v["currency"][i]),
        (
            "principal",
            _fmt_amount(e.principal_minor, cur),
            _fmt_amount(int(v["principal"][i]), cur),
        ),
        ("apr", e.apr, v["apr"][i]),
        ("originated_on", e.originated_on, v["originated_on"][i].astype(date)),
        ("term_months", e.term_months, int(v["term_months"][i])),
        ("repayment", e.repayment, v["repayment"][i]),
        ("fee", _fmt_amount(e.fee_minor, cur), _fmt_amount(int(v["fee"][i]), cur)),
    ]
    if not np.isnat(first_due):
        checks.append(("first_due_on", e.first_due_on, first_due.astype(date)))
    for col, stored, given in checks:
        if stored != given:
            _conflict(t, i, col, what, stored, given)
            return
