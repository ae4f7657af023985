"""Overrides: four eyes, only rebuttable presumptions, re-checked at approval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from faircollect.contacts import gate, outcomes, overrides
from faircollect.contacts.errors import Conflict, Forbidden, Invalid
from faircollect.store.tables import AuditEvent, ContactEvent
from tests.contacts.conftest import SYSTEM

US_DAY = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def call(db, vault, d, now):
    with gate.transaction(db) as s:
        return gate.attempt(
            s,
            scope=SYSTEM,
            actor="user:li",
            loan_ref=d.loan_ref,
            now=now,
            channel="call",
            place="mobile",
            contact_point_id=d.phone_point,
            vault=vault,
        )


def test_frequency_block_can_be_overridden_by_another_person(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    results = [call(db, vault, d, US_DAY + timedelta(minutes=i)) for i in range(8)]
    blocked = results[-1]
    assert [v.rule for v in blocked.violations] == ["US:call-frequency"]
    with db.transaction() as s:
        req = overrides.request(
            s,
            scope=SYSTEM,
            actor="user:li",
            attempt_id=blocked.attempt_id,
            reason="Consumer asked us to call back today about the plan.",
        )
    with db.transaction() as s, pytest.raises(Forbidden):
        overrides.decide(
            s,
            scope=SYSTEM,
            actor="user:li",
            override_id=req.id,
            approve=True,
            reason="approving my own request",
        )
    at = US_DAY + timedelta(hours=1)
    with gate.transaction(db) as s:
        done = overrides.decide(
            s,
            scope=SYSTEM,
            actor="user:compliance",
            override_id=req.id,
            approve=True,
            reason="Consumer's request documented in notes.",
            now=at,
            vault=vault,
        )
    assert done.override.status == "approved" and done.attempt is not None
    assert done.attempt.allowed and done.attempt.status == "overridden"
    with db.transaction() as s:
        ev = s.get(ContactEvent, done.override.overridden_event_id)
        assert ev.status == "overridden" and ev.violations[0]["rule"] == "US:call-frequency"
        actions = [a.action for a in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert actions[-3:] == ["override.request", "contact.overridden", "override.approve"]
        outcomes.record_outcome(
            s,
            scope=SYSTEM,
            actor="user:li",
            attempt_id=ev.id,
            data=outcomes.OutcomeInput("conversation"),
            now=at,
        )
        assert s.get(ContactEvent, ev.id).status == "overridden"


def test_hard_rules_are_never_overridable(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    night = datetime(2026, 3, 5, 3, 0, tzinfo=UTC)
    blocked = call(db, vault, d, night)
    with db.transaction() as s, pytest.raises(Conflict) as e:
        overrides.request(
            s,
            scope=SYSTEM,
            actor="user:li",
            attempt_id=blocked.attempt_id,
            reason="The consumer is awake, I promise.",
        )
    assert e.value.details["rules"] == ["US:inconvenient-time"]
    with db.transaction() as s, pytest.raises(Invalid):
        overrides.request(
            s, scope=SYSTEM, actor="user:li", attempt_id=blocked.attempt_id, reason="short"
        )


def test_approval_fails_when_state_changed(db, vault, make):
    d = make(pack="US", phone="+12125550123")
    results = [call(db, vault, d, US_DAY + timedelta(minutes=i)) for i in range(8)]
    with db.transaction() as s:
        req = overrides.request(
            s,
            scope=SYSTEM,
            actor="user:li",
            attempt_id=results[-1].attempt_id,
            reason="Consumer asked for a call back this evening.",
        )
        outcomes.record_outcome(
            s,
            scope=SYSTEM,
            actor="user:li",
            attempt_id=results[0].attempt_id,
            data=outcomes.OutcomeInput("cease"),
            now=US_DAY,
        )
    with gate.transaction(db) as s, pytest.raises(Conflict) as e:
        overrides.decide(
            s,
            scope=SYSTEM,
            actor="user:compliance",
            override_id=req.id,
            approve=True,
            reason="Looks fine to me at first sight.",
            now=US_DAY + timedelta(hours=1),
            vault=vault,
        )
    assert "US:cease" in [v["rule"] for v in e.value.details["violations"]]
    with gate.transaction(db) as s:
        done = overrides.decide(
            s,
            scope=SYSTEM,
            actor="user:compliance",
            override_id=req.id,
            approve=False,
            reason="The consumer asked us to stop.",
        )
    assert done.override.status == "rejected" and done.attempt is None
