"""Time helpers: store UTC, judge in every local zone where the debtor may be.

`now()` is the one source of "now" for services. `FAIRCOLLECT_CLOCK` (an ISO datetime with
offset) freezes it for demos, simulations and tests, and is refused in production.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as pn_timezone

__all__ = [
    "ClockError",
    "at_local",
    "ensure_aware",
    "local",
    "local_date",
    "now",
    "parse_aware",
    "to_utc",
    "today",
    "zone",
    "zones_for_phone",
]

SHANGHAI = "Asia/Shanghai"


class ClockError(ValueError):
    pass


def parse_aware(text: str) -> datetime:
    """Parse an ISO 8601 datetime that must carry an offset (naive times are refused)."""
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as e:
        raise ClockError(f"not an ISO 8601 datetime: {text!r}") from e
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ClockError(f"datetime without offset: {text!r} (add e.g. +08:00 or Z)")
    return dt


def now() -> datetime:
    """The current instant in UTC, or the frozen instant of FAIRCOLLECT_CLOCK."""
    frozen = os.environ.get("FAIRCOLLECT_CLOCK")
    if frozen:
        if os.environ.get("FAIRCOLLECT_ENV", "").lower() == "production":
            raise ClockError("FAIRCOLLECT_CLOCK is refused when FAIRCOLLECT_ENV=production")
        return parse_aware(frozen).astimezone(UTC)
    return datetime.now(UTC)


def today(tz: str = SHANGHAI) -> date:
    """Today's date in the given zone (business dates are local, storage is UTC)."""
    return now().astimezone(zone(tz)).date()


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ClockError(f"unknown time zone {name!r}") from e


def ensure_aware(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ClockError(f"naive datetime {dt.isoformat()} (store and compare aware times only)")
    return dt


def to_utc(dt: datetime) -> datetime:
    return ensure_aware(dt).astimezone(UTC)


def local(dt: datetime, tz: str) -> datetime:
    return ensure_aware(dt).astimezone(zone(tz))


def local_date(dt: datetime, tz: str) -> date:
    return local(dt, tz).date()


def at_local(d: date, t: time, tz: str) -> datetime:
    """The aware instant of local wall time `t` on `d` in `tz` (first occurrence on a DST fold;
    a time in a DST gap is moved forward by the gap)."""
    z = zone(tz)
    naive = datetime.combine(d, t)
    aware = naive.replace(tzinfo=z, fold=0)
    # round-trip through UTC: a nonexistent wall time (fold=0 reads it with the offset before
    # the transition) normalises forward by exactly the gap (1 h, or 30 min on Lord Howe)
    return aware.astimezone(UTC).astimezone(z)


def zones_for_phone(number: str, default_region: str = "CN") -> tuple[str, ...]:
    """Candidate IANA zones for a phone number (all zones its prefix may be in).

    Returns () when the number cannot be parsed or its zone is unknown.
    """
    try:
        parsed = phonenumbers.parse(number, default_region)
    except phonenumbers.NumberParseException:
        return ()
    zones = tuple(z for z in pn_timezone.time_zones_for_number(parsed) if z != "Etc/Unknown")
    return zones
