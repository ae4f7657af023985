"""Reports across runs: roll rates, recovery curves per arm, charts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa

from faircollect.strategy.report import RunInfo, build, render_png


def _accounts(rows: list[tuple[int, str, str, str, int]]) -> pa.Table:
    return pa.table(
        {
            "run_id": [r[0] for r in rows],
            "as_of": [date(2026, 3, r[0]) for r in rows],
            "loan_ref": [r[1] for r in rows],
            "arm": [r[2] for r in rows],
            "bucket": [r[3] for r in rows],
            "balance_minor": [r[4] for r in rows],
            "currency": ["CNY"] * len(rows),
            "treatment": ["sms"] * len(rows),
        }
    )


def test_roll_rates_and_recovery_curves() -> None:
    runs = [
        RunInfo(1, date(2026, 3, 1), "s", 1, "duckdb",
                {"work_items": 4, "by_treatment": {"sms": 4}}),
        RunInfo(2, date(2026, 3, 2), "s", 1, "duckdb",
                {"work_items": 2, "by_treatment": {"sms": 2},
                 "by_arm_treatment": {"champion": {"sms": 1}, "holdout": {"sms": 1}},
                 "amounts": {"by_bucket": {"CNY": {"M2": {"items": 1, "balance_minor": 50_000,
                                                          "expected_recovery_minor": 900}}}}}),
    ]  # fmt: skip
    accounts = _accounts(
        [
            (1, "L1", "champion", "M1", 100_000),  # rolls to M2, pays half
            (1, "L2", "champion", "M1", 100_000),  # cured (gone from run 2)
            (1, "L3", "holdout", "M1", 100_000),  # stays M1, pays nothing
            (1, "L4", "holdout", "M3", 100_000),  # cured
            (2, "L1", "champion", "M2", 50_000),
            (2, "L3", "holdout", "M1", 100_000),
        ]
    )
    data = build(runs, accounts)
    assert [r["run_id"] for r in data["runs"]] == [1, 2]
    rolls = {r["bucket"]: r for r in data["roll_rates"]}
    assert rolls["M1"] == {"from": "2026-03-01", "to": "2026-03-02", "bucket": "M1",
                           "accounts": 3, "rolled": 1, "cured": 1, "roll_rate": "0.3333",
                           "cure_rate": "0.3333"}  # fmt: skip
    assert rolls["M3"]["cure_rate"] == "1.0000"
    curves = data["recovery"]["curves"]["CNY"]
    assert [p["share"] for p in curves["champion"]] == ["0.0000", "0.7500"]
    assert [p["share"] for p in curves["holdout"]] == ["0.0000", "0.5000"]
    assert data["latest"]["as_of"] == "2026-03-02"


def test_charts_are_written_in_chinese_and_english(tmp_path: Path) -> None:
    runs = [RunInfo(1, date(2026, 3, 1), "s", 1, "duckdb", {"work_items": 0})]
    data = build(runs, _accounts([(1, "L1", "champion", "M1", 100)]))
    for lang in ("en", "zh_CN"):
        paths = render_png(data, tmp_path / lang, lang=lang)
        assert len(paths) == 4
        for p in paths:
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
