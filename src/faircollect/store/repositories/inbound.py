"""Inbound provider messages (SMS replies, e-mail bounces): one row per provider message id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..tables import InboundMessage

__all__ = ["add_once", "get_by_provider_id"]


def get_by_provider_id(session: Session, provider_message_id: str) -> InboundMessage | None:
    stmt = select(InboundMessage).where(InboundMessage.provider_message_id == provider_message_id)
    return session.scalar(stmt)


def add_once(
    session: Session,
    *,
    provider_message_id: str,
    channel: str,
    keyword: str,
    sender_enc: str | None,
    sender_bidx: str | None,
    body_enc: str | None,
    contact_point_ids: Sequence[int],
    received_at: datetime,
    now: datetime,
) -> InboundMessage | None:
    """Store the message; None when this provider id was stored before (a webhook retry)."""
    if get_by_provider_id(session, provider_message_id) is not None:
        return None
    row = InboundMessage(
        provider_message_id=provider_message_id,
        channel=channel,
        keyword=keyword,
        sender_enc=sender_enc,
        sender_bidx=sender_bidx,
        body_enc=body_enc,
        contact_point_ids=list(contact_point_ids),
        received_at=received_at,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row
