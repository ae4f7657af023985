"""CLI: `faircollect keys rotate [--resume] [--retire]`.

Key-file mode (no FAIRCOLLECT_SECRET_KEY): a new master secret is generated and written first
in the key file (old ones kept after it), then every encrypted column is re-encrypted and every
blind index recomputed, one transaction per batch. `--resume` finishes an interrupted run
without generating another key. `--retire` then drops the old keys from the key file once no
row uses them.

Env mode: set the new FAIRCOLLECT_SECRET_KEY, list the old ones in
FAIRCOLLECT_PREVIOUS_SECRET_KEYS, run `keys rotate`, then remove the old ones from the
environment (`--retire` checks that no row still needs them).
"""

from __future__ import annotations

import getpass

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from faircollect import audit, clock
from faircollect.config import Settings, load_settings, new_secret, write_key_file
from faircollect.store import rotation
from faircollect.store.db import Database
from faircollect.store.repositories import keys as keys_repo
from faircollect.vault import Vault, VaultError, key_id_for

keys_app = typer.Typer(help="Encryption keys.", no_args_is_help=True)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:128]
    except (KeyError, OSError):  # no passwd entry in some containers
        return "cli"


def _ring(settings: Settings, resume: bool, console: Console) -> tuple[str, ...]:
    keys = settings.secret_keys
    if settings.key_file is None or resume:
        return keys
    new = new_secret()
    keys = (new, *keys)
    write_key_file(settings.key_file, keys)
    console.print(f"new key {key_id_for(new)} written first in {settings.key_file}")
    return keys


def _retire(
    db: Database, settings: Settings, keys: tuple[str, ...], vault: Vault, console: Console
) -> None:
    retired = vault.retired_key_ids
    if not retired:
        console.print("no previous keys in the ring: nothing to retire")
        return
    with db.transaction(immediate=True) as s:
        in_use = {k: n for k, n in keys_repo.key_counts(s).items() if k != vault.active_key_id}
        if in_use:
            console.print(f"[red]not retiring: rows still use keys {sorted(in_use)}[/red]")
            raise typer.Exit(1)
        keys_repo.mark_retired(s, retired, clock.now())
        audit.append(
            s,
            actor=_actor(),
            action="keys.retired",
            entity=f"key:{vault.active_key_id}",
            payload={"active_key_id": vault.active_key_id, "retired_key_ids": list(retired)},
        )
        if settings.key_file is not None:
            write_key_file(settings.key_file, keys[:1])
    if settings.key_file is None:
        console.print("no row uses the previous keys: remove FAIRCOLLECT_PREVIOUS_SECRET_KEYS")
    else:
        console.print(f"retired keys {list(retired)}")


@keys_app.command("rotate")
def rotate_command(
    resume: bool = typer.Option(
        False, "--resume", help="Finish an interrupted rotation; do not generate a new key."
    ),
    retire: bool = typer.Option(
        False, "--retire", help="Afterwards drop the old keys once no row uses them."
    ),
    batch_size: int = typer.Option(500, min=1, help="Rows per transaction."),
) -> None:
    """Re-encrypt all PII under a new active key (see `faircollect keys rotate --help`)."""
    console = Console(stderr=True)
    settings = load_settings()
    keys = _ring(settings, resume, console)
    vault = Vault(keys)
    db = Database(settings.database_url)
    try:
        todo = rotation.pending(db, vault)
        columns = (
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        try:
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("re-encrypting", total=sum(todo.values()))
                result = rotation.reencrypt(
                    db,
                    vault,
                    batch_size=batch_size,
                    on_progress=lambda _t, n: progress.advance(task, n),
                )
        except KeyboardInterrupt:
            console.print("interrupted: finished batches are saved; run `keys rotate --resume`")
            raise typer.Exit(130) from None
        except VaultError as e:
            console.print(
                f"[red]a stored value cannot be decrypted with the keys in the ring ({e}); "
                "add the missing key to FAIRCOLLECT_PREVIOUS_SECRET_KEYS or the key file "
                "and run `keys rotate --resume`[/red]"
            )
            raise typer.Exit(1) from None
        with db.transaction(immediate=True) as s:
            keys_repo.record_use(s, vault.active_key_id, clock.now())
            audit.append(
                s,
                actor=_actor(),
                action="keys.rotated",
                entity=f"key:{vault.active_key_id}",
                payload={
                    "active_key_id": vault.active_key_id,
                    "previous_key_ids": list(vault.retired_key_ids),
                    "rows": result.rows,
                },
            )
        typer.echo(f"active key {vault.active_key_id}: re-encrypted {result.total} rows")
        if retire:
            _retire(db, settings, keys, vault, console)
    finally:
        db.dispose()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(keys_app, name="keys")
