"""Local time inside DuckDB (ICU): the few built-in functions the interpreter calls, and the
exact conversions between instants and local calendars that `faircollect.rules.pyeval` uses.

- `local_wall(zone, instant)`: the zone's wall-clock TIMESTAMP of an instant (`timezone()`).
- `local_day(zone, instant)`: the local calendar date, as days since 1970-01-01 (dates are
  integers inside the interpreter: comparisons and `AddDays` are integer arithmetic).
- `local_seconds(zone, instant)`: seconds since local midnight (microseconds dropped, as in
  pyeval).
- `local_instant(zone, day, secs)`: the instant of a local wall time, as `clock.at_local`:
  a wall time in a DST gap moves forward by the gap (ICU does the same); on a DST fold the
  FIRST occurrence (ICU returns the later one, so earlier candidates 2 h, 1 h and 30 min
  before are tried: the largest folds in the IANA database).
Nothing depends on the session time zone: no DATE casts of TIMESTAMPTZ, no day intervals.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.datatypes as dt

__all__ = [
    "STRS",
    "TS",
    "WALL",
    "list_concat",
    "local_day",
    "local_instant",
    "local_seconds",
    "local_wall",
    "parse_hhmm",
]

TS = dt.Timestamp(timezone="UTC")
WALL = dt.Timestamp()
STRS = dt.Array(dt.string)
_DAY_US = 86_400_000_000


def _to_wall(zone: Any, ts: Any) -> Any: ...
def _from_wall(zone: Any, wall: Any) -> Any: ...
def _make_ts(micros: Any) -> Any: ...
def _concat(a: Any, b: Any) -> Any: ...


_builtin: Any = ibis.udf.scalar.builtin
to_wall: Any = _builtin(_to_wall, name="timezone", signature=((dt.string, TS), WALL))
from_wall: Any = _builtin(_from_wall, name="timezone", signature=((dt.string, WALL), TS))
make_wall: Any = _builtin(_make_ts, name="make_timestamp", signature=((dt.int64,), WALL))
#: list_concat without Ibis's null wrapping (which repeats both operands in the SQL text)
list_concat: Any = _builtin(_concat, name="list_concat", signature=((STRS, STRS), STRS))


def local_wall(zone: Any, instant: Any) -> Any:
    return to_wall(zone, instant)


def local_day(zone: Any, instant: Any) -> Any:
    return to_wall(zone, instant).date().epoch_days().cast("int64")


def local_seconds(zone: Any, instant: Any) -> Any:
    w = to_wall(zone, instant)
    return (w.hour() * 3600 + w.minute() * 60 + w.second()).cast("int64")


def local_instant(zone: Any, day: Any, secs: Any) -> Any:
    """The UTC instant of local wall time `secs` after midnight of `day` (epoch days)."""
    wall = make_wall(day.cast("int64") * _DAY_US + secs.cast("int64") * 1_000_000)
    t1 = from_wall(zone, wall)
    earlier = [
        t1 - ibis.interval(hours=2),
        t1 - ibis.interval(hours=1),
        t1 - ibis.interval(minutes=30),
    ]
    return ibis.cases(*((to_wall(zone, c) == wall, c) for c in earlier), else_=t1)


def parse_hhmm(text: Any) -> Any:
    """Seconds of an "HH:MM" string column ("24:00" -> 86400); null for null."""
    return (text.substr(0, 2).cast("int64") * 3600 + text.substr(3, 2).cast("int64") * 60).cast(
        "int64"
    )
