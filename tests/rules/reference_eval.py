"""A deliberately naive interpreter of the vocabulary, written straight from the semantics in
`faircollect.rules.vocab`'s docstring (no memo, no channel pre-filter, no code generation, no
bisection). The property tests check the optimised interpreter against it; the columnar
interpreter can be checked against either."""

from __future__ import annotations

import operator
from datetime import date, datetime, timedelta
from typing import Any

from faircollect.rules.model import HistoryEntry
from faircollect.rules.pyeval import ScenarioData, add_business_days
from faircollect.rules.vocab import (
    AddBusinessDays,
    AddDays,
    And,
    Cmp,
    Coalesce,
    Const,
    Count,
    Days,
    Ev,
    Ever,
    Fact,
    Hours,
    If,
    In,
    InconvenientSlot,
    IsEmpty,
    IsNull,
    Last,
    LocalDate,
    LocalTimeInAllZones,
    Node,
    Not,
    Or,
    Outer,
)

OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _secs(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 3600 + int(m) * 60


def _col(e: HistoryEntry, col: str, data: ScenarioData) -> Any:
    if col == "local_date":
        return e.at.astimezone(data.first_zone).date()
    return getattr(e, col)


def ref_eval(
    node: Node,
    data: ScenarioData,
    now: datetime,
    ev: HistoryEntry | None = None,
    outer: HistoryEntry | None = None,
) -> Any:
    def r(n: Node) -> Any:
        return ref_eval(n, data, now, ev, outer)

    today = now.astimezone(data.first_zone).date()
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Fact):
        return now if node.name == "now" else data.facts[node.name]
    if isinstance(node, Ev):
        assert ev is not None
        return _col(ev, node.column, data)
    if isinstance(node, Outer):
        assert outer is not None
        return _col(outer, node.column, data)
    if isinstance(node, Cmp):
        a, b = r(node.left), r(node.right)
        return a is not None and b is not None and OPS[node.op](a, b)
    if isinstance(node, In):
        a, b = r(node.item), r(node.collection)
        return a is not None and b is not None and a in b
    if isinstance(node, IsNull):
        return r(node.arg) is None
    if isinstance(node, IsEmpty):
        v = r(node.arg)
        return v is None or len(v) == 0
    if isinstance(node, And):
        return all(bool(r(a)) for a in node.args)
    if isinstance(node, Or):
        return any(bool(r(a)) for a in node.args)
    if isinstance(node, Not):
        return not r(node.arg)
    if isinstance(node, If):
        return r(node.then) if r(node.cond) else r(node.otherwise)
    if isinstance(node, Coalesce):
        for a in node.args:
            v = r(a)
            if v is not None:
                return v
        return None
    if isinstance(node, LocalDate):
        v = r(node.arg)
        return v.astimezone(data.first_zone).date() if isinstance(v, datetime) else v
    if isinstance(node, AddDays):
        v = r(node.arg)
        return None if v is None else v + timedelta(days=r(node.days))
    if isinstance(node, AddBusinessDays):
        v = r(node.arg)
        return None if v is None else add_business_days(v, r(node.days), node.calendar)
    if isinstance(node, LocalTimeInAllZones):
        lo, hi = _secs(r(node.start)), _secs(r(node.end))
        for z in data.zones:
            loc = now.astimezone(z)
            s = loc.hour * 3600 + loc.minute * 60 + loc.second
            if not lo <= s < hi:
                return False
        return True
    if isinstance(node, InconvenientSlot):
        return _slot(r(node.arg), data)
    if isinstance(node, Count):
        return sum(
            1
            for e in _window(node.window, data, now, today)
            if ref_eval(node.where, data, now, e, ev)
        )
    if isinstance(node, Last):
        found = None
        for e in data.events:
            if e.at <= now and ref_eval(node.where, data, now, e, ev):
                found = _col(e, node.column, data)
        return found
    raise TypeError(type(node).__name__)


def _window(w: Node, data: ScenarioData, now: datetime, today: date) -> list[HistoryEntry]:
    evs = [e for e in data.events if e.at <= now]
    if isinstance(w, Ever):
        return evs
    assert isinstance(w, Days | Hours) and isinstance(w.n, Const)
    n = w.n.value
    assert isinstance(n, int)
    if isinstance(w, Days):
        first = today - timedelta(days=n - 1)
        return [e for e in evs if e.at.astimezone(data.first_zone).date() >= first]
    return [e for e in evs if e.at > now - timedelta(hours=n)]


def _slot(x: datetime | None, data: ScenarioData) -> datetime | None:
    """Brute force: the start of the occurrence containing x, scanning occurrences that start
    on x's local day and the day before, windows in list order."""
    if x is None:
        return None
    loc = x.astimezone(data.first_zone)
    d = loc.date()
    secs = loc.hour * 3600 + loc.minute * 60 + loc.second
    for w in data.windows:
        for start_day, offset in ((d, 0), (d - timedelta(days=1), 86400)):
            if w.days is not None and start_day.weekday() not in w.days:
                continue
            end = w.end if w.end > w.start else w.end + 86400
            if w.start <= secs + offset < end:
                return data._at(start_day, w.start)
    return None
