"""The contact gate's hot-path queries (store/repositories/gate.py, _fast.py): the one-statement
reads agree with the separate queries they replace, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import exc, insert

from faircollect.store.db import Database
from faircollect.store.repositories import _fast
from faircollect.store.repositories import gate as repo
from faircollect.store.scope import Scope
from faircollect.store.tables import ContactEvent, ContactPoint

from .conftest import World

T = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
OUTCOMES = (None, "no_answer", "conversation", "refused", "sent", "busy", "wrong_number")
STATUSES = ("attempted", "completed", "blocked", "overridden")
STICKY = ("refused", "wrong_number", "conversation", "voicemail", "sent", "delivered", "bounced")


def _history(db: Database, world: World, n: int, seed: int) -> None:
    rng = random.Random(seed)
    a = world.a
    with db.transaction() as s:
        s.add(
            ContactPoint(
                borrower_id=a.borrower_id,
                kind="email",
                value_enc="x",
                value_bidx="y",
                party="debtor",
                place="other",
                source="borrower_provided",
                status="unverified",
                opted_out_channels=["email"],
                created_at=T,
                updated_at=T,
            )
        )
        s.execute(
            insert(ContactEvent),
            [
                {
                    "creditor_id": a.creditor_id,
                    "borrower_id": a.borrower_id,
                    "loan_id": a.loan_id,
                    "debt_refs": [a.loan_ref, "other"],
                    "at": T - timedelta(hours=rng.randrange(-48, 24 * 40)),
                    "channel": rng.choice(("call", "sms", "email", "visit")),
                    "party": rng.choice(("debtor", "spouse")),
                    "place": rng.choice((None, "mobile", "home")),
                    "purpose": rng.choice((None, "demand", "reminder")),
                    "outcome": rng.choice(OUTCOMES),
                    "initiated_by": "consumer" if rng.random() < 0.1 else "collector",
                    "contact_point_id": rng.choice((None, a.contact_point_id)),
                    "status": rng.choice(STATUSES),
                    "violations": [],
                    "created_at": T,
                }
                for _ in range(n)
            ],
        )
        # another debtor's contacts never show
        s.execute(
            insert(ContactEvent),
            {
                "creditor_id": world.b.creditor_id,
                "borrower_id": world.b.borrower_id,
                "debt_refs": [],
                "at": T,
                "channel": "call",
                "party": "debtor",
                "initiated_by": "consumer",
                "status": "completed",
                "violations": [],
                "created_at": T,
            },
        )


def test_state_rows_agree_with_the_separate_queries(db: Database, world: World) -> None:
    _history(db, world, 120, seed=7)
    a = world.a
    rng = random.Random(3)
    with db.transaction() as s:
        for _ in range(25):
            now = T + timedelta(hours=rng.randrange(-72, 72), seconds=rng.random())
            since = now - timedelta(days=rng.choice((1, 3, 9, 32)))
            sticky = rng.choice((STICKY, STICKY[:2], ()))
            st = repo.state_rows(s, a.borrower_id, a.loan_ref, now=now, since=since,
                                 sticky_outcomes=sticky)  # fmt: skip
            assert st is not None
            assert st.loan == repo.loan_row(s, a.loan_ref)
            assert st.points == repo.point_rows(s, a.borrower_id)
            assert st.history == repo.history_rows(
                s, a.borrower_id, now=now, since=since, sticky_outcomes=sticky
            )
            assert all(h.at.tzinfo is UTC for h in st.history) and st.history
        assert repo.state_rows(s, a.borrower_id, "nope", now=T, since=T) is None


def test_state_rows_without_points_or_history(db: Database, world: World) -> None:
    b = world.b
    with db.transaction() as s:
        st = repo.state_rows(s, b.borrower_id, b.loan_ref, now=T - timedelta(days=30), since=T)
        assert st is not None and st.history == []
        assert st.loan.ref == b.loan_ref and [p.id for p in st.points] == [b.contact_point_id]


def test_lock_debtor_and_pack_respects_the_scope(db: Database, world: World) -> None:
    a = world.a
    pg = db.dialect == "postgresql"
    with db.transaction(immediate=True) as s:
        for scope in (Scope.system(), Scope.for_creditors([a.creditor_id, world.b.creditor_id])):
            locked = repo.lock_debtor_and_pack(s, a.loan_ref, scope=scope)
            assert locked is not None
            assert locked.debtor == repo.debtor_row(s, a.borrower_id)
            assert locked.pack_hint == ("CN" if pg else None)
            # PostgreSQL draws the contact event id under the lock; SQLite's insert draws it
            assert (locked.event_id is not None) == pg
        for scope in (Scope.for_creditors([world.b.creditor_id]), Scope.for_creditors([])):
            assert repo.lock_debtor_and_pack(s, a.loan_ref, scope=scope) is None
        own = Scope.for_borrower(a.borrower_id, a.creditor_id)
        assert repo.lock_debtor_and_pack(s, a.loan_ref, scope=own) is not None
        assert repo.lock_debtor(s, "nope", scope=Scope.system()) is None


def test_insert_event_and_errors_as_sqlalchemy_raises_them(db: Database, world: World) -> None:
    a = world.a
    values = {
        "creditor_id": a.creditor_id,
        "borrower_id": a.borrower_id,
        "loan_id": a.loan_id,
        "debt_refs": [a.loan_ref],
        "at": datetime(2026, 3, 4, 14, 0, tzinfo=UTC).astimezone(),
        "channel": "call",
        "party": "debtor",
        "place": "mobile",
        "purpose": "demand",
        "outcome": None,
        "initiated_by": "collector",
        "collector": "li",
        "contact_point_id": None,
        "status": "attempted",
        "pack_version": "v1",
        "violations": [{"rule": "r", "provision": "p", "message": "m", "message_zh": "中"}],
        "created_at": T,
    }
    with db.transaction() as s:
        event_id = repo.insert_event(s, values)
        got = s.get(ContactEvent, event_id)
        assert got is not None and got.violations == values["violations"]
        assert got.at == values["at"] and got.debt_refs == [a.loan_ref]
    with pytest.raises(exc.IntegrityError), db.transaction() as s:
        repo.insert_event(s, {**values, "borrower_id": 10**9})


def test_fast_rows_match_core_execution(db: Database, world: World) -> None:
    a = world.a
    _history(db, world, 30, seed=1)
    stmt = repo._state_stmt(2)
    params = {
        "sticky0": "refused",
        "sticky1": "sent",
        "loan_ref_p": a.loan_ref,
        "b": a.borrower_id,
        "now": T,
        "since": T - timedelta(days=3),
    }
    with db.transaction() as s:
        conn = s.connection()
        core = sorted((tuple(r) for r in conn.execute(stmt, params)), key=repr)
        fast = sorted(_fast.rows(conn, stmt, params), key=repr)
        assert fast == core and len(fast) > 2
