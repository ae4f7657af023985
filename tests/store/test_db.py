"""store/db.py: engines, transactions, SQLite pragmas and BEGIN IMMEDIATE."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from faircollect.store.db import Database, current_revision, normalise_url, upgrade
from faircollect.store.repositories import creditors
from faircollect.store.tables import Creditor


def test_normalise_url() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"


def _count(db: Database) -> int:
    with db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(Creditor)) or 0)


def test_commit_on_success_and_rollback_on_error(db: Database) -> None:
    with db.transaction() as s:
        creditors.get_or_create(s, "C1")
    assert _count(db) == 1
    with pytest.raises(RuntimeError), db.transaction() as s:
        creditors.get_or_create(s, "C2")
        s.flush()
        raise RuntimeError("boom")
    assert _count(db) == 1
    with db.transaction(immediate=True) as s:
        creditors.get_or_create(s, "C3")
    assert _count(db) == 2


def test_objects_stay_usable_after_commit(db: Database) -> None:
    with db.transaction() as s:
        c = creditors.get_or_create(s, "C1", name="Lender One")
    assert c.name == "Lender One" and c.id == 1


def test_snapshot_transaction(db: Database) -> None:
    with db.transaction(snapshot=True) as s:
        assert s.scalar(select(func.count()).select_from(Creditor)) == 0


def _head() -> str | None:
    from alembic.script import ScriptDirectory

    from faircollect.store.db import _alembic_config

    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def test_migrated_to_head(database_url: str) -> None:
    assert current_revision(database_url) == _head()
    upgrade(database_url)  # idempotent
    assert current_revision(database_url) == _head()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_pragmas(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_enforces_foreign_keys(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.transaction() as s:
        s.execute(text("INSERT INTO user_creditors (user_id, creditor_id) VALUES (999, 999)"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_immediate_takes_the_write_lock_at_begin(db: Database, database_url: str) -> None:
    path = database_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with db.transaction(immediate=True) as s:
            s.execute(select(1))  # only a read so far, yet the lock is held
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
        with db.transaction() as s:  # deferred: reading takes no write lock
            s.execute(select(1))
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_reads_are_inside_the_transaction(db: Database, database_url: str) -> None:
    """SQLAlchemy emits BEGIN itself: a SELECT sees one snapshot even if another writer
    commits in between (pysqlite's legacy mode would not begin before a SELECT)."""
    path = database_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        with db.transaction() as s:
            before = s.scalar(select(func.count()).select_from(Creditor))
            other.execute(
                "INSERT INTO creditors (code, name, pack, currency, settings, created_at)"
                " VALUES ('X', 'X', 'CN', 'CNY', '{}', '2026-01-01 00:00:00')"
            )
            assert s.scalar(select(func.count()).select_from(Creditor)) == before
        assert _count(db) == before + 1
    finally:
        other.close()


def test_sqlite_database_creates_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "fc.db"
    upgrade(f"sqlite:///{target}")
    assert target.exists()
    assert current_revision(f"sqlite:///{target}") == _head()
