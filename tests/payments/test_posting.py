"""Posting a payment: replay, cached state, allocation, idempotency, promises."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from faircollect.domain.delinquency import replay_rows
from faircollect.money import Money
from faircollect.payments import posting, promises
from faircollect.payments.errors import Conflict, Invalid, NotFound
from faircollect.store.repositories import promises as promises_repo
from faircollect.store.scope import Scope
from faircollect.store.tables import AuditEvent, Installment, Loan, Payment, PromiseToPay

SYSTEM = Scope.system()
NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def post(db, d, ref, amount, paid_at=NOW, scope=SYSTEM, now=NOW):
    with db.transaction(immediate=True) as s:
        return posting.post_payment(
            s,
            scope=scope,
            actor="user:ops",
            loan_ref=d.loan_ref,
            payment_ref=ref,
            amount=amount,
            paid_at=paid_at,
            now=now,
        )


def add_promise(db, d, amount, due_on, made_at=NOW - timedelta(days=1)):
    with db.transaction() as s:
        p = promises_repo.add(
            s,
            promises_repo.NewPromise(
                loan_id=d.loan_id, amount=Money.parse(amount, "CNY"), due_on=due_on
            ),
            now=made_at,
        )
        return p.id


def test_post_replays_and_caches_state(db, make):
    d = make()
    with db.transaction() as s:
        rows = [
            (i.seq, i.due_on, i.principal_minor, i.interest_minor)
            for i in s.scalars(select(Installment).order_by(Installment.seq))
        ]
    r = post(db, d, "P1", "500.00", paid_at=datetime(2026, 1, 10, 2, tzinfo=UTC))
    expected = replay_rows(rows, [(datetime(2026, 1, 10, 2, tzinfo=UTC), 50000)], date(2026, 3, 4))
    assert r.loan.outstanding.minor == expected.outstanding_minor
    assert r.loan.overdue_since == expected.overdue_since
    assert sum(v for k, v in r.allocation.items() if k != "unapplied") == 50000
    with db.transaction() as s:
        loan = s.get(Loan, d.loan_id)
        assert (loan.outstanding_minor, loan.paid_minor) == (expected.outstanding_minor, 50000)
        inst = s.scalars(select(Installment).order_by(Installment.seq)).all()
        assert [(i.paid_interest_minor, i.paid_principal_minor) for i in inst] == [
            (p.interest, p.principal) for p in expected.paid_by_installment
        ]
        a = s.scalars(select(AuditEvent).where(AuditEvent.action == "payment.post")).one()
        assert a.payload["payment_ref"] == "P1"


def test_settling_payment_and_overpayment(db, make):
    d = make()
    with db.transaction() as s:
        owed = s.get(Loan, d.loan_id).outstanding_minor
    r = post(db, d, "P1", Money(owed + 100, "CNY"))
    assert r.loan.status == "settled" and r.loan.outstanding.minor == 0
    assert r.allocation["unapplied"] == 100 and r.loan.days_past_due == 0


def test_idempotent_ref_and_conflicts(db, make):
    d = make()
    a = post(db, d, "P1", "100.00")
    b = post(db, d, "P1", "100.00")
    assert b.replayed and b.payment_id == a.payment_id
    with pytest.raises(Conflict):
        post(db, d, "P1", "200.00")
    with pytest.raises(Invalid):
        post(db, d, "P2", "-5.00")
    with pytest.raises(Invalid):
        post(db, d, "P3", "1.001")
    with pytest.raises(Invalid):
        post(db, d, "P4", "10.00", paid_at=NOW + timedelta(days=1))
    other = make(code="OTHER", ref="B9", phone="13900009999")
    with pytest.raises(NotFound):
        post(db, d, "P5", "10.00", scope=Scope.for_creditors([other.creditor_id]))
    with db.transaction() as s:
        assert len(s.scalars(select(Payment)).all()) == 1


def test_promise_kept_by_payment(db, make):
    d = make()
    pid = add_promise(db, d, "300.00", date(2026, 3, 10))
    r1 = post(db, d, "P1", "200.00")
    assert r1.promises_kept == ()
    r2 = post(db, d, "P2", "100.00", paid_at=NOW + timedelta(hours=1), now=NOW + timedelta(hours=1))
    assert r2.promises_kept == (pid,)
    with db.transaction() as s:
        p = s.get(PromiseToPay, pid)
        assert p.status == "kept" and p.resolved_at == NOW + timedelta(hours=1)


def test_payment_before_the_promise_does_not_count(db, make):
    d = make()
    post(db, d, "P0", "300.00", paid_at=NOW - timedelta(days=3), now=NOW - timedelta(days=3))
    pid = add_promise(db, d, "300.00", date(2026, 3, 10))
    promises.reconcile_due(db, as_of=date(2026, 3, 11), now=NOW + timedelta(days=7))
    with db.transaction() as s:
        assert s.get(PromiseToPay, pid).status == "broken"


def test_tolerance_and_grace(db, make):
    d = make(settings={"promise": {"grace_days": 2, "amount_tolerance_percent": "5"}})
    pid = add_promise(db, d, "300.00", date(2026, 3, 4))
    late = datetime(2026, 3, 6, 3, tzinfo=UTC)  # 2 days after the date, within the grace
    r = post(db, d, "P1", "285.00", paid_at=late, now=late)  # 95%
    assert r.promises_kept == (pid,)


def test_daily_reconcile_breaks_overdue_promises_and_counts(db, make):
    d = make()
    p1 = add_promise(db, d, "300.00", date(2026, 3, 5))
    p2 = add_promise(db, d, "300.00", date(2026, 3, 20))
    r = promises.reconcile_due(db, as_of=date(2026, 3, 6), now=NOW + timedelta(days=2))
    assert r.broken == (p1,) and r.kept == ()
    with db.transaction() as s:
        assert s.get(PromiseToPay, p2).status == "open"
        assert promises.broken_counts(s, days=30, as_of=date(2026, 3, 6)) == {d.loan_id: 1}
        assert promises.broken_counts(s, days=1, as_of=date(2026, 3, 30)) == {}
        a = s.scalars(select(AuditEvent).where(AuditEvent.action == "promise.broken")).one()
        assert a.payload["promise_id"] == p1


def test_reconcile_open_after_an_import(db, make):
    """What the importer's caller runs: payments written by other means keep promises."""
    d = make()
    pid = add_promise(db, d, "300.00", date(2026, 3, 20))
    with db.transaction() as s:
        from faircollect.store.repositories import payments as payments_repo

        payments_repo.add(
            s,
            payments_repo.NewPayment(
                ref="IMP-1", loan_id=d.loan_id, paid_at=NOW, amount=Money.parse("300.00", "CNY")
            ),
            now=NOW,
        )
    r = promises.reconcile_open(db, now=NOW)
    assert r.kept == (pid,) and r.loans == 1
