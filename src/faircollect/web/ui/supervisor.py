"""Supervisor pages: strategy versions (view, diff, validate, save, activate, challenger
shares), run results, capacity, dashboards with Plotly charts.

    GET  /strategies                                   every strategy and its versions
    GET  /strategies/{name}?version=N&against=M        one version's YAML, a diff, the forms
    POST /strategies                                   validate / save / save and activate YAML
    POST /strategies/{name}/versions/{version}/activate
    POST /strategies/{name}/challengers                new version with other challenger shares
    GET  /runs, /runs/{run_id}                         run results (the caller's creditors)
    GET  /capacity, POST /capacity                     collectors and field teams
    GET  /dashboards?days=30                           recovery, roll rates, contacts, visits,
                                                       complaints, blocks by rule
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import Response

from faircollect.i18n import N_, translate

from ..api.reports import DEFAULT_STRATEGY, dashboard_data
from ..api.strategies import (
    MANAGERS,
    READERS,
    activate_version,
    capacity_data,
    diff_versions,
    run_detail,
    runs_data,
    save_source,
    set_challenger_shares,
    strategies_data,
    update_capacity,
    validate_source,
    version_detail,
)
from ..auth.caller import Caller
from ..deps import require
from ..problems import Problem, request_locale
from ..state import web_state
from . import charts
from .pages import page
from .util import redirect

router = APIRouter(include_in_schema=False)

FLASHES = {
    "saved": N_("A new version is stored."),
    "same": N_("Nothing new: the latest version already means the same."),
    "activated": N_("This version is now active: tonight's run uses it."),
    "capacity": N_("Capacity saved."),
}


def _reader(tenant: bool = False) -> Any:
    return require(READERS, action="read", tenant=tenant)


def _manager() -> Any:
    return require(MANAGERS, action="write", tenant=False, permission="strategy.manage")


@router.get("/strategies")
def strategies_page(request: Request, caller: Caller = Depends(_reader())) -> Response:
    with web_state(request).db.transaction() as s:
        rows = strategies_data(s)
    return page(request, "supervisor/strategies.html", {"strategies": rows})


def _strategy_page(
    request: Request,
    caller: Caller,
    name: str,
    *,
    version: int | None = None,
    against: int | None = None,
    source: str | None = None,
    check: dict[str, Any] | None = None,
    flash: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with web_state(request).db.transaction() as s:
        d = version_detail(s, name, version)
        diff = None
        if against is not None and d["version"] is not None:
            diff = diff_versions(s, name, against, d["version"])
    return page(
        request,
        "supervisor/strategy.html",
        {
            "d": d,
            "against": against,
            "diff": diff,
            "source": d["source"] if source is None else source,
            "check": check,
            "flash": flash,
            "error": error,
            "can_manage": caller.can("strategy.manage") and caller.role in MANAGERS,
        },
        status=status,
    )


@router.get("/strategies/{name}")
def strategy_page(
    name: str,
    request: Request,
    version: int | None = Query(None, ge=1),
    against: int | None = Query(None, ge=1),
    done: str | None = Query(None, max_length=16),
    caller: Caller = Depends(_reader()),
) -> Response:
    return _strategy_page(
        request, caller, name, version=version, against=against, flash=FLASHES.get(done or "")
    )


def _name_of(source: str, fallback: str) -> str:
    import yaml

    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError:
        return fallback
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name else fallback


@router.post("/strategies")
def post_strategy(
    request: Request,
    source: str = Form(..., max_length=200_000),
    op: str = Form("validate", max_length=16),
    name: str = Form(DEFAULT_STRATEGY, max_length=64),
    caller: Caller = Depends(_reader()),
) -> Response:
    """One form, three buttons: validate (every reader), save, save and activate
    (strategy.manage). The page shows the problems next to the text."""
    st = web_state(request)
    shown = _name_of(source, name)
    if op == "validate":
        with st.db.transaction() as s:
            check = validate_source(s, source)
        return _strategy_page(
            request, caller, _existing(request, shown, name), source=source, check=check,
            status=200 if check["ok"] else 422,
        )  # fmt: skip
    if not (caller.can("strategy.manage") and caller.role in MANAGERS):
        raise Problem(403, "forbidden")
    try:
        with st.db.transaction(immediate=True) as s:
            out = save_source(s, caller, source, activate=op == "activate")
    except Problem as p:
        if p.status != 422:
            raise
        problems = p.extra.get("problems", [])
        check = {"ok": False, "problems": problems, "warnings": [], "diff": "", "same_as": None}
        return _strategy_page(
            request, caller, _existing(request, shown, name), source=source, check=check, status=422
        )
    done = "activated" if op == "activate" else ("saved" if out["created"] else "same")
    target = f"/strategies/{quote(out['name'], safe='')}"
    return redirect(f"{target}?version={out['version']}&done={done}")


def _existing(request: Request, name: str, fallback: str) -> str:
    """A strategy name the page can show (a new or mistyped name in the YAML: the page the
    form was sent from)."""
    from faircollect.store.repositories import strategies as repo
    from faircollect.strategy import spec as S

    if name in S.shipped_names():
        return name
    with web_state(request).db.transaction() as s:
        return name if repo.list_versions(s, name) else fallback


@router.post("/strategies/{name}/versions/{version}/activate")
def post_activate(
    name: str, version: int, request: Request, caller: Caller = Depends(_manager())
) -> Response:
    with web_state(request).db.transaction(immediate=True) as s:
        activate_version(s, caller, name, version)
    return redirect(f"/strategies/{quote(name, safe='')}?version={version}&done=activated")


@router.post("/strategies/{name}/challengers")
async def post_challengers(
    name: str, request: Request, caller: Caller = Depends(_manager())
) -> Response:
    """Fields ``share_<arm>`` (a decimal, e.g. 0.10), ``version``, ``activate``."""
    form = await request.form()
    shares = {
        str(k)[6:]: str(v).strip()
        for k, v in form.multi_items()
        if str(k).startswith("share_") and str(v).strip()
    }
    raw_version = str(form.get("version") or "")
    version = int(raw_version) if raw_version.isdigit() else None
    activate = str(form.get("activate") or "") == "1"
    from starlette.concurrency import run_in_threadpool

    def work() -> dict[str, Any]:
        with web_state(request).db.transaction(immediate=True) as s:
            return set_challenger_shares(
                s, caller, name, shares, version=version, activate=activate
            )

    try:
        out = await run_in_threadpool(work)
    except Problem as p:
        if p.status != 422:
            raise
        loc = request_locale(request)
        msgs = "; ".join(f"{x['where']}: {x['message']}" for x in p.extra.get("problems", []))
        return await run_in_threadpool(
            _strategy_page, request, caller, name, version=version, status=422,
            error=translate(N_("The shares are not valid: %(problems)s"), loc, problems=msgs),
        )  # fmt: skip
    done = "activated" if activate else ("saved" if out["created"] else "same")
    return redirect(f"/strategies/{quote(name, safe='')}?version={out['version']}&done={done}")


@router.get("/runs")
def runs_page(request: Request, caller: Caller = Depends(_reader(tenant=True))) -> Response:
    with web_state(request).db.transaction() as s:
        rows = runs_data(s, caller)
    return page(request, "supervisor/runs.html", {"runs": rows})


@router.get("/runs/{run_id}")
def run_page(
    run_id: int, request: Request, caller: Caller = Depends(_reader(tenant=True))
) -> Response:
    with web_state(request).db.transaction() as s:
        r = run_detail(s, caller, run_id)
    return page(request, "supervisor/run.html", {"r": r})


def _capacity_page(
    request: Request, caller: Caller, *, flash: str | None = None, error: str | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    with web_state(request).db.transaction() as s:
        data = capacity_data(s)
    return page(
        request,
        "supervisor/capacity.html",
        {
            "c": data,
            "flash": flash,
            "error": error,
            "can_manage": caller.can("strategy.manage") and caller.role in MANAGERS,
        },
        status=status,
    )


@router.get("/capacity")
def capacity_page(
    request: Request,
    done: str | None = Query(None, max_length=16),
    caller: Caller = Depends(_reader()),
) -> Response:
    return _capacity_page(request, caller, flash=FLASHES.get(done or ""))


def _list(text: str) -> list[str]:
    return [x.strip() for x in text.replace("，", ",").split(",") if x.strip()]


@router.post("/capacity")
async def post_capacity(request: Request, caller: Caller = Depends(_manager())) -> Response:
    """The table's fields (``c_<id>_capacity``, ``c_<id>_active``, ``t_<id>_...``) and one
    new collector or field team (``new_kind``, ``new_name``, ``new_capacity``, ...)."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    f = {str(k): str(v) for k, v in form.multi_items()}

    def number(key: str) -> int | None:
        raw = f.get(key, "").strip()
        return int(raw) if raw.isdigit() else None

    def work() -> None:
        with web_state(request).db.transaction(immediate=True) as s:
            current = capacity_data(s)
            data: dict[str, list[dict[str, Any]]] = {"collectors": [], "field_teams": []}
            for prefix, kind in (("c", "collectors"), ("t", "field_teams")):
                for row in current[kind]:
                    cap = number(f"{prefix}_{row['id']}_capacity")
                    if cap is None:
                        continue
                    entry = {k: row[k] for k in row if k not in ("id", "user")}
                    entry["daily_capacity"] = cap
                    entry["active"] = f.get(f"{prefix}_{row['id']}_active") == "1"
                    data[kind].append(entry)
            name = f.get("new_name", "").strip()
            if name:
                cap = number("new_capacity")
                entry = {
                    "name": name,
                    "daily_capacity": -1 if cap is None else cap,
                    "creditors": _list(f.get("new_creditors", "")),
                }
                if f.get("new_kind") == "field_team":
                    entry["regions"] = _list(f.get("new_regions", ""))
                    data["field_teams"].append(entry)
                else:
                    entry["languages"] = _list(f.get("new_languages", ""))
                    data["collectors"].append(entry)
            update_capacity(s, caller, data)

    try:
        await run_in_threadpool(work)
    except Problem as p:
        if p.status != 422:
            raise
        loc = request_locale(request)
        return await run_in_threadpool(
            _capacity_page, request, caller, status=422,
            error=translate(p.detail or p.title, loc, **p.params),
        )  # fmt: skip
    return redirect("/capacity?done=capacity")


@router.get("/dashboards")
def dashboards_page(
    request: Request,
    days: int = Query(30, ge=1, le=366),
    strategy: str = Query(DEFAULT_STRATEGY, max_length=64),
    caller: Caller = Depends(_reader(tenant=True)),
) -> Response:
    loc = request_locale(request)
    with web_state(request).db.transaction() as s:
        d = dashboard_data(s, caller, days=days, strategy=strategy)
    figures = {
        "fig-recovery": charts.recovery_figure(d["recovery"], loc),
        "fig-roll": charts.roll_rates_figure(d["roll_rates"], loc),
        "fig-contacts": charts.contacts_figure(d["contacts"]["per_account"], loc),
        "fig-contacts-week": charts.contacts_week_figure(d["contacts"]["by_week"], d["weeks"], loc),
        "fig-visits": charts.visits_figure(d["visits"], d["weeks"], loc),
        "fig-complaints": charts.complaints_figure(d["complaints"]["by_week"], d["weeks"], loc),
        "fig-blocks": charts.blocks_figure(d["blocks"], loc),
    }
    return page(request, "supervisor/dashboards.html", {"d": d, "figures": figures})
