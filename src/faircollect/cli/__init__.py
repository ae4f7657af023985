"""The `faircollect` command (Typer). Each module below adds its own commands with
`register(app)`; this file only assembles them."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="faircollect",
    help="faircollect — compliance-first debt collection.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# one module per area; each defines `register(app: typer.Typer) -> None`
_MODULES = (
    "db", "keys", "audit", "portfolio", "loans", "rules", "demo", "users", "serve",
    "outbox", "contacts", "strategy", "simulate",
)  # fmt: skip

for _name in _MODULES:
    importlib.import_module(f"faircollect.cli.{_name}").register(app)


def main() -> None:
    app()
