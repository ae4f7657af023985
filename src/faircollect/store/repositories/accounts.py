"""Staff accounts: the updates the web sign-in and `faircollect users` need (users.py holds
creation and the creditor assignments)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..tables import Creditor, User, UserCreditor

__all__ = [
    "creditor_codes",
    "list_users",
    "set_active",
    "set_locale",
    "set_password_hash",
    "set_totp",
    "set_totp_last_step",
]


def set_password_hash(session: Session, user_id: int, password_hash: str) -> None:
    session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))


def set_totp(session: Session, user_id: int, secret_enc: str | None) -> None:
    """Enrol (encrypted secret) or reset (None) a user's TOTP."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(totp_secret_enc=secret_enc, totp_last_step=None)
    )


def set_totp_last_step(session: Session, user_id: int, step: int) -> bool:
    """Record the accepted time step; False when a step >= it was already used (replay)."""
    stmt = (
        update(User)
        .where(User.id == user_id)
        .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def set_active(session: Session, user_id: int, active: bool) -> None:
    session.execute(update(User).where(User.id == user_id).values(active=active))


def set_locale(session: Session, user_id: int, locale: str) -> None:
    session.execute(update(User).where(User.id == user_id).values(locale=locale))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def creditor_codes(session: Session, user_id: int) -> list[str]:
    stmt = (
        select(Creditor.code)
        .join(UserCreditor, UserCreditor.creditor_id == Creditor.id)
        .where(UserCreditor.user_id == user_id)
        .order_by(Creditor.code)
    )
    return list(session.scalars(stmt))
