"""`faircollect audit verify`: exit 0 with the count, 1 naming the first broken entry."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import text
from typer.testing import CliRunner

from faircollect import audit
from faircollect.cli import audit as audit_cli
from faircollect.store.db import Database, upgrade


def _app() -> typer.Typer:
    app = typer.Typer()
    audit_cli.register(app)
    return app


def _seed(url: str, n: int) -> Database:
    upgrade(url)
    db = Database(url)
    with db.transaction(immediate=True) as s:
        for i in range(n):
            audit.append(s, actor="system", action="test", entity=f"e:{i}", payload={"i": i})
    return db


def test_verify_intact_chain(tmp_var: Path) -> None:
    db = _seed(f"sqlite:///{tmp_var / 'faircollect.db'}", 4)
    db.dispose()
    result = CliRunner().invoke(_app(), ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "4 entries" in result.stdout


def test_verify_broken_chain_names_the_entry(tmp_var: Path) -> None:
    db = _seed(f"sqlite:///{tmp_var / 'faircollect.db'}", 4)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET payload = '{\"i\": 99}' WHERE seq = 2"))
    db.dispose()
    result = CliRunner().invoke(_app(), ["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 2" in result.stderr and "payload" in result.stderr
