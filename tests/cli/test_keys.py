"""`faircollect keys rotate` in key-file and env modes."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from faircollect import audit
from faircollect.cli import keys as keys_cli
from faircollect.config import load_settings, read_key_file
from faircollect.store.db import Database, upgrade
from faircollect.store.repositories import audit as audit_repo
from faircollect.store.repositories import borrowers, creditors, keys
from faircollect.store.scope import Scope
from faircollect.vault import Vault, key_id_for

PHONES = [f"1390000{i:04d}" for i in range(12)]


def _app() -> typer.Typer:
    app = typer.Typer()
    keys_cli.register(app)
    return app


def _seed(url: str, vault: Vault) -> None:
    upgrade(url)
    db = Database(url)
    with db.transaction() as s:
        c = creditors.get_or_create(s, "C")
        for i, phone in enumerate(PHONES):
            borrowers.insert(
                s, vault, borrowers.NewBorrower(c.id, f"B{i}", "张三", phone=phone, email=None)
            )
    db.dispose()


def _kids(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        with db.transaction() as s:
            return keys.key_counts(s)
    finally:
        db.dispose()


def _check_readable(url: str, vault: Vault) -> None:
    db = Database(url)
    try:
        with db.transaction() as s:
            for phone in PHONES:
                found = borrowers.find_by_blind_index(
                    s, vault, kind="phone", value=phone, scope=Scope.system()
                )
                assert len(found) == 1 and borrowers.reveal(vault, found[0]).phone == phone
    finally:
        db.dispose()


def _events(url: str) -> list[str]:
    db = Database(url)
    try:
        with db.transaction() as s:
            assert audit.verify(s).ok
            return [r.action for r in audit_repo.iterate(s)]
    finally:
        db.dispose()


def test_rotate_in_key_file_mode(tmp_var: Path) -> None:
    settings = load_settings()  # creates var/secret.key
    assert settings.key_file is not None
    url = settings.database_url
    old = settings.secret_keys[0]
    _seed(url, Vault(settings.secret_keys))
    runner = CliRunner()

    result = runner.invoke(_app(), ["keys", "rotate", "--batch-size", "5"])
    assert result.exit_code == 0, result.output
    ring = read_key_file(settings.key_file)
    assert len(ring) == 2 and ring[1] == old and ring[0] != old
    assert oct(settings.key_file.stat().st_mode & 0o777) == "0o600"
    assert _kids(url) == {key_id_for(ring[0]): 2 * len(PHONES)}
    _check_readable(url, Vault(ring[:1]))
    assert _events(url) == ["keys.rotated"]

    resumed = runner.invoke(_app(), ["keys", "rotate", "--resume"])  # no new key, no work
    assert resumed.exit_code == 0, resumed.output
    assert read_key_file(settings.key_file) == ring
    assert "re-encrypted 0 rows" in resumed.stdout

    retired = runner.invoke(_app(), ["keys", "rotate", "--retire"])
    assert retired.exit_code == 0, retired.output
    final = read_key_file(settings.key_file)
    assert len(final) == 1 and final[0] not in ring
    _check_readable(url, Vault(final))
    assert _events(url) == ["keys.rotated", "keys.rotated", "keys.rotated", "keys.retired"]


def test_rotate_in_env_mode(tmp_var: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = (
        "env-old-master-secret-0123456789abcdefgh",
        "env-new-master-secret-0123456789abcdefgh",
    )
    monkeypatch.setenv("FAIRCOLLECT_SECRET_KEY", old)
    url = load_settings().database_url
    _seed(url, Vault([old]))

    monkeypatch.setenv("FAIRCOLLECT_SECRET_KEY", new)
    monkeypatch.setenv("FAIRCOLLECT_PREVIOUS_SECRET_KEYS", old)
    result = CliRunner().invoke(_app(), ["keys", "rotate", "--retire"])
    assert result.exit_code == 0, result.output
    assert f"re-encrypted {len(PHONES)} rows" in result.stdout
    assert "FAIRCOLLECT_PREVIOUS_SECRET_KEYS" in result.stderr
    assert not (tmp_var / "secret.key").exists()
    assert _kids(url) == {key_id_for(new): 2 * len(PHONES)}
    _check_readable(url, Vault([new]))


def test_retire_refuses_while_rows_use_old_keys(
    tmp_var: Path,
) -> None:
    """A row under a key outside the ring cannot be re-encrypted: rotation stops, nothing is
    retired and the key file keeps every key."""
    stray = "stray-master-secret-0123456789abcdefghijk"
    settings = load_settings()
    assert settings.key_file is not None
    _seed(settings.database_url, Vault([stray]))
    result = CliRunner().invoke(_app(), ["keys", "rotate", "--retire"])
    assert result.exit_code == 1
    assert "cannot be decrypted" in result.stderr
    assert len(read_key_file(settings.key_file)) == 2
    assert _events(settings.database_url) == []
