"""Writing one key of a creditor's settings (``creditors.settings``, a JSON mapping read by
the services: contact window, promises, retention, complaint SLA ...)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..scope import Scope, scoped
from ..tables import Creditor

__all__ = ["set_key"]


def set_key(
    session: Session, creditor_id: int, key: str, value: Any, *, scope: Scope
) -> Creditor | None:
    """Set ``settings[key] = value`` (None removes the key); None when the creditor is not
    in the scope. The row is locked for the update (FOR UPDATE on PostgreSQL)."""
    stmt = scoped(select(Creditor).where(Creditor.id == creditor_id), Creditor, scope)
    row = session.scalar(stmt.with_for_update())
    if row is None:
        return None
    settings = dict(row.settings or {})
    if value is None:
        settings.pop(key, None)
    else:
        settings[key] = value
    row.settings = settings  # a new dict: the JSON column sees the change
    session.flush()
    return row
