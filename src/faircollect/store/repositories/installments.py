"""The contractual schedule of a loan."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from faircollect.money import CurrencyMismatch, Money

from ..scope import Scope, scoped
from ..tables import Installment, Loan

__all__ = ["NewInstallment", "add_schedule", "list_for_loan"]


class NewInstallment(NamedTuple):
    seq: int
    due_on: date
    principal: Money
    interest: Money
    fee: Money | None = None


def add_schedule(
    session: Session, loan_id: int, rows: Iterable[NewInstallment]
) -> list[Installment]:
    """Add installments to a loan; every amount must be in the loan's currency."""
    currency = session.scalar(select(Loan.currency).where(Loan.id == loan_id))
    if currency is None:
        raise LookupError(f"no loan with id {loan_id}")
    out: list[Installment] = []
    for r in rows:
        for m in (r.principal, r.interest, r.fee):
            if m is not None and m.currency != currency:
                raise CurrencyMismatch(currency, m.currency)
        out.append(
            Installment(
                loan_id=loan_id,
                seq=r.seq,
                due_on=r.due_on,
                principal_minor=r.principal.minor,
                interest_minor=r.interest.minor,
                fee_minor=0 if r.fee is None else r.fee.minor,
                paid_principal_minor=0,
                paid_interest_minor=0,
                paid_fee_minor=0,
                paid_penalty_minor=0,
            )
        )
    session.add_all(out)
    session.flush()
    return out


def list_for_loan(session: Session, loan_id: int, *, scope: Scope) -> list[Installment]:
    stmt = scoped(select(Installment).where(Installment.loan_id == loan_id), Installment, scope)
    return list(session.scalars(stmt.order_by(Installment.seq)))
