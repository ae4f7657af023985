"""`faircollect simulate`: the JSON contract, the report files, errors. (Determinism over the
same command is tested in tests/sim/test_engine.py, next to the engine-driven run.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from faircollect.cli import app
from faircollect.sim.metrics import CONTRACT_KEYS

runner = CliRunner()
SMALL = ["--accounts", "150", "--days", "1", "--check-sample", "3"]


def test_json_is_one_object_with_the_contract_and_writes_the_report(tmp_path: Path) -> None:
    res = runner.invoke(app, ["simulate", "--strategy", "faircollect-default", *SMALL,
                              "--seed", "4", "--replicates", "2", "--json", "--out",
                              str(tmp_path)])  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)  # exactly one JSON document
    assert (data["accounts"], data["days"], data["replicates"], data["seed"]) == (150, 1, 2, 4)
    s = data["strategies"]["faircollect-default"]
    for key in CONTRACT_KEYS:
        assert isinstance(s[key], int | float), key
        lo, hi = s["ci95"][key]
        assert lo <= s[key] <= hi
    assert s["violations_executed"] == 0
    assert set(s["cost_by_channel"]) >= {"sms", "call", "visit", "call_emergency_contact"}
    assert len(s["recovery_curve"]) == 1
    assert s["gate_check"]["agreed"] == s["gate_check"]["sampled"]
    for name in ("result.json", "recovery.png", "channels.png", "harm.png", "report.html"):
        assert (tmp_path / name).stat().st_size > 0
    assert json.loads((tmp_path / "result.json").read_text("utf-8")) == data
    page = (tmp_path / "report.html").read_text("utf-8")
    assert "data:image/png;base64," in page and "<script src" not in page


def test_table_on_the_terminal_in_chinese() -> None:
    res = runner.invoke(app, ["simulate", "--strategy", "faircollect-default", *SMALL,
                              "--lang", "zh_CN"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "回收率" in res.stdout and "已执行的违规：0" in res.stdout


def test_errors_exit_2(tmp_path: Path) -> None:
    mp = pytest.MonkeyPatch()
    mp.setenv("FAIRCOLLECT_DATABASE_URL", f"sqlite:///{tmp_path}/none.db")
    try:
        res = runner.invoke(app, ["simulate", "--strategy", "no-such-strategy", *SMALL])
        assert res.exit_code == 2
        assert "no-such-strategy" in res.stderr
        res = runner.invoke(app, ["simulate", "--strategy", str(tmp_path / "missing.yaml")])
        assert res.exit_code == 2
        res = runner.invoke(app, ["simulate", "--strategy", "dpd-escalation", "--days", "0"])
        assert res.exit_code == 2
        res = runner.invoke(app, ["simulate", "--strategy", "dpd-escalation", "--vs",
                                  "dpd-escalation"])  # fmt: skip
        assert res.exit_code == 2
        bad = tmp_path / "p.yaml"
        bad.write_text("archetypes: {forgetful: {share: 0.9}}\n", "utf-8")
        res = runner.invoke(app, ["simulate", "--strategy", "dpd-escalation", "--params",
                                  str(bad)])  # fmt: skip
        assert res.exit_code == 2 and "shares" in res.stderr
    finally:
        mp.undo()
