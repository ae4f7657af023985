"""Read-only queries behind the portfolio summary (portfolio/summary.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..scope import Scope, scoped
from ..tables import Creditor, Loan

__all__ = ["DelinquencyRow", "LoanTermsRow", "delinquency_rows", "loan_terms"]


class DelinquencyRow(NamedTuple):
    creditor_code: str
    currency: str
    overdue_since: date | None
    loans: int
    outstanding_minor: int


class LoanTermsRow(NamedTuple):
    ref: str
    creditor_code: str
    creditor_settings: dict[str, Any]
    currency: str
    principal_minor: int
    apr: Decimal
    term_months: int
    repayment: str
    originated_on: date
    first_due_on: date
    fee_minor: int
    outstanding_minor: int


def delinquency_rows(session: Session, *, scope: Scope) -> list[DelinquencyRow]:
    """Active loans grouped by creditor, currency and overdue_since (count, outstanding)."""
    lo, c = Loan.__table__, Creditor.__table__
    stmt = (
        select(
            c.c.code,
            lo.c.currency,
            lo.c.overdue_since,
            func.count(),
            func.coalesce(func.sum(lo.c.outstanding_minor), 0),
        )
        .select_from(lo.join(c, c.c.id == lo.c.creditor_id))
        .where(lo.c.status == "active")
        .group_by(c.c.code, lo.c.currency, lo.c.overdue_since)
        .order_by(c.c.code, lo.c.currency, lo.c.overdue_since)
    )
    stmt = scoped(stmt, Loan, scope)
    return [DelinquencyRow(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in session.execute(stmt)]


def loan_terms(session: Session, *, scope: Scope, batch: int = 10_000) -> Iterator[LoanTermsRow]:
    """The contract terms of every active loan (streamed in batches)."""
    lo, c = Loan.__table__, Creditor.__table__
    stmt = (
        select(
            lo.c.ref,
            c.c.code,
            c.c.settings,
            lo.c.currency,
            lo.c.principal_minor,
            lo.c.apr,
            lo.c.term_months,
            lo.c.repayment,
            lo.c.originated_on,
            lo.c.first_due_on,
            lo.c.fee_minor,
            lo.c.outstanding_minor,
        )
        .select_from(lo.join(c, c.c.id == lo.c.creditor_id))
        .where(lo.c.status == "active")
        .order_by(lo.c.id)
    )
    stmt = scoped(stmt, Loan, scope)
    result = session.execute(stmt.execution_options(yield_per=batch))
    for r in result:
        yield LoanTermsRow(*r[:2], r[2] or {}, *r[3:])
