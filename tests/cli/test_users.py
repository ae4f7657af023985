"""`faircollect users ...` and `faircollect tokens ...`."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from faircollect import audit
from faircollect.cli import users as users_cli
from faircollect.config import load_settings
from faircollect.store.db import Database, upgrade
from faircollect.store.repositories import api_tokens, creditors
from faircollect.store.tables import User
from faircollect.vault import Vault
from faircollect.web.auth.passwords import Passwords
from faircollect.web.auth.tokens import token_hashes

PW = "a long enough password"


def _app() -> typer.Typer:
    app = typer.Typer()
    users_cli.register(app)
    return app


@pytest.fixture
def cli_db(tmp_var: Path) -> Database:
    url = load_settings().database_url
    upgrade(url)
    db = Database(url)
    with db.transaction() as s:
        creditors.get_or_create(s, "LENDER-A")
        creditors.get_or_create(s, "LENDER-B")
    yield db
    db.dispose()


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(_app(), list(args), input=input)


def test_users_add_with_password_on_stdin(cli_db: Database) -> None:
    r = _run(
        "users",
        "add",
        "Li.Lei",
        "--role",
        "collector",
        "--creditor",
        "LENDER-A",
        "--creditor",
        "LENDER-B",
        "--password-stdin",
        "--display-name",
        "李雷",
        "--locale",
        "en",
        input=PW + "\n",
    )
    assert r.exit_code == 0, r.output
    assert "user li.lei" in r.output and "LENDER-A, LENDER-B" in r.output
    with cli_db.transaction() as s:
        user = s.scalar(select(User).where(User.username == "li.lei"))
        assert user is not None and (user.role, user.display_name, user.locale) == (
            "collector",
            "李雷",
            "en",
        )
        assert user.password_hash.startswith("$argon2id$") and PW not in user.password_hash
        assert Passwords().verify(user.password_hash, PW)
        ok = audit.verify(s)
        assert ok.ok
    listed = _run("users", "list")
    assert "li.lei\tcollector\tLENDER-A,LENDER-B\ten" in listed.output
    log = str([(e.action, e.payload) for e in _events(cli_db)])
    assert "users.created" in log and PW not in log


def _events(db: Database) -> list:
    from faircollect.store.repositories import audit as audit_repo

    with db.transaction() as s:
        return list(audit_repo.iterate(s))


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["x1", "--role", "boss"], PW, "Unknown role boss"),
        (["x2", "--role", "collector", "--creditor", "NOPE"], PW, "No creditor with code NOPE"),
        (["x3", "--role", "collector"], "short", "at least 8 characters"),
        (["bad name", "--role", "collector"], PW, "A user name has"),
        (["x4", "--role", "collector", "--locale", "fr"], PW, "Unknown language fr"),
    ],
)
def test_users_add_refuses_bad_input(
    cli_db: Database, args: list[str], stdin: str, message: str
) -> None:
    r = _run("users", "add", *args, "--password-stdin", input=stdin + "\n")
    assert r.exit_code == 1 and message in r.output
    with cli_db.transaction() as s:
        assert s.scalar(select(User.id)) is None  # nothing written


def test_duplicate_user_is_refused(cli_db: Database) -> None:
    assert (
        _run(
            "users", "add", "wang", "--role", "admin", "--password-stdin", input=PW + "\n"
        ).exit_code
        == 0
    )
    r = _run("users", "add", "WANG", "--role", "admin", "--password-stdin", input=PW + "\n")
    assert r.exit_code == 1 and "already exists" in r.output


def test_tokens_create_list_revoke(cli_db: Database) -> None:
    _run("users", "add", "api", "--role", "supervisor", "--password-stdin", input=PW + "\n")
    r = _run("tokens", "create", "api", "--label", "ci")
    assert r.exit_code == 0
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("fct_")
    vault = Vault(load_settings().secret_keys)
    with cli_db.transaction() as s:
        found = api_tokens.find_active(s, token_hashes(vault, token))
        assert found is not None and found[1].username == "api" and found[0].name == "ci"
        token_id = found[0].id
        assert token not in found[0].token_hash
    listed = _run("tokens", "list", "api")
    assert f"{token_id}\tapi\tci\t" in listed.output and token not in listed.output
    assert _run("tokens", "revoke", str(token_id)).exit_code == 0
    with cli_db.transaction() as s:
        assert api_tokens.find_active(s, token_hashes(vault, token)) is None
    assert _run("tokens", "create", "nobody").exit_code == 1
    actions = [e.action for e in _events(cli_db)]
    assert actions.count("tokens.created") == 1 and "tokens.revoked" in actions
    assert token not in str([e.payload for e in _events(cli_db)])


def test_set_password_disable_enable_reset_totp(cli_db: Database) -> None:
    _run("users", "add", "zhao", "--role", "compliance", "--password-stdin", input=PW + "\n")
    assert (
        _run(
            "users", "set-password", "zhao", "--password-stdin", input="another good one\n"
        ).exit_code
        == 0
    )
    with cli_db.transaction() as s:
        h = s.scalar(select(User.password_hash).where(User.username == "zhao"))
    assert h and Passwords().verify(h, "another good one") and not Passwords().verify(h, PW)
    assert _run("users", "disable", "zhao").exit_code == 0
    assert "disabled" in _run("users", "list").output
    assert _run("users", "enable", "zhao").exit_code == 0
    assert _run("users", "reset-totp", "zhao").exit_code == 0
    assert _run("users", "disable", "ghost").exit_code == 1


def test_password_prompt_needs_a_terminal(cli_db: Database) -> None:
    r = _run("users", "add", "tty", "--role", "auditor", input="")
    assert r.exit_code == 2 and "--password-stdin" in r.output
