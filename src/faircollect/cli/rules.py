"""CLI: `faircollect rules check | packs | docs`."""

from __future__ import annotations

import json
import sys
from datetime import time
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

rules_app = typer.Typer(
    name="rules", help="Regulation as code: check a scenario, list packs, generate docs."
)


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(scenario)"


def _window(text: str | None) -> tuple[time, time] | None:
    if not text:
        return None
    try:
        a, b = text.split("-")
        start = time.fromisoformat(a)
        end = time(0) if b == "24:00" else time.fromisoformat(b)
    except ValueError:
        typer.echo(f"--contact-window: expected HH:MM-HH:MM, got {text!r}", err=True)
        raise typer.Exit(2) from None
    return start, end


@rules_app.command("check")
def check(
    file: Annotated[str, typer.Argument(help="Scenario JSON file, or - for stdin")] = "-",
    contact_window: Annotated[
        str | None,
        typer.Option(help="Creditor's stricter contact window, e.g. 08:00-21:00"),
    ] = None,
) -> None:
    """Judge one scenario (DESIGN 4.3): prints the decision as JSON.

    Exit 0 when allowed, 1 when blocked, 2 on invalid input."""
    from faircollect.rules.engine import EngineConfig, evaluate
    from faircollect.rules.model import Scenario

    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except OSError as e:
        typer.echo(f"cannot read {file}: {e.strerror}", err=True)
        raise typer.Exit(2) from None
    try:
        scenario = Scenario.model_validate_json(text)
    except ValidationError as e:
        for err in e.errors():
            msg = err["msg"]
            if err["type"] == "json_invalid":
                ctx = err.get("ctx") or {}
                msg = f"invalid JSON: {ctx.get('error', msg)}"
            typer.echo(f"{_loc(tuple(err['loc']))}: {msg}", err=True)
        raise typer.Exit(2) from None
    config = EngineConfig(contact_window=_window(contact_window))
    decision = evaluate(scenario, config=config)
    typer.echo(decision.to_json())
    raise typer.Exit(0 if decision.allowed else 1)


@rules_app.command("packs")
def packs(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """List packs, their versions and rules with provisions."""
    from faircollect.rules.packs import all_packs

    data = [
        {
            "pack": p.id,
            "version": p.version,
            "name": p.name.en,
            "rules": [
                {
                    "rule": r.id,
                    "provision": r.provision,
                    "title": r.title.en,
                    "channels": sorted(r.channels),
                    "parties": sorted(r.parties),
                }
                for r in p.rules
            ],
        }
        for p in all_packs()
    ]
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for p in data:
        typer.echo(f"{p['pack']}  {p['version']}  {p['name']}")
        for r in p["rules"]:  # type: ignore[union-attr]
            typer.echo(f"  {r['rule']:<34} {r['provision']}")  # type: ignore[index]


@rules_app.command("docs")
def docs(
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("docs/rules"),
) -> None:
    """Generate the rule-pack reference and the borrower "your rights" pages (en, zh_CN)."""
    from faircollect.rules.docs import render_all

    out.mkdir(parents=True, exist_ok=True)
    files = render_all()
    for name, text in sorted(files.items()):
        (out / name).write_text(text, encoding="utf-8")
    typer.echo(f"wrote {len(files)} files to {out}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(rules_app, name="rules")
