"""Bulk-load queries for the portfolio importer.

The importer hands over whole columns (numpy arrays or lists); this module turns them into the
storage representation of each column type and runs one `executemany` per chunk through the
SQLAlchemy connection (`exec_driver_sql`: no ORM objects, no per-value bind processors on the
hot path). On SQLite the stored text is exactly what SQLAlchemy itself writes (dates
``YYYY-MM-DD``, instants ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, JSON text, decimals as exact
text), so ORM reads see the same values as for ORM-written rows (a test checks it).

Ids are reserved up front (`reserve_ids`): on SQLite the importer holds the write lock
(``BEGIN IMMEDIATE``), so ``max(id) + 1 ...`` is safe; on PostgreSQL they come from the
table's sequence.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
from sqlalchemy import JSON, Boolean, Connection, Date, Engine, Table, func, select, tuple_

from ..tables import (
    Borrower,
    ContactEvent,
    ContactPoint,
    Creditor,
    ImportBatch,
    Installment,
    Loan,
    Payment,
)
from ..types import DecimalText, UTCDateTime

__all__ = [
    "CHUNK",
    "IMPORT_CACHE_KIB",
    "Const",
    "ExistingBorrower",
    "ExistingContact",
    "ExistingCreditor",
    "ExistingLoan",
    "ExistingPayment",
    "JSONText",
    "RowSink",
    "add_batch",
    "borrowers_by_key",
    "borrowers_by_ref",
    "bulk_insert",
    "bulk_update",
    "contact_point_keys",
    "contacts_by_ref",
    "creditors_by_code",
    "deferred_indexes",
    "import_pragmas",
    "installments_for_loans",
    "instant_suffix",
    "loans_by_ref",
    "make_durable",
    "payments_by_ref",
    "payments_for_loans",
    "reserve_ids",
    "table_counts",
]

CHUNK = 50_000  # rows per executemany
SQLITE_ROWS_PER_STATEMENT = 100  # RowSink: rows per multi-row INSERT on SQLite
_IN_CHUNK = 500  # values per IN (...) lookup
IMPORT_CACHE_KIB = 1 << 20  # SQLite page cache of the import transaction (`import_pragmas`)


# ---------------------------------------------------------------------------------------
# lookups of what is already stored (re-imports)
# ---------------------------------------------------------------------------------------
class ExistingCreditor(NamedTuple):
    id: int
    code: str
    currency: str
    settings: dict[str, Any]


class ExistingBorrower(NamedTuple):
    id: int
    creditor_id: int
    creditor_code: str
    ref: str
    name_enc: str
    id_number_enc: str | None
    phone_enc: str | None
    email_enc: str | None
    address_enc: str | None
    region: str
    timezone: str | None
    locale: str


class ExistingLoan(NamedTuple):
    id: int
    ref: str
    creditor_id: int
    creditor_code: str
    borrower_id: int
    borrower_ref: str
    product: str
    currency: str
    principal_minor: int
    apr: Decimal
    originated_on: date
    term_months: int
    repayment: str
    first_due_on: date
    fee_minor: int


class ExistingPayment(NamedTuple):
    id: int
    ref: str
    loan_id: int
    loan_ref: str
    paid_at: datetime
    amount_minor: int
    channel: str


class ExistingContact(NamedTuple):
    id: int
    ref: str
    loan_ref: str | None
    at: datetime
    channel: str
    party: str
    outcome: str | None
    initiated_by: str
    collector: str | None


def _chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _empty(conn: Connection, table: Table) -> bool:
    return conn.execute(select(table.c.id).limit(1)).first() is None


def creditors_by_code(conn: Connection, codes: Iterable[str]) -> dict[str, ExistingCreditor]:
    c = Creditor.__table__
    out: dict[str, ExistingCreditor] = {}
    for part in _chunks(sorted(set(codes))):
        stmt = select(c.c.id, c.c.code, c.c.currency, c.c.settings).where(c.c.code.in_(part))
        for row in conn.execute(stmt):
            out[row.code] = ExistingCreditor(row.id, row.code, row.currency, row.settings or {})
    return out


def _borrower_select() -> Any:
    b, c = Borrower.__table__, Creditor.__table__
    return select(
        b.c.id,
        b.c.creditor_id,
        c.c.code,
        b.c.ref,
        b.c.name_enc,
        b.c.id_number_enc,
        b.c.phone_enc,
        b.c.email_enc,
        b.c.address_enc,
        b.c.region,
        b.c.timezone,
        b.c.locale,
    ).join(c, c.c.id == b.c.creditor_id)


def borrowers_by_key(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], ExistingBorrower]:
    """Stored borrowers by (creditor code, borrower ref)."""
    b, c = Borrower.__table__, Creditor.__table__
    out: dict[tuple[str, str], ExistingBorrower] = {}
    if _empty(conn, b):
        return out
    wanted = sorted(set(keys))
    for part in _chunks(wanted):
        stmt = _borrower_select().where(tuple_(c.c.code, b.c.ref).in_(list(part)))
        for row in conn.execute(stmt):
            e = ExistingBorrower(*row)
            out[(e.creditor_code, e.ref)] = e
    return out


def borrowers_by_ref(conn: Connection, refs: Iterable[str]) -> dict[str, list[ExistingBorrower]]:
    """Stored borrowers by ref alone (across creditors; contact_points.csv has no creditor)."""
    b = Borrower.__table__
    out: dict[str, list[ExistingBorrower]] = {}
    if _empty(conn, b):
        return out
    wanted = sorted(set(refs))
    for part in _chunks(wanted):
        for row in conn.execute(_borrower_select().where(b.c.ref.in_(part))):
            e = ExistingBorrower(*row)
            out.setdefault(e.ref, []).append(e)
    return out


def loans_by_ref(conn: Connection, refs: Iterable[str]) -> dict[str, ExistingLoan]:
    lo, b, c = Loan.__table__, Borrower.__table__, Creditor.__table__
    out: dict[str, ExistingLoan] = {}
    if _empty(conn, lo):
        return out
    wanted = sorted(set(refs))
    cols = (
        lo.c.id,
        lo.c.ref,
        lo.c.creditor_id,
        c.c.code,
        lo.c.borrower_id,
        b.c.ref,
        lo.c.product,
        lo.c.currency,
        lo.c.principal_minor,
        lo.c.apr,
        lo.c.originated_on,
        lo.c.term_months,
        lo.c.repayment,
        lo.c.first_due_on,
        lo.c.fee_minor,
    )
    base = select(*cols).join(c, c.c.id == lo.c.creditor_id).join(b, b.c.id == lo.c.borrower_id)
    for part in _chunks(wanted):
        for row in conn.execute(base.where(lo.c.ref.in_(part))):
            out[row[1]] = ExistingLoan(*row)
    return out


def payments_by_ref(conn: Connection, refs: Iterable[str]) -> dict[str, ExistingPayment]:
    p, lo = Payment.__table__, Loan.__table__
    out: dict[str, ExistingPayment] = {}
    if _empty(conn, p):
        return out
    wanted = sorted(set(refs))
    base = select(
        p.c.id, p.c.ref, p.c.loan_id, lo.c.ref, p.c.paid_at, p.c.amount_minor, p.c.channel
    ).join(lo, lo.c.id == p.c.loan_id)
    for part in _chunks(wanted):
        for row in conn.execute(base.where(p.c.ref.in_(part))):
            out[row[1]] = ExistingPayment(*row)
    return out


def contacts_by_ref(conn: Connection, refs: Iterable[str]) -> dict[str, ExistingContact]:
    e, lo = ContactEvent.__table__, Loan.__table__
    out: dict[str, ExistingContact] = {}
    if _empty(conn, e):
        return out
    wanted = sorted(set(refs))
    base = select(
        e.c.id,
        e.c.ref,
        lo.c.ref,
        e.c.at,
        e.c.channel,
        e.c.party,
        e.c.outcome,
        e.c.initiated_by,
        e.c.collector,
    ).outerjoin(lo, lo.c.id == e.c.loan_id)
    for part in _chunks(wanted):
        for row in conn.execute(base.where(e.c.ref.in_(part))):
            out[row[1]] = ExistingContact(*row)
    return out


def contact_point_keys(
    conn: Connection, borrower_ids: Iterable[int]
) -> set[tuple[int, str, str, str]]:
    """(borrower_id, kind, value_bidx, party) of the stored contact points of these borrowers."""
    cp = ContactPoint.__table__
    out: set[tuple[int, str, str, str]] = set()
    if _empty(conn, cp):
        return out
    wanted = sorted(set(borrower_ids))
    base = select(cp.c.borrower_id, cp.c.kind, cp.c.value_bidx, cp.c.party)
    for part in _chunks(wanted):
        out.update(tuple(r) for r in conn.execute(base.where(cp.c.borrower_id.in_(part))))
    return out


def payments_for_loans(
    conn: Connection, loan_ids: Iterable[int]
) -> dict[int, list[tuple[int, str, datetime, int]]]:
    """(payment id, ref, paid_at, amount_minor) of every stored payment, by loan id."""
    p = Payment.__table__
    out: dict[int, list[tuple[int, str, datetime, int]]] = {}
    base = select(p.c.loan_id, p.c.id, p.c.ref, p.c.paid_at, p.c.amount_minor)
    for part in _chunks(sorted(set(loan_ids))):
        for row in conn.execute(base.where(p.c.loan_id.in_(part)).order_by(p.c.id)):
            out.setdefault(row[0], []).append((row[1], row[2], row[3], row[4]))
    return out


def installments_for_loans(
    conn: Connection, loan_ids: Iterable[int]
) -> dict[int, list[tuple[int, date, int, int]]]:
    """The stored schedule (seq, due_on, principal_minor, interest_minor) by loan id."""
    i = Installment.__table__
    out: dict[int, list[tuple[int, date, int, int]]] = {}
    base = select(i.c.loan_id, i.c.seq, i.c.due_on, i.c.principal_minor, i.c.interest_minor)
    for part in _chunks(sorted(set(loan_ids))):
        for row in conn.execute(base.where(i.c.loan_id.in_(part)).order_by(i.c.loan_id, i.c.seq)):
            out.setdefault(row[0], []).append((row[1], row[2], row[3], row[4]))
    return out


def table_counts(conn: Connection) -> dict[str, int]:
    """Row counts of the tables the importer writes."""
    tables = (Creditor, Borrower, ContactPoint, Loan, Installment, Payment, ContactEvent)
    return {
        m.__tablename__: int(
            conn.execute(select(func.count()).select_from(m.__table__)).scalar_one()
        )
        for m in tables
    }


# ---------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------
def reserve_ids(conn: Connection, table: Table, n: int) -> np.ndarray:
    """n fresh primary keys for `table` (int64 array)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if conn.dialect.name == "sqlite":
        top = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        return np.arange(int(top) + 1, int(top) + 1 + n, dtype=np.int64)
    seq = conn.exec_driver_sql(
        "SELECT pg_get_serial_sequence(%(t)s, 'id')", {"t": table.name}
    ).scalar_one()
    rows = conn.exec_driver_sql(
        "SELECT nextval(%(s)s) FROM generate_series(1, %(n)s)", {"s": seq, "n": n}
    )
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)


