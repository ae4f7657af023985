"""Payments received on loans."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from faircollect import clock
from faircollect.money import CurrencyMismatch, Money

from ..scope import Scope, scoped
from ..tables import Loan, Payment

__all__ = ["NewPayment", "add", "amount", "get_by_ref", "list_for_loan"]


class NewPayment(NamedTuple):
    ref: str
    loan_id: int
    paid_at: datetime
    amount: Money
    channel: str = ""
    allocation: Mapping[str, int] | None = None  # minor units per component


def add(session: Session, new: NewPayment, *, now: datetime | None = None) -> Payment:
    currency = session.scalar(select(Loan.currency).where(Loan.id == new.loan_id))
    if currency is None:
        raise LookupError(f"no loan with id {new.loan_id}")
    if new.amount.currency != currency:
        raise CurrencyMismatch(currency, new.amount.currency)
    payment = Payment(
        ref=new.ref,
        loan_id=new.loan_id,
        paid_at=new.paid_at,
        amount_minor=new.amount.minor,
        currency=currency,
        channel=new.channel,
        allocation=dict(new.allocation or {}),
        created_at=now or clock.now(),
    )
    session.add(payment)
    session.flush()
    return payment


def get_by_ref(session: Session, ref: str, *, scope: Scope) -> Payment | None:
    return session.scalar(scoped(select(Payment).where(Payment.ref == ref), Payment, scope))


def list_for_loan(session: Session, loan_id: int, *, scope: Scope) -> list[Payment]:
    stmt = scoped(select(Payment).where(Payment.loan_id == loan_id), Payment, scope)
    return list(session.scalars(stmt.order_by(Payment.paid_at, Payment.id)))


def amount(payment: Payment) -> Money:
    return Money(payment.amount_minor, payment.currency)
