"""`faircollect db upgrade`."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from faircollect.cli import db as db_cli
from faircollect.store.db import current_revision


def _app() -> typer.Typer:
    app = typer.Typer()
    db_cli.register(app)
    return app


def _head() -> str | None:
    from alembic.script import ScriptDirectory

    from faircollect.store.db import _alembic_config

    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def test_db_upgrade_creates_var_and_is_idempotent(tmp_var: Path) -> None:
    target = tmp_var / "faircollect.db"
    tmp_var.rmdir()  # `db upgrade` creates ./var itself
    runner = CliRunner()
    first = runner.invoke(_app(), ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    head = _head()
    assert f"at revision {head}" in first.output
    assert target.exists()
    assert current_revision(f"sqlite:///{target}") == head
    again = runner.invoke(_app(), ["db", "upgrade"])
    assert again.exit_code == 0, again.output
