"""Executing a hot, prebuilt Core statement with less overhead (the contact gate's path).

On PostgreSQL with psycopg, `rows` runs the statement's SQL, compiled ONCE per statement and
dialect, directly on the psycopg connection under SQLAlchemy's (same transaction), applying
the same bind and result processors SQLAlchemy would (UTC datetimes, JSON). That skips the
per-execution cache-key hashing, execution context and result-metadata work that make a
Core execution cost ~2.5x the driver call. Elsewhere (SQLite) it is a plain
``conn.execute``. Only for module-level (or cached) statement objects: the compiled form is
cached by statement identity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

__all__ = ["rows"]

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


def _driver(conn: Connection) -> Any | None:
    dialect = conn.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return None
    return conn.connection.driver_connection


def rows(
    conn: Connection,
    stmt: Any,
    params: Mapping[str, Any],
    *,
    insert_keys: tuple[str, ...] | None = None,
) -> list[tuple[Any, ...]]:
    """All result rows of `stmt` (a statement object built once) with `params`.
    `insert_keys`: for an INSERT, the columns given (sorted tuple of `params` keys)."""
    raw = _driver(conn)
    if raw is None:
        return [tuple(r) for r in conn.execute(stmt, params)]
    c = _compiled(stmt, conn.dialect, insert_keys)
    values = {**c.fixed, **params}
    for name, proc in c.binds:
        if name in values:
            values[name] = proc(values[name])
    try:
        cur = raw.execute(c.sql, values)
        out = cur.fetchall() if cur.description is not None else []
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
