"""Dashboards as data (``GET /api/v1/reports/dashboard?strategy=&days=30``), restricted to
the caller's creditors; the supervisor's dashboard page draws them with Plotly.

- ``recovery``: recovery curves of the strategy's runs (faircollect.strategy.report: the
  share of the first run's balance no longer in collection at each later run, per arm);
- ``roll_rates``: per bucket, between consecutive runs;
- ``contacts``: collector-initiated contacts (not blocked) in the period per channel, per
  account in collection, and per week;
- ``visits``: visits per week (made, and refused by the rules);
- ``complaints``: received per week and category, open and overdue now;
- ``blocks``: blocked attempts per rule (with its provision).
Rates and ratios are decimal strings.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from faircollect import clock
from faircollect.store.db import Session
from faircollect.store.repositories import complaints as complaints_repo
from faircollect.store.repositories import staff_views
from faircollect.strategy import report

from ..auth.caller import Caller
from ..deps import require
from ..state import web_state
from .strategies import READERS
from .workspace import to_json

router = APIRouter(tags=["reports"])

__all__ = ["DEFAULT_STRATEGY", "dashboard_data", "week_of"]

DEFAULT_STRATEGY = "faircollect-default"
CONTACTED = ("attempted", "completed", "overridden")


def week_of(at: datetime) -> date:
    """The Monday (Beijing calendar) of the week of `at`."""
    d = clock.local_date(at, clock.SHANGHAI)
    return d - timedelta(days=d.weekday())


def _ratio(num: int, den: int) -> str:
    if den == 0:
        return "0.00"
    return str((Decimal(num) / Decimal(den)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def dashboard_data(
    s: Session, caller: Caller, *, days: int = 30, strategy: str = DEFAULT_STRATEGY
) -> dict[str, Any]:
    now = clock.now()
    since = now - timedelta(days=days)
    first = week_of(since)
    weeks = []
    w = first
    while w <= week_of(now):
        weeks.append(w)
        w += timedelta(days=7)
    idx = {wk: i for i, wk in enumerate(weeks)}

    rows = staff_views.contact_rows(s, scope=caller.scope, since=since)
    accounts = staff_views.collection_accounts(s, scope=caller.scope)
    made = [r for r in rows if r.status in CONTACTED and r.initiated_by != "consumer"]
    by_channel = Counter(r.channel for r in made)
    per_week: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    for r in made:
        per_week[r.channel][idx[week_of(r.at)]] += 1
    visits = [0] * len(weeks)
    visits_blocked = [0] * len(weeks)
    for r in rows:
        if r.channel != "visit":
            continue
        if r.status in CONTACTED:
            visits[idx[week_of(r.at)]] += 1
        elif r.status == "blocked":
            visits_blocked[idx[week_of(r.at)]] += 1

    complaints = complaints_repo.received_since(s, since, scope=caller.scope)
    c_week: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    for c in complaints:
        c_week[c.category][idx.get(week_of(c.received_at), 0)] += 1
    open_now = complaints_repo.list_for(s, scope=caller.scope, statuses=("open", "in_progress"))

    rep = report.from_db(s, strategy=strategy, scope=caller.scope)
    return {
        "strategy": strategy,
        "days": days,
        "since": since,
        "until": now,
        "weeks": weeks,
        "accounts_in_collection": accounts,
        "recovery": rep.get("recovery") or {},
        "roll_rates": rep.get("roll_rates") or [],
        "runs": [{"run_id": r["run_id"], "as_of": r["as_of"]} for r in rep.get("runs", [])],
        "contacts": {
            "by_channel": dict(sorted(by_channel.items())),
            "per_account": {ch: _ratio(n, accounts) for ch, n in sorted(by_channel.items())},
            "by_week": {ch: v for ch, v in sorted(per_week.items())},
            "total": len(made),
        },
        "visits": {"by_week": visits, "blocked_by_week": visits_blocked},
        "complaints": {
            "by_week": {cat: v for cat, v in sorted(c_week.items())},
            "received": len(complaints),
            "open": len(open_now),
            "overdue": sum(1 for c in open_now if clock.to_utc(c.due_at) < now),
        },
        "blocks": [
            {"rule": b.rule, "provision": b.provision, "attempts": b.attempts}
            for b in staff_views.blocked_by_rule(s, scope=caller.scope, since=since)
        ],
    }


@router.get("/reports/dashboard")
def get_dashboard(
    request: Request,
    days: int = Query(30, ge=1, le=366),
    strategy: str = Query(DEFAULT_STRATEGY, max_length=64),
    caller: Caller = Depends(require(READERS, action="read")),
) -> JSONResponse:
    """The dashboards' data for the caller's creditors over the last `days` days."""
    with web_state(request).db.transaction() as s:
        return JSONResponse(to_json(dashboard_data(s, caller, days=days, strategy=strategy)))
