"""The one-year Loan Prime Rate (LPR) in force on a date, from packaged dated data
(`data/lpr.yaml`, read once through importlib.resources)."""

from __future__ import annotations

import bisect
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import yaml

__all__ = [
    "FIRST_LPR_DATE",
    "LprChange",
    "LprQuote",
    "LprTable",
    "load_table",
    "lpr_table",
    "one_year_lpr",
]

FIRST_LPR_DATE = date(2019, 8, 20)


class LprChange(NamedTuple):
    effective_from: date
    percent: Decimal
    source: str
    unverified: bool


class LprTable(NamedTuple):
    changes: tuple[LprChange, ...]  # sorted by effective_from, strictly increasing
    checked_through: date  # last monthly fixing checked when the file was last updated


class LprQuote(NamedTuple):
    """The one-year LPR in force on a date."""

    percent: Decimal
    effective_from: date
    source: str
    verified: bool  # False: the entry is marked unverified, or the date is past the checks


def load_table(doc: Any) -> LprTable:
    """Validate a parsed lpr.yaml document (raises ValueError naming the bad entry)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("changes"), list):
        raise ValueError("lpr.yaml: expected a mapping with a 'changes' list")
    checked = doc.get("checked_through")
    if not isinstance(checked, date):
        raise ValueError("lpr.yaml: checked_through must be a date")
    out: list[LprChange] = []
    for i, row in enumerate(doc["changes"]):
        try:
            when, pct, src = row["from"], row["percent"], row["source"]
            unverified = row.get("unverified", True)
            if not isinstance(when, date) or not isinstance(pct, str) or not isinstance(src, str):
                raise TypeError("from must be a date, percent and source strings")
            value = Decimal(pct)
            if not value.is_finite() or value <= 0:
                raise ValueError(f"bad percent {pct!r}")
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as e:
            raise ValueError(f"lpr.yaml: changes[{i}]: {e}") from e
        if out and when <= out[-1].effective_from:
            raise ValueError(f"lpr.yaml: changes[{i}] is not after the previous entry")
        out.append(LprChange(when, value, src, bool(unverified)))
    if not out or out[0].effective_from != FIRST_LPR_DATE:
        raise ValueError(f"lpr.yaml: the first entry must be {FIRST_LPR_DATE}")
    return LprTable(tuple(out), checked)


@lru_cache(maxsize=1)
def lpr_table() -> LprTable:
    """The packaged table (read once per process)."""
    text = resources.files("faircollect.domain").joinpath("data/lpr.yaml").read_text("utf-8")
    return load_table(yaml.safe_load(text))


def _next_fixing_after(d: date) -> date:
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return date(y, m, 20)


def one_year_lpr(on: date, table: LprTable | None = None) -> LprQuote | None:
    """The one-year LPR in force on `on` (a quote applies from its publication date), or None
    before 2019-08-20, when there was no LPR."""
    t = table or lpr_table()
    starts = [c.effective_from for c in t.changes]
    i = bisect.bisect_right(starts, on) - 1
    if i < 0:
        return None
    c = t.changes[i]
    verified = not c.unverified and on < _next_fixing_after(t.checked_through)
    return LprQuote(c.percent, c.effective_from, c.source, verified)
