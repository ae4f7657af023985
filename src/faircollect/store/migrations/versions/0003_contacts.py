"""contacts: overrides of blocked attempts, message templates, the outbox, inbound messages,
borrowers.lost_contact

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 01:42:49.326355

Tables for faircollect.contacts (issue 4). ``lost_contact`` is added with a server default so
that existing rows get ``false``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider_message_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("sender_bidx", sa.String(length=32), nullable=True),
        sa.Column("sender_enc", sa.Text(), nullable=True),
        sa.Column("body_enc", sa.Text(), nullable=True),
        sa.Column("keyword", sa.String(length=16), nullable=False),
        sa.Column("contact_point_ids", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint(
            "provider_message_id", name=op.f("uq_inbound_messages_provider_message_id")
        ),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_messages_sender_bidx"), ["sender_bidx"], unique=False
        )

    op.create_table(
        "message_templates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "creditor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creditor_id"],
            ["creditors.id"],
            name=op.f("fk_message_templates_creditor_id_creditors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint(
            "creditor_id",
            "code",
            "channel",
            "locale",
            "version",
            name=op.f("uq_message_templates_creditor_id_code_channel_locale_version"),
        ),
    )
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_templates_creditor_id"), ["creditor_id"], unique=False
        )

    op.create_table(
        "contact_overrides",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "creditor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "blocked_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column(
            "overridden_event_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["blocked_event_id"],
            ["contact_events.id"],
            name=op.f("fk_contact_overrides_blocked_event_id_contact_events"),
        ),
        sa.ForeignKeyConstraint(
            ["creditor_id"],
            ["creditors.id"],
            name=op.f("fk_contact_overrides_creditor_id_creditors"),
        ),
        sa.ForeignKeyConstraint(
            ["overridden_event_id"],
            ["contact_events.id"],
            name=op.f("fk_contact_overrides_overridden_event_id_contact_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_overrides")),
    )
    with op.batch_alter_table("contact_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_overrides_blocked_event_id"), ["blocked_event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_overrides_creditor_id"), ["creditor_id"], unique=False
        )

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column(
            "creditor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "borrower_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "contact_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "contact_point_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("template_code", sa.String(length=64), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("recipient_enc", sa.Text(), nullable=False),
        sa.Column("subject_enc", sa.Text(), nullable=True),
        sa.Column("body_enc", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leased_by", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider_message_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrowers.id"], name=op.f("fk_outbox_messages_borrower_id_borrowers")
        ),
        sa.ForeignKeyConstraint(
            ["contact_event_id"],
            ["contact_events.id"],
            name=op.f("fk_outbox_messages_contact_event_id_contact_events"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_points.id"],
            name=op.f("fk_outbox_messages_contact_point_id_contact_points"),
        ),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["creditors.id"], name=op.f("fk_outbox_messages_creditor_id_creditors")
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_outbox_messages_loan_id_loans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_messages_idempotency_key")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_borrower_id"), ["borrower_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_contact_event_id"), ["contact_event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_contact_point_id"), ["contact_point_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_creditor_id"), ["creditor_id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_messages_status_next", ["status", "next_attempt_at"], unique=False
        )

    with op.batch_alter_table("borrowers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lost_contact", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("borrowers", schema=None) as batch_op:
        batch_op.drop_column("lost_contact")

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_status_next")
        batch_op.drop_index(batch_op.f("ix_outbox_messages_creditor_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_contact_point_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_contact_event_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_borrower_id"))

    op.drop_table("outbox_messages")
    with op.batch_alter_table("contact_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_overrides_creditor_id"))
        batch_op.drop_index(batch_op.f("ix_contact_overrides_blocked_event_id"))

    op.drop_table("contact_overrides")
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_templates_creditor_id"))

    op.drop_table("message_templates")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_messages_sender_bidx"))

    op.drop_table("inbound_messages")
