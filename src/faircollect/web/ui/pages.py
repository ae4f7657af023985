"""Rendering the staff pages: `page(request, template, ctx)` is `templating.render` plus the
helpers these pages share:

- ``L(kind, code)``: the word for a code in the page's language (labels.py);
- ``when(dt, zone=None)``: a date-time in the page's language (short form), in `zone`
  (default Asia/Shanghai); ``window(start, end, zone)``: "08:00–22:00" (a contact window);
- ``in_words(dt)``: how long until (or since) `dt`, e.g. "in 3 h 20 min" / "2 d ago";
- ``flash``: a one-line notice from the query string (``?done=...``), when the page was
  reached by a redirect after a form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from faircollect import clock
from faircollect.i18n import format_datetime, translate
from faircollect.money import Money

from ..problems import request_locale
from ..templating import render
from .labels import LABELS, label

__all__ = ["duration_words", "page"]


def duration_words(delta_seconds: int, locale: str) -> str:
    """A duration in words, coarse: "3 d 4 h", "5 h 20 min", "12 min"."""
    s = abs(int(delta_seconds))
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m = rest // 60
    if d:
        return translate("%(d)s d %(h)s h", locale, d=d, h=h)
    if h:
        return translate("%(h)s h %(m)s min", locale, h=h, m=m)
    return translate("%(m)s min", locale, m=max(m, 0 if s < 60 else 1))


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    locale = request_locale(request)
    now = clock.now()

    def L(kind: str, code: str | None) -> str:
        return translate(label(kind, code), locale) if code is not None else ""

    def when(dt: datetime | None, zone: str | None = None) -> str:
        if dt is None:
            return ""
        return format_datetime(dt, locale, zone or clock.SHANGHAI, "short")

    def window(start: datetime, end: datetime, zone: str) -> str:
        """A contact window in the debtor's zone: "08:00–22:00" within one day."""
        a, b = clock.local(start, zone), clock.local(end, zone)
        if a.date() == b.date():
            return f"{a:%H:%M}–{b:%H:%M}"
        if b.date() == a.date() + timedelta(days=1) and b.time() == time(0):
            return f"{a:%H:%M}–24:00"
        return f"{when(start, zone)} – {when(end, zone)}"

    def in_words(dt: datetime | None) -> str:
        if dt is None:
            return ""
        delta = int((clock.to_utc(dt) - now).total_seconds())
        words = duration_words(delta, locale)
        if delta >= 0:
            return translate("in %(time)s", locale, time=words)
        return translate("%(time)s ago", locale, time=words)

    ctx: dict[str, Any] = {
        "L": L,
        "labels": LABELS,
        "when": when,
        "window": window,
        "in_words": in_words,
        "now": now,
        "flash": None,
        "money_of": lambda minor, currency: Money(int(minor), str(currency)),
    }
    ctx.update(context or {})
    return render(request, template, ctx, status=status, headers=headers)
