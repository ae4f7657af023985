"""Stored responses of POSTs made with an Idempotency-Key (faircollect.web.idempotency)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..tables import IdempotencyRecord

__all__ = ["claim", "complete", "get", "purge_before"]


def get(session: Session, principal: str, key: str) -> IdempotencyRecord | None:
    stmt = select(IdempotencyRecord).where(
        IdempotencyRecord.principal == principal, IdempotencyRecord.key == key
    )
    return session.scalar(stmt)


def claim(
    session: Session,
    *,
    principal: str,
    key: str,
    method: str,
    path: str,
    request_hash: str,
    now: datetime,
) -> IdempotencyRecord | None:
    """Insert the key (status 0 = in progress, visible to nobody until commit) in a savepoint.
    None when the key already exists (committed by a concurrent request: on PostgreSQL the
    insert waits for that transaction; read the row with `get`)."""
    row = IdempotencyRecord(
        principal=principal,
        key=key,
        method=method,
        path=path[:255],
        request_hash=request_hash,
        status_code=0,
        response_body=None,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def complete(session: Session, row: IdempotencyRecord, status_code: int, body: Any) -> None:
    row.status_code = status_code
    row.response_body = body
    session.flush()


def purge_before(session: Session, before: datetime) -> int:
    """Forget keys older than `before` (keys are honoured for a retention period only)."""
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
