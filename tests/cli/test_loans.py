from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

import numpy_financial as npf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from faircollect.cli import app

runner = CliRunner()
FROZEN = {"FAIRCOLLECT_CLOCK": "2026-01-31T20:00:00+08:00", "FAIRCOLLECT_ENV": "test"}


def quote(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, ["loans", "quote", *args], env=env or FROZEN)


def quote_json(*args: str) -> dict[str, Any]:
    r = quote(*args, "--json")
    assert r.exit_code == 0, r.output
    data: dict[str, Any] = json.loads(r.stdout)
    return data


BASE = (
    "--principal",
    "10000",
    "--apr",
    "18",
    "--term-months",
    "12",
    "--repayment",
    "equal_installment",
)
AMOUNT = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


def test_json_shape() -> None:
    j = quote_json(*BASE, "--fee", "200", "--originated-on", "2026-01-31")
    for key in (
        "installments",
        "total_interest",
        "total_fees",
        "total_repaid",
        "annualised_cost_percent",
        "verdict",
    ):
        assert key in j
    assert len(j["installments"]) == 12
    for i, inst in enumerate(j["installments"], start=1):
        assert set(inst) == {"seq", "due_on", "principal", "interest", "fee", "total"}
        assert inst["seq"] == i
        assert all(AMOUNT.match(inst[k]) for k in ("principal", "interest", "fee", "total"))
        assert Decimal(inst["total"]) == Decimal(inst["principal"]) + Decimal(
            inst["interest"]
        ) + Decimal(inst["fee"])
    assert [i["due_on"] for i in j["installments"][:3]] == [
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
    ]
    assert sum(Decimal(i["principal"]) for i in j["installments"]) == Decimal("10000.00")
    for key in ("total_interest", "total_fees", "total_repaid", "annualised_cost_percent"):
        assert AMOUNT.match(j[key]), key
    assert j["total_fees"] == "200.00"
    v = j["verdict"]
    assert set(v) >= {"lawful", "cap_percent", "basis", "message"}
    assert isinstance(v["lawful"], bool) and v["cap_percent"] == "24.00"
    assert v["basis"] == "法发〔2017〕22号" and v["message"] and v["message_zh"]


def test_default_origination_is_today_in_shanghai() -> None:
    # 17:30 UTC on 2026-01-31 is already 2026-02-01 01:30 in Shanghai
    env = {"FAIRCOLLECT_CLOCK": "2026-01-31T17:30:00-00:00", "FAIRCOLLECT_ENV": "test"}
    r = quote(*BASE, "--json", env=env)
    assert r.exit_code == 0, r.output
    # Shanghai date is 2026-02-01, so the first due date is 2026-03-01
    assert json.loads(r.stdout)["installments"][0]["due_on"] == "2026-03-01"


def test_frozen_clock_refused_in_production() -> None:
    env = {"FAIRCOLLECT_CLOCK": "2026-01-31T17:30:00+00:00", "FAIRCOLLECT_ENV": "production"}
    r = quote(*BASE, env=env)
    assert r.exit_code == 2 and "FAIRCOLLECT_CLOCK" in r.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--principal", "100.001"), "--principal"),  # 3-decimal CNY
        (("--principal", "-100"), "--principal"),
        (("--principal", "1e5"), "--principal"),
        (("--repayment", "balloon"), "--repayment"),
        (("--apr", "-3"), "--apr"),
        (("--term-months", "0"), "--term-months"),
        (("--term-months", "twelve"), "--term-months"),
        (("--fee", "20000"), "--fee"),
        (("--fee", "1.005"), "--fee"),
        (("--currency", "XYZ"), "--currency"),
        (("--originated-on", "2026-02-30"), "--originated-on"),
        (("--lender-kind", "bank"), "--lender-kind"),
        (("--lang", "fr"), "--lang"),
    ],
)
def test_invalid_input_exits_2_naming_the_option(args: tuple[str, str], option: str) -> None:
    opts = dict(zip(BASE[::2], BASE[1::2], strict=True))
    opts.update(dict([args]))
    flat = [x for kv in opts.items() for x in kv]
    r = quote(*flat, "--json")
    assert r.exit_code == 2, r.output
    assert option in r.stderr
    assert r.stdout == ""


