"""Outcomes update what the rules read, in the same transaction, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from faircollect.contacts import gate, outcomes
from faircollect.contacts.errors import Conflict, Invalid
from faircollect.contacts.outcomes import OutcomeInput, complement_windows
from faircollect.rules.model import InconvenientTime
from faircollect.store.tables import (
    AuditEvent,
    Borrower,
    ContactEvent,
    ContactPoint,
    Loan,
    PromiseToPay,
)
from tests.contacts.conftest import SYSTEM

US_DAY = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
CN_DAY = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def attempt(db, vault, d, now, **kw):
    args = {
        "channel": "call",
        "party": "debtor",
        "place": "mobile",
        "contact_point_id": d.phone_point,
        **kw,
    }
    with gate.transaction(db) as s:
        return gate.attempt(
            s, scope=SYSTEM, actor="user:li", loan_ref=d.loan_ref, now=now, vault=vault, **args
        )


def outcome(db, attempt_id, now, kind, **kw):
    with gate.transaction(db) as s:
        return outcomes.record_outcome(
            s,
            scope=SYSTEM,
            actor="user:li",
            attempt_id=attempt_id,
            data=OutcomeInput(kind, **kw),
            now=now,
        )


def test_not_at_work_binds_the_next_attempt(db, vault, make):
    d = make(
        pack="US",
        phone="+12125550123",
        extra_points=(("office", "phone", "debtor", "borrower_provided"),),
    )
    a = attempt(db, vault, d, US_DAY)
    r = outcome(db, a.attempt_id, US_DAY + timedelta(minutes=5), "not_at_work")
    assert r.history_outcome == "conversation"
    assert r.changes["no_contact_places"] == ["work"] and r.changes["employer_prohibits"]
    later = US_DAY + timedelta(days=8)
    blocked = attempt(db, vault, d, later, place="work", contact_point_id=None)
    assert {"US:workplace", "US:inconvenient-place"} <= {v.rule for v in blocked.violations}
    with db.transaction() as s:
        b = s.get(Borrower, d.borrower_id)
        assert b.employer_prohibits and b.no_contact_places == ["work"]
        ev = s.get(ContactEvent, a.attempt_id)
        assert (ev.status, ev.outcome) == ("completed", "conversation")
        last = s.scalars(select(AuditEvent).where(AuditEvent.action == "contact.outcome")).one()
        assert last.payload["outcome"] == "not_at_work"


def test_stop_calling_blocks_calls_not_sms(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    a = attempt(db, vault, d, US_DAY)
    outcome(db, a.attempt_id, US_DAY, "stop_channel", channels=["call"])
    later = US_DAY + timedelta(days=8)
    assert [v.rule for v in attempt(db, vault, d, later).violations] == ["US:media-opt-out"]
    sms = attempt(
        db,
        vault,
        d,
        later,
        channel="sms",
        purpose="reminder",
        content="Hi. This communication is from a debt collector. Reply STOP to opt out.",
    )
    assert sms.allowed, sms.violations


def test_wrong_number_invalidates_the_point(db, vault, make):
    d = make()
    a = attempt(db, vault, d, CN_DAY)
    r = outcome(db, a.attempt_id, CN_DAY, "wrong_party")
    assert r.history_outcome == "wrong_number"
    with db.transaction() as s:
        assert s.get(ContactPoint, d.phone_point).status == "invalid"
    nxt = attempt(db, vault, d, CN_DAY + timedelta(hours=1))
    assert "faircollect:contact-point-invalid" in [v.rule for v in nxt.violations]


def test_third_party_refusal_sets_contact_refused(db, vault, make):
    d = make(extra_points=(("ec", "phone", "emergency_contact", "application"),))
    with db.transaction() as s:
        s.get(Borrower, d.borrower_id).lost_contact = True
    a = attempt(
        db,
        vault,
        d,
        CN_DAY,
        party="emergency_contact",
        purpose="location",
        contact_point_id=d.points["ec"],
    )
    assert a.allowed, a.violations
    outcome(db, a.attempt_id, CN_DAY, "refused")
    with db.transaction() as s:
        assert s.get(Borrower, d.borrower_id).contact_refused
    again = attempt(
        db,
        vault,
        d,
        CN_DAY + timedelta(days=1),
        party="emergency_contact",
        purpose="location",
        contact_point_id=d.points["ec"],
    )
    assert "CN:third-party-refused" in [v.rule for v in again.violations]


def test_dispute_and_cease(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    a = attempt(db, vault, d, US_DAY)
    outcome(db, a.attempt_id, US_DAY, "dispute")
    with db.transaction() as s:
        assert s.get(Loan, d.loan_id).dispute_received_at == US_DAY
    later = US_DAY + timedelta(days=8)
    assert "US:dispute" in [v.rule for v in attempt(db, vault, d, later).violations]
    d2 = make(pack="US", ref="B2", phone="+12125550199")
    b = attempt(db, vault, d2, US_DAY)
    outcome(db, b.attempt_id, US_DAY, "cease")
    blocked = attempt(db, vault, d2, later)
    assert "US:cease" in [v.rule for v in blocked.violations]
    assert attempt(db, vault, d2, later, purpose="notice_end").allowed


def test_deceased_puts_every_loan_on_hold(db, vault, make):
    d = make()
    a = attempt(db, vault, d, CN_DAY)
    r = outcome(db, a.attempt_id, CN_DAY, "deceased")
    assert r.changes["loans_on_hold"] == [d.loan_ref]
    nxt = attempt(db, vault, d, CN_DAY + timedelta(days=1))
    assert {"CN:deceased-hold", "faircollect:collection-hold"} <= {v.rule for v in nxt.violations}


def test_promise_to_pay(db, vault, make):
    d = make()
    a = attempt(db, vault, d, CN_DAY)
    r = outcome(
        db, a.attempt_id, CN_DAY, "promise_to_pay", amount="300.00", due_on=date(2026, 3, 10)
    )
    with db.transaction() as s:
        p = s.get(PromiseToPay, r.promise_id)
        assert (p.amount_minor, p.currency, p.due_on, p.status, p.contact_event_id) == (
            30000,
            "CNY",
            date(2026, 3, 10),
            "open",
            a.attempt_id,
        )
    b = attempt(db, vault, d, CN_DAY + timedelta(minutes=1))
    with pytest.raises(Invalid):  # too far ahead (default 30 days)
        outcome(db, b.attempt_id, CN_DAY, "promise_to_pay", amount="300", due_on=date(2026, 6, 1))
    with pytest.raises(Invalid):
        outcome(db, b.attempt_id, CN_DAY, "promise_to_pay", amount="1.234", due_on=date(2026, 3, 9))


def test_preferred_times_become_inconvenient_windows(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    a = attempt(db, vault, d, US_DAY)
    outcome(db, a.attempt_id, US_DAY, "preferred_times", windows=[{"from": "18:00", "to": "20:00"}])
    eight_days = US_DAY + timedelta(days=8)  # 11:00 local (EDT): outside the window
    blocked = attempt(db, vault, d, eight_days)
    assert "US:inconvenient-designated" in [v.rule for v in blocked.violations]
    ok = attempt(db, vault, d, eight_days + timedelta(hours=8))  # 19:00 local
    assert ok.allowed, ok.violations


def test_outcome_conflicts(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    night = datetime(2026, 3, 5, 3, 0, tzinfo=UTC)
    blocked = attempt(db, vault, d, night)
    with pytest.raises(Conflict):
        outcome(db, blocked.attempt_id, night, "no_answer")
    a = attempt(db, vault, d, US_DAY)
    outcome(db, a.attempt_id, US_DAY, "no_answer")
    with pytest.raises(Conflict):
        outcome(db, a.attempt_id, US_DAY, "voicemail")
    with pytest.raises(Invalid):
        outcome(db, a.attempt_id, US_DAY, "abducted_by_aliens")


_days = st.lists(
    st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
    min_size=1,
    max_size=7,
    unique=True,
)


@st.composite
def _window(draw):
    lo = draw(st.integers(0, 1439))
    hi = draw(st.integers(lo + 1, 1440))
    days = draw(st.none() | _days)
    w = {
        "from": f"{lo // 60:02d}:{lo % 60:02d}",
        "to": "24:00" if hi == 1440 else f"{hi // 60:02d}:{hi % 60:02d}",
    }
    if days is not None:
        w["days"] = days
    return InconvenientTime.model_validate(w)


@given(
    st.lists(_window(), min_size=1, max_size=4),
    st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
    st.integers(0, 1439),
)
def test_complement_is_exactly_outside_the_preferred_windows(preferred, day, minute):
    def inside(ws, d, m):
        return any(
            (w.days is None or d in w.days) and w.start_minute <= m < w.end_minute for w in ws
        )

    inconvenient = [InconvenientTime.model_validate(w) for w in complement_windows(preferred)]
    assert inside(inconvenient, day, minute) != inside(preferred, day, minute)
