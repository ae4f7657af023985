"""Every repository query, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from faircollect.money import CurrencyMismatch, Money
from faircollect.store.db import Database
from faircollect.store.repositories import (
    borrowers,
    contact_events,
    contact_points,
    creditors,
    installments,
    loans,
    payments,
    promises,
    users,
)
from faircollect.store.scope import Scope
from faircollect.vault import Vault

from .conftest import T0, World

SYS = Scope.system()


# -- creditors ------------------------------------------------------------------------------
def test_creditor_get_or_create_is_idempotent(db: Database) -> None:
    with db.transaction() as s:
        c1 = creditors.get_or_create(s, "ACME", name="Acme Lending", pack="US", currency="USD")
        c2 = creditors.get_or_create(s, "ACME", name="ignored")
    assert c1.id == c2.id and c2.name == "Acme Lending" and c2.pack == "US"
    with db.transaction() as s:
        assert creditors.get_by_code(s, "ACME", scope=SYS) is not None
        assert creditors.get(s, c1.id, scope=SYS) is not None
        assert [c.code for c in creditors.list_all(s, scope=SYS)] == ["ACME"]
        assert creditors.get_by_code(s, "NOPE", scope=SYS) is None


def test_creditor_get_or_create_under_concurrency(db: Database) -> None:
    ids: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with db.transaction(immediate=True) as s:
                ids.append(creditors.get_or_create(s, "SAME").id)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(ids)) == 1


# -- users ----------------------------------------------------------------------------------
def test_users(db: Database) -> None:
    with db.transaction() as s:
        a = creditors.get_or_create(s, "A")
        b = creditors.get_or_create(s, "B")
        u = users.add(
            s,
            username="li.si",
            password_hash="$argon2id$fake",
            role="collector",
            display_name="李四",
            languages=["zh", "en"],
            creditor_ids=[a.id, b.id],
        )
    with db.transaction() as s:
        got = users.get_by_username(s, "li.si")
        assert got is not None and got.id == u.id and got.languages == ["zh", "en"]
        assert users.get(s, u.id) is not None
        assert users.get_by_username(s, "nobody") is None
        assert users.creditor_ids(s, u.id) == {a.id, b.id}
        users.set_creditors(s, u.id, [b.id])
        assert users.scope_of(s, u.id) == Scope.for_creditors([b.id])
    with pytest.raises(IntegrityError), db.transaction() as s:
        users.add(s, username="li.si", password_hash="x", role="collector")


# -- borrowers ------------------------------------------------------------------------------
def test_borrower_insert_reveal_and_lookup(db: Database, vault: Vault, world: World) -> None:
    with db.transaction() as s:
        b = borrowers.get_by_ref(s, world.a.creditor_id, "B-A", scope=SYS)
        assert b is not None and b.id == world.a.borrower_id
        assert b.phone_enc is not None and "13812345678" not in b.phone_enc
        pii = borrowers.reveal(vault, b)
        assert pii.phone == "13812345678" and pii.name == "张三"
        assert pii.id_number == "110101199003071234"
        masked = borrowers.masked(vault, b)
        assert masked.phone == "138****5678" and masked.name == "张*"
        assert masked.id_number == "1101**********1234"
        assert masked.email == "z***@example.com"
        assert masked.address == "广东省深圳市****"
        assert borrowers.get(s, b.id, scope=SYS, for_update=True) is not None

        for kind, value in [
            ("phone", "+86 138 1234 5678"),
            ("id_number", " 110101199003071234 "),
            ("email", "ZHANG.A@example.com"),
        ]:
            found = borrowers.find_by_blind_index(s, vault, kind=kind, value=value, scope=SYS)
            assert [x.id for x in found] == [world.a.borrower_id], kind
        assert borrowers.find_by_blind_index(s, vault, kind="phone", value="junk", scope=SYS) == []
        assert borrowers.get_by_ref(s, world.a.creditor_id, "B-B", scope=SYS) is None


def test_borrower_ref_unique_per_creditor(db: Database, vault: Vault, world: World) -> None:
    with db.transaction() as s:  # same ref, other creditor: fine
        borrowers.insert(s, vault, borrowers.NewBorrower(world.b.creditor_id, "B-A", "王五"))
    with pytest.raises(IntegrityError), db.transaction() as s:
        borrowers.insert(s, vault, borrowers.NewBorrower(world.a.creditor_id, "B-A", "王五"))


def test_pii_columns_for_bulk_loaders(vault: Vault) -> None:
    cols = borrowers.pii_columns(vault, borrowers.BorrowerPII("张三", phone="13812345678"))
    assert set(cols) == {
        "name_enc",
        "id_number_enc",
        "phone_enc",
        "email_enc",
        "address_enc",
        "id_number_bidx",
        "phone_bidx",
        "email_bidx",
    }
    assert cols["id_number_enc"] is None and cols["email_bidx"] is None
    assert cols["phone_bidx"] == vault.blind_index("13812345678", kind="phone")


# -- contact points -------------------------------------------------------------------------
def test_contact_points(db: Database, vault: Vault, world: World) -> None:
    with db.transaction() as s:
        cps = contact_points.list_for_borrower(s, world.a.borrower_id, scope=SYS)
        assert [c.id for c in cps] == [world.a.contact_point_id]
        assert contact_points.reveal_value(vault, cps[0]) == "13812345678"
        got = contact_points.get(s, world.a.contact_point_id, scope=SYS)
        assert got is not None and got.kind == "phone"
        found = contact_points.find_by_value(
            s, vault, kind="phone", value="138-1234-5678", scope=SYS
        )
        assert [c.id for c in found] == [world.a.contact_point_id]
        assert (
            contact_points.find_by_value(s, vault, kind="email", value="13812345678", scope=SYS)
            == []
        )
        assert contact_points.find_by_value(s, vault, kind="phone", value="??", scope=SYS) == []


# -- loans, installments, payments, promises ------------------------------------------------
def test_loans(db: Database, world: World) -> None:
    with db.transaction() as s:
        loan = loans.get_by_ref(s, "L-A", scope=SYS)
        assert loan is not None and loan.id == world.a.loan_id
        assert loans.principal(loan) == Money.parse("1200.00", "CNY")
        assert loan.apr == Decimal("18.25") and loan.fee_minor == 1000
        assert loans.get(s, loan.id, scope=SYS, for_update=True) is loan
        assert loans.get_by_ref(s, "L-A", scope=SYS, for_update=True) is loan
        assert [x.ref for x in loans.list_for_borrower(s, world.a.borrower_id, scope=SYS)] == [
            "L-A"
        ]
        assert loans.get_by_ref(s, "L-nope", scope=SYS) is None


def test_loan_currency_must_agree(db: Database, world: World) -> None:
    with pytest.raises(CurrencyMismatch), db.transaction() as s:
        loans.add(
            s,
            loans.NewLoan(
                ref="L-X",
                creditor_id=world.a.creditor_id,
                borrower_id=world.a.borrower_id,
                principal=Money.parse("1.00", "CNY"),
                apr=Decimal("1"),
                originated_on=date(2026, 1, 1),
                term_months=1,
                repayment="bullet",
                first_due_on=date(2026, 2, 1),
                fee=Money.parse("1.00", "USD"),
            ),
        )


def test_installments(db: Database, world: World) -> None:
    with db.transaction() as s:
        rows = installments.list_for_loan(s, world.a.loan_id, scope=SYS)
        assert [(r.seq, r.principal_minor, r.interest_minor) for r in rows] == [
            (1, 60000, 1825),
            (2, 60000, 913),
        ]
    with pytest.raises(CurrencyMismatch), db.transaction() as s:
        installments.add_schedule(
            s,
            world.a.loan_id,
            [installments.NewInstallment(3, date(2026, 4, 1), Money(1, "USD"), Money(0, "USD"))],
        )
    with pytest.raises(LookupError), db.transaction() as s:
        installments.add_schedule(s, 99999, [])


def test_payments(db: Database, world: World) -> None:
    with db.transaction() as s:
        p = payments.get_by_ref(s, "P-A", scope=SYS)
        assert p is not None and payments.amount(p) == Money.parse("618.25", "CNY")
        assert p.paid_at == datetime(2026, 2, 1, 3, 0, tzinfo=UTC)
        assert p.allocation == {"interest": 1825, "principal": 60000}
        assert [x.ref for x in payments.list_for_loan(s, world.a.loan_id, scope=SYS)] == ["P-A"]
    with pytest.raises(CurrencyMismatch), db.transaction() as s:
        payments.add(
            s,
            payments.NewPayment("P-Z", world.a.loan_id, T0, Money(100, "USD")),
        )


def test_promises(db: Database, world: World) -> None:
    with db.transaction() as s:
        open_ = promises.list_for_loan(s, world.a.loan_id, scope=SYS, status="open")
        assert [p.id for p in open_] == [world.a.promise_id]
        assert promises.amount(open_[0]) == Money.parse("300.00", "CNY")
        due = promises.open_due_by(s, date(2026, 3, 10), scope=SYS)
        assert {p.id for p in due} == {world.a.promise_id, world.b.promise_id}
        assert promises.open_due_by(s, date(2026, 3, 9), scope=SYS) == []
        kept = promises.resolve(s, world.a.promise_id, "kept", scope=SYS, at=T0)
        assert kept is not None and kept.status == "kept" and kept.resolved_at == T0
        assert promises.get(s, world.a.promise_id, scope=SYS) is kept
        with pytest.raises(ValueError):
            promises.resolve(s, world.a.promise_id, "open", scope=SYS)
    with db.transaction() as s:
        assert promises.list_for_loan(s, world.a.loan_id, scope=SYS, status="open") == []
        assert len(promises.list_for_loan(s, world.a.loan_id, scope=SYS)) == 1


# -- contact events -------------------------------------------------------------------------
def test_contact_events(db: Database, world: World) -> None:
    with db.transaction() as s:
        later = contact_events.add(
            s,
            contact_events.NewContactEvent(
                creditor_id=world.a.creditor_id,
                borrower_id=world.a.borrower_id,
                loan_id=world.a.loan_id,
                at=datetime(2026, 3, 3, 2, 0, tzinfo=UTC),
                channel="sms",
                party="debtor",
                status="blocked",
                violations=[{"rule": "CN:quiet-hours", "provision": "x", "message": "m"}],
            ),
        )
        hist = contact_events.history(s, world.a.borrower_id, scope=SYS)
        assert [e.id for e in hist] == [world.a.event_id, later.id]
        since = contact_events.history(
            s, world.a.borrower_id, scope=SYS, since=datetime(2026, 3, 3, tzinfo=UTC)
        )
        assert [e.id for e in since] == [later.id]
        until = contact_events.history(
            s, world.a.borrower_id, scope=SYS, until=datetime(2026, 3, 3, tzinfo=UTC)
        )
        assert [e.id for e in until] == [world.a.event_id]
        done = contact_events.history(s, world.a.borrower_id, scope=SYS, statuses=["completed"])
        assert [e.id for e in done] == [world.a.event_id]
        assert later.violations[0]["rule"] == "CN:quiet-hours"
        ev = contact_events.get_by_ref(s, "E-A", scope=SYS)
        assert ev is not None and ev.debt_refs == ["L-A"] and ev.outcome == "no_answer"
        upd = contact_events.set_outcome(s, later.id, "delivered", scope=SYS)
        assert upd is not None and upd.outcome == "delivered" and upd.status == "completed"
        assert contact_events.get(s, later.id, scope=SYS) is upd
        assert contact_events.set_outcome(s, 99999, "x", scope=SYS) is None
