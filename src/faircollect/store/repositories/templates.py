"""Message templates: versioned per creditor, code, channel and locale."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from ..scope import Scope
from ..tables import MessageTemplate

__all__ = ["NewTemplate", "add_version", "get", "latest", "list_for_creditor", "versions"]


class NewTemplate(NamedTuple):
    creditor_id: int
    code: str
    channel: str
    locale: str
    body: str
    subject: str | None = None
    purpose: str = "reminder"
    created_by: str = "system"


def _scope_clause(scope: Scope) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = true()
    if scope.borrower_id is not None:
        return MessageTemplate.id.is_(None)  # borrowers do not see templates
    if scope.creditor_ids is not None:
        clause = clause & MessageTemplate.creditor_id.in_(sorted(scope.creditor_ids))
    return clause


def add_version(session: Session, new: NewTemplate, *, now: datetime) -> MessageTemplate:
    """Store `new` as the next version of its (creditor, code, channel, locale)."""
    current = session.scalar(
        select(func.max(MessageTemplate.version)).where(
            MessageTemplate.creditor_id == new.creditor_id,
            MessageTemplate.code == new.code,
            MessageTemplate.channel == new.channel,
            MessageTemplate.locale == new.locale,
        )
    )
    row = MessageTemplate(
        creditor_id=new.creditor_id,
        code=new.code,
        channel=new.channel,
        locale=new.locale,
        version=int(current or 0) + 1,
        purpose=new.purpose,
        subject=new.subject,
        body=new.body,
        active=True,
        created_by=new.created_by,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def latest(
    session: Session, creditor_id: int, code: str, channel: str, locale: str, *, scope: Scope
) -> MessageTemplate | None:
    """The highest active version, or None."""
    stmt = (
        select(MessageTemplate)
        .where(
            MessageTemplate.creditor_id == creditor_id,
            MessageTemplate.code == code,
            MessageTemplate.channel == channel,
            MessageTemplate.locale == locale,
            MessageTemplate.active.is_(True),
            _scope_clause(scope),
        )
        .order_by(MessageTemplate.version.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def get(session: Session, template_id: int, *, scope: Scope) -> MessageTemplate | None:
    stmt = select(MessageTemplate).where(MessageTemplate.id == template_id, _scope_clause(scope))
    return session.scalar(stmt)


def versions(
    session: Session, creditor_id: int, code: str, channel: str, locale: str, *, scope: Scope
) -> list[MessageTemplate]:
    stmt = (
        select(MessageTemplate)
        .where(
            MessageTemplate.creditor_id == creditor_id,
            MessageTemplate.code == code,
            MessageTemplate.channel == channel,
            MessageTemplate.locale == locale,
            _scope_clause(scope),
        )
        .order_by(MessageTemplate.version)
    )
    return list(session.scalars(stmt))


def list_for_creditor(session: Session, creditor_id: int, *, scope: Scope) -> list[MessageTemplate]:
    """The latest active version of every template of a creditor."""
    newest = (
        select(
            MessageTemplate.code,
            MessageTemplate.channel,
            MessageTemplate.locale,
            func.max(MessageTemplate.version).label("v"),
        )
        .where(MessageTemplate.creditor_id == creditor_id, MessageTemplate.active.is_(True))
        .group_by(MessageTemplate.code, MessageTemplate.channel, MessageTemplate.locale)
        .subquery()
    )
    stmt = (
        select(MessageTemplate)
        .join(
            newest,
            (MessageTemplate.code == newest.c.code)
            & (MessageTemplate.channel == newest.c.channel)
            & (MessageTemplate.locale == newest.c.locale)
            & (MessageTemplate.version == newest.c.v),
        )
        .where(MessageTemplate.creditor_id == creditor_id, _scope_clause(scope))
        .order_by(MessageTemplate.code, MessageTemplate.channel, MessageTemplate.locale)
    )
    return list(session.scalars(stmt))
