"""Contact points: numbers, e-mails, addresses through which someone may be reached about a
borrower. The value is encrypted; `value_bidx` (kind = the row's kind) finds it again."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from faircollect import clock
from faircollect.vault import InvalidValue, Vault

from .. import pii
from ..scope import Scope, scoped
from ..tables import ContactPoint

__all__ = ["NewContactPoint", "add", "find_by_value", "get", "list_for_borrower", "reveal_value"]


class NewContactPoint(NamedTuple):
    borrower_id: int
    kind: str  # phone email address app
    value: str
    party: str = "debtor"
    place: str = "mobile"
    source: str = "application"
    status: str = "unverified"
    holder_name: str | None = None


def add(
    session: Session, vault: Vault, new: NewContactPoint, *, now: datetime | None = None
) -> ContactPoint:
    at = now or clock.now()
    cp = ContactPoint(
        borrower_id=new.borrower_id,
        kind=new.kind,
        party=new.party,
        place=new.place,
        source=new.source,
        status=new.status,
        value_enc=vault.encrypt(new.value, field=pii.CONTACT_POINT_VALUE),
        value_bidx=vault.blind_index(new.value, kind=new.kind),
        holder_name_enc=vault.encrypt_optional(
            new.holder_name, field=pii.CONTACT_POINT_HOLDER_NAME
        ),
        opted_out_channels=[],
        created_at=at,
        updated_at=at,
    )
    session.add(cp)
    session.flush()
    return cp


def get(session: Session, contact_point_id: int, *, scope: Scope) -> ContactPoint | None:
    stmt = select(ContactPoint).where(ContactPoint.id == contact_point_id)
    return session.scalar(scoped(stmt, ContactPoint, scope))


def list_for_borrower(session: Session, borrower_id: int, *, scope: Scope) -> list[ContactPoint]:
    stmt = select(ContactPoint).where(ContactPoint.borrower_id == borrower_id)
    stmt = scoped(stmt, ContactPoint, scope).order_by(ContactPoint.id)
    return list(session.scalars(stmt))


def find_by_value(
    session: Session, vault: Vault, *, kind: str, value: str, scope: Scope
) -> list[ContactPoint]:
    """Contact points of that kind whose value equals `value` after normalisation (e.g. every
    borrower who gave this number as an emergency contact)."""
    try:
        indexes = vault.blind_indexes(value, kind)
    except InvalidValue:
        return []
    stmt = select(ContactPoint).where(
        ContactPoint.kind == kind, ContactPoint.value_bidx.in_(indexes)
    )
    return list(session.scalars(scoped(stmt, ContactPoint, scope).order_by(ContactPoint.id)))


def reveal_value(vault: Vault, cp: ContactPoint) -> str:
    return vault.decrypt(cp.value_enc, field=pii.CONTACT_POINT_VALUE)
