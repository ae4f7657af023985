"""Promises to pay (承诺还款)."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from faircollect import clock
from faircollect.money import CurrencyMismatch, Money

from ..scope import Scope, scoped
from ..tables import Loan, PromiseToPay

__all__ = [
    "NewPromise",
    "add",
    "amount",
    "broken_counts",
    "for_loan_locked",
    "get",
    "list_for_loan",
    "loans_with_open_due_before",
    "open_due_by",
    "resolve",
]

STATUSES = frozenset({"open", "kept", "broken", "cancelled"})


class NewPromise(NamedTuple):
    loan_id: int
    amount: Money
    due_on: date
    contact_event_id: int | None = None


def add(session: Session, new: NewPromise, *, now: datetime | None = None) -> PromiseToPay:
    currency = session.scalar(select(Loan.currency).where(Loan.id == new.loan_id))
    if currency is None:
        raise LookupError(f"no loan with id {new.loan_id}")
    if new.amount.currency != currency:
        raise CurrencyMismatch(currency, new.amount.currency)
    promise = PromiseToPay(
        loan_id=new.loan_id,
        contact_event_id=new.contact_event_id,
        amount_minor=new.amount.minor,
        currency=currency,
        due_on=new.due_on,
        status="open",
        created_at=now or clock.now(),
    )
    session.add(promise)
    session.flush()
    return promise


def get(session: Session, promise_id: int, *, scope: Scope) -> PromiseToPay | None:
    stmt = select(PromiseToPay).where(PromiseToPay.id == promise_id)
    return session.scalar(scoped(stmt, PromiseToPay, scope))


def list_for_loan(
    session: Session, loan_id: int, *, scope: Scope, status: str | None = None
) -> list[PromiseToPay]:
    stmt = select(PromiseToPay).where(PromiseToPay.loan_id == loan_id)
    if status is not None:
        stmt = stmt.where(PromiseToPay.status == status)
    stmt = scoped(stmt, PromiseToPay, scope).order_by(PromiseToPay.due_on, PromiseToPay.id)
    return list(session.scalars(stmt))


def open_due_by(session: Session, day: date, *, scope: Scope) -> list[PromiseToPay]:
    """Open promises due on or before `day` (the nightly kept/broken check)."""
    stmt = select(PromiseToPay).where(PromiseToPay.status == "open", PromiseToPay.due_on <= day)
    stmt = scoped(stmt, PromiseToPay, scope).order_by(PromiseToPay.due_on, PromiseToPay.id)
    return list(session.scalars(stmt))


def resolve(
    session: Session, promise_id: int, status: str, *, scope: Scope, at: datetime | None = None
) -> PromiseToPay | None:
    """Mark a promise kept / broken / cancelled (None when not found in scope)."""
    if status not in STATUSES - {"open"}:
        raise ValueError(f"invalid promise status {status!r}")
    promise = get(session, promise_id, scope=scope)
    if promise is None:
        return None
    promise.status = status
    promise.resolved_at = at or clock.now()
    session.flush()
    return promise


def amount(promise: PromiseToPay) -> Money:
    return Money(promise.amount_minor, promise.currency)


def for_loan_locked(session: Session, loan_id: int) -> list[PromiseToPay]:
    """Every promise of a loan but cancelled ones, by due date, locked for update (the caller
    holds the loan's lock: kept/broken are decided under it)."""
    stmt = (
        select(PromiseToPay)
        .where(PromiseToPay.loan_id == loan_id, PromiseToPay.status != "cancelled")
        .order_by(PromiseToPay.due_on, PromiseToPay.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(stmt))


def loans_with_open_due_before(session: Session, day: date, *, scope: Scope) -> list[int]:
    """Ids of loans with an open promise due before `day` (the daily reconcile)."""
    stmt = select(PromiseToPay.loan_id).where(
        PromiseToPay.status == "open", PromiseToPay.due_on < day
    )
    stmt = scoped(stmt, PromiseToPay, scope).distinct().order_by(PromiseToPay.loan_id)
    return [int(x) for x in session.scalars(stmt)]


def broken_counts(
    session: Session, *, since: date, until: date | None = None, scope: Scope
) -> dict[int, int]:
    """Broken promises per loan id, for promises due in [since, until] (the strategy reads
    "promises broken in the last N days")."""
    stmt = select(PromiseToPay.loan_id, func.count()).where(
        PromiseToPay.status == "broken", PromiseToPay.due_on >= since
    )
    if until is not None:
        stmt = stmt.where(PromiseToPay.due_on <= until)
    stmt = scoped(stmt, PromiseToPay, scope).group_by(PromiseToPay.loan_id)
    return {int(lid): int(n) for lid, n in session.execute(stmt)}
