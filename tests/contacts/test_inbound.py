"""Inbound SMS replies (STOP/退订/TD, HELP) and e-mail bounces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from faircollect.contacts import gate, inbound, messages
from faircollect.contacts.inbound import Dsn, classify, parse_dsn, sign, verify_signature
from faircollect.store import pii
from faircollect.store.tables import ContactEvent, ContactPoint, InboundMessage, OutboxMessage
from tests.contacts.conftest import SYSTEM

CN_DAY = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        " Stop. ",
        "ＳＴＯＰ",
        "退订",
        "TD",
        "td",
        "T",
        "t",
        "回复TD退订",
        "请退订",
        "Unsubscribe me",
        "STOP please",
        "ＴＤ",
        "拒收",
        "取消",
        "0000",
    ],
)
def test_stop_variants(text):
    assert classify(text) == "stop"


@pytest.mark.parametrize("text", ["HELP", "help", "帮助", "Ｈｅｌｐ", "INFO", "客服"])
def test_help_variants(text):
    assert classify(text) == "help"


@pytest.mark.parametrize(
    "text",
    ["Thanks, I will pay tomorrow", "好的", "Tomorrow", "stopping by", "Td8", "Helpful", "tdx"],
)
def test_other_messages(text):
    assert classify(text) == "other"


@given(
    st.sampled_from(["stop", "td", "退订", "unsubscribe"]),
    st.sampled_from(["", " ", "!", "。"]),
    st.booleans(),
)
def test_stop_is_case_and_width_insensitive(word, tail, upper):
    w = word.upper() if upper else word
    full = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in w)
    assert classify(full + tail) == "stop" and classify(w + tail) == "stop"


def test_signature():
    now = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    ts = str(int(now.timestamp()))
    body = b'{"from": "+8613812345678", "text": "TD"}'
    good = sign("s3cret", ts, body)
    assert verify_signature("s3cret", timestamp=ts, signature=good, body=body, now=now)
    assert not verify_signature("other", timestamp=ts, signature=good, body=body, now=now)
    assert not verify_signature("s3cret", timestamp=ts, signature=good, body=body + b" ", now=now)
    late = now + timedelta(minutes=6)
    assert not verify_signature("s3cret", timestamp=ts, signature=good, body=body, now=late)
    assert not verify_signature("s3cret", timestamp=None, signature=good, body=body, now=now)


def sms_in(db, vault, sender, text, mid, now=CN_DAY):
    with gate.transaction(db) as s:
        return inbound.handle_sms(
            s, vault, sender=sender, text=text, provider_message_id=mid, now=now
        )


def send_sms(db, vault, d, now):
    with gate.transaction(db) as s:
        return messages.send(
            s,
            vault,
            scope=SYSTEM,
            actor="t",
            loan_ref=d.loan_ref,
            channel="sms",
            template="reminder",
            now=now,
        )


def test_td_opts_the_number_out_and_blocks_the_next_sms(db, vault, make):
    d = make()
    queued = send_sms(db, vault, d, CN_DAY)
    r = sms_in(db, vault, "+86 138 1234 5678", "退订", "m-1", CN_DAY + timedelta(minutes=1))
    assert r.keyword == "stop" and r.contact_point_ids == (d.phone_point,)
    assert r.cancelled_messages == (queued.message_id,)
    nxt = send_sms(db, vault, d, CN_DAY + timedelta(hours=2))
    assert not nxt.allowed and nxt.message_id is None
    assert [(v.rule, v.provision) for v in nxt.attempt.violations] == [
        ("CN:channel-opt-out", "faircollect policy: borrower contact preferences")
    ]
    with db.transaction() as s:
        assert s.get(ContactPoint, d.phone_point).opted_out_channels == ["sms"]
        assert s.get(OutboxMessage, queued.message_id).status == "cancelled"
        ev = s.scalars(select(ContactEvent).where(ContactEvent.initiated_by == "consumer")).one()
        assert (ev.channel, ev.contact_point_id) == ("sms", d.phone_point)
        row = s.scalars(select(InboundMessage)).one()
        assert vault.decrypt(row.body_enc, field=pii.INBOUND_BODY) == "退订"
    again = sms_in(db, vault, "+8613812345678", "退订", "m-1")
    assert again.duplicate


def test_stop_on_a_third_party_number(db, vault, make):
    d = make(
        pack="US",
        phone="+12125550123",
        extra_points=(("ec", "phone", "emergency_contact", "application"),),
    )
    with db.transaction() as s:
        ec_number = vault.decrypt(
            s.get(ContactPoint, d.points["ec"]).value_enc, field=pii.CONTACT_POINT_VALUE
        )
    sms_in(db, vault, ec_number, "STOP", "m-2")
    us_day = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    with gate.transaction(db) as s:
        r = gate.attempt(
            s,
            scope=SYSTEM,
            actor="t",
            loan_ref=d.loan_ref,
            channel="sms",
            party="emergency_contact",
            purpose="location",
            contact_point_id=d.points["ec"],
            now=us_day,
            content="Please ask John to call us. Reply STOP to opt out.",
        )
    assert "US:number-opt-out" in [v.rule for v in r.violations]
    assert "12 CFR 1006.14(h)" in [v.provision for v in r.violations]


def test_help_answers_through_the_gate(db, vault, make):
    d = make(settings={"hotline": "400-123-4567"})
    r = sms_in(db, vault, d.phone, "帮助", "m-3")
    assert r.keyword == "help" and len(r.replies) == 1
    with db.transaction() as s:
        m = s.get(OutboxMessage, r.replies[0])
        body = vault.decrypt(m.body_enc, field=pii.OUTBOX_BODY)
        assert m.kind == "service" and "400-123-4567" in body and body.startswith("【")
        ev = s.get(ContactEvent, m.contact_event_id)
        assert ev.purpose == "response"


def test_help_after_stop_is_still_answered_once(db, vault, make):
    d = make()
    sms_in(db, vault, d.phone, "TD", "m-4")
    r = sms_in(db, vault, d.phone, "HELP", "m-5", CN_DAY + timedelta(minutes=1))
    assert len(r.replies) == 1  # one reply to the consumer's own message
    again = sms_in(db, vault, d.phone, "HELP", "m-6", CN_DAY + timedelta(minutes=2))
    assert len(again.replies) == 1


DSN = b"""From: MAILER-DAEMON@mx.example.com
To: ops@acme.test
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Your message could not be delivered.
--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; debtor@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 no such user

