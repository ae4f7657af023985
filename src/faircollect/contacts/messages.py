"""Sending a message (SMS, e-mail, app): render, check and record through the gate, and write
the outbox row in the SAME transaction as the decision that allowed it.

    with gate.transaction(db) as session:
        r = messages.send(session, vault, scope=scope, actor="user:li", loan_ref="L1",
                          channel="sms", template="reminder")

The recipient is the given contact point, else the best point of the party for the channel
(`contact_points.best_point`); the text is the template rendered in the borrower's locale (or
the given content), decorated with the pack's required lines. The rule engine lints it (a
finding blocks). An ``idempotency_key`` makes a retried call return the first result instead
of sending twice; it is also the key the providers deduplicate on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from faircollect import clock
from faircollect.store.db import Session
from faircollect.store.repositories import contact_points as points_repo
from faircollect.store.repositories import loans as loans_repo
from faircollect.store.repositories import outbox as outbox_repo
from faircollect.store.scope import Scope
from faircollect.store.tables import OutboxMessage
from faircollect.vault import Vault

from . import contact_points, gate, policy, state, templates
from .errors import Invalid, loan_not_found

__all__ = ["MESSAGE_CHANNELS", "SendResult", "message_view", "send"]

MESSAGE_CHANNELS = ("sms", "email", "app")


class SendResult(NamedTuple):
    allowed: bool
    attempt_id: int
    message_id: int | None
    replayed: bool = False
    attempt: gate.AttemptResult | None = None

    def to_json(self, locale: str = "en") -> dict[str, Any]:
        if self.attempt is not None:
            out = self.attempt.to_json(locale)
        else:
            out = {"allowed": self.allowed, "attempt_id": self.attempt_id}
        out["message_id"] = self.message_id
        out["replayed"] = self.replayed
        return out


def _key(creditor_id: int, key: str) -> str:
    return f"c{creditor_id}:{key}"[:128]


def send(
    session: Session,
    vault: Vault,
    *,
    scope: Scope,
    actor: str,
    loan_ref: str,
    channel: str,
    template: str | None = None,
    content: str | None = None,
    subject: str | None = None,
    party: str = "debtor",
    purpose: str | None = None,
    contact_point_id: int | None = None,
    locale: str | None = None,
    idempotency_key: str | None = None,
    in_response_to_consumer: bool = False,
    kind: str | None = None,
    now: datetime | None = None,
) -> SendResult:
    if channel not in MESSAGE_CHANNELS:
        raise Invalid(
            "invalid_channel",
            f"Messages go by {', '.join(MESSAGE_CHANNELS)}.",
            f"消息渠道为 {', '.join(MESSAGE_CHANNELS)}。",
            field="channel",
        )
    if (template is None) == (content is None):
        raise Invalid(
            "template_or_content",
            "Give either a template or a content.",
            "请提供模板或正文（二选一）。",
            field="template",
        )
    at = now or clock.now()
    full_key = None
    if idempotency_key is not None:
        loan = loans_repo.get_by_ref(session, loan_ref, scope=scope)
        if loan is None:
            raise loan_not_found(loan_ref)
        full_key = _key(loan.creditor_id, idempotency_key)
        found = outbox_repo.by_key(session, full_key, scope=scope)
        if found is not None:
            return SendResult(True, found.contact_event_id or 0, found.id, replayed=True)

    def compose(ctx: gate.GateContext) -> gate.Composed:
        point_kind = state.KIND_FOR_CHANNEL[channel]
        point = ctx.point or contact_points.best_point(
            ctx.points, kind=point_kind, party=party, channel=channel
        )
        if point is None and party == "debtor" and channel in ("sms", "email"):
            # the borrower's own number/address without a contact point row yet: add one, so
            # that opt-outs and bounces bind to it
            point = contact_points.own_point(session, vault, ctx.borrower, point_kind, ctx.now)
        if point is not None:
            recipient = points_repo.reveal_value(vault, point)
        elif party == "debtor" and channel == "app":
            recipient = ctx.borrower.ref  # the app backend knows its users by borrower ref
        else:
            raise Invalid(
                "no_recipient",
                f"No {point_kind} to reach the {party} by {channel}.",
                f"没有可通过 {channel} 联系 {party} 的 {point_kind}。",
            )
        if template is not None:
            r = templates.render_for(
                session,
                vault,
                creditor=ctx.creditor,
                borrower=ctx.borrower,
                loan=ctx.loan,
                code=template,
                channel=channel,
                now=ctx.now,
                locale=locale,
                third_party=party != "debtor",
            )
            body, subj, loc = r.body, r.subject, r.locale
            code, version, use_purpose, msg_kind = r.code, r.version, r.purpose, r.kind
        else:
            assert content is not None
            loc = templates.template_locale(locale or ctx.borrower.locale)
            body = templates.decorate(
                content,
                pack=ctx.creditor.pack,
                channel=channel,
                locale=loc,
                sender=policy.sender_name(ctx.creditor.settings, ctx.creditor.name),
                first_communication=ctx.loan.first_communication_at is None,
                third_party=party != "debtor",
            )
            subj, code, version, use_purpose, msg_kind = subject, None, None, None, "collection"
        return gate.Composed(
            content=body,
            recipient=recipient,
            contact_point_id=None if point is None else point.id,
            subject=subj,
            locale=loc,
            template_code=code,
            template_version=version,
            kind=kind or msg_kind,
            idempotency_key=full_key,
            purpose=purpose or use_purpose,
        )

    result = gate.attempt(
        session,
        scope=scope,
        actor=actor,
        loan_ref=loan_ref,
        channel=channel,
        party=party,
        place=None,
        purpose=purpose or "reminder",
        contact_point_id=contact_point_id,
        in_response_to_consumer=in_response_to_consumer,
        now=at,
        vault=vault,
        composer=compose,
    )
    return SendResult(result.allowed, result.attempt_id, result.message_id, False, result)


def message_view(m: OutboxMessage) -> dict[str, Any]:
    """A message's delivery state (no recipient, no text)."""
    return {
        "message_id": m.id,
        "attempt_id": m.contact_event_id,
        "channel": m.channel,
        "status": m.status,
        "attempts": m.attempts,
        "template": m.template_code,
        "template_version": m.template_version,
        "locale": m.locale,
        "created_at": m.created_at.isoformat(),
        "sent_at": None if m.sent_at is None else m.sent_at.isoformat(),
        "next_attempt_at": m.next_attempt_at.isoformat() if m.status == "pending" else None,
        "last_error": m.last_error,
    }
