"""CLI: `faircollect run strategy` (DESIGN 4.1) and `faircollect strategy validate | diff |
activate | list | report | capacity | snapshot`.

Exit codes: 0 done; 2 invalid input (a bad date, an invalid spec, an unknown strategy or
snapshot; the reason on stderr); 1 anything else. `strategy diff` exits 1 when the specs
differ (like diff(1)).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from faircollect.config import load_settings
from faircollect.store.db import Database

run_app = typer.Typer(help="Run a nightly job.", no_args_is_help=True)
strategy_app = typer.Typer(help="Strategies: validate, diff, activate, list, report.",
                           no_args_is_help=True)  # fmt: skip

_T = {
    "en": {
        "bad_date": "--as-of: expected a date YYYY-MM-DD, got {v!r}",
        "bad_engine": "--engine: expected duckdb or spark, got {v!r}",
        "bad_lang": "--lang: expected en or zh_CN, got {v!r}",
        "done": "run {run} ({strategy} v{version}, {engine}) for {as_of}: {accounts} accounts, "
        "{items} work items, {none} without action{replaced}",
        "replaced": " (replaced the earlier run for that date)",
        "wrote": "wrote {path}",
        "valid": "{path}: valid ({name}, digest {digest})",
        "invalid": "{path}: invalid",
        "same": "no difference",
        "activated": "activated {name} version {version}{new}",
        "new": " (new version)",
        "capacity": "capacity: {c} collector(s), {t} field team(s)",
        "treatment": "Treatment",
        "count": "Count",
        "reason": "No action: reason",
        "stage": "Stage",
        "seconds": "Seconds",
    },
    "zh_CN": {
        "bad_date": "--as-of：须为日期 YYYY-MM-DD，收到 {v!r}",
        "bad_engine": "--engine：须为 duckdb 或 spark，收到 {v!r}",
        "bad_lang": "--lang：须为 en 或 zh_CN，收到 {v!r}",
        "done": "运行 {run}（{strategy} 第 {version} 版，{engine}），日期 {as_of}："
        "{accounts} 个账户，{items} 个工作项，{none} 个不作处理{replaced}",
        "replaced": "（已替换该日期之前的运行结果）",
        "wrote": "已写入 {path}",
        "valid": "{path}：有效（{name}，摘要 {digest}）",
        "invalid": "{path}：无效",
        "same": "没有差异",
        "activated": "已启用 {name} 第 {version} 版{new}",
        "new": "（新版本）",
        "capacity": "处理能力：{c} 名催收员，{t} 个外访团队",
        "treatment": "处置方式",
        "count": "数量",
        "reason": "不作处理：原因",
        "stage": "阶段",
        "seconds": "秒",
    },
}


def _lang(lang: str) -> dict[str, str]:
    if lang not in _T:
        typer.echo(_T["en"]["bad_lang"].format(v=lang), err=True)
        raise typer.Exit(2)
    return _T[lang]


def _day(text: str | None, t: dict[str, str]) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(t["bad_date"].format(v=text), err=True)
        raise typer.Exit(2) from None


def _db() -> Database:
    return Database(load_settings().database_url)


@run_app.command("strategy")
def run_strategy(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="date YYYY-MM-DD (default: today, Asia/Shanghai)")
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="duckdb (default) or spark")] = "duckdb",
    out: Annotated[
        Path | None, typer.Option("--out", help="also write the work items to this Parquet file")
    ] = None,
    strategy: Annotated[str, typer.Option("--strategy", help="strategy name")] = (
        "faircollect-default"
    ),
    version: Annotated[
        int | None, typer.Option("--version", help="a stored version (default: the active one)")
    ] = None,
    snapshot: Annotated[
        Path | None,
        typer.Option("--snapshot", help="read the input from a Parquet snapshot folder"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the run summary as JSON")] = False,
    lang: Annotated[str, typer.Option("--lang", help="en or zh_CN")] = "en",
) -> None:
    """Plan the day: a work item (or the reason for none) for every overdue account."""
    from faircollect.strategy.run import STAGES, StrategyNotFound, run_nightly
    from faircollect.strategy.snapshot import SnapshotError
    from faircollect.strategy.spec import SpecError
    from faircollect.vault import Vault

    t = _lang(lang)
    day = _day(as_of, t)
    if engine not in ("duckdb", "spark"):
        typer.echo(t["bad_engine"].format(v=engine), err=True)
        raise typer.Exit(2)
    settings = load_settings()
    db = Database(settings.database_url)
    console = Console(stderr=True)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=as_json or not console.is_terminal,
        ) as bar:
            task = bar.add_task(f"strategy {strategy}", total=len(STAGES))

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, completed=done, description=f"strategy {strategy}: {stage}")

            summary = run_nightly(
                db,
                as_of=day,
                strategy=strategy,
                version=version,
                engine=engine,
                out=out,
                snapshot_dir=snapshot,
                vault=Vault.from_settings(settings),
                progress=progress,
            )
    except (StrategyNotFound, SnapshotError, SpecError) as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    finally:
        db.dispose()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "run_id": summary.run_id,
                    "as_of": summary.as_of.isoformat(),
                    "strategy": summary.strategy,
                    "version": summary.version,
                    "engine": summary.engine,
                    "accounts": summary.accounts,
                    "replaced": summary.replaced,
                    "counts": summary.counts,
                    "timings": summary.timings,
                    "outputs": [str(p) for p in summary.outputs],
                },
                ensure_ascii=False,
            )
        )
        return
    c = summary.counts
    typer.echo(
        t["done"].format(
            run=summary.run_id,
            strategy=summary.strategy,
            version=summary.version,
            engine=summary.engine,
            as_of=summary.as_of.isoformat(),
            accounts=summary.accounts,
            items=c["work_items"],
            none=c["no_action"],
            replaced=t["replaced"] if summary.replaced else "",
        )
    )
    render_counts(Console(), c, t)
    for p in summary.outputs:
        typer.echo(t["wrote"].format(path=p))


def render_counts(console: Console, counts: dict[str, Any], t: dict[str, str]) -> None:
    tab = Table()
    tab.add_column(t["treatment"])
    tab.add_column(t["count"], justify="right")
    for k, v in counts.get("by_treatment", {}).items():
        tab.add_row(k, f"{v:,}")
    console.print(tab)
    tab = Table()
    tab.add_column(t["reason"])
    tab.add_column(t["count"], justify="right")
    for k, v in counts.get("no_action_by_reason", {}).items():
        tab.add_row(k, f"{v:,}")
    console.print(tab)


@strategy_app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(help="strategy YAML files")],
    lang: Annotated[str, typer.Option("--lang", help="en or zh_CN")] = "en",
) -> None:
    """Check strategy files; every problem is printed as location: message."""
    from faircollect.strategy import spec as S

    t = _lang(lang)
    bad = False
    for f in files:
        try:
            s = S.load_file(f)
        except OSError as e:
            typer.echo(f"{f}: {e.strerror}", err=True)
            bad = True
            continue
        except S.SpecError as e:
            typer.echo(t["invalid"].format(path=f), err=True)
            for loc, msg in e.problems:
                typer.echo(f"  {loc}: {msg}", err=True)
            bad = True
            continue
        typer.echo(t["valid"].format(path=f, name=s.name, digest=S.digest(s)[:12]))
    if bad:
        raise typer.Exit(2)


def _resolve(session: Any, ref: str) -> Any:
    from faircollect.strategy import spec as S
    from faircollect.strategy.manage import resolve

    try:
        return resolve(session, ref)
    except S.SpecError as e:
        for loc, msg in e.problems:
            typer.echo(f"{ref}: {loc}: {msg}", err=True)
        raise typer.Exit(2) from None
    except (LookupError, OSError) as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None


@strategy_app.command("diff")
def diff(
    a: Annotated[str, typer.Argument(help="a file, NAME or NAME@VERSION")],
    b: Annotated[str, typer.Argument(help="a file, NAME or NAME@VERSION")],
    lang: Annotated[str, typer.Option("--lang", help="en or zh_CN")] = "en",
) -> None:
    """Show how two strategies differ (unified diff of their canonical YAML)."""
    from faircollect.strategy import spec as S

    t = _lang(lang)
    db = _db()
    try:
        with db.transaction() as session:
            ra, rb = _resolve(session, a), _resolve(session, b)
    finally:
        db.dispose()
    text = S.diff(ra.spec, rb.spec, ra.label, rb.label)
    if not text:
        typer.echo(t["same"])
        return
    typer.echo(text, nl=False)
    raise typer.Exit(1)


@strategy_app.command("activate")
def activate(
    ref: Annotated[str, typer.Argument(help="a YAML file, NAME (shipped) or NAME@VERSION")],
    lang: Annotated[str, typer.Option("--lang", help="en or zh_CN")] = "en",
) -> None:
    """Store the strategy as a new version (when it changed) and make it the active one."""
    from faircollect.strategy import spec as S
    from faircollect.strategy.manage import activate as do_activate

    t = _lang(lang)
    db = _db()
    try:
        with db.transaction(immediate=True) as session:
            name, version, created = do_activate(session, ref, actor="cli")
    except S.SpecError as e:
        for loc, msg in e.problems:
            typer.echo(f"{ref}: {loc}: {msg}", err=True)
        raise typer.Exit(2) from None
    except (LookupError, OSError) as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    finally:
        db.dispose()
    typer.echo(t["activated"].format(name=name, version=version, new=t["new"] if created else ""))


@strategy_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Stored versions (the active one marked *) and shipped strategies not stored yet."""
    from faircollect.strategy.manage import list_strategies

    db = _db()
    try:
        with db.transaction() as session:
            rows = list_strategies(session)
    finally:
        db.dispose()
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "name": r.name,
                        "version": r.version,
                        "active": r.active,
                        "digest": r.digest,
                        "title": r.title,
                        "created_at": None if r.created_at is None else r.created_at.isoformat(),
                    }
                    for r in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    tab = Table()
    for col in ("", "name", "version", "digest", "title"):
        tab.add_column(col)
    for r in rows:
        version = "shipped" if r.version is None else str(r.version)
        tab.add_row("*" if r.active else "", r.name, version, r.digest[:12], r.title)
    Console().print(tab)


