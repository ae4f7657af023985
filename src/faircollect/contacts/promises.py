"""Promises to pay (承诺还款) made in a conversation.

A promise is an amount in the loan's currency by a date: from today (the borrower's local
date) up to ``promise.max_days_ahead`` days ahead (creditor setting, default 30). Whether it
was kept is decided when payments are posted or imported and by the daily reconcile
(`faircollect.payments.promises`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from faircollect import audit, clock
from faircollect.money import Money
from faircollect.store.db import Session
from faircollect.store.repositories import creditors as creditors_repo
from faircollect.store.repositories import promises as repo
from faircollect.store.scope import Scope
from faircollect.store.tables import Loan, PromiseToPay

from .errors import Invalid
from .policy import promise_max_days_ahead

__all__ = ["record"]


def record(
    session: Session,
    *,
    loan: Loan,
    amount: Money,
    due_on: date,
    contact_event_id: int | None,
    actor: str,
    now: datetime | None = None,
    tz: str = clock.SHANGHAI,
) -> PromiseToPay:
    at = now or clock.now()
    today = clock.local_date(at, tz)
    creditor = creditors_repo.get(session, loan.creditor_id, scope=Scope.system())
    ahead = promise_max_days_ahead(None if creditor is None else creditor.settings)
    if amount.minor <= 0:
        raise Invalid(
            "invalid_amount",
            "A promise is for a positive amount.",
            "承诺金额须大于零。",
            field="amount",
        )
    if due_on < today or due_on > today + timedelta(days=ahead):
        raise Invalid(
            "invalid_due_on",
            f"The promised date must be between {today} and {today + timedelta(days=ahead)}.",
            f"承诺日期须在 {today} 至 {today + timedelta(days=ahead)} 之间。",
            field="due_on",
        )
    p = repo.add(
        session,
        repo.NewPromise(
            loan_id=loan.id, amount=amount, due_on=due_on, contact_event_id=contact_event_id
        ),
        now=at,
    )
    audit.append(
        session,
        actor=actor,
        action="promise.create",
        entity=f"loan:{loan.ref}",
        payload={
            "promise_id": p.id,
            "amount": amount,
            "due_on": due_on,
            "attempt_id": contact_event_id,
        },
    )
    return p
