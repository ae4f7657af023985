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


def test_db_upgrade_creates_var_and_is_idempotent(tmp_var: Path) -> None:
    target = tmp_var / "faircollect.db"
    tmp_var.rmdir()  # `db upgrade` creates ./var itself
    runner = CliRunner()
    first = runner.invoke(_app(), ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "0001" in first.output
    assert target.exists()
    assert current_revision(f"sqlite:///{target}") == "0001"
    again = runner.invoke(_app(), ["db", "upgrade"])
    assert again.exit_code == 0, again.output
