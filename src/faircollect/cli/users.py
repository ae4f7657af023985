"""CLI: staff accounts and API tokens.

    faircollect users add NAME --role ROLE [--creditor CODE ...] --password-stdin
                          [--display-name TEXT] [--locale zh_CN|en]
    faircollect users list | set-password NAME --password-stdin | disable NAME | enable NAME
                          | reset-totp NAME
    faircollect tokens create NAME [--label TEXT]     (prints the token once)
    faircollect tokens list [NAME] | revoke TOKEN_ID

The logic lives in faircollect.web.services.accounts (one transaction and one audit event
per command); this module only parses arguments and prints.
"""

from __future__ import annotations

import getpass
import sys

import typer

from faircollect.config import load_settings
from faircollect.store.db import Database
from faircollect.vault import Vault
from faircollect.web.auth.passwords import Passwords
from faircollect.web.auth.policy import ROLES
from faircollect.web.services import accounts
from faircollect.web.settings import WebSettings

users_app = typer.Typer(help="Staff accounts (web sign-in).", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for the JSON API.", no_args_is_help=True)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:128]
    except (KeyError, OSError):  # no passwd entry in some containers
        return "cli"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        typer.echo("use --password-stdin to read the password from standard input", err=True)
        raise typer.Exit(2)
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        typer.echo("the passwords differ", err=True)
        raise typer.Exit(2)
    return first


def _fail(e: accounts.AccountError) -> typer.Exit:
    typer.echo(f"error: {e}", err=True)
    return typer.Exit(1)


def _db() -> tuple[Database, WebSettings]:
    settings = WebSettings.from_env(load_settings())
    return Database(settings.base.database_url), settings


@users_app.command("add")
def add_command(
    name: str = typer.Argument(..., help="user name (lower-case letters, digits, . _ -)"),
    role: str = typer.Option(..., "--role", help=f"one of: {', '.join(ROLES)}"),
    creditor: list[str] = typer.Option(
        [], "--creditor", help="creditor code this user works for (repeat for several)"
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the password from the first line of stdin"
    ),
    display_name: str = typer.Option("", "--display-name"),
    locale: str = typer.Option("zh_CN", "--locale", help="zh_CN or en"),
) -> None:
    """Create a staff user (the creditors must exist)."""
    password = _read_password(password_stdin)
    db, settings = _db()
    try:
        info = accounts.add_user(
            db,
            Passwords(settings.password),
            username=name,
            role=role,
            password=password,
            creditors=creditor,
            display_name=display_name,
            locale=locale,
            actor=_actor(),
        )
    except accounts.AccountError as e:
        raise _fail(e) from None
    finally:
        db.dispose()
    shown = ", ".join(info.creditors) or "none"
    typer.echo(f"user {info.username} (id {info.id}, role {info.role}, creditors: {shown})")


@users_app.command("list")
def list_command() -> None:
    """List users, their roles and creditors."""
    db, _ = _db()
    try:
        for u in accounts.list_users(db):
            flags = ("" if u.active else " disabled") + (" totp" if u.totp_enrolled else "")
            creditors = ",".join(u.creditors) or "-"
            typer.echo(f"{u.id}\t{u.username}\t{u.role}\t{creditors}\t{u.locale}{flags}")
    finally:
        db.dispose()


@users_app.command("set-password")
def set_password_command(
    name: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
) -> None:
    """Set a user's password (ends their sessions)."""
    password = _read_password(password_stdin)
    db, settings = _db()
    try:
        accounts.set_password(
            db, Passwords(settings.password), username=name, password=password, actor=_actor()
        )
    except accounts.AccountError as e:
        raise _fail(e) from None
    finally:
        db.dispose()
    typer.echo(f"password of {name} changed")


def _set_active(name: str, active: bool) -> None:
    db, _ = _db()
    try:
        accounts.set_active(db, username=name, active=active, actor=_actor())
    except accounts.AccountError as e:
        raise _fail(e) from None
    finally:
        db.dispose()
    typer.echo(f"user {name} {'enabled' if active else 'disabled'}")


@users_app.command("disable")
def disable_command(name: str = typer.Argument(...)) -> None:
    """Disable a user (ends their sessions; their tokens stop working)."""
    _set_active(name, False)


@users_app.command("enable")
def enable_command(name: str = typer.Argument(...)) -> None:
    """Enable a disabled user."""
    _set_active(name, True)


@users_app.command("reset-totp")
def reset_totp_command(name: str = typer.Argument(...)) -> None:
    """Remove a user's two-step sign-in (TOTP) enrolment, e.g. after a lost phone."""
    db, _ = _db()
    try:
        accounts.reset_totp(db, username=name, actor=_actor())
    except accounts.AccountError as e:
        raise _fail(e) from None
    finally:
        db.dispose()
    typer.echo(f"two-step sign-in of {name} reset")


@tokens_app.command("create")
def token_create_command(
    name: str = typer.Argument(..., help="the user the token acts as"),
    label: str | None = typer.Option(None, "--label", help="a name for the token"),
) -> None:
    """Create a bearer token for an existing user and print it (shown only this once)."""
    db, settings = _db()
    try:
        info, token = accounts.create_token(
            db, Vault(settings.base.secret_keys), username=name, name=label, actor=_actor()
        )
    except accounts.AccountError as e:
        raise _fail(e) from None
    finally:
        db.dispose()
    typer.echo(f"token {info.id} ({info.name}) for {info.username}; store it now:", err=True)
    typer.echo(token)


@tokens_app.command("list")
def token_list_command(name: str | None = typer.Argument(None)) -> None:
    """List tokens (never the token itself)."""
    db, _ = _db()
    try:
        rows = accounts.list_tokens(db, username=name)
    except accounts.AccountError as e:
        raise _fail(e) from None
    finally:
        db.dispose()
    for t in rows:
        state = "revoked" if t.revoked_at else "active"
        typer.echo(f"{t.id}\t{t.username}\t{t.name}\t{t.created_at:%Y-%m-%d %H:%M}Z\t{state}")


@tokens_app.command("revoke")
def token_revoke_command(token_id: int = typer.Argument(...)) -> None:
    """Revoke a token (requests with it answer 401 from now on)."""
    db, _ = _db()
    try:
        info = accounts.revoke_token(db, token_id=token_id, actor=_actor())
    except accounts.AccountError as e:
        raise _fail(e) from None
    finally:
        db.dispose()
    typer.echo(f"token {info.id} ({info.name}) of {info.username} revoked")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
