"""Outbox and inbound rows hold PII encrypted only, and key rotation covers them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text

from faircollect.contacts import gate, inbound, messages
from faircollect.store import pii, rotation
from faircollect.store.tables import InboundMessage, OutboxMessage
from faircollect.vault import Vault
from tests.contacts.conftest import SYSTEM

CN_DAY = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def test_rotation_reencrypts_messages_and_inbound(db, test_secret_keys, make):
    old = Vault(test_secret_keys[:1])
    d = make()
    with gate.transaction(db) as s:
        messages.send(
            s,
            old,
            scope=SYSTEM,
            actor="t",
            loan_ref=d.loan_ref,
            channel="email",
            template="reminder",
            now=CN_DAY,
        )
        inbound.handle_sms(
            s, old, sender=d.phone, text="hello", provider_message_id="x1", now=CN_DAY
        )
    with db.transaction() as s:  # nothing readable in clear text
        for table in ("outbox_messages", "inbound_messages"):
            for row in s.execute(text(f"SELECT * FROM {table}")):
                dump = " ".join(str(v) for v in row)
                assert d.phone[-8:] not in dump and "debtor@example.com" not in dump
                assert "张三" not in dump
    ring = Vault([test_secret_keys[1], test_secret_keys[0]])
    assert rotation.pending(db, ring)["outbox_messages"] == 1
    rotation.reencrypt(db, ring)
    assert not any(rotation.pending(db, ring).values())
    new = Vault(test_secret_keys[1:2])
    with db.transaction() as s:
        m = s.scalars(select(OutboxMessage)).one()
        assert new.decrypt(m.recipient_enc, field=pii.OUTBOX_RECIPIENT) == "debtor@example.com"
        i = s.scalars(select(InboundMessage)).one()
        assert new.decrypt(i.sender_enc, field=pii.INBOUND_SENDER) == d.phone
        assert i.sender_bidx == new.blind_index(d.phone, kind="phone")
