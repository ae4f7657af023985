"""Failed sign-ins for the rate limiter (faircollect.web.auth.throttle). Keys are HMACs of
"user:<name>" / "ip:<address>": no user name or address is stored in clear."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..tables import SignInFailure

__all__ = ["add", "clear", "count_since", "oldest_since", "purge_before"]


def add(session: Session, key_hashes: Sequence[str], at: datetime) -> None:
    session.add_all(SignInFailure(key_hash=k, at=at) for k in key_hashes)
    session.flush()


def count_since(session: Session, key_hash: str, since: datetime) -> int:
    stmt = select(func.count()).where(SignInFailure.key_hash == key_hash, SignInFailure.at > since)
    return int(session.scalar(stmt) or 0)


def oldest_since(
    session: Session, key_hash: str, since: datetime, *, newest: int
) -> datetime | None:
    """The oldest of the `newest` most recent failures after `since` (when it ages out of the
    window, the count drops below `newest`)."""
    stmt = (
        select(SignInFailure.at)
        .where(SignInFailure.key_hash == key_hash, SignInFailure.at > since)
        .order_by(SignInFailure.at.desc())
        .limit(newest)
    )
    times = list(session.scalars(stmt))
    return times[-1] if times else None


def clear(session: Session, key_hash: str) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.key_hash == key_hash))


def purge_before(session: Session, before: datetime) -> int:
    result = session.execute(delete(SignInFailure).where(SignInFailure.at <= before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
