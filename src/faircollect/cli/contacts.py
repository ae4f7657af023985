"""CLI: the contact gate and promises from the command line (the same services as the API).

- `faircollect contacts attempt --loan L --channel call [...] [--json]`: check and record one
  attempt; exit 0 when allowed, 1 when blocked.
- `faircollect contacts outcome ATTEMPT_ID OUTCOME [--amount A --due-on D] [--channel C]`.
- `faircollect contacts seed-templates [--creditor CODE]`: add the default message templates.
- `faircollect promises reconcile [--as-of DATE]`: the daily job that breaks overdue promises.
"""

from __future__ import annotations

import getpass
import json
from datetime import date

import typer

from faircollect.config import load_settings
from faircollect.contacts import gate, outcomes, templates
from faircollect.contacts.errors import ContactsError
from faircollect.payments import promises
from faircollect.store.db import Database
from faircollect.store.repositories import creditors as creditors_repo
from faircollect.store.scope import Scope
from faircollect.vault import Vault

contacts_app = typer.Typer(help="Contact attempts, outcomes and templates.", no_args_is_help=True)
promises_app = typer.Typer(help="Promises to pay (承诺还款).", no_args_is_help=True)
SYSTEM = Scope.system()


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:128]
    except (KeyError, OSError):
        return "cli"


def _fail(e: ContactsError) -> typer.Exit:
    typer.echo(f"{e.code}: {e.message_en}", err=True)
    return typer.Exit(2)


@contacts_app.command("attempt")
def attempt_command(
    loan: str = typer.Option(..., "--loan", help="loan ref"),
    channel: str = typer.Option(..., "--channel"),
    party: str = typer.Option("debtor", "--party"),
    place: str | None = typer.Option(None, "--place"),
    purpose: str = typer.Option("demand", "--purpose"),
    contact_point: int | None = typer.Option(None, "--contact-point"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check and record one contact attempt (exit 0 allowed, 1 blocked, 2 invalid)."""
    settings = load_settings()
    db = Database(settings.database_url)
    try:
        with gate.transaction(db) as s:
            r = gate.attempt(
                s,
                scope=SYSTEM,
                actor=_actor(),
                loan_ref=loan,
                channel=channel,
                party=party,
                place=place,
                purpose=purpose,
                contact_point_id=contact_point,
                vault=Vault.from_settings(settings),
            )
    except ContactsError as e:
        raise _fail(e) from None
    finally:
        db.dispose()
    if as_json:
        typer.echo(json.dumps(r.to_json(), ensure_ascii=False))
    else:
        typer.echo(f"attempt {r.attempt_id}: {'ALLOWED' if r.allowed else 'BLOCKED'}")
        for v in r.violations:
            typer.echo(f"  {v.rule} [{v.provision}] {v.message}")
        if r.next_allowed_at is not None:
            typer.echo(f"  next allowed at {r.next_allowed_at.isoformat()}")
    raise typer.Exit(0 if r.allowed else 1)


@contacts_app.command("outcome")
def outcome_command(
    attempt_id: int = typer.Argument(...),
    outcome: str = typer.Argument(..., help=", ".join(outcomes.OUTCOMES)),
    amount: str | None = typer.Option(None, "--amount"),
    due_on: str | None = typer.Option(None, "--due-on", help="YYYY-MM-DD"),
    channel: list[str] = typer.Option([], "--channel"),
    place: list[str] = typer.Option([], "--place"),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Record what happened on an attempt (and what it changes)."""
    db = Database(load_settings().database_url)
    try:
        data = outcomes.OutcomeInput(
            outcome,
            amount=amount,
            due_on=date.fromisoformat(due_on) if due_on else None,
            channels=channel,
            places=place,
            note=note,
        )
        with gate.transaction(db) as s:
            r = outcomes.record_outcome(
                s, scope=SYSTEM, actor=_actor(), attempt_id=attempt_id, data=data
            )
    except ContactsError as e:
        raise _fail(e) from None
    except ValueError as e:
        typer.echo(f"invalid input: {e}", err=True)
        raise typer.Exit(2) from None
    finally:
        db.dispose()
    typer.echo(json.dumps(r.to_json(), ensure_ascii=False, default=str))


@contacts_app.command("seed-templates")
def seed_command(
    creditor: str | None = typer.Option(None, "--creditor", help="creditor code"),
) -> None:
    """Add the default message templates to every creditor (or one) that lacks them."""
    db = Database(load_settings().database_url)
    try:
        with db.transaction(immediate=True) as s:
            rows = creditors_repo.list_all(s, scope=SYSTEM)
            added = {
                c.code: templates.seed_defaults(s, creditor=c, actor=_actor())
                for c in rows
                if creditor is None or c.code == creditor
            }
    finally:
        db.dispose()
    if creditor is not None and not added:
        typer.echo(f"no creditor {creditor}", err=True)
        raise typer.Exit(2)
    typer.echo(json.dumps(added, ensure_ascii=False))


@promises_app.command("reconcile")
def reconcile_command(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today)"),
) -> None:
    """Decide promises due before the date: kept when paid, else broken."""
    day = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            typer.echo(f"invalid date {as_of!r} (expected YYYY-MM-DD)", err=True)
            raise typer.Exit(2) from None
    db = Database(load_settings().database_url)
    try:
        r = promises.reconcile_due(db, as_of=day, actor=_actor())
    finally:
        db.dispose()
    typer.echo(json.dumps(r.to_json()))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(contacts_app, name="contacts")
    app.add_typer(promises_app, name="promises")