@strategy_app.command("report")
def report_command(
    strategy: Annotated[str, typer.Option("--strategy")] = "faircollect-default",
    out: Annotated[Path, typer.Option("--out", help="folder for report.json and the PNGs")] = (
        Path("var/reports/strategy")
    ),
    lang: Annotated[str, typer.Option("--lang", help="en or zh_CN (chart labels)")] = "en",
) -> None:
    """Counts and amounts by bucket, treatment and arm; roll rates and recovery curves across
    runs: report.json (data for the web app) and PNG charts."""
    from faircollect.strategy import report

    _lang(lang)
    db = _db()
    try:
        with db.transaction() as session:
            data = report.from_db(session, strategy=strategy)
    finally:
        db.dispose()
    paths = [report.write_json(data, out / "report.json"), *report.render_png(data, out, lang=lang)]
    for p in paths:
        typer.echo(str(p))


@strategy_app.command("capacity")
def capacity_command(
    file: Annotated[Path, typer.Argument(help="YAML with collectors and field_teams")],
    lang: Annotated[str, typer.Option("--lang", help="en or zh_CN")] = "en",
) -> None:
    """Create or update collectors and field teams (daily capacity, creditors, languages,
    regions, weekdays)."""
    from faircollect.strategy.manage import CapacityError, import_capacity

    t = _lang(lang)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as e:
        typer.echo(f"{file}: {e.strerror}", err=True)
        raise typer.Exit(2) from None
    db = _db()
    try:
        with db.transaction(immediate=True) as session:
            c, n = import_capacity(session, text)
    except (CapacityError, ValueError) as e:
        typer.echo(f"{file}: {e}", err=True)
        raise typer.Exit(2) from None
    finally:
        db.dispose()
    typer.echo(t["capacity"].format(c=c, t=n))


