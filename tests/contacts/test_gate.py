"""The contact gate: check-and-record in one transaction, serialised per debtor."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from faircollect import audit
from faircollect.contacts import contact_points, gate
from faircollect.contacts.errors import Invalid, NotFound
from faircollect.store.repositories import contact_events
from faircollect.store.scope import Scope
from faircollect.store.tables import AuditEvent, Borrower, ContactEvent, Loan
from tests.contacts.conftest import SYSTEM

CN_DAY = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
US_DAY = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # 10:00 in New York


def call(db, vault, d, *, now, scope=SYSTEM, **kw):
    args = {
        "channel": "call",
        "party": "debtor",
        "place": "mobile",
        "contact_point_id": d.phone_point,
        **kw,
    }
    with gate.transaction(db) as s:
        return gate.attempt(
            s, scope=scope, actor="user:li", loan_ref=d.loan_ref, now=now, vault=vault, **args
        )


def test_allowed_attempt_is_recorded_with_audit(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    r = call(db, vault, d, now=US_DAY)
    assert r.allowed and r.status == "attempted" and r.violations == ()
    assert r.pack == "US" and r.pack_version.startswith("US-")
    with db.transaction() as s:
        ev = s.get(ContactEvent, r.attempt_id)
        assert (ev.status, ev.channel, ev.party, ev.outcome, ev.debt_refs) == (
            "attempted",
            "call",
            "debtor",
            None,
            [d.loan_ref],
        )
        assert ev.pack_version == r.pack_version
        entry = s.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert entry.action == "contact.attempt" and entry.payload["attempt_id"] == r.attempt_id
        assert s.get(Borrower, d.borrower_id).lock_version == 1
        assert audit.verify(s).ok


def test_blocked_attempt_records_violations_and_next_time(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    night = datetime(2026, 3, 5, 3, 0, tzinfo=UTC)  # 22:00 in New York
    r = call(db, vault, d, now=night)
    assert not r.allowed and r.status == "blocked"
    assert [v.rule for v in r.violations] == ["US:inconvenient-time"]
    assert r.violations[0].provision.startswith("12 CFR 1006.6(b)(1)")
    assert r.next_allowed_at is not None
    assert r.next_allowed_at.astimezone(UTC) == datetime(2026, 3, 5, 13, 0, tzinfo=UTC)
    with db.transaction() as s:
        ev = s.get(ContactEvent, r.attempt_id)
        assert ev.status == "blocked" and ev.violations[0]["rule"] == "US:inconvenient-time"
        assert ev.violations[0]["message_zh"]
        entry = s.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert entry.action == "contact.blocked"
        assert entry.payload["violations"] == [
            {"rule": "US:inconvenient-time", "provision": r.violations[0].provision}
        ]


def test_blocked_attempts_do_not_count_as_contacts(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    night = datetime(2026, 3, 5, 3, 0, tzinfo=UTC)
    for _ in range(10):
        assert not call(db, vault, d, now=night).allowed
    results = [call(db, vault, d, now=US_DAY + timedelta(days=1, minutes=i)) for i in range(8)]
    assert [r.allowed for r in results] == [True] * 7 + [False]
    assert results[-1].violations[0].rule == "US:call-frequency"


def test_pending_outcomes_count_and_busy_does_not(db, vault, make):
    """Attempts without an outcome are counted (conservatively); busy ones are not."""
    from faircollect.contacts import outcomes

    d = make(pack="US", phone="+12125550123")
    first = call(db, vault, d, now=US_DAY)
    with db.transaction() as s:
        outcomes.record_outcome(
            s,
            scope=SYSTEM,
            actor="user:li",
            attempt_id=first.attempt_id,
            data=outcomes.OutcomeInput("busy"),
            now=US_DAY,
        )
    allowed = [call(db, vault, d, now=US_DAY + timedelta(minutes=i + 1)).allowed for i in range(8)]
    assert allowed == [True] * 7 + [False]


def test_loan_of_another_creditor_is_not_found(db, vault, make):
    a = make(code="A", ref="B1")
    b = make(code="B", ref="B2", phone="13900001111")
    with pytest.raises(NotFound):
        call(db, vault, b, now=CN_DAY, scope=Scope.for_creditors([a.creditor_id]))
    with pytest.raises(NotFound):
        call(db, vault, a, now=CN_DAY, contact_point_id=b.phone_point)
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ContactEvent)) == 0


def test_invalid_input(db, vault, make):
    d = make()
    with pytest.raises(Invalid):
        call(db, vault, d, now=CN_DAY, channel="pigeon")
    with pytest.raises(Invalid):  # an e-mail point cannot carry a call
        call(db, vault, d, now=CN_DAY, contact_point_id=d.email_point)
    with pytest.raises(Invalid):  # the debtor's phone is not the employer's
        call(db, vault, d, now=CN_DAY, party="employer")


def test_cn_harvested_contact_is_never_usable(db, vault, make):
    d = make(
        extra_points=(
            ("book", "phone", "emergency_contact", "address_book"),
            ("app", "phone", "emergency_contact", "application"),
        )
    )
    with db.transaction() as s:
        s.get(Borrower, d.borrower_id).lost_contact = True  # the debtor is unreachable
    r = call(
        db,
        vault,
        d,
        now=CN_DAY,
        party="emergency_contact",
        purpose="location",
        contact_point_id=d.points["book"],
    )
    assert not r.allowed and "CN:harvested-contacts" in [v.rule for v in r.violations]
    ok = call(
        db,
        vault,
        d,
        now=CN_DAY,
        party="emergency_contact",
        purpose="location",
        contact_point_id=d.points["app"],
    )
    assert ok.allowed, ok.violations


def test_cn_reachable_debtor_blocks_third_parties(db, vault, make):
    d = make(extra_points=(("ec", "phone", "emergency_contact", "application"),))
    r = call(
        db,
        vault,
        d,
        now=CN_DAY,
        party="emergency_contact",
        purpose="location",
        contact_point_id=d.points["ec"],
    )
    assert [v.rule for v in r.violations] == ["CN:third-party-reachable"]
    with db.transaction() as s:
        contact_points.mark_invalid(
            s, actor="t", contact_point_id=d.phone_point, reason="wrong number", now=CN_DAY
        )
    r2 = call(
        db,
        vault,
        d,
        now=CN_DAY,
        party="emergency_contact",
        purpose="location",
        contact_point_id=d.points["ec"],
    )
    assert r2.allowed, r2.violations


def test_invalid_point_and_collection_hold(db, vault, make):
    d = make()
    with db.transaction() as s:
        contact_points.mark_invalid(
            s, actor="t", contact_point_id=d.phone_point, reason="wrong number", now=CN_DAY
        )
    r = call(db, vault, d, now=CN_DAY)
    assert "faircollect:contact-point-invalid" in [v.rule for v in r.violations]
    assert r.next_allowed_at is None
    d2 = make(ref="B2", phone="13900002222")
    with db.transaction() as s:
        s.get(Loan, d2.loan_id).hold_reason = "complaint"
    r2 = call(db, vault, d2, now=CN_DAY)
    assert [v.rule for v in r2.violations] == ["faircollect:collection-hold"]
    r3 = call(db, vault, d2, now=CN_DAY, purpose="notice_end")
    assert r3.allowed


def test_point_opt_out_blocks_that_number_with_pack_provision(db, vault, make):
    d = make(
        pack="US",
        phone="+12125550123",
        extra_points=(("work", "phone", "debtor", "borrower_provided"),),
    )
    with db.transaction() as s:
        contact_points.opt_out(
            s, actor="t", contact_point_id=d.phone_point, channel="sms", reason="STOP", now=US_DAY
        )
    with gate.transaction(db) as s:
        r = gate.attempt(
            s,
            scope=SYSTEM,
            actor="t",
            loan_ref=d.loan_ref,
            channel="sms",
            contact_point_id=d.phone_point,
            purpose="reminder",
            now=US_DAY,
            content="Hello. This communication is from a debt collector. Reply STOP to opt out.",
        )
        other = gate.attempt(
            s,
            scope=SYSTEM,
            actor="t",
            loan_ref=d.loan_ref,
            channel="sms",
            contact_point_id=d.points["work"],
            purpose="reminder",
            now=US_DAY,
            content="Hello. This communication is from a debt collector. Reply STOP to opt out.",
        )
    assert [(v.rule, v.provision) for v in r.violations] == [
        ("US:media-opt-out", "12 CFR 1006.14(h)")
    ]
    assert other.allowed, other.violations


@pytest.mark.parametrize(
    "pack,cap,now,rule",
    [
        ("US", 7, US_DAY, "US:call-frequency"),
    ],
)
def test_race_never_exceeds_the_cap(db, vault, make, pack, cap, now, rule):
    """32 threads attempt calls on one debt at once: exactly `cap` are allowed."""
    d = make(pack=pack, phone="+12125550123")
    barrier = threading.Barrier(32)
    results: list = []
    errors: list = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results.append(call(db, vault, d, now=now))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    allowed = [r for r in results if r.allowed]
    assert len(allowed) == cap
    assert all(v.rule == rule for r in results if not r.allowed for v in r.violations)
    with db.transaction() as s:
        rows = contact_events.history(s, d.borrower_id, scope=SYSTEM)
        assert sorted(e.id for e in rows if e.status == "attempted") == sorted(
            r.attempt_id for r in allowed
        )
        assert len([e for e in rows if e.status == "blocked"]) == 32 - cap
        assert audit.verify(s).ok
