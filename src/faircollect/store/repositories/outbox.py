"""The outbox: outbound messages written in the gate's transaction, claimed by dispatchers.

Claiming (`claim`) takes messages that are due (``pending`` with ``next_attempt_at <= now``)
or whose lease expired (``in_flight`` with ``lease_until < now``: the dispatcher that held it
died), marks them ``in_flight`` with a lease and counts the attempt. On PostgreSQL the rows are
selected ``FOR UPDATE SKIP LOCKED``, so concurrent dispatchers never claim the same message; on
SQLite the caller holds the write lock (``Database.transaction(immediate=True)``), so one
claim runs at a time. Every later transition is guarded by ``leased_by``: a dispatcher whose
lease was taken over cannot overwrite the new owner's result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, func, or_, select, true, update
from sqlalchemy.orm import Session

from ..scope import Scope
from ..tables import ContactPoint, OutboxMessage

__all__ = [
    "Claimed",
    "NewOutboxMessage",
    "add",
    "by_key",
    "by_provider_id",
    "cancel_for_contact_point",
    "claim",
    "counts",
    "defer",
    "get",
    "list_for_borrower",
    "mark_cancelled",
    "mark_dead",
    "mark_retry",
    "mark_sent",
    "point_states",
]

DUE_STATUSES = ("pending",)


class NewOutboxMessage(NamedTuple):
    idempotency_key: str
    creditor_id: int
    borrower_id: int
    channel: str
    recipient_enc: str
    body_enc: str
    subject_enc: str | None = None
    loan_id: int | None = None
    contact_event_id: int | None = None
    contact_point_id: int | None = None
    kind: str = "collection"
    template_code: str | None = None
    template_version: int | None = None
    locale: str = "zh_CN"


class Claimed(NamedTuple):
    """A claimed message as plain values (what a dispatcher needs to send it)."""

    id: int
    idempotency_key: str
    channel: str
    recipient_enc: str
    subject_enc: str | None
    body_enc: str
    attempts: int  # including this one
    contact_point_id: int | None
    contact_event_id: int | None
    creditor_id: int
    borrower_id: int
    created_at: datetime


def _scope_clause(scope: Scope) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = true()
    if scope.creditor_ids is not None:
        clause = clause & OutboxMessage.creditor_id.in_(sorted(scope.creditor_ids))
    if scope.borrower_id is not None:
        clause = clause & (OutboxMessage.borrower_id == scope.borrower_id)
    return clause


def add(session: Session, new: NewOutboxMessage, *, now: datetime) -> OutboxMessage:
    msg = OutboxMessage(
        idempotency_key=new.idempotency_key,
        creditor_id=new.creditor_id,
        borrower_id=new.borrower_id,
        loan_id=new.loan_id,
        contact_event_id=new.contact_event_id,
        contact_point_id=new.contact_point_id,
        channel=new.channel,
        kind=new.kind,
        template_code=new.template_code,
        template_version=new.template_version,
        locale=new.locale,
        recipient_enc=new.recipient_enc,
        subject_enc=new.subject_enc,
        body_enc=new.body_enc,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(msg)
    session.flush()
    return msg


def get(session: Session, message_id: int, *, scope: Scope) -> OutboxMessage | None:
    stmt = select(OutboxMessage).where(OutboxMessage.id == message_id, _scope_clause(scope))
    return session.scalar(stmt)


def by_key(session: Session, key: str, *, scope: Scope) -> OutboxMessage | None:
    stmt = select(OutboxMessage).where(OutboxMessage.idempotency_key == key, _scope_clause(scope))
    return session.scalar(stmt)


def by_provider_id(session: Session, provider_id: str) -> OutboxMessage | None:
    """The message a provider knows by this id (e.g. an e-mail's Message-ID, for bounces)."""
    stmt = select(OutboxMessage).where(OutboxMessage.provider_message_id == provider_id)
    return session.scalars(stmt.limit(1)).first()


def list_for_borrower(
    session: Session, borrower_id: int, *, scope: Scope, limit: int = 100
) -> list[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.borrower_id == borrower_id, _scope_clause(scope))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def claim(
    session: Session,
    *,
    now: datetime,
    lease_until: datetime,
    worker: str,
    limit: int,
    channels: Sequence[str] | None = None,
) -> list[Claimed]:
    """Claim up to `limit` due messages (oldest due first) for `worker`."""
    due = or_(
        and_(OutboxMessage.status.in_(DUE_STATUSES), OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "in_flight", OutboxMessage.lease_until < now),
    )
    stmt = select(OutboxMessage.id).where(due)
    if channels is not None:
        stmt = stmt.where(OutboxMessage.channel.in_(list(channels)))
    stmt = stmt.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(session.scalars(stmt))
    if not ids:
        return []
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(
            status="in_flight",
            lease_until=lease_until,
            leased_by=worker,
            attempts=OutboxMessage.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.idempotency_key,
            OutboxMessage.channel,
            OutboxMessage.recipient_enc,
            OutboxMessage.subject_enc,
            OutboxMessage.body_enc,
            OutboxMessage.attempts,
            OutboxMessage.contact_point_id,
            OutboxMessage.contact_event_id,
            OutboxMessage.creditor_id,
            OutboxMessage.borrower_id,
            OutboxMessage.created_at,
        )
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    ).all()
    return [Claimed(*r) for r in rows]


