"""CLI: `faircollect generate portfolio` and `faircollect import DIR` (DESIGN 4.1, 4.2).

Exit codes of `import`: 0 imported (or nothing new), 2 the files are invalid (every problem
on stderr as file:line:column: column: reason; nothing was written), 1 anything else.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from faircollect import clock
from faircollect.config import load_settings
from faircollect.payments.promises import reconcile_open
from faircollect.portfolio.generator import generate_portfolio
from faircollect.portfolio.importer import ImportResult, import_portfolio
from faircollect.store.db import Database
from faircollect.vault import Vault

LANGS = ("en", "zh_CN")

_T = {
    "en": {
        "bad_lang": "language must be en or zh_CN, got {v!r}",
        "generated": "wrote {loans} loans, {borrowers} borrowers, {payments} payments, "
        "{contacts} contacts, {points} contact points to {out}",
        "invalid": "{n} problem(s) found; nothing was imported.",
        "nothing_new": "nothing new: every row is already imported ({skipped}).",
        "imported": "imported batch {batch}: {counts}",
        "not_dir": "{path} is not a folder",
    },
    "zh_CN": {
        "bad_lang": "语言须为 en 或 zh_CN，收到 {v!r}",
        "generated": "已写入 {loans} 笔贷款、{borrowers} 名借款人、{payments} 笔还款、"
        "{contacts} 条催收记录、{points} 个联系方式到 {out}",
        "invalid": "发现 {n} 个问题；未导入任何数据。",
        "nothing_new": "没有新数据：所有记录均已导入（{skipped}）。",
        "imported": "已导入批次 {batch}：{counts}",
        "not_dir": "{path} 不是文件夹",
    },
}

generate_app = typer.Typer(help="Generate synthetic data.", no_args_is_help=True)


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        typer.echo(_T["en"]["bad_lang"].format(v=lang), err=True)
        raise typer.Exit(2)
    return lang


@generate_app.command("portfolio")
def generate_command(
    accounts: Annotated[int, typer.Option("--accounts", min=1, help="number of loans")] = 5000,
    seed: Annotated[int, typer.Option("--seed", help="random seed (same seed, same files)")] = 42,
    out: Annotated[Path, typer.Option("--out", help="output folder")] = Path("portfolio"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="book date YYYY-MM-DD (default: today)")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="en or zh_CN")] = "en",
) -> None:
    """Write a synthetic Chinese online-loan book as the portfolio CSVs (DESIGN 4.2)."""
    lang = _check_lang(lang)
    day = date.fromisoformat(as_of) if as_of else clock.today()
    result = generate_portfolio(out, accounts=accounts, seed=seed, as_of=day)
    c = result.counts
    typer.echo(
        _T[lang]["generated"].format(
            loans=c["loans"],
            borrowers=c["borrowers"],
            payments=c["payments"],
            contacts=c["contacts"],
            points=c["contact_points"],
            out=out,
        )
    )


class _RichProgress:
    """The importer's progress stages as Rich bars (only on a terminal)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def stage(self, name: str, total: int) -> Callable[[int], None]:
        task = self.progress.add_task(name, total=max(total, 1))
        if total == 0:
            self.progress.update(task, completed=1)

        def advance(n: int) -> None:
            if n:
                self.progress.advance(task, n)

        return advance


@contextmanager
def _progress(enabled: bool) -> Iterator[_RichProgress | None]:
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as p:
        yield _RichProgress(p)


def run_import(
    folder: Path, *, lang: str = "en", show_progress: bool | None = None
) -> ImportResult:
    """Import `folder` into the configured database and print the outcome (shared with the
    demo). Does not exit."""
    settings = load_settings()
    db = Database(settings.database_url)
    try:
        vault = Vault.from_settings(settings)
        enabled = sys.stderr.isatty() if show_progress is None else show_progress
        with _progress(enabled) as progress:
            result = import_portfolio(
                db,
                folder,
                vault=vault,
                vault_keys=settings.secret_keys,
                actor="cli:import",
                progress=progress,
            )
        if result.ok and not result.nothing_new:
            # new payments may keep (or, past their date, break) open promises to pay
            reconcile_open(db, actor="cli:import")
    finally:
        db.dispose()
    t = _T[lang]
    if not result.ok:
        for issue in result.issues:
            typer.echo(issue.format(lang), err=True)
        typer.echo(t["invalid"].format(n=len(result.issues)), err=True)
    elif result.nothing_new:
        skipped = ", ".join(f"{k} {v}" for k, v in result.skipped.items() if v)
        typer.echo(t["nothing_new"].format(skipped=skipped))
    else:
        counts = ", ".join(f"{k} {v}" for k, v in result.inserted.items() if v)
        typer.echo(t["imported"].format(batch=result.batch_id, counts=counts))
    return result


def import_command(
    folder: Annotated[Path, typer.Argument(help="folder with the portfolio CSVs")],
    lang: Annotated[str, typer.Option("--lang", help="en or zh_CN")] = "en",
) -> None:
    """Validate and load a portfolio folder (all or nothing; re-imports are idempotent)."""
    lang = _check_lang(lang)
    if not folder.is_dir():
        typer.echo(_T[lang]["not_dir"].format(path=folder), err=True)
        raise typer.Exit(2)
    result = run_import(folder, lang=lang)
    if not result.ok:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(generate_app, name="generate")
    app.command("import")(import_command)
