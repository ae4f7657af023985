"""The tenant scope: other creditors' rows (and other borrowers' rows in the portal) are
never found - None or empty, not an error."""

from __future__ import annotations

import pytest
from sqlalchemy import select

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
)
from faircollect.store.scope import Scope, scoped
from faircollect.store.tables import AuditEvent, Borrower, Loan
from faircollect.vault import Vault

from .conftest import Tenant, World


def _visible(db: Database, vault: Vault, t: Tenant, scope: Scope) -> dict[str, bool]:
    """Which of tenant t's rows each repository returns under `scope`."""
    with db.transaction() as s:
        return {
            "creditor": creditors.get(s, t.creditor_id, scope=scope) is not None,
            "creditor_list": any(c.id == t.creditor_id for c in creditors.list_all(s, scope=scope)),
            "borrower": borrowers.get(s, t.borrower_id, scope=scope) is not None,
            "borrower_ref": borrowers.get_by_ref(
                s, t.creditor_id, f"B-{t.loan_ref[2:]}", scope=scope
            )
            is not None,
            "borrower_bidx": bool(
                borrowers.find_by_blind_index(s, vault, kind="phone", value=t.phone, scope=scope)
            ),
            "contact_point": contact_points.get(s, t.contact_point_id, scope=scope) is not None,
            "contact_points": bool(contact_points.list_for_borrower(s, t.borrower_id, scope=scope)),
            "contact_point_value": bool(
                contact_points.find_by_value(s, vault, kind="phone", value=t.phone, scope=scope)
            ),
            "loan": loans.get(s, t.loan_id, scope=scope) is not None,
            "loan_ref": loans.get_by_ref(s, t.loan_ref, scope=scope) is not None,
            "loans": bool(loans.list_for_borrower(s, t.borrower_id, scope=scope)),
            "installments": bool(installments.list_for_loan(s, t.loan_id, scope=scope)),
            "payment": payments.get_by_ref(s, t.payment_ref, scope=scope) is not None,
            "payments": bool(payments.list_for_loan(s, t.loan_id, scope=scope)),
            "event": contact_events.get(s, t.event_id, scope=scope) is not None,
            "event_ref": contact_events.get_by_ref(s, t.event_ref, scope=scope) is not None,
            "history": bool(contact_events.history(s, t.borrower_id, scope=scope)),
            "promise": promises.get(s, t.promise_id, scope=scope) is not None,
            "promises": bool(promises.list_for_loan(s, t.loan_id, scope=scope)),
        }


def test_system_scope_sees_everything(db: Database, vault: Vault, world: World) -> None:
    for t in world:
        seen = _visible(db, vault, t, Scope.system())
        assert all(seen.values()), seen


def test_staff_scope_sees_own_creditor_only(db: Database, vault: Vault, world: World) -> None:
    scope_a = Scope.for_creditors([world.a.creditor_id])
    own = _visible(db, vault, world.a, scope_a)
    other = _visible(db, vault, world.b, scope_a)
    assert all(own.values()), own
    assert not any(other.values()), other


def test_empty_scope_sees_nothing(db: Database, vault: Vault, world: World) -> None:
    for t in world:
        seen = _visible(db, vault, t, Scope.for_creditors([]))
        assert not any(seen.values()), seen


def test_borrower_scope_sees_own_rows_only(db: Database, vault: Vault, world: World) -> None:
    me = Scope.for_borrower(world.a.borrower_id, world.a.creditor_id)
    assert all(_visible(db, vault, world.a, me).values())
    assert not any(_visible(db, vault, world.b, me).values())
    # another borrower of the same creditor is invisible too
    with db.transaction() as s:
        other = borrowers.insert(
            s,
            vault,
            borrowers.NewBorrower(world.a.creditor_id, "B-A2", "李四", phone="13700000000"),
        )
    with db.transaction() as s:
        assert borrowers.get(s, other.id, scope=me) is None
        assert borrowers.get(s, other.id, scope=Scope.for_borrower(other.id)) is not None


def test_scope_values() -> None:
    assert Scope.system().is_system
    assert not Scope.for_creditors([1]).is_system
    assert Scope.for_creditors([1, 2]).allows_creditor(2)
    assert not Scope.for_creditors([1]).allows_creditor(2)
    assert Scope.system().allows_creditor(99)
    assert Scope.for_borrower(5, 1) == Scope(frozenset({1}), 5)


def test_unknown_models_fail_closed() -> None:
    with pytest.raises(TypeError):
        scoped(select(AuditEvent), AuditEvent, Scope.for_creditors([1]))
    with pytest.raises(TypeError):
        scoped(select(AuditEvent), AuditEvent, Scope.system())


def test_scoped_keeps_other_conditions(db: Database, world: World) -> None:
    with db.transaction() as s:
        stmt = scoped(
            select(Loan).where(Loan.ref == "L-B"), Loan, Scope.for_creditors([world.a.creditor_id])
        )
        assert s.scalar(stmt) is None
        stmt = scoped(select(Borrower.id), Borrower, Scope.for_creditors([world.b.creditor_id]))
        assert list(s.scalars(stmt)) == [world.b.borrower_id]
