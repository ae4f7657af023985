"""The contact gate's queries (the hot path of every contact attempt).

`lock_borrower` serialises attempts on one debtor: ``SELECT ... FOR UPDATE`` on PostgreSQL
(a transaction that waits for the lock then reads the history as committed by the previous
holder: READ COMMITTED takes a fresh snapshot per statement); on SQLite the caller's
``BEGIN IMMEDIATE`` already holds the database write lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..scope import Scope, scoped
from ..tables import Borrower, ContactEvent, ContactPoint, Creditor, Loan

__all__ = [
    "CONTACT_STATUSES",
    "HistoryRow",
    "bump_lock_version",
    "contact_points",
    "history_rows",
    "loan_and_creditor",
    "loans_of_borrower",
    "lock_borrower",
    "lock_borrower_of_loan",
]

#: statuses of contact events that are contacts (a blocked attempt never happened)
CONTACT_STATUSES = ("attempted", "completed", "overridden")


class HistoryRow(NamedTuple):
    id: int
    at: datetime
    channel: str
    party: str
    debt_refs: Any
    outcome: str | None
    initiated_by: str
    contact_point_id: int | None
    place: str | None
    purpose: str | None


def loan_and_creditor(
    session: Session, loan_ref: str, *, scope: Scope
) -> tuple[Loan, Creditor] | None:
    stmt = scoped(
        select(Loan, Creditor)
        .join(Creditor, Creditor.id == Loan.creditor_id)
        .where(Loan.ref == loan_ref),
        Loan,
        scope,
    )
    row = session.execute(stmt.execution_options(populate_existing=True)).first()
    return None if row is None else (row[0], row[1])


def lock_borrower_of_loan(session: Session, loan_ref: str, *, scope: Scope) -> Borrower | None:
    """The borrower of the loan `loan_ref` (None outside the scope), locked (PostgreSQL:
    ``FOR UPDATE OF borrowers``)."""
    stmt = scoped(
        select(Borrower).join(Loan, Loan.borrower_id == Borrower.id).where(Loan.ref == loan_ref),
        Loan,
        scope,
    )
    stmt = stmt.with_for_update(of=Borrower).execution_options(populate_existing=True)
    return session.scalar(stmt)


def lock_borrower(session: Session, borrower_id: int) -> Borrower:
    stmt = (
        select(Borrower)
        .where(Borrower.id == borrower_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = session.scalar(stmt)
    if found is None:
        raise LookupError(f"no borrower with id {borrower_id}")
    return found


def bump_lock_version(session: Session, borrower_id: int, now: datetime) -> None:
    session.execute(
        update(Borrower)
        .where(Borrower.id == borrower_id)
        .values(lock_version=Borrower.lock_version + 1)
        .execution_options(synchronize_session=False)
    )


def contact_points(session: Session, borrower_id: int) -> list[ContactPoint]:
    stmt = (
        select(ContactPoint)
        .where(ContactPoint.borrower_id == borrower_id)
        .order_by(ContactPoint.id)
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(stmt))


def loans_of_borrower(session: Session, borrower_id: int) -> list[Loan]:
    stmt = select(Loan).where(Loan.borrower_id == borrower_id).order_by(Loan.id)
    return list(session.scalars(stmt))


def history_rows(
    session: Session,
    borrower_id: int,
    *,
    now: datetime,
    since: datetime | None,
    sticky_outcomes: Sequence[str] = (),
) -> list[HistoryRow]:
    """A borrower's contacts up to `now`, in time order: every one since `since` (None: all)
    and, before it, those the "ever" rules read: contacts with an outcome in
    `sticky_outcomes`, contacts the consumer initiated, and everything from the consumer's
    latest own contact on (the one-reply exception counts what we sent after it)."""
    ce = ContactEvent
    stmt = select(
        ce.id,
        ce.at,
        ce.channel,
        ce.party,
        ce.debt_refs,
        ce.outcome,
        ce.initiated_by,
        ce.contact_point_id,
        ce.place,
        ce.purpose,
    ).where(
        ce.borrower_id == borrower_id,
        ce.status.in_(CONTACT_STATUSES),
        ce.at <= now,
    )
    if since is not None:
        last_consumer = (
            select(func.max(ce.at))
            .where(ce.borrower_id == borrower_id, ce.initiated_by == "consumer")
            .scalar_subquery()
        )
        stmt = stmt.where(
            or_(
                ce.at >= since,
                ce.outcome.in_(list(sticky_outcomes)),
                ce.initiated_by == "consumer",
                ce.at >= last_consumer,
            )
        )
    stmt = stmt.order_by(ce.at, ce.id)
    return [HistoryRow(*r) for r in session.execute(stmt)]
