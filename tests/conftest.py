"""Root fixtures for the whole suite.

Databases
    ``database_url`` is parametrized ``["sqlite", "postgresql"]``: every test using it (or
    ``db``) runs on both backends.
    - sqlite: a fresh, migrated file per test (a copy of one migrated template).
    - postgresql: the database named by ``FAIRCOLLECT_TEST_DATABASE_URL`` (the tests may drop
      and create tables in it). It is cleaned and migrated once per session; every table is
      ``TRUNCATE ... RESTART IDENTITY CASCADE``d (and the audit head re-seeded) before each
      test. Without the variable the postgresql param is skipped - unless
      ``FAIRCOLLECT_REQUIRE_POSTGRES=1``, then it fails.
    PostgreSQL-param tests get the ``postgres`` marker automatically, and the session writes
    ``test-artifacts/postgres-tests.json`` ({"passed", "failed", "skipped", ...}).
    A test that only makes sense on SQLite: ``@pytest.mark.parametrize("database_url",
    ["sqlite"], indirect=True)``.

Other fixtures
    ``db`` (a `Database` on ``database_url``), ``vault`` (fixed test keys, see
    ``test_secret_keys``), ``frozen_now`` (call it with an aware datetime or ISO text to set
    FAIRCOLLECT_CLOCK), ``tmp_var`` (FAIRCOLLECT_VAR_DIR and FAIRCOLLECT_DATABASE_URL in a temp
    dir, secret-key env vars removed: key-file mode; the DB is not migrated).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from faircollect.store.db import Database
    from faircollect.vault import Vault

PG_URL_ENV = "FAIRCOLLECT_TEST_DATABASE_URL"
REQUIRE_PG_ENV = "FAIRCOLLECT_REQUIRE_POSTGRES"
TEST_SECRET_KEYS = (
    "faircollect-test-master-key-A-0123456789abcdefghij",
    "faircollect-test-master-key-B-0123456789abcdefghij",
    "faircollect-test-master-key-C-0123456789abcdefghij",
)


# ---------------------------------------------------------------------------------------
# databases
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from faircollect.store.db import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")  # disposes its engine: the WAL is merged into the file
    return path


class _Postgres:
    def __init__(self, url: str) -> None:
        from faircollect.store.db import Database, normalise_url

        self.url = normalise_url(url).render_as_string(hide_password=False)
        self.db: Database = Database(self.url)
        self.tables: list[str] = []

    def recreate(self) -> None:
        from sqlalchemy import inspect, text

        from faircollect.store.db import upgrade

        with self.db.engine.begin() as conn:
            names = inspect(conn).get_table_names()
            if names:
                quoted = ", ".join(f'"{n}"' for n in names)
                conn.execute(text(f"DROP TABLE IF EXISTS {quoted} CASCADE"))
            enums = conn.execute(
                text(
                    "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
                    " WHERE t.typtype = 'e' AND n.nspname = current_schema()"
                )
            ).scalars()
            for e in list(enums):
                conn.execute(text(f'DROP TYPE IF EXISTS "{e}" CASCADE'))
        upgrade(self.url)
        with self.db.engine.connect() as conn:
            self.tables = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]

    def reset(self) -> None:
        from sqlalchemy import text

        quoted = ", ".join(f'"{n}"' for n in self.tables)
        with self.db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            conn.execute(
                text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64}
            )


@pytest.fixture(scope="session")
def _postgres() -> Iterator[_Postgres]:
    url = os.environ.get(PG_URL_ENV)
    if not url:
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            pytest.fail(f"{REQUIRE_PG_ENV}=1 but {PG_URL_ENV} is not set", pytrace=False)
        pytest.skip(f"{PG_URL_ENV} not set")
    pg = _Postgres(url)
    pg.recreate()
    yield pg
    pg.db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database (see the module docstring)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "faircollect.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    pg: _Postgres = request.getfixturevalue("_postgres")
    pg.reset()
    return pg.url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    from faircollect.store.db import Database

    database = Database(database_url)
    yield database
    database.dispose()


# ---------------------------------------------------------------------------------------
# keys, clock, var dir
# ---------------------------------------------------------------------------------------
@pytest.fixture
def test_secret_keys() -> tuple[str, ...]:
    """Three fixed master secrets (A, B, C) for key-ring and rotation tests."""
    return TEST_SECRET_KEYS


@pytest.fixture
def vault() -> Vault:
    """A vault whose only key is test key A."""
    from faircollect.vault import Vault

    return Vault(TEST_SECRET_KEYS[:1])


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime | str], datetime]:
    """``frozen_now("2026-03-04T14:05:00-05:00")`` freezes clock.now(); returns it in UTC."""
    from faircollect import clock

    monkeypatch.delenv("FAIRCOLLECT_ENV", raising=False)

    def freeze(when: datetime | str) -> datetime:
        text = when if isinstance(when, str) else clock.ensure_aware(when).isoformat()
        moment = clock.parse_aware(text)
        monkeypatch.setenv("FAIRCOLLECT_CLOCK", text)
        return moment.astimezone(UTC)

    return freeze


@pytest.fixture
def tmp_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private ./var for CLI tests; returns its path (database: var/faircollect.db)."""
    var = tmp_path / "var"
    var.mkdir()
    monkeypatch.setenv("FAIRCOLLECT_VAR_DIR", str(var))
    monkeypatch.setenv("FAIRCOLLECT_DATABASE_URL", f"sqlite:///{var / 'faircollect.db'}")
    for name in ("FAIRCOLLECT_SECRET_KEY", "FAIRCOLLECT_PREVIOUS_SECRET_KEYS", "FAIRCOLLECT_ENV"):
        monkeypatch.delenv(name, raising=False)
    return var


# ---------------------------------------------------------------------------------------
# postgres marker and report
# ---------------------------------------------------------------------------------------
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)


_PG_OUTCOMES: dict[str, str] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "postgres" not in report.keywords:
        return
    current = _PG_OUTCOMES.get(report.nodeid)
    if report.failed:
        _PG_OUTCOMES[report.nodeid] = "failed"
    elif report.skipped and current != "failed":
        _PG_OUTCOMES[report.nodeid] = "skipped"
    elif report.when == "call" and report.passed and current is None:
        _PG_OUTCOMES[report.nodeid] = "passed"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):  # pytest-xdist worker: the controller reports
        return
    counts: dict[str, Any] = {"passed": 0, "failed": 0, "skipped": 0}
    for outcome in _PG_OUTCOMES.values():
        counts[outcome] += 1
    counts["enabled"] = bool(os.environ.get(PG_URL_ENV))
    out = session.config.rootpath / "test-artifacts" / "postgres-tests.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
