"""Inbound messages from providers: SMS replies and e-mail bounces.

Webhooks are authenticated with an HMAC-SHA256 signature over ``"<timestamp>." + body``
(header ``X-Faircollect-Signature: sha256=<hex>``, timestamp in ``X-Faircollect-Timestamp``,
Unix seconds, at most 5 minutes off), with a secret shared with the provider
(`channels.inbound_secret`). A provider's message id makes retried webhooks idempotent.

SMS replies (`classify`, after Unicode NFKC so full-width letters count, case-insensitive):
- opt-out: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPT OUT, TD, T, N, R, 0, 00, 0000,
  退订, 取消, 拒收, 停止 (exactly, or a message starting with STOP/TD, or containing 退订 / 拒收 /
  unsubscribe): every contact point with that number opts out of SMS (the gate then blocks the
  next SMS to it with the pack's opt-out provision) and queued SMS to it are cancelled. No
  confirmation is sent (a message after STOP could itself be a violation).
- help: HELP, INFO, 帮助, 客服: the creditor's ``help`` template is sent back through the gate
  (purpose ``response``, in response to the consumer: the one-reply exception applies).
- anything else is recorded.
Every reply is recorded as a consumer-initiated contact (it starts the one-reply exception).

E-mail bounces (DSN, RFC 3464, or a provider's JSON): a permanent failure (action ``failed``,
status 5.x.x) marks every e-mail contact point with that address invalid and the message's
attempt ``bounced``; a temporary one (4.x.x, ``delayed``) is only recorded.
"""

from __future__ import annotations

import email
import hashlib
import hmac
import re
import unicodedata
from datetime import datetime
from email.message import Message
from typing import Any, NamedTuple

from faircollect import audit, clock
from faircollect.store import pii
from faircollect.store.db import Session
from faircollect.store.repositories import contact_events as events_repo
from faircollect.store.repositories import gate as gate_repo
from faircollect.store.repositories import inbound as repo
from faircollect.store.repositories import outbox as outbox_repo
from faircollect.store.scope import Scope
from faircollect.store.tables import ContactPoint, Loan
from faircollect.vault import InvalidValue, Vault, mask_email, mask_phone

from . import contact_points, messages, outcomes
from .errors import ContactsError

__all__ = [
    "BounceResult",
    "Dsn",
    "InboundResult",
    "classify",
    "handle_bounce",
    "handle_sms",
    "parse_dsn",
    "sign",
    "verify_signature",
]

ACTOR = "system:inbound"
SIGNATURE_TOLERANCE_S = 300
STOP_WORDS = frozenset(
    {
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "optout",
        "opt out",
        "opt-out",
        "td",
        "t",
        "n",
        "r",
        "0",
        "00",
        "0000",
        "退订",
        "取消",
        "拒收",
        "停止",
        "退订短信",
    }
)
HELP_WORDS = frozenset({"help", "info", "帮助", "客服", "人工客服"})
_EDGE = re.compile(r"^[\s\W_]+|[\s\W_]+$", re.UNICODE)
_STOP_PREFIX = re.compile(r"^(stop|td|unsubscribe)(?![a-z0-9])")


def _norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text or "").casefold().strip()
    return re.sub(r"\s+", " ", _EDGE.sub("", t))


def classify(text: str) -> str:
    """ "stop", "help" or "other"."""
    t = _norm(text)
    if (
        t in STOP_WORDS
        or _STOP_PREFIX.match(t)
        or any(w in t for w in ("退订", "拒收", "unsubscribe"))
    ):
        return "stop"
    if t in HELP_WORDS:
        return "help"
    return "other"


# ---------------------------------------------------------------------------------------
# webhook signatures
# ---------------------------------------------------------------------------------------
def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str, *, timestamp: str | None, signature: str | None, body: bytes, now: datetime
) -> bool:
    if not secret or not timestamp or not signature:
        return False
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now.timestamp() - ts) > SIGNATURE_TOLERANCE_S:
        return False
    expected = sign(secret, timestamp, body)
    given = signature if signature.startswith("sha256=") else f"sha256={signature}"
    return hmac.compare_digest(expected, given)