class Const(NamedTuple):
    """A column with the same value in every row (converted once)."""

    value: Any


class JSONText(list[str | None]):
    """A JSON column whose values are already serialised JSON text (passed through as is)."""


Column = Sequence[Any] | np.ndarray | Const


def _datetime_strings(arr: np.ndarray) -> list[str | None]:
    """datetime64 (UTC) -> SQLAlchemy's SQLite text "YYYY-MM-DD HH:MM:SS.ffffff" (NaT: None)."""
    return pa.array(arr.astype("datetime64[us]")).cast(pa.string()).to_pylist()  # type: ignore[no-any-return]


def _date_strings(arr: np.ndarray) -> list[str | None]:
    """datetime64[D] -> "YYYY-MM-DD" (NaT: None)."""
    return pa.array(arr.astype("datetime64[D]")).cast(pa.string()).to_pylist()  # type: ignore[no-any-return]


def _converter(conn: Connection, col: Any) -> Callable[[Column], list[Any]]:
    """How one column's values become driver parameters on this dialect."""
    sqlite = conn.dialect.name == "sqlite"
    t = col.type

    if isinstance(t, UTCDateTime):

        def instants(v: Column) -> list[Any]:
            if isinstance(v, np.ndarray):
                if sqlite:
                    return _datetime_strings(v)
                return [
                    None if x is None else x.replace(tzinfo=UTC)
                    for x in v.astype("datetime64[us]").tolist()
                ]
            out = []
            for x in v:
                if x is None:
                    out.append(None)
                    continue
                if x.tzinfo is None:
                    raise ValueError(f"naive datetime {x!r}: store aware UTC times only")
                u = x.astimezone(UTC)
                out.append(u.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else u)
            return out

        return instants
    if isinstance(t, Date):

        def dates(v: Column) -> list[Any]:
            if isinstance(v, np.ndarray):
                if sqlite:
                    return _date_strings(v)
                return v.astype("datetime64[D]").tolist()
            return [None if x is None else x.isoformat() for x in v] if sqlite else list(v)

        return dates
    if isinstance(t, JSON):
        dumps = json.JSONEncoder(ensure_ascii=False).encode

        def to_json(v: Column) -> list[Any]:
            if isinstance(v, JSONText):
                return list(v)
            return [None if x is None else dumps(x) for x in v]

        return to_json
    if isinstance(t, DecimalText):
        return lambda v: [None if x is None else format(x, "f") for x in v]
    if isinstance(t, Boolean):
        if sqlite:
            return lambda v: [None if x is None else int(bool(x)) for x in v]
        return lambda v: [None if x is None else bool(x) for x in v]
    return lambda v: v.tolist() if isinstance(v, np.ndarray) else list(v)


