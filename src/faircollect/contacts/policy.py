"""A creditor's contact settings (``creditors.settings``), read with defaults.

Keys (all optional):
- ``contact_window``: the creditor's own, stricter contact hours, ``{"from": "08:00", "to":
  "21:00"}`` (or ``["08:00", "21:00"]``); it only narrows the pack's hours.
- ``promise``: ``{"max_days_ahead": 30, ...}`` (the kept/broken tolerance is read by
  `faircollect.payments.policy`).
- ``sender_name``: the signature of messages (CN SMS 【...】); default the creditor's name.
- ``help_text`` / ``help_text_en``: what a HELP reply says besides the name (e.g. a hotline).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from typing import Any

__all__ = ["contact_window", "promise_max_days_ahead", "sender_name"]

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _parse_hhmm(text: Any) -> time | None:
    m = _HHMM.match(str(text or ""))
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2))
    if h == 24:
        return time(0) if mi == 0 else None
    return time(h, mi)


def contact_window(settings: Mapping[str, Any] | None) -> tuple[time, time] | None:
    """The creditor's stricter contact window, or None (invalid values are ignored: the
    pack's hours apply)."""
    raw = (settings or {}).get("contact_window")
    if raw is None:
        return None
    if isinstance(raw, Mapping):
        lo, hi = raw.get("from"), raw.get("to")
    elif isinstance(raw, list | tuple) and len(raw) == 2:
        lo, hi = raw
    else:
        return None
    a, b = _parse_hhmm(lo), _parse_hhmm(hi)
    if a is None or b is None:
        return None
    return (a, b)


def promise_max_days_ahead(settings: Mapping[str, Any] | None) -> int:
    """How far ahead a promise may be dated (``promise.max_days_ahead``, default 30)."""
    raw = (settings or {}).get("promise") or {}
    try:
        return max(int(raw.get("max_days_ahead", 30)), 0) if isinstance(raw, Mapping) else 30
    except (TypeError, ValueError):
        return 30


def sender_name(settings: Mapping[str, Any] | None, creditor_name: str) -> str:
    name = (settings or {}).get("sender_name")
    return str(name) if name else creditor_name