--b1
Content-Type: text/rfc822-headers

Message-ID: <abc123@acme.test>
Subject: reminder

--b1--
"""


def test_parse_dsn():
    (d,) = parse_dsn(DSN)
    assert d == Dsn("debtor@example.com", "failed", "5.1.1", "<abc123@acme.test>")
    assert d.permanent


def test_bounce_invalidates_the_address(db, vault, make):
    d = make()
    with gate.transaction(db) as s:
        sent = messages.send(
            s,
            vault,
            scope=SYSTEM,
            actor="t",
            loan_ref=d.loan_ref,
            channel="email",
            template="reminder",
            now=CN_DAY,
        )
        m = s.get(OutboxMessage, sent.message_id)
        m.status, m.provider_message_id = "sent", "<abc123@acme.test>"
    (dsn,) = parse_dsn(DSN)
    with gate.transaction(db) as s:
        r = inbound.handle_bounce(s, vault, dsn=dsn, provider_message_id="b-1", now=CN_DAY)
    assert (
        r.permanent and r.contact_point_ids == (d.email_point,) and r.message_id == sent.message_id
    )
    with db.transaction() as s:
        assert s.get(ContactPoint, d.email_point).status == "invalid"
        assert s.get(ContactEvent, sent.attempt_id).outcome == "bounced"
    soft = Dsn("debtor@example.com", "delayed", "4.2.2")
    with gate.transaction(db) as s:
        assert not inbound.handle_bounce(s, vault, dsn=soft, provider_message_id="b-2").permanent
