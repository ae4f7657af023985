"""Operational tables (SQLAlchemy 2). Queries live in `store/repositories/`, never elsewhere.

Conventions
- money: `<name>_minor` BigInteger in the row's currency (loans.currency); never floats
- rates: `DecimalText` (exact text); times: `UTCDateTime` (aware UTC); business dates: Date
- PII: `<field>_enc` (AES-GCM token from vault.py, carries its key id) plus `<field>_bidx`
  (HMAC blind index) where lookups are needed. No phone, id number, e-mail, name or address
  is ever stored in clear text.
- relationships are `lazy="raise"`: load what you need explicitly in the repository.
- refs: loan/payment/contact refs are unique across the installation (the API addresses loans
  by `loan_ref`); borrower refs are unique per creditor.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import DecimalText, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 (read by SQLAlchemy at class creation)
        int: BigInteger().with_variant(Integer, "sqlite"),
        datetime: UTCDateTime(),
        Decimal: DecimalText(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


# ---------------------------------------------------------------------------------------
# tenancy and people who use the system
# ---------------------------------------------------------------------------------------
class Creditor(Base):
    """A lender (or the portfolio it placed with an agency). Everything is scoped to one."""

    __tablename__ = "creditors"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    pack: Mapped[str] = mapped_column(String(16), default="CN")  # CN, US, US-MA, UK
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # waterfall order, PTP tolerance, stricter quiet hours, retention...
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id
    role: Mapped[str] = mapped_column(String(32))  # admin supervisor collector field_agent ...
    locale: Mapped[str] = mapped_column(String(16), default="zh_CN")
    languages: Mapped[list[Any]] = mapped_column(default=list)  # e.g. ["zh", "en"]
    totp_secret_enc: Mapped[str | None] = mapped_column(Text, default=None)
    # last RFC 6238 time step accepted (a code is never accepted twice)
    totp_last_step: Mapped[int | None] = mapped_column(default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class UserCreditor(Base):
    """Which creditors' data a staff user may see (the tenancy scope)."""

    __tablename__ = "user_creditors"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), primary_key=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 hex
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


# ---------------------------------------------------------------------------------------
# borrowers and how to reach them
# ---------------------------------------------------------------------------------------
class Borrower(Base):
    """A debtor of one creditor. PII is encrypted; the state the rules read lives here
    (debtor-level facts) and on the loan (debt-level facts)."""

    __tablename__ = "borrowers"
    __table_args__ = (UniqueConstraint("creditor_id", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), index=True)
    ref: Mapped[str] = mapped_column(String(64))
    name_enc: Mapped[str] = mapped_column(Text)
    id_number_enc: Mapped[str | None] = mapped_column(Text, default=None)
    phone_enc: Mapped[str | None] = mapped_column(Text, default=None)
    email_enc: Mapped[str | None] = mapped_column(Text, default=None)
    address_enc: Mapped[str | None] = mapped_column(Text, default=None)
    id_number_bidx: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    phone_bidx: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    email_bidx: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    region: Mapped[str] = mapped_column(String(64), default="")  # province / state / county
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)  # None: from phone
    locale: Mapped[str] = mapped_column(String(16), default="zh_CN")
    # -- debtor state read by the rules (DESIGN 4.3 "debtor") --------------------------
    inconvenient: Mapped[list[Any]] = mapped_column(default=list)  # [{"days","from","to"}]
    no_contact_places: Mapped[list[Any]] = mapped_column(default=list)
    channel_opt_outs: Mapped[list[Any]] = mapped_column(default=list)
    preferred_channels: Mapped[list[Any]] = mapped_column(default=list)
    employer_prohibits: Mapped[bool] = mapped_column(Boolean, default=False)
    attorney: Mapped[bool] = mapped_column(Boolean, default=False)
    cease_received_at: Mapped[datetime | None] = mapped_column(default=None)
    breathing_space: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    vulnerable: Mapped[bool] = mapped_column(Boolean, default=False)
    hardship: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_refused: Mapped[bool] = mapped_column(Boolean, default=False)
    deceased: Mapped[bool] = mapped_column(Boolean, default=False)
    bankruptcy: Mapped[bool] = mapped_column(Boolean, default=False)
    # portal sign-in (borrower self-service); the hash is argon2id
    portal_password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    # 失联: every known number failed; feeds `debtor.reachable` (contact gate)
    lost_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    lock_version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by the contact gate
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    loans: Mapped[list[Loan]] = relationship(back_populates="borrower", lazy="raise")
    contact_points: Mapped[list[ContactPoint]] = relationship(
        back_populates="borrower", lazy="raise"
    )


