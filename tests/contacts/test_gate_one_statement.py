"""On PostgreSQL the gate writes the attempt's event row in the audit append's statement (the
id is drawn under the debtor lock): the row, its audit entry and the chain must be exactly
what the two separate statements wrote before, including when the audit head is missing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, delete, func, select

from faircollect import audit
from faircollect.contacts import gate
from faircollect.store.repositories import audit as audit_repo
from faircollect.store.repositories import gate as gate_repo
from faircollect.store.tables import AuditEvent, AuditHead, ContactEvent
from tests.contacts.conftest import SYSTEM

US_DAY = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # 10:00 in New York


def _attempt(s, vault, d, **kw):
    return gate.attempt(
        s,
        scope=SYSTEM,
        actor="user:li",
        loan_ref=d.loan_ref,
        channel="call",
        party="debtor",
        place="mobile",
        contact_point_id=d.phone_point,
        now=US_DAY,
        vault=vault,
        **kw,
    )


def _call(db, vault, d, **kw):
    with gate.transaction(db) as s:
        return _attempt(s, vault, d, **kw)


def test_event_rows_match_their_audit_entries(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    results = [_call(db, vault, d) for _ in range(9)]  # 7 allowed, then blocked (7 in 7 days)
    assert [r.allowed for r in results] == [True] * 7 + [False] * 2
    ids = [r.attempt_id for r in results]
    assert ids == sorted(ids) and len(set(ids)) == 9
    with db.transaction() as s:
        events = s.scalars(select(ContactEvent).order_by(ContactEvent.id)).all()
        assert [e.id for e in events] == ids
        assert [e.status for e in events] == ["attempted"] * 7 + ["blocked"] * 2
        assert all(e.debt_refs == [d.loan_ref] and e.collector == "user:li" for e in events)
        assert events[-1].violations[0]["rule"] == "US:call-frequency"
        entries = s.scalars(
            select(AuditEvent).where(AuditEvent.action.like("contact.%")).order_by(AuditEvent.seq)
        ).all()
        assert [e.payload["attempt_id"] for e in entries] == ids
        assert [e.action for e in entries] == ["contact.attempt"] * 7 + ["contact.blocked"] * 2
        assert audit.verify(s).ok


def test_a_missing_audit_head_is_seeded_and_the_event_written_once(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    with db.transaction(immediate=True) as s:
        s.execute(delete(AuditEvent))
        s.execute(delete(AuditHead))
    r = _call(db, vault, d)
    assert r.allowed
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ContactEvent)) == 1
        assert s.get(ContactEvent, r.attempt_id) is not None
        (entry,) = s.scalars(select(AuditEvent)).all()
        assert entry.seq == 1 and entry.payload["attempt_id"] == r.attempt_id
        assert audit.verify(s).ok


def test_a_failed_transaction_leaves_neither_row(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    with pytest.raises(RuntimeError), gate.transaction(db) as s:
        _attempt(s, vault, d)
        raise RuntimeError("the caller fails after the gate")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ContactEvent)) == 0
        assert audit.verify(s).ok


def test_the_merged_statement_refuses_bad_input(db):
    with pytest.raises(ValueError, match="reserved"):
        audit_repo.linked_statement("x AS (SELECT 1)", bindparam("at"))
    with pytest.raises(ValueError, match="exactly"):
        gate_repo.event_with_audit({"id": 1})
    if db.dialect != "postgresql":
        also = gate_repo.event_with_audit(dict.fromkeys(gate_repo.EVENT_COLUMNS))
        with pytest.raises(ValueError, match="PostgreSQL"), db.transaction(immediate=True) as s:
            audit.append(s, actor="a", action="b", entity="c", payload={}, also=also)
        with db.transaction() as s:
            assert s.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_the_gate_connection_is_the_sessions_for_its_transaction(db):
    from sqlalchemy import text

    from faircollect.store.repositories import _fast

    with db.transaction() as s:
        first = _fast.connection(s)
        assert first is s.connection() and _fast.connection(s) is first
        s.commit()  # a new transaction: asked again, never the returned connection
        second = _fast.connection(s)
        assert second is s.connection() and not second.closed
        assert second.execute(text("SELECT 1")).scalar() == 1
        s.rollback()
        third = _fast.connection(s)
        assert third is s.connection() and not third.closed