# ---------------------------------------------------------------------------------------
# SMS
# ---------------------------------------------------------------------------------------
class InboundResult(NamedTuple):
    keyword: str
    contact_point_ids: tuple[int, ...]
    duplicate: bool = False
    cancelled_messages: tuple[int, ...] = ()
    replies: tuple[int, ...] = ()  # outbox ids of HELP replies

    def to_json(self) -> dict[str, Any]:
        return {
            "keyword": self.keyword,
            "matched": len(self.contact_point_ids),
            "duplicate": self.duplicate,
            "cancelled_messages": len(self.cancelled_messages),
            "replies": len(self.replies),
        }


def _loan_for_reply(session: Session, borrower_id: int) -> Loan | None:
    loans = [ln for ln in gate_repo.loans_of_borrower(session, borrower_id) if not ln.hold_reason]
    if not loans:
        return None
    active = [ln for ln in loans if ln.status == "active"] or loans
    return max(active, key=lambda ln: (ln.overdue_since is not None, ln.id))


def _record_contact(
    session: Session, cp: ContactPoint, creditor_id: int, channel: str, at: datetime
) -> int:
    ev = events_repo.add(
        session,
        events_repo.NewContactEvent(
            creditor_id=creditor_id,
            borrower_id=cp.borrower_id,
            at=at,
            channel=channel,
            party=cp.party,
            place=cp.place,
            purpose="response",
            outcome="delivered",
            initiated_by="consumer",
            collector=ACTOR,
            contact_point_id=cp.id,
            status="completed",
        ),
        now=at,
    )
    return ev.id


def handle_sms(
    session: Session,
    vault: Vault,
    *,
    sender: str,
    text: str,
    provider_message_id: str,
    received_at: datetime | None = None,
    now: datetime | None = None,
) -> InboundResult:
    """Process one inbound SMS (see the module docstring). Open the transaction with
    `gate.transaction(db)`: HELP replies go through the gate."""
    at = now or clock.now()
    when = received_at or at
    keyword = classify(text)
    points = contact_points.points_for_value(session, vault, kind="phone", value=sender, now=at)
    try:
        sender_bidx = vault.blind_index(sender, kind="phone")
    except InvalidValue:
        sender_bidx = None
    row = repo.add_once(
        session,
        provider_message_id=provider_message_id,
        channel="sms",
        keyword=keyword,
        sender_enc=vault.encrypt(sender, field=pii.INBOUND_SENDER),
        sender_bidx=sender_bidx,
        body_enc=vault.encrypt(text, field=pii.INBOUND_BODY),
        contact_point_ids=[p.id for p in points],
        received_at=when,
        now=at,
    )
    if row is None:
        return InboundResult(keyword, tuple(p.id for p in points), duplicate=True)
    cancelled: list[int] = []
    replies: list[int] = []
    replied_creditors: set[int] = set()
    for cp in points:
        borrower = gate_repo.lock_borrower(session, cp.borrower_id)
        _record_contact(session, cp, borrower.creditor_id, "sms", when)
        if keyword == "stop":
            _, c = contact_points.opt_out(
                session,
                actor=ACTOR,
                contact_point_id=cp.id,
                channel="sms",
                reason="inbound STOP",
                now=at,
            )
            cancelled += c
        elif keyword == "help" and borrower.creditor_id not in replied_creditors:
            loan = _loan_for_reply(session, borrower.id)
            if loan is None:
                continue
            try:
                r = messages.send(
                    session,
                    vault,
                    scope=Scope.system(),
                    actor=ACTOR,
                    loan_ref=loan.ref,
                    channel="sms",
                    template="help",
                    party=cp.party,
                    purpose="response",
                    contact_point_id=cp.id,
                    idempotency_key=f"help:{provider_message_id}",
                    in_response_to_consumer=True,
                    kind="service",
                    now=at,
                )
            except ContactsError:
                continue
            replied_creditors.add(borrower.creditor_id)
            if r.message_id is not None:
                replies.append(r.message_id)
    audit.append(
        session,
        actor=ACTOR,
        action="inbound.sms",
        entity=f"inbound:{row.id}",
        payload={
            "inbound_id": row.id,
            "keyword": keyword,
            "sender": mask_phone(sender, vault.phone_region) if sender_bidx else "***",
            "contact_point_ids": [p.id for p in points],
            "cancelled_messages": cancelled,
            "replies": replies,
        },
    )
    return InboundResult(
        keyword, tuple(p.id for p in points), False, tuple(cancelled), tuple(replies)
    )


