"""Contact events: attempts (allowed, blocked, overridden) and their outcomes - the history
the rules count."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from faircollect import clock

from ..scope import Scope, scoped
from ..tables import ContactEvent

__all__ = ["NewContactEvent", "add", "get", "get_by_ref", "history", "set_outcome"]


class NewContactEvent(NamedTuple):
    creditor_id: int
    borrower_id: int
    at: datetime
    channel: str
    party: str
    loan_id: int | None = None
    ref: str | None = None
    debt_refs: Sequence[str] = ()
    place: str | None = None
    purpose: str | None = None
    outcome: str | None = None
    initiated_by: str = "collector"
    collector: str | None = None
    contact_point_id: int | None = None
    status: str = "completed"  # attempted completed blocked overridden
    pack_version: str | None = None
    violations: Sequence[dict[str, Any]] = ()
    note: str | None = None


def add(session: Session, new: NewContactEvent, *, now: datetime | None = None) -> ContactEvent:
    event = ContactEvent(
        ref=new.ref,
        creditor_id=new.creditor_id,
        borrower_id=new.borrower_id,
        loan_id=new.loan_id,
        debt_refs=list(new.debt_refs),
        at=new.at,
        channel=new.channel,
        party=new.party,
        place=new.place,
        purpose=new.purpose,
        outcome=new.outcome,
        initiated_by=new.initiated_by,
        collector=new.collector,
        contact_point_id=new.contact_point_id,
        status=new.status,
        pack_version=new.pack_version,
        violations=[dict(v) for v in new.violations],
        note=new.note,
        created_at=now or clock.now(),
    )
    session.add(event)
    session.flush()
    return event


def get(session: Session, event_id: int, *, scope: Scope) -> ContactEvent | None:
    stmt = select(ContactEvent).where(ContactEvent.id == event_id)
    return session.scalar(scoped(stmt, ContactEvent, scope))


def get_by_ref(session: Session, ref: str, *, scope: Scope) -> ContactEvent | None:
    stmt = select(ContactEvent).where(ContactEvent.ref == ref)
    return session.scalar(scoped(stmt, ContactEvent, scope))


def history(
    session: Session,
    borrower_id: int,
    *,
    scope: Scope,
    since: datetime | None = None,
    until: datetime | None = None,
    statuses: Sequence[str] | None = None,
) -> list[ContactEvent]:
    """A borrower's contact events in time order, optionally within [since, until)."""
    stmt = select(ContactEvent).where(ContactEvent.borrower_id == borrower_id)
    if since is not None:
        stmt = stmt.where(ContactEvent.at >= since)
    if until is not None:
        stmt = stmt.where(ContactEvent.at < until)
    if statuses is not None:
        stmt = stmt.where(ContactEvent.status.in_(list(statuses)))
    stmt = scoped(stmt, ContactEvent, scope).order_by(ContactEvent.at, ContactEvent.id)
    return list(session.scalars(stmt))


def set_outcome(
    session: Session, event_id: int, outcome: str, *, scope: Scope, status: str = "completed"
) -> ContactEvent | None:
    event = get(session, event_id, scope=scope)
    if event is None:
        return None
    event.outcome = outcome
    event.status = status
    session.flush()
    return event