class ContactPoint(Base):
    """A phone number, e-mail or address through which someone may be reached about a
    borrower: the borrower's own, a spouse's, an emergency contact's or an employer's."""

    __tablename__ = "contact_points"
    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # phone email address app
    party: Mapped[str] = mapped_column(String(32))  # debtor spouse emergency_contact employer ...
    place: Mapped[str] = mapped_column(String(16), default="mobile")  # mobile home work other
    # application borrower_provided skip_trace address_book call_log
    source: Mapped[str] = mapped_column(String(32), default="application")
    status: Mapped[str] = mapped_column(String(16), default="unverified")  # verified invalid
    value_enc: Mapped[str] = mapped_column(Text)
    value_bidx: Mapped[str] = mapped_column(String(32), index=True)
    holder_name_enc: Mapped[str | None] = mapped_column(Text, default=None)
    opted_out_channels: Mapped[list[Any]] = mapped_column(default=list)  # ["sms"] after STOP
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    borrower: Mapped[Borrower] = relationship(back_populates="contact_points", lazy="raise")


# ---------------------------------------------------------------------------------------
# loans, schedules, payments
# ---------------------------------------------------------------------------------------
class Loan(Base):
    __tablename__ = "loans"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), index=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    product: Mapped[str] = mapped_column(String(64), default="")
    currency: Mapped[str] = mapped_column(String(3))
    principal_minor: Mapped[int]
    apr: Mapped[Decimal]  # percent, e.g. Decimal("18.25")
    originated_on: Mapped[date] = mapped_column(Date)
    term_months: Mapped[int] = mapped_column(Integer)
    repayment: Mapped[str] = mapped_column(String(24))  # equal_installment equal_principal bullet
    first_due_on: Mapped[date] = mapped_column(Date)
    fee_minor: Mapped[int] = mapped_column(default=0)  # deducted at disbursement
    # -- derived, refreshed whenever payments post (source of truth: schedule + payments)
    status: Mapped[str] = mapped_column(String(16), default="active")  # settled written_off
    outstanding_minor: Mapped[int] = mapped_column(default=0)  # unpaid scheduled amounts
    overdue_since: Mapped[date | None] = mapped_column(Date, default=None, index=True)
    paid_minor: Mapped[int] = mapped_column(default=0)
    # -- debt-level state read by the rules (DESIGN 4.3 "debt"; disputes are per debt)
    time_barred: Mapped[bool] = mapped_column(Boolean, default=False)
    first_communication_at: Mapped[datetime | None] = mapped_column(default=None)
    validation_notice_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    dispute_received_at: Mapped[datetime | None] = mapped_column(default=None)
    verification_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    call_consent_until: Mapped[datetime | None] = mapped_column(default=None)
    hold_reason: Mapped[str | None] = mapped_column(String(64), default=None)  # 停催
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    borrower: Mapped[Borrower] = relationship(back_populates="loans", lazy="raise")
    installments: Mapped[list[Installment]] = relationship(
        back_populates="loan", lazy="raise", order_by="Installment.seq"
    )


class Installment(Base):
    """One scheduled installment (the contractual schedule; what is paid is derived by
    replaying payments through the creditor's waterfall and cached in the paid_* columns)."""

    __tablename__ = "installments"
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_on: Mapped[date] = mapped_column(Date)
    principal_minor: Mapped[int]
    interest_minor: Mapped[int]
    fee_minor: Mapped[int] = mapped_column(default=0)
    paid_principal_minor: Mapped[int] = mapped_column(default=0)
    paid_interest_minor: Mapped[int] = mapped_column(default=0)
    paid_fee_minor: Mapped[int] = mapped_column(default=0)
    paid_penalty_minor: Mapped[int] = mapped_column(default=0)
    settled_on: Mapped[date | None] = mapped_column(Date, default=None)

    loan: Mapped[Loan] = relationship(back_populates="installments", lazy="raise")


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    paid_at: Mapped[datetime]
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(32), default="")
    # how the waterfall allocated it: {"fee": n, "penalty": n, "interest": n, "principal": n}
    allocation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