# ---------------------------------------------------------------------------------------
# e-mail bounces
# ---------------------------------------------------------------------------------------
class Dsn(NamedTuple):
    recipient: str
    action: str  # failed delayed delivered relayed expanded
    status: str  # e.g. 5.1.1
    original_message_id: str | None = None

    @property
    def permanent(self) -> bool:
        return self.action == "failed" and self.status.startswith("5")


class BounceResult(NamedTuple):
    permanent: bool
    contact_point_ids: tuple[int, ...]
    duplicate: bool = False
    message_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "permanent": self.permanent,
            "matched": len(self.contact_point_ids),
            "duplicate": self.duplicate,
            "message_id": self.message_id,
        }


def _strip_type(value: str | None) -> str:
    text = (value or "").strip()
    return text.split(";", 1)[1].strip() if ";" in text else text


def parse_dsn(raw: bytes | str) -> list[Dsn]:
    """Per-recipient results of an RFC 3464 delivery status notification."""
    msg = (
        email.message_from_bytes(raw) if isinstance(raw, bytes) else email.message_from_string(raw)
    )
    original: str | None = None
    groups: list[Message] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            payload = part.get_payload()
            if isinstance(payload, list):
                groups.extend(p for p in payload if isinstance(p, Message))
        elif ctype in ("message/rfc822", "text/rfc822-headers") and original is None:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                original = inner[0].get("Message-ID")
            elif isinstance(inner, str):
                original = email.message_from_string(inner).get("Message-ID")
    out = []
    for g in groups:
        rcpt = _strip_type(g.get("Final-Recipient") or g.get("Original-Recipient"))
        if not rcpt:
            continue
        out.append(
            Dsn(
                recipient=rcpt,
                action=(g.get("Action") or "").strip().lower(),
                status=(g.get("Status") or "").strip(),
                original_message_id=original,
            )
        )
    return out


def handle_bounce(
    session: Session,
    vault: Vault,
    *,
    dsn: Dsn,
    provider_message_id: str,
    now: datetime | None = None,
) -> BounceResult:
    at = now or clock.now()
    points = contact_points.points_for_value(
        session, vault, kind="email", value=dsn.recipient, now=at
    )
    try:
        bidx = vault.blind_index(dsn.recipient, kind="email")
    except InvalidValue:
        bidx = None
    row = repo.add_once(
        session,
        provider_message_id=provider_message_id,
        channel="email",
        keyword="bounce" if dsn.permanent else "delay",
        sender_enc=vault.encrypt(dsn.recipient, field=pii.INBOUND_SENDER),
        sender_bidx=bidx,
        body_enc=None,
        contact_point_ids=[p.id for p in points],
        received_at=at,
        now=at,
    )
    if row is None:
        return BounceResult(dsn.permanent, tuple(p.id for p in points), duplicate=True)
    message_id = None
    if dsn.permanent:
        for cp in points:
            if cp.status != "invalid":
                contact_points.mark_invalid(
                    session,
                    actor=ACTOR,
                    contact_point_id=cp.id,
                    reason=f"bounce {dsn.status}",
                    now=at,
                )
        if dsn.original_message_id:
            m = outbox_repo.by_provider_id(session, dsn.original_message_id.strip())
            if m is not None:
                message_id = m.id
                if m.contact_event_id is not None:
                    outcomes.record_delivery(
                        session, event_id=m.contact_event_id, outcome="bounced", actor=ACTOR, now=at
                    )
    audit.append(
        session,
        actor=ACTOR,
        action="inbound.bounce",
        entity=f"inbound:{row.id}",
        payload={
            "inbound_id": row.id,
            "recipient": mask_email(dsn.recipient) if bidx else "***",
            "action": dsn.action,
            "status": dsn.status,
            "permanent": dsn.permanent,
            "contact_point_ids": [p.id for p in points],
            "message_id": message_id,
        },
    )
    return BounceResult(dsn.permanent, tuple(p.id for p in points), False, message_id)


def dsn_from_json(data: dict[str, Any]) -> Dsn:
    """A provider's JSON bounce: {"recipient", "action"?, "status", "message_id"?}."""
    status = str(data.get("status") or "")
    action = str(data.get("action") or ("failed" if status.startswith("5") else "delayed"))
    return Dsn(
        recipient=str(data.get("recipient") or ""),
        action=action.lower(),
        status=status,
        original_message_id=data.get("original_message_id") or data.get("message_id"),
    )
