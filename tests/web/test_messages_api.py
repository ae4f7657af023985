"""Messages and templates over HTTP."""

from __future__ import annotations

import pytest

from faircollect.store import pii
from faircollect.store.tables import OutboxMessage

NOW = "2026-03-04T10:00:00+08:00"


@pytest.fixture(autouse=True)
def _daytime(frozen_now):
    frozen_now(NOW)


def test_send_queues_and_replays(client_for, world, db, vault):
    c = client_for("collector", auth="token")
    body = {"loan_ref": world.a.loan_ref, "channel": "sms", "template": "reminder"}
    r = c.post("/api/v1/messages", json=body, headers={"Idempotency-Key": "m-1"})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["allowed"] and out["message_id"] and out["replayed"] is False
    again = c.post("/api/v1/messages", json=body, headers={"Idempotency-Key": "m-1"})
    assert again.json()["message_id"] == out["message_id"]
    with db.transaction() as s:
        m = s.get(OutboxMessage, out["message_id"])
        assert vault.decrypt(m.recipient_enc, field=pii.OUTBOX_RECIPIENT) == world.a.pii.phone
        assert world.a.pii.name in vault.decrypt(m.body_enc, field=pii.OUTBOX_BODY)
        assert m.idempotency_key.endswith(":m-1")
    status = c.get(f"/api/v1/messages/{out['message_id']}")
    assert status.status_code == 200 and status.json()["status"] == "pending"
    assert world.a.pii.phone not in status.text and world.a.pii.name not in status.text
    other = client_for("collector", ("B",), auth="token")
    assert other.get(f"/api/v1/messages/{out['message_id']}").status_code == 404


def test_blocked_message_is_409_and_not_queued(client_for, world, db, frozen_now):
    frozen_now("2026-03-04T23:30:00+08:00")
    c = client_for("collector", auth="token")
    r = c.post(
        "/api/v1/messages",
        json={"loan_ref": world.a.loan_ref, "channel": "sms", "template": "reminder"},
    )
    assert r.status_code == 409
    assert r.json()["message_id"] is None and r.json()["violations"][0]["rule"] == "CN:quiet-hours"
    with db.transaction() as s:
        assert s.query(OutboxMessage).count() == 0


def test_templates_list_and_lint_on_save(client_for, world):
    sup = client_for("supervisor", auth="token")
    listed = sup.get("/api/v1/templates?creditor=A")
    assert listed.status_code == 200
    codes = {(t["code"], t["channel"], t["locale"]) for t in listed.json()["templates"]}
    assert ("reminder", "sms", "zh_CN") in codes and ("help", "sms", "en") in codes
    bad = sup.post(
        "/api/v1/templates",
        json={
            "creditor": "A",
            "code": "reminder",
            "channel": "sms",
            "locale": "zh_CN",
            "body": "{{ name }}，不还钱就去你单位闹，让你同事都知道！",
        },
    )
    assert bad.status_code == 422
    assert bad.json()["findings"] and bad.json()["code"] == "template_rejected"
    ok = sup.post(
        "/api/v1/templates",
        json={
            "creditor": "A",
            "code": "reminder",
            "channel": "sms",
            "locale": "zh_CN",
            "body": "{{ name }}您好，本期应还{{ amount_due }}，如有困难请联系我们。",
        },
    )
    assert ok.status_code == 201 and ok.json()["version"] == 1
    assert sup.get("/api/v1/templates?creditor=B").status_code == 404
    collector = client_for("collector", auth="token")
    assert (
        collector.post(
            "/api/v1/templates",
            json={"creditor": "A", "code": "x", "channel": "sms", "locale": "en", "body": "Hello"},
        ).status_code
        == 403
    )
