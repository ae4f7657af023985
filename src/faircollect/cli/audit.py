"""CLI: `faircollect audit verify` - exit 0 when the chain is intact, 1 naming the first
broken entry."""

from __future__ import annotations

import typer

from faircollect import audit
from faircollect.config import load_settings
from faircollect.store.db import Database

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@audit_app.command("verify")
def verify_command() -> None:
    """Check every link of the audit chain and its head."""
    db = Database(load_settings().database_url)
    try:
        with db.transaction(snapshot=True) as session:
            result = audit.verify(session)
    finally:
        db.dispose()
    if result.ok:
        typer.echo(f"audit chain intact: {result.checked} entries, head {result.head_hash}")
        return
    typer.echo(
        f"audit chain BROKEN at entry {result.first_broken_seq}: {result.reason} "
        f"({result.checked} entries verified before it)",
        err=True,
    )
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(audit_app, name="audit")
