"""Queries for key rotation: rows whose PII is not yet under the active key, per-key usage,
and the key_uses ledger (key ids only, never key material)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, not_, or_, select, union_all
from sqlalchemy.orm import Session

from ..pii import ENCRYPTED_TABLES, EncryptedTable
from ..tables import Base, KeyUse

__all__ = ["key_counts", "mark_retired", "pending_batch", "pending_count", "record_use", "uses"]

_TOKEN_PREFIX = "v1."
_KID_LEN = 8  # vault key ids are 8 hex characters


def _stale(table: EncryptedTable, active_kid: str) -> ColumnElement[bool]:
    prefix = f"{_TOKEN_PREFIX}{active_kid}."
    conds = []
    for c in table.columns:
        col = getattr(table.model, c.column)
        conds.append(and_(col.is_not(None), not_(col.startswith(prefix, autoescape=True))))
    return or_(*conds)


def pending_count(session: Session, table: EncryptedTable, active_kid: str) -> int:
    """Rows of `table` with at least one token not under the active key."""
    stmt = select(func.count()).select_from(table.model).where(_stale(table, active_kid))
    return int(session.scalar(stmt) or 0)


def pending_batch(
    session: Session, table: EncryptedTable, active_kid: str, *, after_id: int, limit: int
) -> list[Base]:
    """The next `limit` rows (by id, after `after_id`) that still need re-encryption."""
    pk = table.model.id  # type: ignore[attr-defined]
    stmt = (
        select(table.model)
        .where(pk > after_id, _stale(table, active_kid))
        .order_by(pk)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def key_counts(session: Session) -> dict[str, int]:
    """How many stored tokens each key id protects, over every encrypted column."""
    parts = []
    for t in ENCRYPTED_TABLES:
        for c in t.columns:
            col = getattr(t.model, c.column)
            kid = func.substr(col, len(_TOKEN_PREFIX) + 1, _KID_LEN)
            parts.append(select(kid.label("kid")).where(col.is_not(None)))
    u = union_all(*parts).subquery()
    stmt = select(u.c.kid, func.count()).group_by(u.c.kid)
    return {str(k): int(n) for k, n in session.execute(stmt)}


def record_use(session: Session, key_id: str, at: datetime) -> None:
    """Note that `key_id` protects data from `at` on (idempotent)."""
    found = session.get(KeyUse, key_id)
    if found is None:
        session.add(KeyUse(key_id=key_id, first_used_at=at))
    elif found.retired_at is not None:
        found.retired_at = None
    session.flush()


def mark_retired(session: Session, key_ids: Iterable[str], at: datetime) -> None:
    for kid in key_ids:
        found = session.get(KeyUse, kid)
        if found is None:
            session.add(KeyUse(key_id=kid, first_used_at=at, retired_at=at))
        elif found.retired_at is None:
            found.retired_at = at
    session.flush()


def uses(session: Session) -> list[KeyUse]:
    return list(session.scalars(select(KeyUse).order_by(KeyUse.first_used_at)))
