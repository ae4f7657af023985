"""Override requests for blocked contact attempts and their decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from ..scope import Scope
from ..tables import ContactOverride

__all__ = ["add", "for_event", "get", "list_open"]


def _scope_clause(scope: Scope) -> ColumnElement[bool]:
    if scope.borrower_id is not None:
        return ContactOverride.id.is_(None)  # not visible in the borrower portal
    clause: ColumnElement[bool] = true()
    if scope.creditor_ids is not None:
        clause = clause & ContactOverride.creditor_id.in_(sorted(scope.creditor_ids))
    return clause


def add(
    session: Session,
    *,
    creditor_id: int,
    blocked_event_id: int,
    requested_by: str,
    reason: str,
    now: datetime,
) -> ContactOverride:
    row = ContactOverride(
        creditor_id=creditor_id,
        blocked_event_id=blocked_event_id,
        status="requested",
        requested_by=requested_by,
        reason=reason,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get(
    session: Session, override_id: int, *, scope: Scope, for_update: bool = False
) -> ContactOverride | None:
    stmt = select(ContactOverride).where(ContactOverride.id == override_id, _scope_clause(scope))
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def for_event(session: Session, blocked_event_id: int, *, scope: Scope) -> list[ContactOverride]:
    stmt = (
        select(ContactOverride)
        .where(ContactOverride.blocked_event_id == blocked_event_id, _scope_clause(scope))
        .order_by(ContactOverride.id)
    )
    return list(session.scalars(stmt))


def list_open(session: Session, *, scope: Scope, limit: int = 200) -> list[ContactOverride]:
    stmt = (
        select(ContactOverride)
        .where(ContactOverride.status == "requested", _scope_clause(scope))
        .order_by(ContactOverride.created_at, ContactOverride.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