@strategy_app.command("snapshot")
def snapshot_command(
    out: Annotated[Path, typer.Option("--out", help="folder for the Parquet snapshot")],
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
) -> None:
    """Export the strategy's input from the database as a Parquet snapshot (to run it
    elsewhere, e.g. on Spark, or to replay it)."""
    from faircollect import clock
    from faircollect.strategy.snapshot import from_db, write_parquet
    from faircollect.vault import Vault

    day = _day(as_of, _T["en"]) or clock.today()
    settings = load_settings()
    db = Database(settings.database_url)
    try:
        with db.transaction() as session:
            snap = from_db(session, as_of=day, vault=Vault.from_settings(settings))
    finally:
        db.dispose()
    write_parquet(snap, out)
    typer.echo(str(out))


def register(app: typer.Typer) -> None:
    app.add_typer(run_app, name="run")
    app.add_typer(strategy_app, name="strategy")


def demo_step(ctx: Any) -> None:
    """`faircollect demo` step: give the demo shop some collectors and field teams (unless
    capacity is configured already), then plan tonight with the default strategy."""
    from faircollect.store.repositories import capacity as cap_repo
    from faircollect.store.repositories import creditors as creditor_repo
    from faircollect.store.scope import SYSTEM
    from faircollect.strategy.manage import demo_capacity, import_capacity
    from faircollect.strategy.run import run_nightly
    from faircollect.vault import Vault

    settings = ctx.settings
    db = Database(settings.database_url)
    try:
        with db.transaction(immediate=True) as session:
            if not cap_repo.list_collectors(session) and not cap_repo.list_field_teams(session):
                codes = sorted(c.code for c in creditor_repo.list_all(session, scope=SYSTEM))
                regions = sorted(_demo_regions(session))
                import_capacity(session, demo_capacity(codes, regions))
        summary = run_nightly(
            db, as_of=ctx.today, vault=Vault.from_settings(settings), actor="system:demo"
        )
    finally:
        db.dispose()
    c = summary.counts
    ctx.state["strategy_run"] = summary.run_id
    ctx.console.print(
        f"今晚的策略 tonight's strategy: {summary.strategy} v{summary.version} — "
        f"{summary.accounts:,} 个逾期账户 overdue accounts, {c['work_items']:,} 个工作项 work "
        f"items, {c['no_action']:,} 个不作处理 without action"
    )
    labels = {
        "treatment": "处置方式 Treatment",
        "count": "数量 Count",
        "reason": "不作处理原因 No action",
    }
    render_counts(ctx.console, c, {**_T["en"], **labels})


def _demo_regions(session: Any) -> list[str]:
    from faircollect.store.repositories import strategy_inputs

    return strategy_inputs.regions(session)