def test_jpy_has_no_decimals() -> None:
    r = quote(
        "--principal",
        "100000.5",
        "--apr",
        "10",
        "--term-months",
        "3",
        "--repayment",
        "bullet",
        "--currency",
        "JPY",
    )
    assert r.exit_code == 2 and "--principal" in r.stderr and "JPY" in r.stderr
    j = quote_json(
        "--principal",
        "100000",
        "--apr",
        "12",
        "--term-months",
        "3",
        "--repayment",
        "bullet",
        "--currency",
        "JPY",
    )
    assert j["installments"][0]["interest"] == "1000" and j["currency"] == "JPY"


def test_errors_in_chinese() -> None:
    r = quote(
        "--principal",
        "100.001",
        "--apr",
        "10",
        "--term-months",
        "3",
        "--repayment",
        "bullet",
        "--lang",
        "zh_CN",
    )
    assert r.exit_code == 2
    assert "错误" in r.stderr and "--principal" in r.stderr and "本金" in r.stderr


def test_table_output_in_both_languages() -> None:
    en = quote(*BASE, "--fee", "500")
    assert en.exit_code == 0, en.output
    assert "Repayment schedule" in en.stdout and "Total annualised cost" in en.stdout
    assert "CN¥" in en.stdout and "NOT lawful" in en.stdout
    zh = quote(
        *BASE, "--lang", "zh_CN", "--lender-kind", "private", "--originated-on", "2024-01-15"
    )
    assert zh.exit_code == 0, zh.output
    assert "还款计划" in zh.stdout and "综合年化成本" in zh.stdout and "¥" in zh.stdout
    assert "不合法" in zh.stdout  # 18% > 4 x 3.45%


def test_private_lender_verdict_uses_the_lpr() -> None:
    j = quote_json(*BASE, "--lender-kind", "private", "--originated-on", "2020-04-20")
    assert j["verdict"]["cap_percent"] == "15.40" and j["verdict"]["lawful"] is False
    j = quote_json(*BASE, "--lender-kind", "private", "--originated-on", "2019-01-01")
    assert j["verdict"]["cap_percent"] is None and j["verdict"]["determined"] is False


@given(
    principal=st.integers(min_value=100_000, max_value=10**8),
    apr=st.decimals(min_value=0, max_value=60, places=2),
    term=st.integers(min_value=1, max_value=36),
    fee_permille=st.integers(min_value=0, max_value=200),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_cli_agrees_with_numpy_financial(
    principal: int, apr: Decimal, term: int, fee_permille: int
) -> None:
    fee = principal * fee_permille // 1000
    j = quote_json(
        "--principal", f"{principal // 100}.{principal % 100:02d}",
        "--apr", f"{apr:f}",
        "--term-months", str(term),
        "--repayment", "equal_installment",
        "--fee", f"{fee // 100}.{fee % 100:02d}",
        "--originated-on", "2026-01-15",
    )  # fmt: skip
    ref_pmt = float(npf.pmt(float(apr) / 1200, term, -principal))
    if abs(ref_pmt - math.floor(ref_pmt) - 0.5) > 1e-6:
        assert Decimal(j["payment"]) * 100 == math.floor(ref_pmt + 0.5)
        assert all(Decimal(i["total"]) == Decimal(j["payment"]) for i in j["installments"][:-1])
    flows = [-(principal - fee)] + [int(Decimal(i["total"]) * 100) for i in j["installments"]]
    ref_irr = float(npf.irr(flows))
    assert abs(float(j["annualised_cost_percent"]) - ref_irr * 1200) <= 0.01 + 1e-9