def _default(col: Any) -> tuple[bool, Any]:
    d = col.default
    if d is None:
        return False, None
    if d.is_scalar:
        return True, d.arg
    if d.is_callable:
        return True, d.arg(None)
    return False, None  # pragma: no cover - no SQL-expression defaults in tables.py


def _slice(v: Any, start: int, stop: int) -> Any:
    part = v[start:stop]
    return JSONText(part) if isinstance(v, JSONText) else part


def _placeholders(conn: Connection, n: int) -> str:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * n)


def bulk_insert(
    conn: Connection,
    table: Table,
    columns: Mapping[str, Column],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert rows given as columns (all the same length). Columns not given take the model's
    Python-side default (JSON lists, flags, ...) or NULL. Returns the number of rows."""
    names = [k for k, v in columns.items() if not isinstance(v, Const)]
    n = len(columns[names[0]]) if names else 0
    if n == 0:
        return 0
    for name in names:
        if len(columns[name]) != n:
            raise ValueError(f"column {name} has {len(columns[name])} values, expected {n}")
    constants: dict[str, Any] = {}
    for col in table.columns:
        given = columns.get(col.name)
        if isinstance(given, Const):
            constants[col.name] = _converter(conn, col)([given.value])[0]
            continue
        if given is not None:
            continue
        has, value = _default(col)
        if has:
            constants[col.name] = _converter(conn, col)([value])[0]
        elif not col.nullable and not (col.primary_key and col.autoincrement is not False):
            raise ValueError(f"{table.name}.{col.name} is required")
    all_names = names + list(constants)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(all_names)}) "
        f"VALUES ({_placeholders(conn, len(all_names))})"
    )
    converters = [_converter(conn, table.c[name]) for name in names]
    const_values = list(constants.values())
    done = 0
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        parts = [
            conv(_slice(columns[name], start, stop))
            for conv, name in zip(converters, names, strict=True)
        ]
        if const_values:
            m = stop - start
            parts.extend([v] * m for v in const_values)
        conn.exec_driver_sql(sql, list(zip(*parts, strict=True)))
        done += stop - start
        if progress is not None:
            progress(stop - start)
    return done


def instant_suffix(conn: Connection) -> str:
    """What follows "YYYY-MM-DD HH:MM:SS.ffffff" (UTC) in an instant given to `RowSink`:
    nothing on SQLite (SQLAlchemy's stored text), "+00" on PostgreSQL (timestamptz)."""
    return "" if conn.dialect.name == "sqlite" else "+00"


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")  # pragma: no cover


class RowSink:
    """Bulk insert of ready rows into one table, inside the caller's transaction.

    Each row is a tuple of driver-ready values in `columns` order (storage form: dates
    ``YYYY-MM-DD``, instants as text with `instant_suffix`, JSON as text, decimals as exact
    text, ints, None). Columns not given take `constants` or the model's Python-side default,
    the same for every row; on SQLite they are part of the prepared statement (bound once),
    so a row binds only its own values. SQLite: one ``executemany`` per call on the
    transaction's own DB-API connection; PostgreSQL: ``COPY ... FROM STDIN``."""

    def __init__(
        self,
        conn: Connection,
        table: Table,
        columns: Sequence[str],
        constants: Mapping[str, Any] | None = None,
        *,
        per_statement: int = SQLITE_ROWS_PER_STATEMENT,
    ) -> None:
        self.table = table
        self.columns = tuple(columns)
        unknown = [c for c in self.columns if c not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has no column(s) {unknown}")
        fixed: dict[str, Any] = {}
        for col in table.columns:
            if col.name in self.columns:
                continue
            if constants and col.name in constants:
                fixed[col.name] = _converter(conn, col)([constants[col.name]])[0]
                continue
            has, value = _default(col)
            if has:
                fixed[col.name] = _converter(conn, col)([value])[0]
            elif not col.nullable and not (col.primary_key and col.autoincrement is not False):
                raise ValueError(f"{table.name}.{col.name} is required")
        self.sqlite = conn.dialect.name == "sqlite"
        raw = conn.connection.driver_connection
        assert raw is not None
        self._raw: Any = raw
        names = ", ".join([*self.columns, *fixed])
        if self.sqlite:
            values = ["?"] * len(self.columns) + [_sql_literal(v) for v in fixed.values()]
            row = f"({', '.join(values)})"
            # rows per statement: each binds len(columns) values (SQLite allows 32766)
            self.per_statement = max(1, min(per_statement, 30_000 // max(1, len(self.columns))))
            self.sql = f"INSERT INTO {table.name} ({names}) VALUES {row}"
            self.sql_many = (
                f"INSERT INTO {table.name} ({names}) VALUES {', '.join([row] * self.per_statement)}"
            )
            self._tail: tuple[Any, ...] = ()
        else:
            self.per_statement = 1
            self.sql = self.sql_many = f"COPY {table.name} ({names}) FROM STDIN"
            self._tail = tuple(fixed.values())
        self.rows = 0

    def write(self, rows: Sequence[tuple[Any, ...]]) -> int:
        """Insert rows, one tuple of `columns` values each."""
        return self._write(rows, (), len(rows))

    def write_packed(
        self, full: Sequence[tuple[Any, ...]], rest: Sequence[tuple[Any, ...]], rows: int
    ) -> int:
        """Insert `rows` rows given as `full` (tuples of `per_statement` rows' values one after
        the other: one multi-row INSERT each, which halves SQLite's cost per row) and `rest`
        (one row per tuple)."""
        if full and len(full[0]) != self.per_statement * len(self.columns):
            raise ValueError(f"{self.table.name}: packed for another number of rows per statement")
        return self._write(rest, full, rows)

    def _write(
        self, rows: Sequence[tuple[Any, ...]], full: Sequence[tuple[Any, ...]], n: int
    ) -> int:
        if self.sqlite:
            if full:
                self._raw.executemany(self.sql_many, full)
            if rows:
                self._raw.executemany(self.sql, rows)
        elif rows or full:
            tail = self._tail
            with self._raw.cursor() as cur, cur.copy(self.sql) as copy:
                write = copy.write_row
                for part in (full, rows):  # one row per tuple here (per_statement is 1)
                    if tail:
                        for r in part:
                            write(r + tail)
                    else:
                        for r in part:
                            write(r)
        self.rows += n
        return n


def bulk_update(
    conn: Connection, table: Table, keys: Sequence[str], columns: Mapping[str, Column]
) -> int:
    """UPDATE table SET <columns> WHERE <keys> = ... for every row (keys are columns too)."""
    sets = [c for c in columns if c not in keys]
    n = len(next(iter(columns.values()))) if columns else 0
    if n == 0:
        return 0
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"UPDATE {table.name} SET {', '.join(f'{c} = {mark}' for c in sets)} "
        f"WHERE {' AND '.join(f'{k} = {mark}' for k in keys)}"
    )
    order = sets + list(keys)
    converters = [_converter(conn, table.c[name]) for name in order]
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        parts = [
            conv(_slice(columns[name], start, stop))
            for conv, name in zip(converters, order, strict=True)
        ]
        conn.exec_driver_sql(sql, list(zip(*parts, strict=True)))
    return n


def add_batch(
    conn: Connection, *, at: datetime, source: str, digest: str, counts: Mapping[str, Any]
) -> int:
    t = ImportBatch.__table__
    batch_id = int(reserve_ids(conn, t, 1)[0])
    bulk_insert(
        conn,
        t,
        {
            "id": [batch_id],
            "at": [at],
            "source": [source],
            "digest": [digest],
            "counts": [dict(counts)],
        },
    )
    return batch_id


@contextmanager
def import_pragmas(conn: Connection, cache_kib: int | None = None) -> Iterator[None]:
    """SQLite settings for one big write transaction (use inside it): a large page cache
    (`cache_kib`, default IMPORT_CACHE_KIB: fewer spills of dirty pages to the WAL) and temp
    structures in memory, restored at the end of the block. Atomicity and the journal are
    untouched. No-op on other databases."""
    if conn.dialect.name != "sqlite":
        yield
        return
    saved = {p: conn.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("cache_size", "temp_store")}
    kib = int(cache_kib if cache_kib is not None else IMPORT_CACHE_KIB)
    conn.exec_driver_sql(f"PRAGMA cache_size={-kib}")
    conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
    try:
        yield
    finally:
        for p, v in saved.items():
            conn.exec_driver_sql(f"PRAGMA {p}={int(v)}")


@contextmanager
def deferred_indexes(
    conn: Connection, planned: Mapping[str, int], *, ratio: float = 1.0
) -> Iterator[dict[str, int]]:
    """SQLite: drop the plain (non-unique) secondary indexes of the tables about to receive
    many rows, and build them again at the end of the block, in the same transaction (DDL is
    transactional in SQLite: on rollback they are back as they were; readers never see the
    difference). Building an index once over sorted keys is much cheaper than inserting
    millions of random keys (blind indexes) one by one. `planned`: table -> rows to insert; a
    table is handled when that is at least `ratio` x the rows it holds already (by its
    largest rowid). Unique indexes stay (they check as rows arrive), and so do indexes on
    creditor_id alone (few distinct keys: new entries land at a few places). Yields the number
    of indexes dropped per table. No-op on other databases."""
    dropped: list[tuple[str, str, str]] = []  # (table, index, create sql)
    counts: dict[str, int] = {}
    if conn.dialect.name == "sqlite":
        raw: Any = conn.connection.driver_connection
        for table, rows in planned.items():
            if rows <= 0:
                continue
            top = raw.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0]
            if rows < ratio * top:
                continue
            found = raw.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%'",
                (table,),
            ).fetchall()
            n = 0
            for name, sql in found:
                cols = [r[2] for r in raw.execute(f'PRAGMA index_info("{name}")')]
                if cols == ["creditor_id"]:
                    continue  # a handful of distinct keys: it grows at its ends, keep it
                raw.execute(f'DROP INDEX "{name}"')
                dropped.append((table, name, sql))
                n += 1
            counts[table] = n
    yield counts
    for _table, _name, sql in dropped:
        conn.connection.driver_connection.execute(sql)  # type: ignore[union-attr]


def make_durable(engine: Engine) -> bool:
    """After a big commit on SQLite: checkpoint the WAL into the database file and truncate it.

    The store runs WAL with ``synchronous=NORMAL``: a commit survives an application crash but
    not necessarily a power loss until the next checkpoint (and ``synchronous`` cannot be
    raised inside a transaction). A checkpoint syncs the WAL and the database file, so after
    this the import is durable; it also returns the (large) WAL's disk space. Waits for readers
    up to the busy timeout; returns False when it could not complete (the data is committed
    either way). No-op (True) on other databases."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return not busy
