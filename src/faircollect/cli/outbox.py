"""CLI: `faircollect outbox run [--once] [--batch N] [--max-attempts N]` delivers queued
messages through the channels configured in the environment (see contacts/channels.py);
`faircollect outbox status` counts messages per state."""

from __future__ import annotations

import json
import signal
import threading
from datetime import timedelta
from types import FrameType

import typer

from faircollect.config import load_settings
from faircollect.contacts.channels import adapters_from_env
from faircollect.contacts.dispatcher import Dispatcher
from faircollect.store.db import Database
from faircollect.store.repositories import outbox as outbox_repo
from faircollect.store.scope import Scope
from faircollect.vault import Vault

outbox_app = typer.Typer(help="Outbound messages (SMS, e-mail, app push).", no_args_is_help=True)


@outbox_app.command("run")
def run_command(
    once: bool = typer.Option(False, "--once", help="stop when nothing is due"),
    batch: int = typer.Option(50, "--batch", min=1, help="messages claimed per batch"),
    max_attempts: int = typer.Option(8, "--max-attempts", min=1, help="dead-letter after"),
    lease_seconds: float = typer.Option(
        60.0, "--lease-seconds", min=0.1, help="how long a claimed message stays ours"
    ),
    idle: float = typer.Option(1.0, "--idle", min=0.01, help="seconds to wait when idle"),
) -> None:
    """Deliver due messages (until interrupted, or with --once until none is due)."""
    settings = load_settings()
    adapters = adapters_from_env()
    if not adapters:
        typer.echo(
            "no channel configured (FAIRCOLLECT_SMTP_HOST, FAIRCOLLECT_SMS_URL, "
            "FAIRCOLLECT_PUSH_URL or FAIRCOLLECT_OUTBOX_SINK_DIR)",
            err=True,
        )
        raise typer.Exit(2)
    db = Database(settings.database_url)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    disp = Dispatcher(
        db,
        Vault.from_settings(settings),
        adapters,
        batch=batch,
        max_attempts=max_attempts,
        lease=timedelta(seconds=lease_seconds),
    )
    typer.echo(f"outbox dispatcher {disp.worker}: channels {', '.join(sorted(adapters))}", err=True)
    try:
        stats = disp.run(stop=stop, once=once, idle=idle)
    finally:
        db.dispose()
    typer.echo(json.dumps(stats.to_json()))


@outbox_app.command("status")
def status_command() -> None:
    """Messages per state (pending, in_flight, sent, dead, cancelled) as JSON."""
    db = Database(load_settings().database_url)
    try:
        with db.transaction() as s:
            counts = outbox_repo.counts(s, scope=Scope.system())
    finally:
        db.dispose()
    typer.echo(json.dumps(counts, sort_keys=True))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(outbox_app, name="outbox")
