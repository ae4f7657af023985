"""CLI: `faircollect loans quote` — schedule, total cost and legality verdict of a loan.

Thin: parses options with `domain.loan.parse_terms`, computes with `domain.quote.quote`, and
renders JSON (DESIGN 4.1) or a Rich table in English or Chinese. Invalid input exits 2 with
a message on stderr naming the option.
"""

from __future__ import annotations

import json
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from faircollect import clock
from faircollect.domain.cost import LenderKind
from faircollect.domain.loan import Invalid, parse_terms
from faircollect.domain.quote import Quote, quote

LANGS = ("en", "zh_CN")

_OPTION = {
    "principal": "--principal",
    "apr": "--apr",
    "term_months": "--term-months",
    "repayment": "--repayment",
    "fee": "--fee",
    "currency": "--currency",
    "originated_on": "--originated-on",
    "first_due_on": "--first-due-on",
    "lender_kind": "--lender-kind",
    "lang": "--lang",
}

_T = {
    "en": {
        "error": "Error",
        "title": "Repayment schedule",
        "seq": "#",
        "due_on": "Due on",
        "principal": "Principal",
        "interest": "Interest",
        "fee": "Fee",
        "total": "Total",
        "payment": "Monthly payment",
        "net": "Amount received (principal - fee)",
        "total_interest": "Total interest",
        "total_fees": "Total fees",
        "total_repaid": "Total repaid",
        "cost": "Total annualised cost (IRR x 12)",
        "verdict": "Verdict",
        "lawful": "lawful",
        "unlawful": "NOT lawful",
        "undetermined": "cannot be confirmed",
        "cap": "Cap",
        "basis": "Basis",
        "bad_kind": "lender kind must be licensed or private, got {v!r}",
        "bad_lang": "language must be en or zh_CN, got {v!r}",
        "bad_clock": "cannot determine today's date: {e}",
    },
    "zh_CN": {
        "error": "错误",
        "title": "还款计划",
        "seq": "期数",
        "due_on": "还款日",
        "principal": "本金",
        "interest": "利息",
        "fee": "费用",
        "total": "合计",
        "payment": "每期还款额",
        "net": "实际到手金额（本金 - 费用）",
        "total_interest": "利息合计",
        "total_fees": "费用合计",
        "total_repaid": "还款总额",
        "cost": "综合年化成本（IRR x 12）",
        "verdict": "合规结论",
        "lawful": "合法",
        "unlawful": "不合法",
        "undetermined": "无法确认",
        "cap": "上限",
        "basis": "依据",
        "bad_kind": "出借人类型须为 licensed 或 private，收到 {v!r}",
        "bad_lang": "语言须为 en 或 zh_CN，收到 {v!r}",
        "bad_clock": "无法确定今天的日期：{e}",
    },
}

loans_app = typer.Typer(
    help="Loans: quotes with schedule, total annualised cost and legality check.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(loans_app, name="loans")


def _fail(lang: str, option: str, message: str) -> NoReturn:
    typer.echo(f"{_T[lang]['error']}: {option}: {message}", err=True)
    raise typer.Exit(2)


@loans_app.command("quote")
def quote_cmd(
    principal: Annotated[str, typer.Option("--principal", help="Principal, e.g. 10000.00")],
    apr: Annotated[str, typer.Option("--apr", help="Nominal annual rate in percent, e.g. 18")],
    term_months: Annotated[str, typer.Option("--term-months", help="Number of months")],
    repayment: Annotated[
        str,
        typer.Option(
            "--repayment", help="equal_installment (等额本息), equal_principal (等额本金), bullet"
        ),
    ],
    fee: Annotated[str, typer.Option("--fee", help="Fee deducted at disbursement")] = "0",
    currency: Annotated[str, typer.Option("--currency", help="ISO 4217 code")] = "CNY",
    originated_on: Annotated[
        str | None,
        typer.Option("--originated-on", help="YYYY-MM-DD (default: today, Asia/Shanghai)"),
    ] = None,
    first_due_on: Annotated[
        str | None,
        typer.Option("--first-due-on", help="YYYY-MM-DD (default: origination + 1 month)"),
    ] = None,
    lender_kind: Annotated[
        str, typer.Option("--lender-kind", help="licensed (default) or private (民间借贷)")
    ] = "licensed",
    as_json: Annotated[bool, typer.Option("--json", help="Print the DESIGN 4.1 JSON")] = False,
    lang: Annotated[str, typer.Option("--lang", help="en or zh_CN")] = "en",
) -> None:
    """Quote a loan: installments, totals, annualised cost and the CN legality verdict."""
    if lang not in LANGS:
        _fail("en", _OPTION["lang"], _T["en"]["bad_lang"].format(v=lang))
    if lender_kind not in {k.value for k in LenderKind}:
        _fail(lang, _OPTION["lender_kind"], _T[lang]["bad_kind"].format(v=lender_kind))
    if originated_on is None:
        try:
            originated = clock.today()
        except clock.ClockError as e:
            _fail(lang, "FAIRCOLLECT_CLOCK", _T[lang]["bad_clock"].format(e=e))
    terms = parse_terms(
        principal=principal,
        apr=apr,
        term_months=term_months,
        repayment=repayment,
        originated_on=originated if originated_on is None else originated_on,
        first_due_on=first_due_on,
        fee=fee,
        currency=currency,
    )
    if isinstance(terms, Invalid):
        for err in terms.errors:
            msg = err.message_zh if lang == "zh_CN" else err.message
            typer.echo(f"{_T[lang]['error']}: {_OPTION.get(err.field, err.field)}: {msg}", err=True)
        raise typer.Exit(2)
    q = quote(terms, LenderKind(lender_kind))
    if as_json:
        typer.echo(json.dumps(q.as_json(), ensure_ascii=False, indent=2))
    else:
        _render(q, lang)


def _render(q: Quote, lang: str) -> None:
    t = _T[lang]
    loc = lang
    console = Console(highlight=False, soft_wrap=False)
    table = Table(title=t["title"])
    for key in ("seq", "due_on", "principal", "interest", "fee", "total"):
        table.add_column(t[key], justify="left" if key == "due_on" else "right")
    for i in q.installments:
        table.add_row(
            str(i.seq),
            i.due_on.isoformat(),
            i.principal.format(loc),
            i.interest.format(loc),
            i.fee.format(loc),
            i.total.format(loc),
        )
    console.print(table)
    v = q.verdict
    status = t["lawful"] if v.lawful else t["unlawful"] if v.determined else t["undetermined"]
    lines = [
        (t["payment"], q.payment.format(loc)) if q.payment is not None else None,
        (t["net"], q.net_disbursed.format(loc)),
        (t["total_interest"], q.total_interest.format(loc)),
        (t["total_fees"], q.total_fees.format(loc)),
        (t["total_repaid"], q.total_repaid.format(loc)),
        (t["cost"], f"{q.annualised_cost_percent}%"),
        (t["verdict"], status),
        (t["cap"], "-" if v.cap_percent is None else f"{v.cap_percent:.2f}%"),
        (t["basis"], v.basis),
    ]
    summary = Table.grid(padding=(0, 2))
    summary.add_column(justify="left")
    summary.add_column(justify="left")
    for line in lines:
        if line is not None:
            summary.add_row(*line)
    console.print(summary)
    console.print(v.message_zh if lang == "zh_CN" else v.message)