def _guarded(message_id: int, worker: str) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.id == message_id,
        OutboxMessage.status == "in_flight",
        OutboxMessage.leased_by == worker,
    )


def mark_sent(
    session: Session, message_id: int, *, worker: str, provider_id: str | None, now: datetime
) -> bool:
    """False when the lease was lost (another dispatcher owns the message now)."""
    res = session.execute(
        update(OutboxMessage)
        .where(_guarded(message_id, worker))
        .values(
            status="sent",
            sent_at=now,
            provider_message_id=provider_id,
            lease_until=None,
            last_error=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


def mark_retry(
    session: Session, message_id: int, *, worker: str, error: str, next_at: datetime, now: datetime
) -> bool:
    res = session.execute(
        update(OutboxMessage)
        .where(_guarded(message_id, worker))
        .values(
            status="pending",
            next_attempt_at=next_at,
            lease_until=None,
            leased_by=None,
            last_error=error[:2000],
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


def defer(
    session: Session, message_id: int, *, worker: str, next_at: datetime, reason: str, now: datetime
) -> bool:
    """Put a claimed message back until `next_at` without counting the claim as a send
    (the rules do not allow it now, e.g. quiet hours)."""
    res = session.execute(
        update(OutboxMessage)
        .where(_guarded(message_id, worker))
        .values(
            status="pending",
            next_attempt_at=next_at,
            attempts=OutboxMessage.attempts - 1,
            lease_until=None,
            leased_by=None,
            last_error=reason[:2000],
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


def mark_dead(
    session: Session, message_id: int, *, worker: str | None, error: str, now: datetime
) -> bool:
    """Dead-letter a message (worker None: whatever its state, unless already sent)."""
    cond = (
        _guarded(message_id, worker)
        if worker is not None
        else and_(OutboxMessage.id == message_id, OutboxMessage.status != "sent")
    )
    res = session.execute(
        update(OutboxMessage)
        .where(cond)
        .values(status="dead", lease_until=None, last_error=error[:2000], updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


def mark_cancelled(
    session: Session, message_id: int, *, reason: str, now: datetime, worker: str | None = None
) -> bool:
    cond = (
        _guarded(message_id, worker)
        if worker is not None
        else and_(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
    )
    res = session.execute(
        update(OutboxMessage)
        .where(cond)
        .values(status="cancelled", lease_until=None, last_error=reason[:2000], updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


def cancel_for_contact_point(
    session: Session, contact_point_id: int, channel: str, *, reason: str, now: datetime
) -> list[int]:
    """Cancel every not-yet-sent message of `channel` to a contact point (after an opt-out or
    when the point turned out invalid); returns the cancelled ids."""
    ids = list(
        session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.contact_point_id == contact_point_id,
                OutboxMessage.channel == channel,
                OutboxMessage.status == "pending",
            )
        )
    )
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "pending")
            .values(status="cancelled", last_error=reason[:2000], updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids


class PointState(NamedTuple):
    status: str
    opted_out_channels: tuple[str, ...]


def point_states(session: Session, ids: Sequence[int]) -> dict[int, PointState]:
    """Status and opt-outs of contact points (the dispatcher re-checks them before sending)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(ContactPoint.id, ContactPoint.status, ContactPoint.opted_out_channels).where(
            ContactPoint.id.in_(wanted)
        )
    )
    return {int(i): PointState(str(st), tuple(oo or ())) for i, st, oo in rows}


def counts(session: Session, *, scope: Scope) -> dict[str, int]:
    """Messages per status."""
    stmt = (
        select(OutboxMessage.status, func.count())
        .where(_scope_clause(scope))
        .group_by(OutboxMessage.status)
    )
    return {str(s): int(n) for s, n in session.execute(stmt)}
