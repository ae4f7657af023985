"""Loans. `get_by_ref` is how the API addresses a loan: outside the scope it is None."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from faircollect import clock
from faircollect.money import CurrencyMismatch, Money

from ..scope import Scope, scoped
from ..tables import Loan

__all__ = ["NewLoan", "add", "get", "get_by_ref", "list_for_borrower", "principal"]


class NewLoan(NamedTuple):
    ref: str
    creditor_id: int
    borrower_id: int
    principal: Money
    apr: Decimal  # percent
    originated_on: date
    term_months: int
    repayment: str  # equal_installment equal_principal bullet
    first_due_on: date
    fee: Money | None = None  # deducted at disbursement
    product: str = ""


def add(session: Session, new: NewLoan, *, now: datetime | None = None) -> Loan:
    at = now or clock.now()
    currency = new.principal.currency
    if new.fee is not None and new.fee.currency != currency:
        raise CurrencyMismatch(currency, new.fee.currency)
    loan = Loan(
        ref=new.ref,
        creditor_id=new.creditor_id,
        borrower_id=new.borrower_id,
        product=new.product,
        currency=currency,
        principal_minor=new.principal.minor,
        apr=new.apr,
        originated_on=new.originated_on,
        term_months=new.term_months,
        repayment=new.repayment,
        first_due_on=new.first_due_on,
        fee_minor=0 if new.fee is None else new.fee.minor,
        status="active",
        outstanding_minor=0,
        paid_minor=0,
        created_at=at,
        updated_at=at,
    )
    session.add(loan)
    session.flush()
    return loan


def get(session: Session, loan_id: int, *, scope: Scope, for_update: bool = False) -> Loan | None:
    stmt = scoped(select(Loan).where(Loan.id == loan_id), Loan, scope)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def get_by_ref(
    session: Session, ref: str, *, scope: Scope, for_update: bool = False
) -> Loan | None:
    """The loan with this ref if the scope may see it, else None (never reveals existence)."""
    stmt = scoped(select(Loan).where(Loan.ref == ref), Loan, scope)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def list_for_borrower(session: Session, borrower_id: int, *, scope: Scope) -> list[Loan]:
    stmt = scoped(select(Loan).where(Loan.borrower_id == borrower_id), Loan, scope)
    return list(session.scalars(stmt.order_by(Loan.originated_on, Loan.id)))


def principal(loan: Loan) -> Money:
    return Money(loan.principal_minor, loan.currency)