# ---------------------------------------------------------------------------------------
# contacts, promises, messages
# ---------------------------------------------------------------------------------------
class ContactEvent(Base):
    """A contact or attempt (allowed, blocked or overridden) and its outcome: the history the
    rules count. Imported history has status 'completed'."""

    __tablename__ = "contact_events"
    __table_args__ = (Index("ix_contact_events_borrower_at", "borrower_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), index=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"))
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), index=True, default=None)
    debt_refs: Mapped[list[Any]] = mapped_column(default=list)  # debts discussed/covered
    at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    party: Mapped[str] = mapped_column(String(32))
    place: Mapped[str | None] = mapped_column(String(16), default=None)
    purpose: Mapped[str | None] = mapped_column(String(24), default=None)
    outcome: Mapped[str | None] = mapped_column(String(24), default=None)
    initiated_by: Mapped[str] = mapped_column(String(16), default="collector")
    collector: Mapped[str | None] = mapped_column(String(64), default=None)
    contact_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_points.id"), default=None
    )
    # attempted | completed | blocked | overridden
    status: Mapped[str] = mapped_column(String(16), default="completed")
    pack_version: Mapped[str | None] = mapped_column(String(64), default=None)
    violations: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]


class PromiseToPay(Base):
    __tablename__ = "promises_to_pay"
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    contact_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_events.id"), default=None
    )
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # kept broken cancelled
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)


class ContactOverride(Base):
    """A request to override a blocked attempt, and a compliance officer's decision. Approval
    records a new contact event with status 'overridden' (`overridden_event_id`)."""

    __tablename__ = "contact_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), index=True)
    blocked_event_id: Mapped[int] = mapped_column(ForeignKey("contact_events.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="requested")  # approved rejected
    requested_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(128), default=None)
    decision_reason: Mapped[str | None] = mapped_column(Text, default=None)
    overridden_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_events.id"), default=None
    )
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class MessageTemplate(Base):
    """A versioned message template (Jinja2, sandboxed) for one creditor, channel and locale.
    Saving a new text adds a version; the highest active version is used."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("creditor_id", "code", "channel", "locale", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # e.g. reminder, overdue_notice, help
    channel: Mapped[str] = mapped_column(String(16))  # sms email app
    locale: Mapped[str] = mapped_column(String(16))  # zh_CN en
    version: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(24), default="reminder")  # rule vocabulary
    subject: Mapped[str | None] = mapped_column(Text, default=None)
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(128), default="system")
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """An outbound SMS, e-mail or app message, written in the same transaction as the gate
    decision that allowed it and delivered by the dispatcher (at-least-once, with the
    idempotency key passed to the provider so that receivers deduplicate)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), index=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), default=None)
    contact_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_events.id"), index=True, default=None
    )
    contact_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_points.id"), index=True, default=None
    )
    channel: Mapped[str] = mapped_column(String(16))  # sms email app
    kind: Mapped[str] = mapped_column(String(16), default="collection")  # collection service
    template_code: Mapped[str | None] = mapped_column(String(64), default=None)
    template_version: Mapped[int | None] = mapped_column(Integer, default=None)
    locale: Mapped[str] = mapped_column(String(16), default="zh_CN")
    recipient_enc: Mapped[str] = mapped_column(Text)
    subject_enc: Mapped[str | None] = mapped_column(Text, default=None)
    body_enc: Mapped[str] = mapped_column(Text)
    # pending in_flight sent failed(retry pending) dead cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    leased_by: Mapped[str | None] = mapped_column(String(64), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    provider_message_id: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class InboundMessage(Base):
    """A message received from a provider webhook (SMS reply, e-mail bounce); the provider's
    id makes webhook retries idempotent."""

    __tablename__ = "inbound_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_message_id: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms email
    # blind index of the sender (kind phone for SMS, email for bounces): "what did this number send"
    sender_bidx: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    sender_enc: Mapped[str | None] = mapped_column(Text, default=None)
    body_enc: Mapped[str | None] = mapped_column(Text, default=None)
    keyword: Mapped[str] = mapped_column(String(16))  # stop help bounce other
    contact_point_ids: Mapped[list[Any]] = mapped_column(default=list)
    received_at: Mapped[datetime]
    created_at: Mapped[datetime]

    @property
    def kind(self) -> str:
        """Blind-index kind of the sender (read by key rotation)."""
        return "phone" if self.channel == "sms" else "email"


