"""Server-side web sessions (faircollect.web.auth.sessions). Rows are found by the HMAC of
the cookie value (`id_hash`); the cookie value itself is never stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..tables import WebSession

__all__ = ["add", "delete_by_hash", "delete_expired", "delete_for_user", "find", "touch"]


def add(
    session: Session,
    *,
    id_hash: str,
    user_id: int | None,
    borrower_id: int | None,
    stage: str,
    now: datetime,
    expires_at: datetime,
) -> WebSession:
    if (user_id is None) == (borrower_id is None):
        raise ValueError("a session belongs to exactly one user or one borrower")
    row = WebSession(
        id_hash=id_hash,
        user_id=user_id,
        borrower_id=borrower_id,
        stage=stage,
        created_at=now,
        last_seen_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row


def find(session: Session, id_hashes: Sequence[str]) -> WebSession | None:
    """The session whose id hash is one of `id_hashes` (one per key of the vault's ring)."""
    if not id_hashes:
        return None
    stmt = select(WebSession).where(WebSession.id_hash.in_(list(id_hashes)))
    return session.scalar(stmt)


def touch(session: Session, row: WebSession, now: datetime) -> None:
    row.last_seen_at = now
    session.flush()


def delete_by_hash(session: Session, id_hashes: Sequence[str]) -> int:
    if not id_hashes:
        return 0
    result = session.execute(delete(WebSession).where(WebSession.id_hash.in_(list(id_hashes))))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delete_for_user(session: Session, user_id: int) -> int:
    """End every session of a user (password change, deactivation)."""
    result = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delete_expired(session: Session, now: datetime, *, idle_before: datetime) -> int:
    """Remove sessions past their absolute expiry or idle since before `idle_before`."""
    stmt = delete(WebSession).where(
        (WebSession.expires_at <= now) | (WebSession.last_seen_at < idle_before)
    )
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]
