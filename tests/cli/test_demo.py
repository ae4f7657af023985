"""`faircollect demo` end to end on a temporary ./var (small book)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from faircollect.cli import app
from faircollect.cli.demo import STEPS


def test_demo_runs_end_to_end_and_again(tmp_var: Path, frozen_now) -> None:  # type: ignore[no-untyped-def]
    frozen_now("2026-03-04T12:00:00+08:00")
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--loans", "300", "--no-serve"])
    assert first.exit_code == 0, first.output + first.stderr
    out = first.output
    assert (tmp_var / "faircollect.db").exists()
    assert (tmp_var / "demo" / "portfolio" / "loans.csv").exists()
    assert "imported batch 1" in out or "已导入批次 1" in out
    for text in (
        "XY-CFC",
        "HM-MICRO",
        "M0",
        "M7+",
        "Outstanding",
        "未偿金额",
        "Above a legal cost cap",
    ):
        assert text in out
    again = runner.invoke(app, ["demo", "--loans", "300", "--no-serve"])
    assert again.exit_code == 0, again.output + again.stderr
    assert "没有新数据" in again.output  # the re-run imports nothing new
    other = runner.invoke(app, ["demo", "--loans", "200", "--no-serve"])
    assert other.exit_code == 1 and "another demo portfolio" in other.stderr


def test_demo_is_a_list_of_steps() -> None:
    assert [s.name for s in STEPS][:4] == ["database", "portfolio", "import", "summary"]