# ---------------------------------------------------------------------------------------
# proof
# ---------------------------------------------------------------------------------------
class AuditEvent(Base):
    """Append-only, hash-chained (see audit.py). Never updated, never deleted."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(128), index=True)  # e.g. "loan:L000123"
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    payload_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row: the chain's last seq and hash. Appenders lock it (FOR UPDATE on PostgreSQL,
    an immediate transaction on SQLite) so that sequence numbers never fork."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))


class ImportBatch(Base):
    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    source: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))  # sha256 over the files
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class KeyUse(Base):
    """Which key ids still protect data (no key material: keys live in env or a key file)."""

    __tablename__ = "key_uses"
    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_used_at: Mapped[datetime]
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


# ---------------------------------------------------------------------------------------
# web: sessions, sign-in throttling, idempotent POSTs (faircollect.web)
# ---------------------------------------------------------------------------------------
class WebSession(Base):
    """A server-side session. The cookie carries a random 256-bit id; only its HMAC
    (vault.token_mac) is stored. Exactly one of user_id (staff) / borrower_id (portal)."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)
    borrower_id: Mapped[int | None] = mapped_column(
        ForeignKey("borrowers.id"), index=True, default=None
    )
    stage: Mapped[str] = mapped_column(String(16), default="active")  # mfa (TOTP pending) active
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)  # absolute expiry


class SignInFailure(Base):
    """One failed sign-in, keyed by the HMAC of "user:<name>" or "ip:<address>" (no clear
    text): the rate limiter counts them over a sliding window, across workers."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_at", "key_hash", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class IdempotencyRecord(Base):
    """The stored response of a POST made with an Idempotency-Key (per principal)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(64))  # "user:12", "borrower:7"
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of method, path and body
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[Any] = mapped_column(JSON, default=None, nullable=True)
    created_at: Mapped[datetime] = mapped_column(index=True)


# ---------------------------------------------------------------------------------------
# the nightly strategy (faircollect.strategy): versioned specs, runs, work items, capacity
# ---------------------------------------------------------------------------------------
class StrategyVersion(Base):
    """A version of a strategy spec (canonical data + the YAML as given). At most one version
    of a name is active; a new text that means the same (same digest) is not a new version."""

    __tablename__ = "strategy_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical JSON
    title: Mapped[str] = mapped_column(String(200), default="")
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)  # canonical data
    source: Mapped[str] = mapped_column(Text)  # the YAML text as activated
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(128), default="system")
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None] = mapped_column(default=None)


