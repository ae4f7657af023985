"""`faircollect generate portfolio` and `faircollect import DIR` through the CLI."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from faircollect.cli import app
from faircollect.store.db import upgrade

from ..portfolio.conftest import FILES, set_cell


def _portfolio(tmp_path: Path) -> Path:
    folder = tmp_path / "pf"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text, "utf-8")
    return folder


def test_generate_writes_the_files_deterministically(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["generate", "portfolio", "--accounts", "50", "--seed", "5", "--as-of", "2026-03-04"]
    first = runner.invoke(app, [*args, "--out", str(tmp_path / "a")])
    again = runner.invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert first.exit_code == 0 and again.exit_code == 0, first.output
    assert "50 loans" in first.output
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_import_then_reimport(tmp_var: Path, tmp_path: Path, frozen_now) -> None:  # type: ignore[no-untyped-def]
    frozen_now("2026-03-04T12:00:00+08:00")
    upgrade(f"sqlite:///{tmp_var / 'faircollect.db'}")
    folder = _portfolio(tmp_path)
    runner = CliRunner()
    first = runner.invoke(app, ["import", str(folder)])
    assert first.exit_code == 0, first.output + first.stderr
    assert "imported batch 1" in first.output and "loans 4" in first.output
    again = runner.invoke(app, ["import", str(folder), "--lang", "zh_CN"])
    assert again.exit_code == 0
    assert "没有新数据" in again.output


def test_invalid_files_exit_2_with_every_problem(tmp_var: Path, tmp_path: Path, frozen_now) -> None:  # type: ignore[no-untyped-def]
    frozen_now("2026-03-04T12:00:00+08:00")
    upgrade(f"sqlite:///{tmp_var / 'faircollect.db'}")
    folder = _portfolio(tmp_path)
    set_cell(folder, "loans.csv", 2, "principal", "12.345")
    set_cell(folder, "payments.csv", 3, "paid_at", "2026-02-30T10:00:00+08:00")
    result = CliRunner().invoke(app, ["import", str(folder)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert 'loans.csv:2:6: principal: "12.345" has 3 decimal places; CNY allows 2' in lines
    assert any(line.startswith("payments.csv:3:3: paid_at: ") for line in lines)
    assert "nothing was imported" in result.stderr
    zh = CliRunner().invoke(app, ["import", str(folder), "--lang", "zh_CN"])
    assert zh.exit_code == 2 and "未导入任何数据" in zh.stderr


def test_import_of_a_missing_folder(tmp_var: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "not a folder" in result.stderr


def test_import_of_new_payments_keeps_open_promises(
    tmp_var: Path, tmp_path: Path, frozen_now
) -> None:  # type: ignore[no-untyped-def]
    """A promise to pay is judged when the payment that keeps it arrives by import."""
    from datetime import date

    from faircollect.contacts import promises as contact_promises
    from faircollect.money import Money
    from faircollect.store.db import Database
    from faircollect.store.repositories import loans as loans_repo
    from faircollect.store.repositories import promises as promises_repo
    from faircollect.store.scope import Scope

    frozen_now("2026-03-04T12:00:00+08:00")
    url = f"sqlite:///{tmp_var / 'faircollect.db'}"
    upgrade(url)
    folder = _portfolio(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(folder)]).exit_code == 0
    db = Database(url)
    try:
        with db.transaction() as s:
            loan = loans_repo.get_by_ref(s, "L1", scope=Scope.system())
            assert loan is not None
            promise = contact_promises.record(
                s,
                loan=loan,
                amount=Money.parse("500.00", "CNY"),
                due_on=date(2026, 3, 6),
                contact_event_id=None,
                actor="test",
            )
            promise_id = promise.id
        with (folder / "payments.csv").open("a", encoding="utf-8") as f:
            f.write("P8,L1,2026-03-05T11:00:00+08:00,500.00,alipay\n")
        frozen_now("2026-03-05T12:00:00+08:00")
        again = runner.invoke(app, ["import", str(folder)])
        assert again.exit_code == 0, again.output
        with db.transaction() as s:
            statuses = {
                p.id: p.status
                for p in promises_repo.list_for_loan(s, loan.id, scope=Scope.system())
            }
        assert statuses[promise_id] == "kept"
    finally:
        db.dispose()
