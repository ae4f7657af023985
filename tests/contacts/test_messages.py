"""Messages: rendered, gated, and written to the outbox in the decision's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from faircollect.contacts import gate, messages
from faircollect.store import pii
from faircollect.store.tables import AuditEvent, ContactEvent, OutboxMessage
from tests.contacts.conftest import SYSTEM

CN_DAY = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def send(db, vault, d, now=CN_DAY, **kw):
    args = {"channel": "sms", "template": "reminder", **kw}
    with gate.transaction(db) as s:
        return messages.send(
            s, vault, scope=SYSTEM, actor="user:li", loan_ref=d.loan_ref, now=now, **args
        )


def count(db, model):
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_allowed_message_is_queued_with_the_attempt(db, vault, make):
    d = make()
    r = send(db, vault, d)
    assert r.allowed and r.message_id is not None
    with db.transaction() as s:
        m = s.get(OutboxMessage, r.message_id)
        assert (m.status, m.channel, m.contact_event_id, m.contact_point_id) == (
            "pending",
            "sms",
            r.attempt_id,
            d.phone_point,
        )
        body = vault.decrypt(m.body_enc, field=pii.OUTBOX_BODY)
        assert body.startswith("【ACME Lending】张三您好") and body.endswith("回复TD退订")
        assert vault.decrypt(m.recipient_enc, field=pii.OUTBOX_RECIPIENT) == d.phone
        assert "张三" not in m.body_enc and d.phone not in m.recipient_enc
        assert (m.template_code, m.template_version, m.locale) == ("reminder", 1, "zh_CN")
        ev = s.get(ContactEvent, r.attempt_id)
        assert (ev.status, ev.purpose) == ("attempted", "reminder")
        a = s.scalar(select(AuditEvent).where(AuditEvent.action == "contact.attempt"))
        assert a.payload["message_id"] == m.id and len(a.payload["content_sha256"]) == 64


def test_english_borrower_gets_english_email(db, vault, make):
    d = make(locale="en")
    r = send(db, vault, d, channel="email")
    with db.transaction() as s:
        m = s.get(OutboxMessage, r.message_id)
        subject = vault.decrypt(m.subject_enc, field=pii.OUTBOX_SUBJECT)
        body = vault.decrypt(m.body_enc, field=pii.OUTBOX_BODY)
    assert subject == "ACME Lending: payment reminder"
    assert body.startswith("Hello 张三,") and body.rstrip().endswith("回复TD退订")


def test_blocked_message_is_not_queued(db, vault, make):
    d = make()
    night = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    r = send(db, vault, d, now=night)
    assert not r.allowed and r.message_id is None
    assert [v.rule for v in r.attempt.violations] == ["CN:quiet-hours"]
    assert count(db, OutboxMessage) == 0


def test_threatening_content_is_blocked_by_the_lint(db, vault, make):
    d = make()
    r = send(db, vault, d, template=None, content="再不还钱就爆你通讯录，让你全家知道！")
    assert not r.allowed and "CN:conduct" in [v.rule for v in r.attempt.violations]
    assert count(db, OutboxMessage) == 0


def test_idempotency_key_sends_once(db, vault, make):
    d = make()
    a = send(db, vault, d, idempotency_key="job-7:L1")
    b = send(db, vault, d, idempotency_key="job-7:L1", now=CN_DAY + timedelta(minutes=1))
    assert not a.replayed and b.replayed and a.message_id == b.message_id
    assert count(db, OutboxMessage) == 1 and count(db, ContactEvent) == 1


def test_rollback_leaves_neither_attempt_nor_message(db, vault, make):
    d = make()
    with pytest.raises(RuntimeError), gate.transaction(db) as s:
        messages.send(
            s,
            vault,
            scope=SYSTEM,
            actor="t",
            loan_ref=d.loan_ref,
            channel="sms",
            template="reminder",
            now=CN_DAY,
        )
        raise RuntimeError("crash before commit")
    assert count(db, OutboxMessage) == 0 and count(db, ContactEvent) == 0
