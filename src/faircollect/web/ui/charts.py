"""Plotly figures (plain dicts: ``{"data": [...], "layout": {...}}``) built from the report
data, with every label in the page's language. The page embeds them as JSON
(``<script type="application/json">``) and web/static/js/charts.js draws them with the
Plotly.js served from the plotly wheel; each chart also has a table for readers without
JavaScript."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from faircollect.i18n import N_, translate

from .labels import label

__all__ = [
    "blocks_figure",
    "complaints_figure",
    "contacts_figure",
    "contacts_week_figure",
    "recovery_figure",
    "roll_rates_figure",
    "visits_figure",
]

FONT = "system-ui, 'PingFang SC', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"


def _layout(title: str, locale: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "title": {"text": title},
        "font": {"family": FONT, "size": 13},
        "margin": {"l": 60, "r": 20, "t": 80, "b": 60},
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom"},
        "separators": ".,",
        "hovermode": "closest",
    }
    out.update(extra)
    return out


def _pct(rate: str) -> float:
    """A decimal-string rate as a percentage number for the chart axis (display only)."""
    return float(Decimal(rate) * 100)


def _t(msgid: str, locale: str, **kw: Any) -> str:
    return translate(msgid, locale, **kw)


def _nonempty(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Traces with at least one non-zero value ([] when there is nothing to draw)."""
    keep = [d for d in data if any(v for v in d.get("y") or [] if v)]
    return data if keep else []


def _w(weeks: Sequence[Any]) -> list[str]:
    return [w.isoformat() if hasattr(w, "isoformat") else str(w) for w in weeks]


def recovery_figure(recovery: Mapping[str, Any], locale: str) -> dict[str, Any]:
    data = []
    for cur, arms in sorted((recovery.get("curves") or {}).items()):
        for arm, points in sorted(arms.items()):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": f"{arm} ({cur})",
                    "x": [p["as_of"] for p in points],
                    "y": [_pct(p["share"]) for p in points],
                    "hovertemplate": "%{x}: %{y:.2f}%<extra>" + f"{arm} ({cur})</extra>",
                }
            )
    title = _t(
        N_("Recovery curve: share of the first run's balance no longer in collection"), locale
    )
    days = {x for d in data for x in d["x"]}
    xaxis: dict[str, Any] = {"title": {"text": _t(N_("Run date"), locale)}}
    xaxis["type"] = "date" if len(days) > 1 else "category"
    return {
        "data": data,
        "layout": _layout(
            title,
            locale,
            yaxis={"title": {"text": "%"}, "rangemode": "tozero"},
            xaxis=xaxis,
        ),
    }


def roll_rates_figure(rows: Sequence[Mapping[str, Any]], locale: str) -> dict[str, Any]:
    pairs: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        pairs.setdefault(f"{r['from']} → {r['to']}", []).append(r)
    data = []
    for name in list(pairs)[-5:]:
        pts = pairs[name]
        data.append(
            {
                "type": "bar",
                "name": name,
                "x": [p["bucket"] for p in pts],
                "y": [_pct(p["roll_rate"]) for p in pts],
                "hovertemplate": "%{x}: %{y:.2f}%<extra>" + name + "</extra>",
            }
        )
    return {
        "data": data,
        "layout": _layout(
            _t(N_("Roll rate by bucket (to a worse bucket at the next run)"), locale),
            locale,
            barmode="group",
            yaxis={"title": {"text": "%"}, "rangemode": "tozero"},
        ),
    }


def contacts_figure(per_account: Mapping[str, str], locale: str) -> dict[str, Any]:
    channels = list(per_account)
    if not channels:
        return {"data": [], "layout": {}}
    return {
        "data": [
            {
                "type": "bar",
                "x": [translate(label("channel", c), locale) for c in channels],
                "y": [float(Decimal(per_account[c])) for c in channels],
                "hovertemplate": "%{x}: %{y:.2f}<extra></extra>",
            }
        ],
        "layout": _layout(
            _t(N_("Contacts per account in collection, by channel"), locale),
            locale,
            yaxis={"rangemode": "tozero"},
        ),
    }


def contacts_week_figure(
    by_week: Mapping[str, Sequence[int]], weeks: Sequence[Any], locale: str
) -> dict[str, Any]:
    x = _w(weeks)
    data = [
        {"type": "bar", "name": translate(label("channel", ch), locale), "x": x, "y": list(v)}
        for ch, v in by_week.items()
    ]
    return {
        "data": _nonempty(data),
        "layout": _layout(
            _t(N_("Contacts per week by channel"), locale),
            locale,
            barmode="stack",
            xaxis={"title": {"text": _t(N_("Week of"), locale)}, "type": "date"},
        ),
    }


def visits_figure(
    visits: Mapping[str, Sequence[int]], weeks: Sequence[Any], locale: str
) -> dict[str, Any]:
    x = _w(weeks)
    return {
        "data": _nonempty(
            [
                {
                    "type": "bar",
                    "name": _t(N_("Visits made"), locale),
                    "x": x,
                    "y": list(visits["by_week"]),
                },
                {
                    "type": "bar",
                    "name": _t(N_("Visits refused by the rules"), locale),
                    "x": x,
                    "y": list(visits["blocked_by_week"]),
                },
            ]
        ),
        "layout": _layout(
            _t(N_("Field visits per week"), locale),
            locale,
            barmode="group",
            xaxis={"title": {"text": _t(N_("Week of"), locale)}, "type": "date"},
        ),
    }


def complaints_figure(
    by_week: Mapping[str, Sequence[int]], weeks: Sequence[Any], locale: str
) -> dict[str, Any]:
    x = _w(weeks)
    return {
        "data": _nonempty(
            [
                {
                    "type": "bar",
                    "name": translate(label("complaint_category", cat), locale),
                    "x": x,
                    "y": list(v),
                }
                for cat, v in by_week.items()
            ]
        ),
        "layout": _layout(
            _t(N_("Complaints received per week"), locale),
            locale,
            barmode="stack",
            xaxis={"title": {"text": _t(N_("Week of"), locale)}, "type": "date"},
        ),
    }


def blocks_figure(blocks: Sequence[Mapping[str, Any]], locale: str) -> dict[str, Any]:
    top = list(blocks)[:15][::-1]
    if not top:
        return {"data": [], "layout": {}}
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [b["rule"] for b in top],
                "x": [b["attempts"] for b in top],
                "customdata": [b["provision"] for b in top],
                "hovertemplate": "%{y}: %{x}<br>%{customdata}<extra></extra>",
            }
        ],
        "layout": _layout(
            _t(N_("Blocked attempts by rule"), locale),
            locale,
            margin={"l": 220, "r": 20, "t": 50, "b": 40},
            xaxis={"rangemode": "tozero"},
        ),
    }
