"""The Alembic migrations build exactly the schema of tables.py, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from faircollect.store.db import Database, current_revision, upgrade
from faircollect.store.pii import ENCRYPTED_TABLES
from faircollect.store.tables import AuditHead, Base


def test_migrated_schema_matches_metadata(db: Database) -> None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_audit_head_is_seeded(db: Database) -> None:
    with db.transaction() as s:
        head = s.scalar(select(AuditHead))
    assert head is not None and (head.id, head.seq, head.hash) == (1, 0, "0" * 64)


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    from alembic import command

    from faircollect.store.db import _alembic_config

    url = f"sqlite:///{tmp_path / 'fc.db'}"
    upgrade(url)
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            command.downgrade(_alembic_config(conn), "base")
            conn.commit()
            assert set(inspect(conn).get_table_names()) == {"alembic_version"}
    finally:
        db.dispose()
    upgrade(url)
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)
    assert current_revision(url) == ScriptDirectory.from_config(cfg).get_current_head()


def test_every_encrypted_column_is_registered_for_rotation() -> None:
    registered = {(t.name, c.column) for t in ENCRYPTED_TABLES for c in t.columns}
    in_schema = {
        (table.name, col.name)
        for table in Base.metadata.sorted_tables
        for col in table.columns
        if col.name.endswith("_enc")
    }
    assert in_schema == registered
    for t in ENCRYPTED_TABLES:
        for c in t.columns:
            assert c.field == f"{t.name}.{c.column.removesuffix('_enc')}"
            if c.bidx_column is not None:
                assert c.bidx_column in t.model.__table__.c
