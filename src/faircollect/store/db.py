"""Engine, transactions and migrations.

``Database(url).transaction(immediate=False)`` yields a Session and commits when the block
ends normally, rolls back when it raises. Services never commit: whoever opens the
transaction (CLI command, web request, job) owns it.

SQLite: WAL journal, ``foreign_keys=ON``, ``busy_timeout``, 16 KiB pages for a new file;
SQLAlchemy emits BEGIN itself (the pysqlite driver's own transaction handling is switched
off), so SELECTs run inside the transaction and ``immediate=True`` really is ``BEGIN
IMMEDIATE`` (take the write lock up front: use it for check-then-write work such as the
contact gate or audit appends).

PostgreSQL: psycopg 3 (``postgresql://`` and ``postgres://`` are normalised to
``postgresql+psycopg://``). ``immediate`` is a no-op there: row locks (``SELECT ... FOR
UPDATE``) serialise writers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Database", "Session", "current_revision", "normalise_url", "upgrade"]

BUSY_TIMEOUT_MS = 10_000
PAGE_SIZE = 16_384  # bytes per SQLite page of a new database file (SQLite's default: 4096)
# PostgreSQL connections kept open per process: at least the concurrent transactions of a
# busy web worker (a smaller pool closes and reopens connections under load: slow)
POOL_SIZE = 16
MAX_OVERFLOW = 16
_IMMEDIATE = "faircollect_sqlite_immediate"
MIGRATIONS = Path(__file__).with_name("migrations")


def normalise_url(url: str | URL) -> URL:
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def _sqlite_file(u: URL) -> Path | None:
    db = u.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


def _make_engine(u: URL, **kw: Any) -> Engine:
    if u.get_backend_name() != "sqlite":
        kw.setdefault("pool_size", POOL_SIZE)
        kw.setdefault("max_overflow", MAX_OVERFLOW)
        return create_engine(u, pool_pre_ping=True, **kw)
    path = _sqlite_file(u)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(u, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kw)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # hand transaction control to SQLAlchemy (see the "begin" hook below)
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        try:
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if path is not None:
                # takes effect only when the file is created (before its first table): 16 KiB
                # pages make the bulk import ~7% cheaper in CPU and its commit ~35% faster
                # than 4 KiB (a small commit writes 16 KiB to the WAL per page it changed)
                cur.execute(f"PRAGMA page_size={PAGE_SIZE}")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One engine per process and URL; cheap sessions per transaction."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine: Engine = _make_engine(self.url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, immediate: bool = False, *, snapshot: bool = False) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on error.

        ``immediate=True`` takes SQLite's write lock at BEGIN (waits up to the busy timeout
        for other writers); on PostgreSQL it changes nothing.
        ``snapshot=True`` makes every statement see the same snapshot (REPEATABLE READ on
        PostgreSQL; an SQLite transaction always does): for consistent multi-query reads
        such as `audit.verify` while others write.
        """
        session = self._sessions()
        try:
            if immediate and self.dialect == "sqlite":
                session.connection(execution_options={_IMMEDIATE: True})
            elif snapshot and self.dialect == "postgresql":
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` (creates the SQLite file and folder)."""
    from alembic import command

    db = Database(url)
    try:
        with db.engine.connect() as conn:
            command.upgrade(_alembic_config(conn), revision)
            if conn.in_transaction():
                conn.commit()
    finally:
        db.dispose()


def current_revision(url: str | URL) -> str | None:
    from alembic.runtime.migration import MigrationContext

    db = Database(url)
    try:
        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        db.dispose()
