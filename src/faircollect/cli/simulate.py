"""CLI: `faircollect simulate` (DESIGN 4.1): strategies through the simulated world.

    faircollect simulate --strategy NAME [--vs OTHER ...] --accounts N --days D --seed S
        [--replicates K] [--json] [--out DIR] [--params FILE] [--lang en|zh_CN]

NAME is a shipped strategy (dpd-escalation, faircollect-default), a YAML spec file, or a
strategy stored in the database (read only; the simulator never writes to it). With --json,
exactly one JSON object on stdout (shape: faircollect.sim.metrics); otherwise a side-by-side
table. --out writes result.json, PNG plots and a self-contained report.html.
Exit codes: 0 done; 2 invalid input (reason on stderr); 1 anything else.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

_T = {
    "en": {
        "bad_lang": "--lang: expected en or zh_CN, got {v!r}",
        "bad_number": "--accounts, --days and --replicates must be at least 1",
        "dup": "each strategy may be given once: {names}",
        "wrote": "wrote {path}",
        "simulating": "simulating {name}",
        "violations": "executed violations: {n} (every executed contact passed the rule gate)",
        "check": "real-time rule engine on a sample: {agreed}/{sampled} decisions agree with "
        "the columnar gate",
    },
    "zh_CN": {
        "bad_lang": "--lang：须为 en 或 zh_CN，收到 {v!r}",
        "bad_number": "--accounts、--days 和 --replicates 至少为 1",
        "dup": "每个策略只能指定一次：{names}",
        "wrote": "已写入 {path}",
        "simulating": "正在模拟 {name}",
        "violations": "已执行的违规：{n}（每次执行的联系都通过了规则检查）",
        "check": "实时规则引擎抽样：{agreed}/{sampled} 个决定与批量规则检查一致",
    },
}


def _db_lookup(name: str) -> Any:
    """A strategy stored in the operational database (read only), or None."""
    try:
        from faircollect.config import load_settings
        from faircollect.store.db import Database
        from faircollect.store.repositories import strategies as repo
        from faircollect.strategy import spec as S

        db = Database(load_settings().database_url)
        with db.transaction() as session:
            row = repo.active_version(session, name)
            if row is None:
                return None
            return S.from_data(row.spec, f"{name}@{row.version}")
    except Exception:  # no database, or not set up: not a stored strategy
        return None


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate_cmd(
        strategy: Annotated[str, typer.Option("--strategy", help="strategy name or YAML file")],
        vs: Annotated[list[str] | None, typer.Option("--vs", help="challenger(s)")] = None,
        accounts: Annotated[int, typer.Option("--accounts", help="accounts per replicate")] = 10000,
        days: Annotated[int, typer.Option("--days")] = 90,
        seed: Annotated[int, typer.Option("--seed")] = 1,
        replicates: Annotated[int, typer.Option("--replicates")] = 1,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
        out: Annotated[Path | None, typer.Option("--out", help="folder for plots + HTML")] = None,
        params: Annotated[Path | None, typer.Option("--params", help="behaviour YAML")] = None,
        check_sample: Annotated[
            int,
            typer.Option("--check-sample", help="contacts a day re-judged by the real-time engine"),
        ] = 20,
        engine: Annotated[str, typer.Option("--engine", help="duckdb or spark")] = "duckdb",
        lang: Annotated[str, typer.Option("--lang", help="en or zh_CN")] = "en",
    ) -> None:
        """Simulate strategies against synthetic borrowers: recovery next to harm."""
        from faircollect.sim.evaluate import simulate
        from faircollect.sim.params import ParamsError, load_params
        from faircollect.sim.planners import StrategyNotFound
        from faircollect.sim.report import table, write_report
        from faircollect.strategy.spec import SpecError

        if lang not in _T:
            typer.echo(_T["en"]["bad_lang"].format(v=lang), err=True)
            raise typer.Exit(2)
        t = _T[lang]
        if accounts < 1 or days < 1 or replicates < 1:
            typer.echo(t["bad_number"], err=True)
            raise typer.Exit(2)
        names = [strategy, *(vs or [])]
        if len(set(names)) != len(names):
            typer.echo(t["dup"].format(names=", ".join(names)), err=True)
            raise typer.Exit(2)
        try:
            p = load_params(params)
        except ParamsError as e:
            typer.echo(str(e), err=True)
            raise typer.Exit(2) from None
        err = Console(stderr=True)
        quiet = as_json or not err.is_terminal
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=quiet,
        )
        tasks: dict[str, Any] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(t["simulating"].format(name=name), total=total)
            bar.update(tasks[name], completed=done)

        try:
            with bar:
                ev = simulate(names, accounts=accounts, days=days, seed=seed,
                              replicates=replicates, params=p, engine=engine,
                              check_sample=check_sample, lookup=_db_lookup,
                              progress=progress)  # fmt: skip
        except (StrategyNotFound, SpecError, ValueError) as e:
            typer.echo(str(e), err=True)
            raise typer.Exit(2) from None
        data = ev.to_json()
        if out is not None:
            command = "faircollect " + " ".join(shlex.quote(a) for a in sys.argv[1:])
            for path in write_report(data, out, command):
                if not as_json:
                    err.print(t["wrote"].format(path=path))
        if as_json:
            typer.echo(json.dumps(data, ensure_ascii=False, sort_keys=False))
            return
        console = Console()
        console.print(table(data, lang))
        total = sum(int(s["violations_executed"]) for s in data["strategies"].values())
        console.print(t["violations"].format(n=total))
        sampled = sum(s["gate_check"]["sampled"] for s in data["strategies"].values())
        agreed = sum(s["gate_check"]["agreed"] for s in data["strategies"].values())
        console.print(t["check"].format(agreed=agreed, sampled=sampled))
