"""Creditors (the tenants)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from faircollect import clock

from ..scope import Scope, scoped
from ..tables import Creditor

__all__ = ["get", "get_by_code", "get_or_create", "list_all"]


def get(session: Session, creditor_id: int, *, scope: Scope) -> Creditor | None:
    stmt = scoped(select(Creditor).where(Creditor.id == creditor_id), Creditor, scope)
    return session.scalar(stmt)


def get_by_code(session: Session, code: str, *, scope: Scope) -> Creditor | None:
    stmt = scoped(select(Creditor).where(Creditor.code == code), Creditor, scope)
    return session.scalar(stmt)


def list_all(session: Session, *, scope: Scope) -> list[Creditor]:
    stmt = scoped(select(Creditor).order_by(Creditor.code), Creditor, scope)
    return list(session.scalars(stmt))


def get_or_create(
    session: Session,
    code: str,
    *,
    name: str | None = None,
    pack: str = "CN",
    currency: str = "CNY",
    settings: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Creditor:
    """The creditor with this code, created if missing (safe against a concurrent create)."""
    stmt = select(Creditor).where(Creditor.code == code)
    found = session.scalar(stmt)
    if found is not None:
        return found
    creditor = Creditor(
        code=code,
        name=name or code,
        pack=pack,
        currency=currency,
        settings=dict(settings or {}),
        created_at=now or clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(creditor)
    except IntegrityError:
        found = session.scalar(stmt)
        if found is None:
            raise
        return found
    return creditor
