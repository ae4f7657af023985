"""The contact window of an account on the as-of day, in the debtor's local time.

A window depends only on (pack, candidate zones, inconvenient times, the creditor's stricter
hours), so it is computed once per distinct combination (a handful for a whole book) and
joined to the accounts:

- a start is the rules' own next-allowed logic: `rules.engine.next_allowed_at` for a contact
  with no history, asked from local midnight of the as-of day (first candidate zone);
- its end is the first instant after it at which the same contact is no longer allowed,
  looked for at the instants where the answer can change: the pack's `contact_start` /
  `contact_end` parameters (narrowed by the creditor's window) in every candidate zone, the
  edges of the debtor's inconvenient windows, and the end of the local day;
- the day is walked interval by interval and the longest allowed interval is the window (the
  earliest of equally long ones): a borrower who asked not to be called 09:00-12:00 gets
  12:00-21:00, not 08:00-09:00.
No window (the whole day is closed to contact) is a reason for no action.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from faircollect.clock import at_local
from faircollect.rules.engine import EngineConfig, evaluate, next_allowed_at
from faircollect.rules.model import Scenario
from faircollect.rules.packs import get_pack

__all__ = ["Window", "WindowKey", "contact_window", "parse_hours"]


class WindowKey(NamedTuple):
    pack: str
    timezones: tuple[str, ...]
    inconvenient: str  # canonical JSON or ""
    contact_window: str  # "HH:MM-HH:MM" or ""


class Window(NamedTuple):
    start: datetime | None  # aware UTC; None: no window on that day
    end: datetime | None
    zone: str  # the first candidate zone (the window is local to it)


def parse_hours(text: str) -> tuple[time, time] | None:
    """ "08:00-21:00" -> (08:00, 21:00); "24:00" as end is time(0). Invalid or empty: None."""
    if not text:
        return None
    try:
        a, b = text.split("-")
        start = time.fromisoformat(a)
        end = time(0) if b == "24:00" else time.fromisoformat(b)
    except ValueError:
        return None
    return start, end


def _hhmm(text: str) -> time | None:
    if text == "24:00":
        return None
    return time.fromisoformat(text)


def _scenario(key: WindowKey, zones: tuple[str, ...], now: datetime) -> Scenario:
    debtor: dict[str, object] = {"timezones": list(zones)}
    if key.inconvenient:
        debtor["inconvenient"] = json.loads(key.inconvenient)
    return Scenario.model_validate(
        {
            "pack": key.pack,
            "now": now.isoformat(),
            "action": {"channel": "call", "party": "debtor", "purpose": "demand"},
            "debtor": debtor,
        }
    )


def contact_window(key: WindowKey, day: date) -> Window:
    """The longest allowed interval of the as-of day (the earliest among equally long ones);
    `Window(None, None, zone)` when the whole day is closed."""
    pack = get_pack(key.pack)
    zones = key.timezones or pack.default_zones
    first = zones[0]
    hours = parse_hours(key.contact_window)
    config = EngineConfig(contact_window=hours)
    day_start = at_local(day, time(0), first)
    day_end = at_local(day + timedelta(days=1), time(0), first)
    boundaries = sorted(x for x in _boundaries(key, pack, zones, hours, day) if x < day_end)
    best: tuple[datetime, datetime] | None = None
    t = day_start
    while t < day_end:
        start = next_allowed_at(_scenario(key, key.timezones, t), config=config)
        if start is None or start >= day_end:
            break
        end = day_end
        for b in boundaries:
            if b > start and not evaluate(_scenario(key, key.timezones, b), config=config).allowed:
                end = b
                break
        if best is None or end - start > best[1] - best[0]:
            best = (start, end)
        t = end
    if best is None:
        return Window(None, None, first)
    return Window(best[0], best[1], first)


def _boundaries(
    key: WindowKey,
    pack: object,
    zones: tuple[str, ...],
    hours: tuple[time, time] | None,
    day: date,
) -> set[datetime]:
    """Instants at which "may we contact now" can change: the pack's hours parameters in every
    candidate zone and the edges of the debtor's inconvenient windows (first zone)."""
    from faircollect.rules.pack import Pack

    assert isinstance(pack, Pack)
    values = pack.snapshot(day, hours).values
    out: set[datetime] = set()

    def add(d: date, hhmm: str, z: str) -> None:
        t = _hhmm(hhmm)
        out.add(at_local(d if t is not None else d + timedelta(days=1), t or time(0), z))

    for z in zones:
        for d in (day - timedelta(days=1), day, day + timedelta(days=1)):
            for name in pack.hours_params:
                if name in values:
                    add(d, str(values[name]), z)
    if key.inconvenient:
        for w in json.loads(key.inconvenient):
            for d in (day - timedelta(days=1), day):
                add(d, w.get("from", "00:00"), zones[0])
                add(d, w.get("to", "24:00"), zones[0])
    return out


def windows(keys: Iterable[WindowKey], day: date) -> dict[WindowKey, Window]:
    return {k: contact_window(k, day) for k in set(keys)}
