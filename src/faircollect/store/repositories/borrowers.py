"""Borrowers: PII goes in as text with the vault and is stored only as AES-GCM tokens plus
blind indexes (phone, e-mail, id number) for lookups."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from faircollect import clock
from faircollect.vault import (
    InvalidValue,
    Vault,
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)

from .. import pii
from ..scope import Scope, scoped
from ..tables import Borrower

__all__ = [
    "LOOKUP_KINDS",
    "BorrowerPII",
    "NewBorrower",
    "find_by_blind_index",
    "get",
    "get_by_ref",
    "insert",
    "masked",
    "pii_columns",
    "reveal",
]

# blind-indexed columns, by kind
LOOKUP_KINDS = {"phone": "phone_bidx", "email": "email_bidx", "id_number": "id_number_bidx"}


class BorrowerPII(NamedTuple):
    name: str
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None


class NewBorrower(NamedTuple):
    creditor_id: int
    ref: str
    name: str
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    region: str = ""
    timezone: str | None = None
    locale: str = "zh_CN"


def pii_columns(vault: Vault, p: BorrowerPII) -> dict[str, str | None]:
    """The encrypted and blind-index column values for a borrower's PII (for bulk loaders:
    ``{"name_enc", "id_number_enc", "phone_enc", "email_enc", "address_enc",
    "id_number_bidx", "phone_bidx", "email_bidx"}``). Raises vault.InvalidValue when the
    phone is not a phone number."""
    enc = vault.encrypt_optional
    bidx = vault.blind_index_optional
    return {
        "name_enc": vault.encrypt(p.name, field=pii.BORROWER_NAME),
        "id_number_enc": enc(p.id_number, field=pii.BORROWER_ID_NUMBER),
        "phone_enc": enc(p.phone, field=pii.BORROWER_PHONE),
        "email_enc": enc(p.email, field=pii.BORROWER_EMAIL),
        "address_enc": enc(p.address, field=pii.BORROWER_ADDRESS),
        "id_number_bidx": bidx(p.id_number, kind="id_number"),
        "phone_bidx": bidx(p.phone, kind="phone"),
        "email_bidx": bidx(p.email, kind="email"),
    }


def insert(
    session: Session, vault: Vault, new: NewBorrower, *, now: datetime | None = None
) -> Borrower:
    at = now or clock.now()
    cols = pii_columns(
        vault, BorrowerPII(new.name, new.id_number, new.phone, new.email, new.address)
    )
    borrower = Borrower(
        creditor_id=new.creditor_id,
        ref=new.ref,
        region=new.region,
        timezone=new.timezone,
        locale=new.locale,
        created_at=at,
        updated_at=at,
        **cols,
    )
    session.add(borrower)
    session.flush()
    return borrower


def get(
    session: Session, borrower_id: int, *, scope: Scope, for_update: bool = False
) -> Borrower | None:
    stmt = scoped(select(Borrower).where(Borrower.id == borrower_id), Borrower, scope)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def get_by_ref(
    session: Session, creditor_id: int, ref: str, *, scope: Scope, for_update: bool = False
) -> Borrower | None:
    stmt = select(Borrower).where(Borrower.creditor_id == creditor_id, Borrower.ref == ref)
    stmt = scoped(stmt, Borrower, scope)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def find_by_blind_index(
    session: Session, vault: Vault, *, kind: str, value: str, scope: Scope
) -> list[Borrower]:
    """Borrowers whose phone / email / id number equals `value` after normalisation (under
    any key of the ring, so lookups work during a key rotation). Unparseable input finds
    nothing."""
    column = getattr(Borrower, LOOKUP_KINDS[kind])
    try:
        indexes = vault.blind_indexes(value, kind)
    except InvalidValue:
        return []
    stmt = scoped(select(Borrower).where(column.in_(indexes)), Borrower, scope)
    return list(session.scalars(stmt.order_by(Borrower.id)))


def reveal(vault: Vault, b: Borrower) -> BorrowerPII:
    """Decrypted PII. Callers record a reveal audit event (DESIGN 5) when a person sees it."""
    dec = vault.decrypt_optional
    return BorrowerPII(
        name=vault.decrypt(b.name_enc, field=pii.BORROWER_NAME),
        id_number=dec(b.id_number_enc, field=pii.BORROWER_ID_NUMBER),
        phone=dec(b.phone_enc, field=pii.BORROWER_PHONE),
        email=dec(b.email_enc, field=pii.BORROWER_EMAIL),
        address=dec(b.address_enc, field=pii.BORROWER_ADDRESS),
    )


def masked(vault: Vault, b: Borrower) -> BorrowerPII:
    """PII masked for screens and logs (no reveal event needed)."""
    p = reveal(vault, b)
    return BorrowerPII(
        name=mask_name(p.name),
        id_number=None if p.id_number is None else mask_id_number(p.id_number),
        phone=None if p.phone is None else mask_phone(p.phone, vault.phone_region),
        email=None if p.email is None else mask_email(p.email),
        address=None if p.address is None else mask_address(p.address),
    )
