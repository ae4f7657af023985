"""Which columns hold encrypted PII, under which vault field (AAD), with which blind index.

Field convention: ``"<table>.<column without _enc>"`` (e.g. ``"borrowers.phone"``). Anyone
who writes an ``*_enc`` column must use `field(...)`/these constants, and anyone who adds an
``*_enc`` column to tables.py must list it here (a test checks), so key rotation covers it.
"""

from __future__ import annotations

from typing import NamedTuple

from .tables import (
    Base,
    Borrower,
    Complaint,
    ContactPoint,
    InboundMessage,
    OutboxMessage,
    User,
)

__all__ = [
    "ENCRYPTED_TABLES",
    "EncryptedColumn",
    "EncryptedTable",
    "field",
]


class EncryptedColumn(NamedTuple):
    column: str  # e.g. "phone_enc"
    field: str  # the vault field / AAD, e.g. "borrowers.phone"
    bidx_column: str | None = None  # e.g. "phone_bidx"
    # blind-index kind; None with a bidx column means "the row's `kind` attribute"
    bidx_kind: str | None = None


class EncryptedTable(NamedTuple):
    model: type[Base]
    columns: tuple[EncryptedColumn, ...]

    @property
    def name(self) -> str:
        return str(self.model.__tablename__)


def field(table: str, column: str) -> str:
    """The vault field for a column: ``field("borrowers", "phone_enc") == "borrowers.phone"``."""
    return f"{table}.{column.removesuffix('_enc')}"


def _col(
    table: str, column: str, bidx: str | None = None, kind: str | None = None
) -> EncryptedColumn:
    return EncryptedColumn(column, field(table, column), bidx, kind)


BORROWER_NAME = field("borrowers", "name_enc")
BORROWER_ID_NUMBER = field("borrowers", "id_number_enc")
BORROWER_PHONE = field("borrowers", "phone_enc")
BORROWER_EMAIL = field("borrowers", "email_enc")
BORROWER_ADDRESS = field("borrowers", "address_enc")
CONTACT_POINT_VALUE = field("contact_points", "value_enc")
CONTACT_POINT_HOLDER_NAME = field("contact_points", "holder_name_enc")
USER_TOTP_SECRET = field("users", "totp_secret_enc")
OUTBOX_RECIPIENT = field("outbox_messages", "recipient_enc")
OUTBOX_SUBJECT = field("outbox_messages", "subject_enc")
OUTBOX_BODY = field("outbox_messages", "body_enc")
INBOUND_SENDER = field("inbound_messages", "sender_enc")
INBOUND_BODY = field("inbound_messages", "body_enc")
COMPLAINT_SUMMARY = field("complaints", "summary_enc")
COMPLAINT_RESOLUTION = field("complaints", "resolution_enc")

ENCRYPTED_TABLES: tuple[EncryptedTable, ...] = (
    EncryptedTable(
        Borrower,
        (
            _col("borrowers", "name_enc"),
            _col("borrowers", "id_number_enc", "id_number_bidx", "id_number"),
            _col("borrowers", "phone_enc", "phone_bidx", "phone"),
            _col("borrowers", "email_enc", "email_bidx", "email"),
            _col("borrowers", "address_enc"),
        ),
    ),
    EncryptedTable(
        ContactPoint,
        (
            _col("contact_points", "value_enc", "value_bidx", None),
            _col("contact_points", "holder_name_enc"),
        ),
    ),
    EncryptedTable(User, (_col("users", "totp_secret_enc"),)),
    EncryptedTable(
        OutboxMessage,
        (
            _col("outbox_messages", "recipient_enc"),
            _col("outbox_messages", "subject_enc"),
            _col("outbox_messages", "body_enc"),
        ),
    ),
    EncryptedTable(
        InboundMessage,
        (
            _col("inbound_messages", "sender_enc", "sender_bidx", None),
            _col("inbound_messages", "body_enc"),
        ),
    ),
    EncryptedTable(
        Complaint,
        (
            _col("complaints", "summary_enc"),
            _col("complaints", "resolution_enc"),
        ),
    ),
)
