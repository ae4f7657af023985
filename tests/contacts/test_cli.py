"""`faircollect contacts attempt|outcome|seed-templates` and `faircollect promises reconcile`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from faircollect.cli import contacts as contacts_cli
from faircollect.config import load_settings
from faircollect.money import Money
from faircollect.store.db import Database, upgrade
from faircollect.store.repositories import promises as promises_repo
from faircollect.vault import Vault
from tests.contacts.conftest import T0, make_debtor


def _app() -> typer.Typer:
    app = typer.Typer()
    contacts_cli.register(app)
    return app


@pytest.fixture
def cli_db(tmp_var: Path, frozen_now):
    frozen_now("2026-03-04T10:00:00+08:00")
    url = f"sqlite:///{tmp_var / 'faircollect.db'}"
    upgrade(url)
    db = Database(url)
    vault = Vault.from_settings(load_settings())
    yield db, vault
    db.dispose()


def test_attempt_outcome_and_reconcile(cli_db):
    db, vault = cli_db
    d = make_debtor(db, vault)
    run = CliRunner().invoke
    r = run(
        _app(),
        [
            "contacts",
            "attempt",
            "--loan",
            d.loan_ref,
            "--channel",
            "call",
            "--contact-point",
            str(d.phone_point),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    attempt = json.loads(r.stdout)
    assert attempt["allowed"] is True
    r = run(
        _app(),
        [
            "contacts",
            "outcome",
            str(attempt["attempt_id"]),
            "promise_to_pay",
            "--amount",
            "100.00",
            "--due-on",
            "2026-03-05",
        ],
    )
    assert r.exit_code == 0, r.output
    r = run(
        _app(),
        [
            "contacts",
            "attempt",
            "--loan",
            d.loan_ref,
            "--channel",
            "visit",
            "--party",
            "employer",
            "--purpose",
            "location",
        ],
    )
    assert r.exit_code == 1 and "CN:third-party-reachable" in r.stdout
    r = run(_app(), ["contacts", "attempt", "--loan", "NOPE", "--channel", "call"])
    assert r.exit_code == 2 and "loan_not_found" in r.output
    r = run(_app(), ["promises", "reconcile", "--as-of", "2026-03-07"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"loans": 1, "kept": 0, "broken": 1}
    assert run(_app(), ["promises", "reconcile", "--as-of", "tomorrow"]).exit_code == 2


def test_seed_templates(cli_db):
    db, vault = cli_db
    make_debtor(db, vault)
    r = CliRunner().invoke(_app(), ["contacts", "seed-templates"])
    assert r.exit_code == 0 and json.loads(r.stdout)["ACME"] > 0
    r = CliRunner().invoke(_app(), ["contacts", "seed-templates"])
    assert json.loads(r.stdout) == {"ACME": 0}


def test_promise_kept_counts(cli_db):
    db, vault = cli_db
    d = make_debtor(db, vault)
    with db.transaction() as s:
        promises_repo.add(
            s,
            promises_repo.NewPromise(
                loan_id=d.loan_id, amount=Money.parse("1.00", "CNY"), due_on=date(2026, 3, 6)
            ),
            now=T0 + timedelta(days=1),
        )
    r = CliRunner().invoke(_app(), ["promises", "reconcile"])
    assert r.exit_code == 0 and json.loads(r.stdout)["broken"] == 0  # not due yet
