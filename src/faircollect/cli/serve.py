"""CLI: `faircollect serve [--host 127.0.0.1] [--port 8000] [--workers N]` - migrate the
database to the latest schema, then serve the web app with Uvicorn (faircollect.web.server).

`--workers N` (env FAIRCOLLECT_WEB_WORKERS): Uvicorn worker processes. Default: one per usable
CPU (at most 4) on PostgreSQL, 1 on SQLite (`server.default_workers`). The optional outbox
worker thread runs once, in this (the supervisor) process, whatever N is.

On a loopback host outside production, cookies are not marked Secure (browsers would not
send them back over plain http://127.0.0.1) unless FAIRCOLLECT_COOKIE_SECURE=1 or
--secure-cookies says otherwise. Anywhere else, put the app behind HTTPS.
"""

from __future__ import annotations

import typer

from faircollect.config import load_settings
from faircollect.store.db import current_revision, upgrade


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    secure_cookies: bool | None = typer.Option(
        None,
        "--secure-cookies/--insecure-cookies",
        help="mark cookies Secure (default: yes, except on a loopback host outside production)",
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        envvar="FAIRCOLLECT_WEB_WORKERS",  # = server.WORKERS_ENV
        help="web worker processes (default: one per CPU, at most 4, on PostgreSQL; 1 on SQLite)",
    ),
    outbox_worker: bool = typer.Option(
        False,
        "--outbox-worker/--no-outbox-worker",
        envvar="FAIRCOLLECT_OUTBOX_WORKER",
        help="also deliver queued messages in a background thread (contacts/worker.py)",
    ),
) -> None:
    """Upgrade the database, then serve the web app (staff pages, JSON API under /api/v1)."""
    from faircollect.web import server

    settings = load_settings()
    try:
        n = server.resolve_workers(workers, settings.database_url)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--workers") from None
    upgrade(settings.database_url)
    web = server.web_settings_for(settings, host, secure_cookies)
    shown = f"[{host}]" if ":" in host else host
    cookies = "Secure" if web.cookie_secure else "not Secure: local development"
    typer.echo(
        f"database at revision {current_revision(settings.database_url)}; "
        f"serving on http://{shown}:{port}/ with {n} worker{'s' if n != 1 else ''} "
        f"(cookies {cookies})",
        err=True,
    )
    worker = None
    if outbox_worker:
        from faircollect.contacts.worker import OutboxWorker
        from faircollect.store.db import Database
        from faircollect.vault import Vault

        worker = OutboxWorker(Database(settings.database_url), Vault.from_settings(settings))
        if not worker.start():
            typer.echo("outbox worker not started: no channel configured", err=True)
    try:
        server.run(web, host=host, port=port, workers=n)
    finally:
        if worker is not None:
            worker.stop()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("serve")(serve_command)
