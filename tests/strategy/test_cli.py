"""`faircollect run strategy` and `faircollect strategy ...` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from faircollect.cli import app
from faircollect.store.db import upgrade

pytestmark = pytest.mark.slow  # a database, an import and several runs

SHIPPED = Path(__file__).parents[2] / "src/faircollect/strategy/strategies"


@pytest.fixture
def cli_db(tmp_var: Path, tmp_path: Path, frozen_now) -> CliRunner:  # type: ignore[no-untyped-def]
    frozen_now("2026-03-04T12:00:00+08:00")
    upgrade(f"sqlite:///{tmp_var / 'faircollect.db'}")
    runner = CliRunner()
    gen = ["generate", "portfolio", "--accounts", "200", "--seed", "3", "--as-of", "2026-03-04",
           "--out", str(tmp_path / "pf")]  # fmt: skip
    assert runner.invoke(app, gen).exit_code == 0
    imp = runner.invoke(app, ["import", str(tmp_path / "pf")])
    assert imp.exit_code == 0, imp.output
    return runner


def test_run_strategy_writes_parquet_and_replaces_on_rerun(
    cli_db: CliRunner, tmp_path: Path
) -> None:
    runner = cli_db
    out = tmp_path / "plan" / "items.parquet"
    res = runner.invoke(app, ["run", "strategy", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["as_of"] == "2026-03-04" and data["strategy"] == "faircollect-default"
    assert data["replaced"] is False and data["counts"]["work_items"] > 0
    table = pq.read_table(out)
    for col in ("loan_ref", "treatment", "window_start", "window_end", "priority", "arm",
                "reason"):  # fmt: skip
        assert col in table.column_names
    assert table.num_rows == data["counts"]["work_items"]
    assert (
        pq.read_table(out.with_name("items.no_action.parquet")).num_rows
        == (data["counts"]["no_action"])
    )
    again = runner.invoke(app, ["run", "strategy", "--as-of", "2026-03-04", "--lang", "zh_CN"])
    assert again.exit_code == 0, again.output
    assert "已替换" in again.stdout and "工作项" in again.stdout


def test_run_strategy_rejects_bad_input(cli_db: CliRunner) -> None:
    runner = cli_db
    for args, needle in (
        (["--as-of", "2026-13-01"], "--as-of"),
        (["--engine", "oracle"], "--engine"),
        (["--strategy", "no-such-thing"], "no-such-thing"),
    ):
        res = runner.invoke(app, ["run", "strategy", *args])
        assert res.exit_code == 2, res.output
        assert needle in res.stderr


def test_snapshot_export_and_run_from_it(cli_db: CliRunner, tmp_path: Path) -> None:
    runner = cli_db
    snap = tmp_path / "snap"
    assert runner.invoke(app, ["strategy", "snapshot", "--out", str(snap)]).exit_code == 0
    assert (snap / "accounts.parquet").exists() and (snap / "snapshot.json").exists()
    res = runner.invoke(app, ["run", "strategy", "--snapshot", str(snap), "--json"])
    assert res.exit_code == 0, res.output
    from_db = runner.invoke(app, ["run", "strategy", "--json"])
    a, b = json.loads(res.stdout), json.loads(from_db.stdout)
    assert a["counts"]["by_treatment"] == b["counts"]["by_treatment"]


def test_validate_diff_activate_list_report_capacity(cli_db: CliRunner, tmp_path: Path) -> None:
    runner = cli_db
    default = SHIPPED / "faircollect-default.yaml"
    assert runner.invoke(app, ["strategy", "validate", str(default)]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        default.read_text("utf-8").replace(
            "ladder: [app, email, sms, call]", "ladder: [call, sms]"
        ),
        "utf-8",
    )
    res = runner.invoke(app, ["strategy", "validate", str(bad)])
    assert res.exit_code == 2
    assert "segments[2].ladder" in res.stderr and "less to more intrusive" in res.stderr
    same = runner.invoke(app, ["strategy", "diff", str(default), "faircollect-default"])
    assert same.exit_code == 0 and "no difference" in same.stdout
    diff = runner.invoke(app, ["strategy", "diff", "faircollect-default", "dpd-escalation"])
    assert diff.exit_code == 1 and "+name: dpd-escalation" in diff.stdout
    act = runner.invoke(app, ["strategy", "activate", "dpd-escalation"])
    assert act.exit_code == 0 and "dpd-escalation version 1" in act.stdout
    listed = json.loads(runner.invoke(app, ["strategy", "list", "--json"]).stdout)
    assert {"name": "dpd-escalation", "version": 1, "active": True} in [
        {k: x[k] for k in ("name", "version", "active")} for x in listed
    ]
    cap = tmp_path / "cap.yaml"
    cap.write_text("collectors:\n  - {name: desk, daily_capacity: 3, languages: [zh]}\n", "utf-8")
    assert "1 collector" in runner.invoke(app, ["strategy", "capacity", str(cap)]).stdout
    assert runner.invoke(app, ["run", "strategy", "--strategy", "dpd-escalation"]).exit_code == 0
    out = tmp_path / "report"
    rep = runner.invoke(app, ["strategy", "report", "--strategy", "dpd-escalation", "--out",
                              str(out), "--lang", "zh_CN"])  # fmt: skip
    assert rep.exit_code == 0, rep.output
    data = json.loads((out / "report.json").read_text("utf-8"))
    assert data["strategy"] == "dpd-escalation" and data["latest"]["by_treatment"]
    assert sorted(p.name for p in out.glob("*.png")) == [
        "amounts_by_bucket.png", "recovery_curves.png", "roll_rates.png",
        "work_items_by_treatment.png",
    ]  # fmt: skip
