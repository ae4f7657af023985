"""CLI: `faircollect demo` (what `make demo` runs) — set everything up on a fresh clone and
show it.

The demo is a list of steps run in order (`STEPS`); later parts (tonight's strategy, the web
app) append theirs. Each step is idempotent: re-running the demo reuses what is there.

Steps so far
1. database: migrate the configured database (default: SQLite under ./var/, or
   FAIRCOLLECT_DATABASE_URL);
2. portfolio: generate the synthetic book (5,000 loans, seed 42) into var/demo/portfolio
   unless it is already there;
3. import: validate and load it (a re-run imports nothing new);
4. summary: loans and outstanding amounts per creditor and delinquency bucket, and the loans
   whose total annualised cost breaks a legal cap (in Chinese and English).
5. strategy: tonight's plan with the default strategy (demo collectors and field teams are
   set up when none are configured): work items by treatment, accounts left alone and why.
6. users: one demo sign-in per role (admin, supervisor, collector, field agent, compliance,
   auditor) for every demo creditor, with the known demo passwords of `DEMO_USERS` (reset on
   every run; demo databases only: nothing else creates users by default); the demo
   collector is linked to the first demo collector's capacity record (the "mine" filter);
7. serve: start the web app on --host/--port (the next free port when 8000 is taken) and
   print the URL and the demo logins; `--no-serve` prints the logins and stops there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from faircollect import clock
from faircollect.config import Settings, load_settings
from faircollect.portfolio.generator import generate_portfolio
from faircollect.portfolio.summary import PortfolioSummary, summarize
from faircollect.store.db import Database, normalise_url, upgrade

from .portfolio import run_import
from .strategy import demo_step as strategy_demo_step

#: (role, user name, password): the demo sign-ins, printed by the demo
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("admin", "admin", "demo-admin"),
    ("supervisor", "supervisor", "demo-supervisor"),
    ("collector", "collector", "demo-collector"),
    ("field_agent", "field-agent", "demo-field-agent"),
    ("compliance", "compliance", "demo-compliance"),
    ("auditor", "auditor", "demo-auditor"),
)
ROLE_TITLES = {
    "admin": "管理员 Administrator",
    "supervisor": "主管 Supervisor",
    "collector": "催收员 Collector",
    "field_agent": "外访员 Field agent",
    "compliance": "合规官 Compliance officer",
    "auditor": "审计员 Auditor (read-only)",
}
DEFAULT_PORT = 8000

DEMO_ACCOUNTS = 5000
DEMO_SEED = 42
MARKER = ".generated.json"


@dataclass
class DemoContext:
    settings: Settings
    console: Console
    accounts: int = DEMO_ACCOUNTS
    seed: int = DEMO_SEED
    serve: bool = True
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    today: date = field(default_factory=clock.today)
    state: dict[str, Any] = field(default_factory=dict)  # what steps hand to later steps

    @property
    def portfolio_dir(self) -> Path:
        return self.settings.var_dir / "demo" / "portfolio"


class DemoError(RuntimeError):
    pass


@dataclass(frozen=True)
class Step:
    name: str
    title: str  # "中文 / English"
    run: Callable[[DemoContext], None]


def _database(ctx: DemoContext) -> None:
    upgrade(ctx.settings.database_url)
    shown = normalise_url(ctx.settings.database_url).render_as_string(hide_password=True)
    ctx.console.print(f"数据库 database: {shown}")


def _portfolio(ctx: DemoContext) -> None:
    folder = ctx.portfolio_dir
    marker = folder / MARKER
    wanted = {"accounts": ctx.accounts, "seed": ctx.seed}
    if marker.is_file():
        made = json.loads(marker.read_text("utf-8"))
        if {k: made.get(k) for k in wanted} != wanted:
            raise DemoError(
                f"{folder} holds another demo portfolio ({made}); remove var/demo and the "
                "demo database (make clean) to generate a new one"
            )
        ctx.console.print(f"组合文件已存在 portfolio already generated: {folder}")
        return
    result = generate_portfolio(folder, accounts=ctx.accounts, seed=ctx.seed, as_of=ctx.today)
    marker.write_text(json.dumps({**wanted, "as_of": ctx.today.isoformat()}), "utf-8")
    c = result.counts
    ctx.console.print(
        f"已生成 generated {c['loans']} loans, {c['borrowers']} borrowers, "
        f"{c['payments']} payments, {c['contacts']} contacts -> {folder}"
    )


def _import(ctx: DemoContext) -> None:
    result = run_import(ctx.portfolio_dir, lang="zh_CN", show_progress=False)
    if not result.ok:
        raise DemoError("the demo portfolio did not import (see the problems above)")


def _summary(ctx: DemoContext) -> None:
    db = Database(ctx.settings.database_url)
    try:
        with db.transaction() as session:
            s = summarize(session, as_of=ctx.today)
    finally:
        db.dispose()
    ctx.state["summary"] = s
    render_summary(ctx.console, s)


def _users(ctx: DemoContext) -> None:
    """One sign-in per role for every demo creditor, with the known demo passwords."""
    from faircollect.store.repositories import capacity as capacity_repo
    from faircollect.store.repositories import creditors as creditors_repo
    from faircollect.store.repositories import users as users_repo
    from faircollect.store.scope import SYSTEM
    from faircollect.web.auth.passwords import Passwords
    from faircollect.web.services import accounts
    from faircollect.web.settings import WebSettings

    passwords = Passwords(WebSettings.from_env(ctx.settings).password)
    db = Database(ctx.settings.database_url)
    try:
        with db.transaction() as s:
            codes = [c.code for c in creditors_repo.list_all(s, scope=SYSTEM)]
        for role, name, password in DEMO_USERS:
            with db.transaction() as s:
                exists = users_repo.get_by_username(s, name) is not None
            if exists:  # a re-run: the printed password works again
                accounts.set_password(
                    db, passwords, username=name, password=password, actor="system:demo"
                )
                with db.transaction(immediate=True) as s:
                    user = users_repo.get_by_username(s, name)
                    assert user is not None
                    ids = [c.id for c in creditors_repo.list_all(s, scope=SYSTEM)]
                    users_repo.set_creditors(s, user.id, ids)
            else:
                accounts.add_user(
                    db, passwords, username=name, role=role, password=password, creditors=codes,
                    display_name=ROLE_TITLES[role].split(" ", 1)[1], actor="system:demo",
                )  # fmt: skip
        with db.transaction(immediate=True) as s:  # the demo collector works a desk
            user = users_repo.get_by_username(s, "collector")
            desks = capacity_repo.list_collectors(s, active_only=False)
            if user is not None and desks and all(d.user_id != user.id for d in desks):
                d = desks[0]
                capacity_repo.upsert_collector(
                    s,
                    capacity_repo.NewCollector(
                        name=d.name, daily_capacity=d.daily_capacity, creditors=d.creditors,
                        languages=d.languages, user_id=user.id, active=d.active,
                    ),
                )  # fmt: skip
    finally:
        db.dispose()
    ctx.console.print(f"已创建演示账号 demo sign-ins for {', '.join(codes) or '-'}")


def _free_port(host: str, wanted: int) -> int:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for port in (wanted, 0):
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise DemoError(f"no free port on {host}")


def render_logins(console: Console) -> None:
    t = Table(title="演示账号 Demo sign-ins")
    t.add_column("角色 Role")
    t.add_column("用户名 User name")
    t.add_column("密码 Password")
    for role, name, password in DEMO_USERS:
        t.add_row(ROLE_TITLES[role], name, password)
    console.print(t)


def _serve(ctx: DemoContext) -> None:
    render_logins(ctx.console)
    if not ctx.serve:
        ctx.console.print("启动网页 start the web app: faircollect serve")
        return
    from faircollect.web import server

    port = _free_port(ctx.host, ctx.port)
    web = server.web_settings_for(ctx.settings, ctx.host, None)
    shown = f"[{ctx.host}]" if ":" in ctx.host else ctx.host
    url = f"http://{shown}:{port}/"
    ctx.console.print(f"网页已启动 the web app is at: {url}  (Ctrl-C 停止 to stop)")
    # the line a script (or a test) waits for, unwrapped
    print(f"FAIRCOLLECT_URL={url}", flush=True)
    server.run(web, host=ctx.host, port=port)


STEPS: list[Step] = [
    Step("database", "数据库 / Database", _database),
    Step("portfolio", "生成组合 / Generate the portfolio", _portfolio),
    Step("import", "导入 / Import", _import),
    Step("summary", "组合概览 / Portfolio summary", _summary),
    Step("strategy", "今晚的策略 / Tonight's strategy", strategy_demo_step),
    Step("users", "演示账号 / Demo sign-ins", _users),
    Step("serve", "网页 / The web app", _serve),
]


# ---------------------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------------------
def _money(m: Any) -> str:
    return str(m.format("zh_CN"))


def render_summary(console: Console, s: PortfolioSummary) -> None:
    console.print(f"[bold]组合概览 Portfolio summary[/bold] — 截至 as of {s.as_of.isoformat()}")
    for c in s.creditors:
        console.print(f"[bold]{c.creditor}[/bold] ({c.currency})")
        t = Table()
        t.add_column("逾期阶段\nBucket")
        t.add_column("笔数\nLoans", justify="right")
        t.add_column("未偿金额\nOutstanding", justify="right")
        for line in c.buckets:
            t.add_row(line.bucket, f"{line.loans:,}", _money(line.outstanding))
        t.add_section()
        t.add_row("合计 Total", f"{c.loans:,}", _money(c.outstanding))
        console.print(t)
    console.print("[bold]超过法定成本上限 Above a legal cost cap[/bold]")
    caps = Table()
    caps.add_column("债权人\nCreditor")
    caps.add_column("笔数\nLoans", justify="right")
    caps.add_column("未偿金额\nOutstanding", justify="right")
    for c in s.creditors:
        caps.add_row(c.creditor, f"{c.over_cap_loans:,}", _money(c.over_cap_outstanding))
    console.print(caps)
    if s.over_cap_examples:
        console.print("[bold]示例 Examples[/bold]")
        ex = Table()
        for head, justify in (
            ("贷款编号\nLoan", "left"),
            ("债权人\nCreditor", "left"),
            ("年利率\nAPR %", "right"),
            ("费用\nFee", "right"),
            ("综合年化成本\nCost %", "right"),
            ("上限\nCap %", "right"),
            ("依据\nBasis", "left"),
        ):
            ex.add_column(head, justify=justify)  # type: ignore[arg-type]
        for b in s.over_cap_examples:
            ex.add_row(
                b.loan_ref,
                b.creditor,
                f"{b.apr}",
                _money(b.fee),
                f"{b.cost_percent}",
                "-" if b.cap_percent is None else f"{b.cap_percent}",
                b.basis,
            )
        console.print(ex)
        first = s.over_cap_examples[0]
        console.print(f"{first.loan_ref}: {first.message_zh}")
        console.print(f"{first.loan_ref}: {first.message}")


def demo_command(
    loans: Annotated[int, typer.Option("--loans", min=1, help="loans to generate")] = DEMO_ACCOUNTS,
    seed: Annotated[int, typer.Option("--seed")] = DEMO_SEED,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="start the web app at the end")
    ] = True,
    host: Annotated[str, typer.Option("--host", help="address the web app listens on")] = (
        "127.0.0.1"
    ),
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="port (the next free one if taken)")
    ] = DEFAULT_PORT,
) -> None:
    """Set up the demo on the embedded default database, show the portfolio and tonight's
    plan, create the demo sign-ins and serve the web app."""
    console = Console()
    if not console.is_terminal:  # piped or captured: do not squeeze the tables into 80 columns
        console = Console(width=120)
    ctx = DemoContext(
        load_settings(), console, accounts=loans, seed=seed, serve=serve, host=host, port=port
    )
    for n, step in enumerate(STEPS, start=1):
        console.rule(f"{n}. {step.title}")
        try:
            step.run(ctx)
        except DemoError as e:
            typer.echo(f"demo step {step.name!r} failed: {e}", err=True)
            raise typer.Exit(1) from e


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("demo")(demo_command)
