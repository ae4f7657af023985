"""Posting a payment: store it, replay the loan through the creditor's waterfall, refresh the
cached state (installments' paid amounts and settlement dates, each payment's allocation, the
loan's outstanding, paid, overdue_since and status) and decide promises to pay, in the
caller's transaction, under the loan's row lock, with one audit event.

    with db.transaction(immediate=True) as s:
        r = posting.post_payment(s, scope=scope, actor="user:li", loan_ref="L1",
                                 payment_ref="P9", amount="300.00", paid_at=...)

A payment ref is unique across the installation: posting the same ref again with the same
loan, amount and time returns the first result (``replayed``); anything else is a conflict.
`refresh_loan` is the replay alone (for a loan whose payments changed by other means).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from faircollect import audit, clock
from faircollect.domain.delinquency import bucket_for, replay_rows
from faircollect.money import Money, MoneyError
from faircollect.store.db import Session
from faircollect.store.repositories import creditors as creditors_repo
from faircollect.store.repositories import installments as installments_repo
from faircollect.store.repositories import loans as loans_repo
from faircollect.store.repositories import payments as repo
from faircollect.store.scope import Scope
from faircollect.store.tables import Loan, Payment

from . import policy as pol
from . import promises
from .errors import Conflict, Invalid, NotFound

__all__ = ["COMPONENTS", "LoanSnapshot", "PostResult", "post_payment", "refresh_loan"]

SYSTEM = Scope.system()
COMPONENTS = ("fee", "penalty", "interest", "principal")
MAX_CLOCK_SKEW = timedelta(minutes=5)


class LoanSnapshot(NamedTuple):
    outstanding: Money
    paid: Money
    overdue_since: date | None
    days_past_due: int
    bucket: str
    status: str


class PostResult(NamedTuple):
    payment_id: int
    payment_ref: str
    loan_ref: str
    amount: Money
    paid_at: datetime
    allocation: dict[str, int]
    loan: LoanSnapshot
    promises_kept: tuple[int, ...] = ()
    promises_broken: tuple[int, ...] = ()
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        cur = self.amount.currency
        return {
            "payment_ref": self.payment_ref,
            "loan_ref": self.loan_ref,
            "amount": self.amount.amount_str(),
            "currency": cur,
            "paid_at": self.paid_at.isoformat(),
            "allocation": {k: Money(v, cur).amount_str() for k, v in self.allocation.items()},
            "loan": {
                "outstanding": self.loan.outstanding.amount_str(),
                "paid": self.loan.paid.amount_str(),
                "overdue_since": None
                if self.loan.overdue_since is None
                else self.loan.overdue_since.isoformat(),
                "days_past_due": self.loan.days_past_due,
                "bucket": self.loan.bucket,
                "status": self.loan.status,
            },
            "promises_kept": list(self.promises_kept),
            "promises_broken": list(self.promises_broken),
            "replayed": self.replayed,
        }


def refresh_loan(session: Session, loan: Loan, *, now: datetime | None = None) -> LoanSnapshot:
    """Replay every payment of the loan (as of today in the creditor's zone) and write the
    derived state. The caller holds the loan row locked."""
    at = now or clock.now()
    creditor = creditors_repo.get(session, loan.creditor_id, scope=SYSTEM)
    settings = None if creditor is None else creditor.settings
    policy = pol.replay_policy(settings)
    tz = pol.timezone(settings)
    today = clock.local_date(at, tz)
    inst = installments_repo.list_for_loan(session, loan.id, scope=SYSTEM)
    pays = repo.list_for_loan(session, loan.id, scope=SYSTEM)
    r = replay_rows(
        [(i.seq, i.due_on, i.principal_minor, i.interest_minor) for i in inst],
        [(p.paid_at, p.amount_minor) for p in pays],
        today,
        capped_penalty_rate=policy.capped_rate(loan.apr, loan.originated_on),
        waterfall=policy.waterfall,
        tz=tz,
    )
    for row, paid, settled in zip(inst, r.paid_by_installment, r.settled_on, strict=True):
        row.paid_fee_minor = paid.fee
        row.paid_penalty_minor = paid.penalty
        row.paid_interest_minor = paid.interest
        row.paid_principal_minor = paid.principal
        row.settled_on = settled
    for p, a in zip(pays, getattr(r, "payment_allocations", ()) or (), strict=False):
        p.allocation = {**{c: int(getattr(a, c)) for c in COMPONENTS}, "unapplied": a.unapplied}
    loan.outstanding_minor = r.outstanding_minor
    loan.paid_minor = r.paid_minor
    loan.overdue_since = r.overdue_since
    if loan.status in ("active", "settled"):
        loan.status = "active" if r.outstanding_minor > 0 else "settled"
    loan.updated_at = at
    session.flush()
    dpd = 0 if r.overdue_since is None else (today - r.overdue_since).days
    cur = loan.currency
    return LoanSnapshot(
        Money(r.outstanding_minor, cur),
        Money(r.paid_minor, cur),
        r.overdue_since,
        dpd,
        bucket_for(dpd),
        loan.status,
    )


def _allocation(p: Payment) -> dict[str, int]:
    return {k: int(v) for k, v in (p.allocation or {}).items()}


def post_payment(
    session: Session,
    *,
    scope: Scope,
    actor: str,
    loan_ref: str,
    payment_ref: str,
    amount: Money | str,
    paid_at: datetime,
    channel: str = "",
    now: datetime | None = None,
) -> PostResult:
    at = now or clock.now()
    if not payment_ref or len(payment_ref) > 64:
        raise Invalid(
            "invalid_payment_ref",
            "A payment ref is 1-64 characters.",
            "付款编号为 1-64 个字符。",
            field="payment_ref",
        )
    if paid_at.tzinfo is None or paid_at.utcoffset() is None:
        raise Invalid(
            "naive_paid_at",
            "paid_at needs a time zone offset.",
            "paid_at 须带时区偏移。",
            field="paid_at",
        )
    if paid_at > at + MAX_CLOCK_SKEW:
        raise Invalid(
            "future_payment",
            "A payment cannot be dated in the future.",
            "付款时间不能晚于当前时间。",
            field="paid_at",
        )
    loan = loans_repo.get_by_ref(session, loan_ref, scope=scope, for_update=True)
    if loan is None:
        raise NotFound("loan_not_found", f"No loan {loan_ref}.", f"没有贷款 {loan_ref}。")
    try:
        money = amount if isinstance(amount, Money) else Money.parse(str(amount), loan.currency)
    except MoneyError as e:
        raise Invalid(
            "invalid_amount", f"Invalid amount: {e}.", f"金额无效：{e}。", field="amount"
        ) from None
    if money.currency != loan.currency:
        raise Invalid(
            "currency_mismatch",
            f"This loan is in {loan.currency}.",
            f"该贷款币种为 {loan.currency}。",
            field="amount",
        )
    if money.minor <= 0:
        raise Invalid(
            "invalid_amount",
            "A payment is a positive amount.",
            "付款金额须大于零。",
            field="amount",
        )
    existing = repo.get_by_ref(session, payment_ref, scope=SYSTEM)
    if existing is not None:
        same = (
            existing.loan_id == loan.id
            and existing.amount_minor == money.minor
            and existing.paid_at == paid_at
        )
        if not same:
            raise Conflict(
                "payment_ref_taken",
                f"Payment {payment_ref} exists with other data.",
                f"付款 {payment_ref} 已存在且内容不同。",
            )
        snap = _snapshot(loan, at, session)
        return PostResult(
            existing.id,
            existing.ref,
            loan.ref,
            money,
            existing.paid_at,
            _allocation(existing),
            snap,
            replayed=True,
        )
    payment = repo.add(
        session,
        repo.NewPayment(
            ref=payment_ref, loan_id=loan.id, paid_at=paid_at, amount=money, channel=channel[:32]
        ),
        now=at,
    )
    snap = refresh_loan(session, loan, now=at)
    rec = promises.reconcile_loan(session, loan, actor=actor, now=at)
    audit.append(
        session,
        actor=actor,
        action="payment.post",
        entity=f"loan:{loan.ref}",
        payload={
            "payment_ref": payment_ref,
            "amount": money,
            "paid_at": paid_at,
            "channel": channel,
            "allocation": _allocation(payment),
            "outstanding": snap.outstanding,
            "overdue_since": snap.overdue_since,
            "status": snap.status,
            "promises_kept": list(rec.kept),
            "promises_broken": list(rec.broken),
        },
    )
    return PostResult(
        payment.id,
        payment.ref,
        loan.ref,
        money,
        paid_at,
        _allocation(payment),
        snap,
        rec.kept,
        rec.broken,
    )


def _snapshot(loan: Loan, at: datetime, session: Session) -> LoanSnapshot:
    creditor = creditors_repo.get(session, loan.creditor_id, scope=SYSTEM)
    today = clock.local_date(at, pol.timezone(None if creditor is None else creditor.settings))
    dpd = 0 if loan.overdue_since is None else max((today - loan.overdue_since).days, 0)
    cur = loan.currency
    return LoanSnapshot(
        Money(loan.outstanding_minor, cur),
        Money(loan.paid_minor, cur),
        loan.overdue_since,
        dpd,
        bucket_for(dpd),
        loan.status,
    )