class StrategyRun(Base):
    """One run of a strategy for an as-of date. A re-run for the same strategy and date
    replaces the earlier run's work items (the earlier run is marked superseded)."""

    __tablename__ = "strategy_runs"
    __table_args__ = (Index("ix_strategy_runs_strategy_as_of", "strategy", "as_of"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    strategy: Mapped[str] = mapped_column(String(64))
    strategy_version: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    engine: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # completed superseded failed
    source: Mapped[str] = mapped_column(Text, default="")  # database or a snapshot folder
    accounts: Mapped[int] = mapped_column(default=0)
    work_items: Mapped[int] = mapped_column(default=0)
    no_action: Mapped[int] = mapped_column(default=0)
    # counts by treatment, segment, arm; no action by reason; amounts by bucket/treatment/arm
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    arms: Mapped[list[Any]] = mapped_column(default=list)  # [[arm, strategy, version], ...]
    pack_versions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    capacity: Mapped[dict[str, Any]] = mapped_column(default=dict)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class WorkItem(Base):
    """What to do today about one loan: treatment, the debtor's local contact window (stored
    as UTC instants plus the zone), priority, assignee, reasons, strategy + version + arm."""

    __tablename__ = "work_items"
    __table_args__ = (Index("ix_work_items_strategy_as_of", "strategy", "as_of"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("strategy_runs.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    strategy: Mapped[str] = mapped_column(String(64))
    strategy_version: Mapped[int] = mapped_column(Integer)
    arm: Mapped[str] = mapped_column(String(32))
    segment: Mapped[str] = mapped_column(String(64))
    creditor_id: Mapped[int | None] = mapped_column(
        ForeignKey("creditors.id"), index=True, default=None
    )
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), index=True, default=None)
    loan_ref: Mapped[str] = mapped_column(String(64), index=True)
    treatment: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    party: Mapped[str] = mapped_column(String(32))
    place: Mapped[str | None] = mapped_column(String(16), default=None)
    purpose: Mapped[str] = mapped_column(String(24))
    contact_point: Mapped[str | None] = mapped_column(String(64), default=None)
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer)
    assignee: Mapped[str | None] = mapped_column(String(64), default=None)
    expected_recovery_minor: Mapped[int] = mapped_column(default=0)
    expected_value_minor: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3))
    bucket: Mapped[str] = mapped_column(String(8))
    balance_minor: Mapped[int] = mapped_column(default=0)  # outstanding when planned
    reason_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    reason_zh: Mapped[str] = mapped_column(Text)
    fallback_from: Mapped[str | None] = mapped_column(String(32), default=None)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned done cancelled
    created_at: Mapped[datetime]


class NoActionItem(Base):
    """An account the run left without action, and why (zh/en)."""

    __tablename__ = "strategy_no_actions"
    __table_args__ = (Index("ix_strategy_no_actions_strategy_as_of", "strategy", "as_of"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("strategy_runs.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    strategy: Mapped[str] = mapped_column(String(64))
    strategy_version: Mapped[int] = mapped_column(Integer)
    arm: Mapped[str] = mapped_column(String(32))
    segment: Mapped[str | None] = mapped_column(String(64), default=None)
    creditor_id: Mapped[int | None] = mapped_column(
        ForeignKey("creditors.id"), index=True, default=None
    )
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), index=True, default=None)
    loan_ref: Mapped[str] = mapped_column(String(64), index=True)
    bucket: Mapped[str] = mapped_column(String(8))
    balance_minor: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3))
    reason_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    reason_zh: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]


class Collector(Base):
    """A collector's daily call capacity, the creditors they work (empty: all) and the
    languages they speak (empty: any)."""

    __tablename__ = "collectors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    daily_capacity: Mapped[int] = mapped_column(Integer)
    creditors: Mapped[list[Any]] = mapped_column(default=list)  # creditor codes
    languages: Mapped[list[Any]] = mapped_column(default=list)  # zh en
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FieldTeam(Base):
    """A field-visit team: daily visits, the regions it covers, creditors (empty: all) and the
    weekdays it works (empty: every day)."""

    __tablename__ = "field_teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    daily_capacity: Mapped[int] = mapped_column(Integer)
    regions: Mapped[list[Any]] = mapped_column(default=list)
    creditors: Mapped[list[Any]] = mapped_column(default=list)
    days: Mapped[list[Any]] = mapped_column(default=list)  # mon .. sun
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# ---------------------------------------------------------------------------------------
# complaints (staff web app: compliance queue with an SLA clock)
# ---------------------------------------------------------------------------------------
class Complaint(Base):
    """A borrower's complaint (by phone, letter, e-mail, the portal or via a regulator) and
    its handling. `due_at` is the SLA deadline set when it is received; the texts are
    encrypted (they may quote personal data)."""

    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditors.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), index=True, default=None)
    borrower_id: Mapped[int | None] = mapped_column(
        ForeignKey("borrowers.id"), index=True, default=None
    )
    source: Mapped[str] = mapped_column(String(16))  # phone letter email portal regulator other
    category: Mapped[str] = mapped_column(String(32))  # harassment third_party contact_time ...
    summary_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # in_progress
    received_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution_enc: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[str] = mapped_column(String(128))
    resolved_by: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
