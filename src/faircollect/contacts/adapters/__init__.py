"""Channel adapters: SMTP (e-mail), a generic JSON SMS provider over HTTP, app push through a
webhook, and a file sink for development. Every adapter passes the message's idempotency key
to the provider (SMTP: a Message-ID derived from it plus ``X-Idempotency-Key``; HTTP: an
``idempotency_key`` field and an ``Idempotency-Key`` header) so that a provider that
deduplicates by key turns the outbox's at-least-once delivery into exactly-once delivery."""

from .base import Adapter, OutboundMessage, SendOutcome, message_id_for

__all__ = ["Adapter", "OutboundMessage", "SendOutcome", "message_id_for"]
