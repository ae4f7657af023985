"""What every channel adapter takes and returns."""

from __future__ import annotations

import hashlib
from typing import NamedTuple, Protocol

__all__ = ["Adapter", "OutboundMessage", "SendOutcome", "message_id_for"]


class OutboundMessage(NamedTuple):
    key: str  # idempotency key (unique per message, stable across retries)
    channel: str  # sms email app
    recipient: str
    body: str
    subject: str | None = None
    message_id: int = 0  # the outbox row


class SendOutcome(NamedTuple):
    ok: bool
    provider_id: str | None = None
    permanent: bool = False  # retrying cannot help (dead-letter now)
    invalid_recipient: bool = False  # the number/address does not exist
    error: str = ""  # no PII (no recipient, no body)


class Adapter(Protocol):
    channel: str

    def send(self, msg: OutboundMessage) -> SendOutcome: ...

    def close(self) -> None: ...


def message_id_for(key: str, domain: str) -> str:
    """A stable RFC 5322 Message-ID for an idempotency key (retries carry the same id)."""
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:40]}@{domain}>"
