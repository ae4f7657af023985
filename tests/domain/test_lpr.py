from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from faircollect.domain.lpr import FIRST_LPR_DATE, load_table, lpr_table, one_year_lpr


def test_no_lpr_before_2019_08_20() -> None:
    assert one_year_lpr(date(2019, 8, 19)) is None
    assert one_year_lpr(date(2000, 1, 1)) is None
    first = one_year_lpr(FIRST_LPR_DATE)
    assert first is not None and first.percent == Decimal("4.25")


def test_every_change_date_and_the_day_before() -> None:
    table = lpr_table()
    for prev, cur in itertools.pairwise(table.changes):
        on = one_year_lpr(cur.effective_from)
        before = one_year_lpr(cur.effective_from - timedelta(days=1))
        assert on is not None and before is not None
        assert (on.percent, on.effective_from) == (cur.percent, cur.effective_from)
        assert (before.percent, before.effective_from) == (prev.percent, prev.effective_from)
        assert cur.percent != prev.percent  # only changes are listed


@pytest.mark.parametrize(
    ("on", "percent"),
    [
        (date(2019, 9, 20), "4.20"),
        (date(2020, 4, 20), "3.85"),
        (date(2020, 8, 20), "3.85"),  # 法释〔2020〕6号 took effect: 4 x 3.85 = 15.4
        (date(2021, 12, 19), "3.85"),
        (date(2021, 12, 20), "3.80"),
        (date(2023, 8, 21), "3.45"),
        (date(2024, 10, 21), "3.10"),
        (date(2025, 5, 20), "3.00"),
    ],
)
def test_known_values(on: date, percent: str) -> None:
    q = one_year_lpr(on)
    assert q is not None and q.percent == Decimal(percent) and q.verified


def test_packaged_table_is_well_formed() -> None:
    table = lpr_table()
    assert table.changes[0].effective_from == FIRST_LPR_DATE
    assert all(c.source for c in table.changes)
    assert all(Decimal(1) < c.percent < Decimal(10) for c in table.changes)
    assert table.checked_through >= table.changes[-1].effective_from
    assert lpr_table() is table  # read once


def test_dates_past_the_checks_are_flagged_unverified() -> None:
    table = lpr_table()
    next_fixing = date(
        table.checked_through.year + (table.checked_through.month == 12),
        table.checked_through.month % 12 + 1,
        20,
    )
    last = one_year_lpr(next_fixing - timedelta(days=1))
    assert last is not None and last.verified
    beyond = one_year_lpr(next_fixing)
    assert beyond is not None and not beyond.verified
    assert beyond.percent == table.changes[-1].percent


def _doc(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "checked_through": date(2020, 1, 20),
        "changes": [
            {"from": date(2019, 8, 20), "percent": "4.25", "source": "s", "unverified": False},
            {"from": date(2019, 9, 20), "percent": "4.20", "source": "s", "unverified": True},
        ],
    }
    doc.update(over)
    return doc


def test_unverified_entries_are_reported() -> None:
    table = load_table(_doc())
    q = one_year_lpr(date(2019, 10, 1), table)
    assert q is not None and not q.verified
    q = one_year_lpr(date(2019, 9, 1), table)
    assert q is not None and q.verified


@pytest.mark.parametrize(
    "doc",
    [
        None,
        {"changes": []},
        _doc(checked_through="soon"),
        _doc(changes=[]),
        _doc(changes=[{"from": date(2019, 8, 21), "percent": "4.25", "source": "s"}]),
        _doc(changes=[{"from": date(2019, 8, 20), "percent": 4.25, "source": "s"}]),
        _doc(changes=[{"from": date(2019, 8, 20), "percent": "-1", "source": "s"}]),
        _doc(changes=[{"from": date(2019, 8, 20), "percent": "x", "source": "s"}]),
        _doc(changes=[{"from": date(2019, 8, 20), "source": "s"}]),
        _doc(
            changes=[
                {"from": date(2019, 8, 20), "percent": "4.25", "source": "s"},
                {"from": date(2019, 8, 20), "percent": "4.20", "source": "s"},
            ]
        ),
    ],
)
def test_malformed_tables_are_refused(doc: Any) -> None:
    with pytest.raises(ValueError):
        load_table(doc)
