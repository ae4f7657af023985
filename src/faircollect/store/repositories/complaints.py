"""Complaints (the compliance queue of the staff web app). Texts are stored as vault tokens;
the service layer encrypts and decrypts them (`store.pii.COMPLAINT_SUMMARY`, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from ..scope import Scope
from ..tables import Complaint

__all__ = ["NewComplaint", "add", "get", "list_for", "received_since", "update"]


class NewComplaint(NamedTuple):
    creditor_id: int
    source: str
    category: str
    summary_enc: str
    received_at: datetime
    due_at: datetime
    created_by: str
    loan_id: int | None = None
    borrower_id: int | None = None


def _scope_clause(scope: Scope) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = true()
    if scope.creditor_ids is not None:
        if not scope.creditor_ids:
            return false()
        clause = clause & Complaint.creditor_id.in_(sorted(scope.creditor_ids))
    if scope.borrower_id is not None:
        clause = clause & (Complaint.borrower_id == scope.borrower_id)
    return clause


def add(session: Session, new: NewComplaint, *, now: datetime) -> Complaint:
    row = Complaint(
        creditor_id=new.creditor_id,
        loan_id=new.loan_id,
        borrower_id=new.borrower_id,
        source=new.source,
        category=new.category,
        summary_enc=new.summary_enc,
        status="open",
        received_at=new.received_at,
        due_at=new.due_at,
        created_by=new.created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get(
    session: Session, complaint_id: int, *, scope: Scope, for_update: bool = False
) -> Complaint | None:
    stmt = select(Complaint).where(Complaint.id == complaint_id, _scope_clause(scope))
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def list_for(
    session: Session,
    *,
    scope: Scope,
    statuses: Sequence[str] | None = None,
    limit: int = 200,
) -> list[Complaint]:
    """Complaints in the scope, the most urgent (earliest deadline) first."""
    stmt = select(Complaint).where(_scope_clause(scope))
    if statuses:
        stmt = stmt.where(Complaint.status.in_(list(statuses)))
    stmt = stmt.order_by(Complaint.due_at, Complaint.id).limit(limit)
    return list(session.scalars(stmt))


def received_since(session: Session, since: datetime, *, scope: Scope) -> list[Complaint]:
    stmt = (
        select(Complaint)
        .where(_scope_clause(scope), Complaint.received_at >= since)
        .order_by(Complaint.received_at)
    )
    return list(session.scalars(stmt))


def update(
    session: Session,
    row: Complaint,
    *,
    status: str,
    now: datetime,
    resolution_enc: str | None = None,
    resolved_by: str | None = None,
) -> Complaint:
    row.status = status
    row.updated_at = now
    if status == "resolved":
        row.resolved_at = now
        row.resolved_by = resolved_by
        row.resolution_enc = resolution_enc
    else:
        row.resolved_at = None
        row.resolved_by = None
        if resolution_enc is not None:
            row.resolution_enc = resolution_enc
    session.flush()
    return row
