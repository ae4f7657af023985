"""Provider webhooks end to end: a signed 退订/STOP over HTTP blocks the next SMS to that
number with the opt-out provision; HELP is answered; bounces invalidate the address."""

from __future__ import annotations

import json
import time

import pytest

from faircollect import clock
from faircollect.contacts.inbound import sign
from faircollect.store.tables import ContactPoint, OutboxMessage

NOW = "2026-03-04T10:00:00+08:00"
SECRET = "provider-shared-secret-0123456789"


@pytest.fixture(autouse=True)
def _env(frozen_now, monkeypatch):
    frozen_now(NOW)
    monkeypatch.setenv("FAIRCOLLECT_INBOUND_SECRET", SECRET)


def signed(client, path, payload, *, secret=SECRET, content_type="application/json", ts=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    stamp = str(int(clock.now().timestamp()) if ts is None else ts)
    return client.post(
        path,
        content=body,
        headers={
            "Content-Type": content_type,
            "X-Faircollect-Timestamp": stamp,
            "X-Faircollect-Signature": sign(secret, stamp, body),
        },
    )


@pytest.mark.parametrize("word", ["退订", "STOP", "ｔｄ"])
def test_inbound_stop_blocks_the_next_sms_with_the_opt_out_provision(
    anon, client_for, world, db, word
):
    c = client_for("collector", auth="token")
    sms = {"loan_ref": world.a.loan_ref, "channel": "sms", "template": "reminder"}
    before = c.post("/api/v1/messages", json=sms)
    assert before.status_code == 201
    r = signed(
        anon,
        "/api/v1/inbound/sms",
        {"from": world.a.pii.phone_e164, "text": word, "message_id": f"prov-{word}"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["keyword"] == "stop" and r.json()["matched"] == 1
    assert r.json()["cancelled_messages"] == 1
    after = c.post("/api/v1/messages", json=sms)
    assert after.status_code == 409
    v = after.json()["violations"]
    assert [(x["rule"], x["provision"]) for x in v] == [
        ("CN:channel-opt-out", "faircollect policy: borrower contact preferences")
    ]
    call = c.post(
        "/api/v1/contact-attempts", json={"loan_ref": world.a.loan_ref, "channel": "call"}
    )
    assert call.status_code == 201  # STOP binds SMS only
    with db.transaction() as s:
        assert s.get(OutboxMessage, before.json()["message_id"]).status == "cancelled"
    retry = signed(
        anon,
        "/api/v1/inbound/sms",
        {"from": world.a.pii.phone_e164, "text": word, "message_id": f"prov-{word}"},
    )
    assert retry.json()["duplicate"] is True


def test_unsigned_or_stale_webhooks_are_refused(anon, world):
    payload = {"from": world.a.pii.phone, "text": "STOP", "message_id": "x1"}
    r = anon.post("/api/v1/inbound/sms", json=payload)
    assert r.status_code == 401 and r.json()["type"].endswith("bad-signature")
    assert signed(anon, "/api/v1/inbound/sms", payload, secret="wrong").status_code == 401
    old = int(clock.now().timestamp()) - 3600
    assert signed(anon, "/api/v1/inbound/sms", payload, ts=old).status_code == 401
    assert signed(anon, "/api/v1/inbound/sms", {"text": "STOP"}).status_code == 422


def test_help_is_answered(anon, world, db):
    r = signed(
        anon,
        "/api/v1/inbound/sms",
        {"from": world.a.pii.phone, "text": "帮助", "message_id": "h-1"},
    )
    assert r.status_code == 200 and r.json()["keyword"] == "help" and r.json()["replies"] == 1
    with db.transaction() as s:
        (m,) = s.query(OutboxMessage).all()
        assert (m.template_code, m.kind, m.channel) == ("help", "service", "sms")


def test_bounce_marks_the_address_invalid(anon, world, db):
    r = signed(
        anon,
        "/api/v1/inbound/email",
        {"recipient": world.a.pii.email, "status": "5.1.1", "action": "failed", "id": "bounce-1"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["permanent"] is True
    with db.transaction() as s:
        points = s.query(ContactPoint).filter(ContactPoint.kind == "email").all()
        assert [p.status for p in points] == ["invalid"]
    dsn = (
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n"
        b"--x\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
        b"Final-Recipient: rfc822; nobody@example.org\nAction: failed\nStatus: 5.1.1\n\n--x--\n"
    )
    raw = signed(anon, "/api/v1/inbound/email", dsn, content_type="message/rfc822")
    assert raw.status_code == 200 and raw.json()["results"][0]["permanent"] is True


def test_webhook_needs_no_session_or_csrf(client_for, world):
    # a signed-in browser posting to the webhook without a signature still gets 401
    c = client_for("collector")
    assert (
        c.post(
            "/api/v1/inbound/sms", json={"from": "1", "text": "x", "message_id": "1"}
        ).status_code
        == 401
    )
    time.sleep(0)
