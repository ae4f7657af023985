"""Promises to pay: kept or broken.

`judge` is the rule (pure): promises are taken in due-date order; each counts the payments made
at or after the moment it was made and dated (local date) no later than ``due_on +
grace_days``, each payment counting once across promises (what an earlier promise used is not
counted again). A promise is KEPT when its payments reach the required amount (the promised
amount minus the creditor's tolerance), at the time of the payment that completed it; BROKEN
when ``due_on + grace_days`` is past (before today) without that; otherwise still OPEN.
Kept and broken are final.

`reconcile_loan` applies it to one loan under the loan's lock (called when a payment is
posted, and by the importer's caller after an import); `reconcile_due` is the daily job
(`faircollect promises reconcile`): every loan with an open promise past its date.
`broken_counts` is what the strategy reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from faircollect import audit, clock
from faircollect.money import Money
from faircollect.store.db import Database, Session
from faircollect.store.repositories import creditors as creditors_repo
from faircollect.store.repositories import loans as loans_repo
from faircollect.store.repositories import payments as payments_repo
from faircollect.store.repositories import promises as repo
from faircollect.store.scope import Scope
from faircollect.store.tables import Loan

from . import policy as pol

__all__ = [
    "PaymentIn",
    "PromiseIn",
    "ReconcileResult",
    "Verdict",
    "broken_counts",
    "judge",
    "reconcile_due",
    "reconcile_loan",
    "reconcile_loans",
    "reconcile_open",
]

SYSTEM = Scope.system()


class PromiseIn(NamedTuple):
    id: int
    amount_minor: int
    due_on: date
    made_at: datetime
    status: str  # open kept broken


class PaymentIn(NamedTuple):
    paid_at: datetime
    paid_on: date  # local date
    amount_minor: int


class Verdict(NamedTuple):
    promise_id: int
    status: str  # open kept broken
    paid_minor: int  # counted toward it
    resolved_at: datetime | None


def judge(
    promises: Sequence[PromiseIn],
    payments: Sequence[PaymentIn],
    *,
    today: date,
    now: datetime,
    policy: pol.PromisePolicy,
    currency: str,
) -> list[Verdict]:
    pays = sorted(payments, key=lambda p: p.paid_at)
    left = [p.amount_minor for p in pays]
    out: list[Verdict] = []
    for pr in sorted(promises, key=lambda p: (p.due_on, p.id)):
        last_day = pr.due_on + timedelta(days=policy.grace_days)
        need = policy.required(Money(pr.amount_minor, currency)).minor
        if pr.status == "broken":
            out.append(Verdict(pr.id, "broken", 0, None))
            continue
        got = 0
        done_at: datetime | None = None
        for i, p in enumerate(pays):
            if got >= need:
                break
            if left[i] <= 0 or p.paid_at < pr.made_at or p.paid_on > last_day:
                continue
            take = min(left[i], need - got)
            left[i] -= take
            got += take
            if got >= need:
                done_at = p.paid_at
        if pr.status == "kept" or got >= need:
            out.append(Verdict(pr.id, "kept", got, done_at))
        elif today > last_day:
            out.append(Verdict(pr.id, "broken", got, now))
        else:
            out.append(Verdict(pr.id, "open", got, None))
    return out


class ReconcileResult(NamedTuple):
    kept: tuple[int, ...] = ()
    broken: tuple[int, ...] = ()
    loans: int = 0

    def __add__(self, o: object) -> ReconcileResult:  # type: ignore[override]
        assert isinstance(o, ReconcileResult)
        return ReconcileResult(self.kept + o.kept, self.broken + o.broken, self.loans + o.loans)

    def to_json(self) -> dict[str, Any]:
        return {"loans": self.loans, "kept": len(self.kept), "broken": len(self.broken)}


def reconcile_loan(
    session: Session,
    loan: Loan,
    *,
    actor: str,
    now: datetime | None = None,
    today: date | None = None,
) -> ReconcileResult:
    """Decide the loan's open promises (the caller holds the loan row locked, or accepts that
    two reconciles of one loan serialise on the promise rows)."""
    at = now or clock.now()
    creditor = creditors_repo.get(session, loan.creditor_id, scope=SYSTEM)
    settings = None if creditor is None else creditor.settings
    tz = pol.timezone(settings)
    rows = repo.for_loan_locked(session, loan.id)
    if not any(r.status == "open" for r in rows):
        return ReconcileResult(loans=1)
    pays = [
        PaymentIn(p.paid_at, clock.local_date(p.paid_at, tz), p.amount_minor)
        for p in payments_repo.list_for_loan(session, loan.id, scope=SYSTEM)
    ]
    verdicts = judge(
        [PromiseIn(r.id, r.amount_minor, r.due_on, r.created_at, r.status) for r in rows],
        pays,
        today=today or clock.local_date(at, tz),
        now=at,
        policy=pol.promise_policy(settings, loan.currency),
        currency=loan.currency,
    )
    by_id = {r.id: r for r in rows}
    kept: list[int] = []
    broken: list[int] = []
    for v in verdicts:
        row = by_id[v.promise_id]
        if row.status != "open" or v.status == "open":
            continue
        repo.resolve(session, row.id, v.status, scope=SYSTEM, at=v.resolved_at or at)
        (kept if v.status == "kept" else broken).append(row.id)
        audit.append(
            session,
            actor=actor,
            action=f"promise.{v.status}",
            entity=f"loan:{loan.ref}",
            payload={
                "promise_id": row.id,
                "amount": Money(row.amount_minor, row.currency),
                "due_on": row.due_on,
                "paid_toward": Money(v.paid_minor, row.currency),
            },
        )
    return ReconcileResult(tuple(kept), tuple(broken), 1)


def reconcile_loans(
    session: Session,
    loan_ids: Sequence[int],
    *,
    actor: str,
    now: datetime | None = None,
    today: date | None = None,
) -> ReconcileResult:
    """Reconcile several loans (e.g. the loans an import added payments to)."""
    total = ReconcileResult()
    for lid in sorted(set(loan_ids)):
        loan = loans_repo.get(session, lid, scope=SYSTEM, for_update=True)
        if loan is not None:
            total = total + reconcile_loan(session, loan, actor=actor, now=now, today=today)
    return total


def reconcile_due(
    db: Database,
    *,
    as_of: date | None = None,
    actor: str = "system:promises",
    now: datetime | None = None,
    scope: Scope = SYSTEM,
    chunk: int = 200,
) -> ReconcileResult:
    """The daily job: every loan with an open promise due before `as_of` (default: today in
    Asia/Shanghai) is reconciled, in chunks of `chunk` loans per transaction."""
    at = now or clock.now()
    day = as_of or clock.local_date(at, clock.SHANGHAI)
    with db.transaction() as s:
        ids = repo.loans_with_open_due_before(s, day, scope=scope)
    total = ReconcileResult()
    for i in range(0, len(ids), chunk):
        with db.transaction(immediate=True) as s:
            total = total + reconcile_loans(s, ids[i : i + chunk], actor=actor, now=at, today=as_of)
    return total


def reconcile_open(
    db: Database,
    *,
    actor: str = "system:promises",
    now: datetime | None = None,
    scope: Scope = SYSTEM,
    chunk: int = 200,
) -> ReconcileResult:
    """Reconcile every loan with an open promise (kept ones are found whatever their date):
    what the importer's caller runs after an import added payments."""
    at = now or clock.now()
    with db.transaction() as s:
        ids = repo.loans_with_open_due_before(s, date.max, scope=scope)
    total = ReconcileResult()
    for i in range(0, len(ids), chunk):
        with db.transaction(immediate=True) as s:
            total = total + reconcile_loans(s, ids[i : i + chunk], actor=actor, now=at)
    return total


def broken_counts(
    session: Session, *, days: int, as_of: date | None = None, scope: Scope = SYSTEM
) -> dict[int, int]:
    """Loan id -> promises broken among those due in the last `days` days up to `as_of`."""
    day = as_of or clock.today()
    return repo.broken_counts(
        session, since=day - timedelta(days=max(days - 1, 0)), until=day, scope=scope
    )
