"""Executing a hot, prebuilt Core statement with less overhead (the contact gate's path).

On PostgreSQL with psycopg, `rows` runs the statement's SQL, compiled ONCE per statement and
dialect, directly on the psycopg connection under SQLAlchemy's (same transaction; one cursor
kept per pooled connection), applying
the same bind and result processors SQLAlchemy would (UTC datetimes, JSON). That skips the
per-execution cache-key hashing, execution context and result-metadata work that make a
Core execution cost ~2.5x the driver call. Elsewhere (SQLite) it is a plain
``conn.execute``. Only for module-level (or cached) statement objects: the compiled form is
cached by statement identity.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

__all__ = ["connection", "rows"]

_Proc = Callable[[Any], Any]


class _Compiled(NamedTuple):
    sql: str
    fixed: dict[str, Any]  # values embedded in the statement (literals)
    binds: tuple[tuple[str, _Proc], ...]  # bind processors by parameter name
    results: tuple[tuple[int, _Proc], ...]  # result processors by column position


def _columns(stmt: Any) -> Sequence[Any]:
    if hasattr(stmt, "selected_columns"):
        return list(stmt.selected_columns)
    if hasattr(stmt, "exported_columns"):
        return list(stmt.exported_columns)
    return []


@lru_cache(maxsize=256)
def _compiled(stmt: Any, dialect: Any, keys: tuple[str, ...] | None) -> _Compiled:
    compiled = stmt.compile(dialect=dialect, column_keys=None if keys is None else list(keys))
    fixed = {k: v for k, v in compiled.params.items() if v is not None}
    binds = []
    for name, bp in compiled.binds.items():
        proc = bp.type.dialect_impl(dialect).bind_processor(dialect)
        if proc is not None:
            binds.append((name, proc))
    results = []
    for i, col in enumerate(_columns(stmt)):
        proc = col.type.dialect_impl(dialect).result_processor(dialect, None)
        if proc is not None:
            results.append((i, proc))
    return _Compiled(str(compiled), fixed, tuple(binds), tuple(results))


_CONN = "faircollect_fast_connection"


def connection(session: Session) -> Connection:
    """`session.connection()`, remembered for the session's current root transaction (the
    contact gate asks for it once per statement; `Session.connection` walks the session's
    transaction machinery every time). A new transaction (after a commit or rollback) asks
    the session again."""
    txn = session.get_transaction()
    hit = session.info.get(_CONN)
    if hit is not None and txn is not None and hit[0] is txn and not hit[1].closed:
        return hit[1]  # type: ignore[no-any-return]
    conn = session.connection()
    session.info[_CONN] = (session.get_transaction(), conn)
    return conn


_CURSOR = "faircollect_fast_cursor"


def _cursor(conn: Connection) -> Any | None:
    """A psycopg cursor kept with the pooled connection (its ``info`` lives as long as the
    driver connection; a checked-out connection serves one thread at a time): a new cursor
    per statement costs more than the statement's own Python work. None when the driver is
    not psycopg on PostgreSQL."""
    dialect = conn.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return None
    pooled = conn.connection
    cur = pooled.info.get(_CURSOR)
    if cur is None or cur.closed or cur.connection is not pooled.driver_connection:
        cur = pooled.info[_CURSOR] = pooled.driver_connection.cursor()
        from psycopg.types.json import set_json_loads

        set_json_loads(_json_loads, context=cur)
    return cur


_JSON_DECODE = json.JSONDecoder().decode


def _json_loads(data: bytes) -> Any:
    """`json.loads` for what PostgreSQL sends (UTF-8 text, no BOM): without the encoding
    detection `json.loads(bytes)` does on every value."""
    return _JSON_DECODE(data.decode("utf-8"))


def _tuples_ok() -> int:
    from psycopg.pq import ExecStatus

    return int(ExecStatus.TUPLES_OK)


_TUPLES_OK = _tuples_ok()


def rows(
    conn: Connection,
    stmt: Any,
    params: Mapping[str, Any],
    *,
    insert_keys: tuple[str, ...] | None = None,
) -> list[tuple[Any, ...]]:
    """All result rows of `stmt` (a statement object built once) with `params`.
    `insert_keys`: for an INSERT, the columns given (sorted tuple of `params` keys)."""
    cur = _cursor(conn)
    if cur is None:
        return [tuple(r) for r in conn.execute(stmt, params)]
    c = _compiled(stmt, conn.dialect, insert_keys)
    values = {**c.fixed, **params}
    for name, proc in c.binds:
        if name in values:
            values[name] = proc(values[name])
    try:
        cur.execute(c.sql, values)
        # (not `cur.description`: it builds a Column object per column on every call)
        res = cur.pgresult
        out = cur.fetchall() if res is not None and res.status == _TUPLES_OK else []
    except conn.dialect.loaded_dbapi.Error as e:  # as SQLAlchemy would raise it
        raise DBAPIError.instance(
            c.sql, values, e, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
        ) from e
    if not c.results:
        return out
    fixed_rows = []
    for r in out:
        row = list(r)
        for i, proc in c.results:
            row[i] = proc(row[i])
        fixed_rows.append(tuple(row))
    return fixed_rows
