"""Staff users and the creditors they may see (not tenant data: no scope)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from faircollect import clock

from ..scope import Scope
from ..tables import User, UserCreditor

__all__ = ["add", "creditor_ids", "get", "get_by_username", "scope_of", "set_creditors"]


def add(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: str,
    display_name: str = "",
    locale: str = "zh_CN",
    languages: Iterable[str] = (),
    creditor_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> User:
    user = User(
        username=username,
        display_name=display_name,
        password_hash=password_hash,
        role=role,
        locale=locale,
        languages=list(languages),
        active=True,
        created_at=now or clock.now(),
    )
    session.add(user)
    session.flush()
    set_creditors(session, user.id, creditor_ids)
    return user


def get(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def creditor_ids(session: Session, user_id: int) -> frozenset[int]:
    stmt = select(UserCreditor.creditor_id).where(UserCreditor.user_id == user_id)
    return frozenset(session.scalars(stmt))


def set_creditors(session: Session, user_id: int, ids: Iterable[int]) -> None:
    session.execute(delete(UserCreditor).where(UserCreditor.user_id == user_id))
    session.add_all(UserCreditor(user_id=user_id, creditor_id=c) for c in sorted(set(ids)))
    session.flush()


def scope_of(session: Session, user_id: int) -> Scope:
    """The staff scope of a user: the creditors assigned to them (roles are the caller's
    business: an admin may be given `Scope.system()` instead)."""
    return Scope.for_creditors(creditor_ids(session, user_id))
