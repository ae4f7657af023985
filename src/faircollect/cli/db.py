"""CLI: `faircollect db upgrade` (Alembic migrations to head)."""

from __future__ import annotations

import typer

from faircollect.config import load_settings
from faircollect.store.db import current_revision, normalise_url, upgrade

db_app = typer.Typer(help="Database schema (migrations).", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command() -> None:
    """Create or migrate the database to the latest schema (default: ./var/faircollect.db)."""
    settings = load_settings()
    upgrade(settings.database_url)
    shown = normalise_url(settings.database_url).render_as_string(hide_password=True)
    typer.echo(f"database {shown} is at revision {current_revision(settings.database_url)}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(db_app, name="db")
