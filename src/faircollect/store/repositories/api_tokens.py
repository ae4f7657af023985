"""Bearer tokens for the JSON API. Only the HMAC of a token (vault.token_mac) is stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..tables import ApiToken, User

__all__ = ["add", "find_active", "get", "list_for_user", "revoke"]


def add(session: Session, *, user_id: int, name: str, token_hash: str, now: datetime) -> ApiToken:
    row = ApiToken(user_id=user_id, name=name, token_hash=token_hash, created_at=now)
    session.add(row)
    session.flush()
    return row


def find_active(session: Session, token_hashes: Sequence[str]) -> tuple[ApiToken, User] | None:
    """The unrevoked token with one of these hashes and its (active) user."""
    if not token_hashes:
        return None
    stmt = (
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash.in_(list(token_hashes)),
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
    )
    row = session.execute(stmt).first()
    return None if row is None else (row[0], row[1])


def get(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def list_for_user(session: Session, user_id: int | None = None) -> list[tuple[ApiToken, str]]:
    """Tokens (newest first) with their user's name; all users when `user_id` is None."""
    stmt = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    rows = session.execute(stmt.order_by(ApiToken.id.desc())).all()
    return [(r[0], r[1]) for r in rows]


def revoke(session: Session, token_id: int, now: datetime) -> ApiToken | None:
    row = session.get(ApiToken, token_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
    return row
