"""complaints: the compliance queue of the staff web app (SLA clock, encrypted texts)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 04:00:00

Table for the complaints queue (issue 7): a complaint per creditor, optionally tied to a loan
and a borrower, with its source, category, SLA deadline and resolution. The summary and the
resolution are vault tokens (they may quote personal data).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", _ID, nullable=False),
        sa.Column("creditor_id", _ID, nullable=False),
        sa.Column("loan_id", _ID, nullable=True),
        sa.Column("borrower_id", _ID, nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("summary_enc", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_enc", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("resolved_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_id"], ["borrowers.id"], name=op.f("fk_complaints_borrower_id_borrowers")
        ),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["creditors.id"], name=op.f("fk_complaints_creditor_id_creditors")
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_complaints_loan_id_loans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        for col in ("borrower_id", "creditor_id", "due_at", "loan_id", "status"):
            batch_op.create_index(batch_op.f(f"ix_complaints_{col}"), [col], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        for col in ("status", "loan_id", "due_at", "creditor_id", "borrower_id"):
            batch_op.drop_index(batch_op.f(f"ix_complaints_{col}"))
    op.drop_table("complaints")
