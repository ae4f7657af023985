"""strategy: versions, runs, work items, no-action rows, collectors, field teams

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 02:21:55.512765

Tables for faircollect.strategy (issue 5): versioned strategy specs, runs, work items, the
accounts a run left without action, and the capacity of collectors and field teams.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "field_teams",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("daily_capacity", sa.Integer(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("creditors", sa.JSON(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_field_teams_name")),
    )
    op.create_table(
        "strategy_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.Column("strategy_version", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("accounts", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "work_items", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "no_action", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("arms", sa.JSON(), nullable=False),
        sa.Column("pack_versions", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.JSON(), nullable=False),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_runs")),
    )
    with op.batch_alter_table("strategy_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_strategy_runs_strategy_as_of", ["strategy", "as_of"], unique=False
        )

    op.create_table(
        "strategy_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_versions")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_strategy_versions_name_version")),
    )
    with op.batch_alter_table("strategy_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_strategy_versions_name"), ["name"], unique=False)

    op.create_table(
        "collectors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("daily_capacity", sa.Integer(), nullable=False),
        sa.Column("creditors", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_collectors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collectors")),
        sa.UniqueConstraint("name", name=op.f("uq_collectors_name")),
    )
    op.create_table(
        "strategy_no_actions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.Column("strategy_version", sa.Integer(), nullable=False),
        sa.Column("arm", sa.String(length=32), nullable=False),
        sa.Column("segment", sa.String(length=64), nullable=True),
        sa.Column(
            "creditor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("loan_ref", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=8), nullable=False),
        sa.Column(
            "balance_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creditor_id"],
            ["creditors.id"],
            name=op.f("fk_strategy_no_actions_creditor_id_creditors"),
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_strategy_no_actions_loan_id_loans")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["strategy_runs.id"],
            name=op.f("fk_strategy_no_actions_run_id_strategy_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_no_actions")),
    )
    with op.batch_alter_table("strategy_no_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_strategy_no_actions_creditor_id"), ["creditor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_strategy_no_actions_loan_id"), ["loan_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_strategy_no_actions_loan_ref"), ["loan_ref"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_strategy_no_actions_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            "ix_strategy_no_actions_strategy_as_of", ["strategy", "as_of"], unique=False
        )

    op.create_table(
        "work_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.Column("strategy_version", sa.Integer(), nullable=False),
        sa.Column("arm", sa.String(length=32), nullable=False),
        sa.Column("segment", sa.String(length=64), nullable=False),
        sa.Column(
            "creditor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("loan_ref", sa.String(length=64), nullable=False),
        sa.Column("treatment", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("party", sa.String(length=32), nullable=False),
        sa.Column("place", sa.String(length=16), nullable=True),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("contact_point", sa.String(length=64), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column(
            "expected_recovery_minor",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "expected_value_minor",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("bucket", sa.String(length=8), nullable=False),
        sa.Column(
            "balance_minor", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False),
        sa.Column("fallback_from", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["creditors.id"], name=op.f("fk_work_items_creditor_id_creditors")
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_work_items_loan_id_loans")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["strategy_runs.id"], name=op.f("fk_work_items_run_id_strategy_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_items")),
    )
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_items_creditor_id"), ["creditor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_work_items_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_items_loan_ref"), ["loan_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_items_run_id"), ["run_id"], unique=False)
        batch_op.create_index("ix_work_items_strategy_as_of", ["strategy", "as_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_strategy_as_of")
        batch_op.drop_index(batch_op.f("ix_work_items_run_id"))
        batch_op.drop_index(batch_op.f("ix_work_items_loan_ref"))
        batch_op.drop_index(batch_op.f("ix_work_items_loan_id"))
        batch_op.drop_index(batch_op.f("ix_work_items_creditor_id"))

    op.drop_table("work_items")
    with op.batch_alter_table("strategy_no_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_strategy_no_actions_strategy_as_of")
        batch_op.drop_index(batch_op.f("ix_strategy_no_actions_run_id"))
        batch_op.drop_index(batch_op.f("ix_strategy_no_actions_loan_ref"))
        batch_op.drop_index(batch_op.f("ix_strategy_no_actions_loan_id"))
        batch_op.drop_index(batch_op.f("ix_strategy_no_actions_creditor_id"))

    op.drop_table("strategy_no_actions")
    op.drop_table("collectors")
    with op.batch_alter_table("strategy_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_strategy_versions_name"))

    op.drop_table("strategy_versions")
    with op.batch_alter_table("strategy_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_strategy_runs_strategy_as_of")

    op.drop_table("strategy_runs")
    op.drop_table("field_teams")
