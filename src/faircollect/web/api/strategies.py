"""Strategies, runs and capacity for supervisors, as data (used by the JSON API below and by
the pages in web/ui/supervisor.py).

Strategy versions (global: a strategy is not a creditor's data)
- ``GET /api/v1/strategies``: every strategy with its stored versions (and shipped ones never
  stored); ``GET /api/v1/strategies/{name}?version=N``: one version with its YAML;
  ``GET /api/v1/strategies/{name}/diff?a=N&b=M`` a unified diff of the canonical YAML;
- ``POST /api/v1/strategies/validate`` {source}: problems by location, or the diff against
  the active version; ``POST /api/v1/strategies`` {source, activate}: store a new version
  (when it means something new) and optionally activate it;
- ``POST /api/v1/strategies/{name}/versions/{version}/activate``;
- ``POST /api/v1/strategies/{name}/challengers`` {version?, shares: {arm: "0.10"}, activate}:
  a new version with other challenger shares.
Writes need the ``strategy.manage`` permission (supervisors) and are audited.

Runs (restricted to the caller's creditors: counts are recomputed from the work items)
- ``GET /api/v1/strategy-runs``, ``GET /api/v1/strategy-runs/{run_id}``.

Capacity (collectors and field teams, the strategy's call and visit capacity)
- ``GET /api/v1/capacity``; ``PUT /api/v1/capacity`` {collectors: [...], field_teams: [...]}
  creates or updates the named entries (the `faircollect strategy capacity` format).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from faircollect import audit
from faircollect.i18n import N_
from faircollect.store.db import Session
from faircollect.store.repositories import capacity as capacity_repo
from faircollect.store.repositories import staff_views
from faircollect.store.repositories import strategies as repo
from faircollect.strategy import manage
from faircollect.strategy import spec as S

from ..auth.caller import Caller
from ..deps import require
from ..problems import Problem
from ..state import web_state
from .workspace import to_json

router = APIRouter(tags=["strategies"])

__all__ = [
    "MANAGERS",
    "READERS",
    "activate_version",
    "capacity_data",
    "run_detail",
    "runs_data",
    "save_source",
    "set_challenger_shares",
    "strategies_data",
    "update_capacity",
    "validate_source",
    "version_detail",
]

#: who reads strategies, runs, capacity and dashboards (collectors work the queue instead)
READERS = ("admin", "supervisor", "compliance", "auditor")
MANAGERS = ("supervisor",)
MAX_SOURCE = 200_000


def _not_found(name: str, version: int | None = None) -> Problem:
    if version is None:
        return Problem(
            404,
            "strategy-not-found",
            N_("Not found"),
            N_("There is no strategy %(name)s."),
            name=name,
        )
    return Problem(
        404,
        "strategy-version-not-found",
        N_("Not found"),
        N_("There is no version %(version)s of strategy %(name)s."),
        name=name,
        version=version,
    )


def _invalid(problems: list[tuple[str, str]]) -> Problem:
    return Problem(
        422,
        "invalid-strategy",
        N_("Invalid strategy"),
        N_("The strategy is not valid: see the problems."),
        extra={"problems": [{"where": w, "message": m} for w, m in problems]},
    )


# ---------------------------------------------------------------------------------------
# versions
# ---------------------------------------------------------------------------------------
def strategies_data(s: Session) -> list[dict[str, Any]]:
    """Strategies by name: stored versions (newest first) and whether one is active."""
    by_name: dict[str, dict[str, Any]] = {}
    for v in manage.list_strategies(s):
        entry = by_name.setdefault(
            v.name, {"name": v.name, "title": v.title, "active_version": None, "versions": []}
        )
        if v.version is None:
            entry["shipped_only"] = True
            continue
        entry["versions"].append(
            {
                "version": v.version,
                "active": v.active,
                "title": v.title,
                "digest": v.digest,
                "created_at": v.created_at,
            }
        )
        if v.active:
            entry["active_version"] = v.version
            entry["title"] = v.title
    out = []
    for name in sorted(by_name):
        e = by_name[name]
        e.setdefault("shipped_only", False)
        e["versions"].sort(key=lambda x: -x["version"])
        out.append(e)
    return out


def _spec_summary(spec: S.StrategySpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "title": {"en": spec.title.en, "zh": spec.title.zh},
        "segments": [s.name for s in spec.segments],
        "harm_budget": spec.harm_budget.model_dump(),
        "holdout": None
        if spec.holdout is None
        else {"share": str(spec.holdout.share), "treatment": spec.holdout.treatment},
        "challengers": [
            {"arm": c.arm, "strategy": c.strategy, "share": str(c.share)} for c in spec.challengers
        ],
    }


def version_detail(s: Session, name: str, version: int | None = None) -> dict[str, Any]:
    """One version (default: the active one, else the latest, else the shipped default)."""
    rows = repo.list_versions(s, name)
    row = None
    if version is not None:
        row = next((r for r in rows if r.version == version), None)
        if row is None:
            raise _not_found(name, version)
    else:
        row = next((r for r in rows if r.active), None) or (rows[-1] if rows else None)
    if row is None:
        if name not in S.shipped_names():
            raise _not_found(name)
        spec = S.shipped(name)
        return {
            "name": name,
            "version": None,
            "active": False,
            "stored": False,
            "source": S.canonical_yaml(spec),
            "digest": S.digest(spec),
            "created_by": None,
            "created_at": None,
            "activated_at": None,
            "spec": _spec_summary(spec),
            "versions": [],
        }
    spec = S.from_data(row.spec, f"{name}@{row.version}")
    return {
        "name": name,
        "version": row.version,
        "active": row.active,
        "stored": True,
        "source": row.source,
        "digest": row.digest,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "activated_at": row.activated_at,
        "spec": _spec_summary(spec),
        "versions": [
            {"version": r.version, "active": r.active, "created_at": r.created_at}
            for r in reversed(rows)
        ],
    }


def _spec_of(s: Session, name: str, version: int | None) -> tuple[S.StrategySpec, str]:
    if version is None:
        d = version_detail(s, name)
        return S.load_text(d["source"]), d["name"] + (
            f"@{d['version']}" if d["version"] is not None else " (shipped)"
        )
    row = repo.get_version(s, name, version)
    if row is None:
        raise _not_found(name, version)
    return S.from_data(row.spec), f"{name}@{version}"


def diff_versions(s: Session, name: str, a: int | None, b: int | None) -> str:
    sa, la = _spec_of(s, name, a)
    sb, lb = _spec_of(s, name, b)
    return S.diff(sa, sb, la, lb)


def validate_source(s: Session, source: str) -> dict[str, Any]:
    """Check a strategy's YAML: {"ok", "problems": [{where, message}], "warnings", "name",
    "digest", "same_as": version with the same meaning, "diff": against the active one}."""
    out: dict[str, Any] = {
        "ok": False,
        "problems": [],
        "warnings": [],
        "name": None,
        "digest": None,
        "same_as": None,
        "diff": "",
    }
    if len(source) > MAX_SOURCE:
        out["problems"] = [{"where": "(yaml)", "message": "too long"}]
        return out
    try:
        spec = S.load_text(source, "")
    except S.SpecError as e:
        out["problems"] = [{"where": w, "message": m} for w, m in e.problems]
        return out
    out.update(ok=True, name=spec.name, digest=S.digest(spec))
    stored = {r.digest: r.version for r in repo.list_versions(s, spec.name)}
    out["same_as"] = stored.get(out["digest"])
    known = set(S.shipped_names()) | {v.name for v in repo.list_versions(s)}
    for c in spec.challengers:
        if c.strategy not in known:
            out["warnings"].append(
                {"where": f"challengers[{c.arm}]", "message": f"unknown strategy {c.strategy!r}"}
            )
    active = repo.active_version(s, spec.name)
    if active is not None:
        out["diff"] = S.diff(S.from_data(active.spec), spec, f"{spec.name}@{active.version}", "new")
    return out


def _save(
    s: Session, caller: Caller, spec: S.StrategySpec, source: str, activate: bool
) -> dict[str, Any]:
    row, created = repo.save_version(
        s,
        name=spec.name,
        digest=S.digest(spec),
        spec=spec.to_data(),
        source=source,
        title=spec.title.en,
        created_by=caller.actor,
    )
    if created:
        audit.append(
            s,
            actor=caller.actor,
            action="strategy.version_saved",
            entity=f"strategy:{spec.name}",
            payload={"version": row.version, "digest": row.digest},
        )
    if activate and not row.active:
        manage.activate(s, f"{spec.name}@{row.version}", actor=caller.actor)
    return {"name": spec.name, "version": row.version, "created": created, "active": row.active}


def save_source(s: Session, caller: Caller, source: str, *, activate: bool) -> dict[str, Any]:
    """Store the YAML as a new version (unless the latest means the same), optionally
    activate it. Raises the 422 problem with the spec's problems."""
    if len(source) > MAX_SOURCE:
        raise _invalid([("(yaml)", "too long")])
    try:
        spec = S.load_text(source, "")
    except S.SpecError as e:
        raise _invalid(e.problems) from None
    return _save(s, caller, spec, source, activate)


def activate_version(s: Session, caller: Caller, name: str, version: int) -> dict[str, Any]:
    if repo.get_version(s, name, version) is None:
        raise _not_found(name, version)
    manage.activate(s, f"{name}@{version}", actor=caller.actor)
    return {"name": name, "version": version, "active": True}


def set_challenger_shares(
    s: Session,
    caller: Caller,
    name: str,
    shares: dict[str, str],
    *,
    version: int | None = None,
    activate: bool = False,
) -> dict[str, Any]:
    """A new version of `name` (from `version`, default the active one) whose challengers
    get the given shares (a decimal between 0 and 1, e.g. "0.10")."""
    spec, _ = _spec_of(s, name, version)
    data = spec.to_data()
    arms = {c["arm"] for c in data.get("challengers", [])}
    unknown = sorted(set(shares) - arms)
    if unknown:
        raise _invalid([(f"challengers[{a}]", "no such challenger arm") for a in unknown])
    problems = []
    for c in data.get("challengers", []):
        if c["arm"] in shares:
            try:
                value = Decimal(str(shares[c["arm"]]).strip())
            except InvalidOperation:
                problems.append((f"challengers[{c['arm']}].share", "not a number"))
                continue
            c["share"] = str(value)
    if problems:
        raise _invalid(problems)
    try:
        new = S.from_data(data)
    except S.SpecError as e:
        raise _invalid(e.problems) from None
    return _save(s, caller, new, S.canonical_yaml(new), activate)


# ---------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------
def _run_json(r: Any, counts: tuple[int, int] | None = None) -> dict[str, Any]:
    out = {
        "run_id": r.id,
        "strategy": r.strategy,
        "version": r.strategy_version,
        "as_of": r.as_of,
        "engine": r.engine,
        "status": r.status,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "arms": [list(a) for a in r.arms or ()],
    }
    if counts is not None:
        out["work_items"], out["no_action"] = counts
    return out


def runs_data(s: Session, caller: Caller) -> list[dict[str, Any]]:
    rows = staff_views.runs(s)
    counts = staff_views.run_item_counts(s, [r.id for r in rows], scope=caller.scope)
    return [_run_json(r, counts.get(r.id, (0, 0))) for r in rows]


def run_detail(s: Session, caller: Caller, run_id: int) -> dict[str, Any]:
    r = repo.run_by_id(s, run_id)
    if r is None:
        raise Problem(
            404,
            "run-not-found",
            N_("Not found"),
            N_("There is no strategy run %(run_id)s."),
            run_id=run_id,
        )
    counts = staff_views.run_item_counts(s, [r.id], scope=caller.scope).get(r.id, (0, 0))
    out = _run_json(r, counts)
    out["breakdown"] = staff_views.run_breakdown(s, r.id, scope=caller.scope)
    out["capacity"] = dict(r.capacity or {})
    out["timings"] = dict(r.timings or {})
    out["pack_versions"] = dict(r.pack_versions or {})
    out["source"] = r.source
    return out


# ---------------------------------------------------------------------------------------
# capacity
# ---------------------------------------------------------------------------------------
def capacity_data(s: Session) -> dict[str, Any]:
    collectors = capacity_repo.list_collectors(s, active_only=False)
    names = staff_views.usernames(s, [c.user_id for c in collectors if c.user_id is not None])
    return {
        "collectors": [
            {
                "id": c.id,
                "name": c.name,
                "daily_capacity": c.daily_capacity,
                "creditors": list(c.creditors or ()),
                "languages": list(c.languages or ()),
                "active": c.active,
                "user": names.get(c.user_id) if c.user_id is not None else None,
            }
            for c in collectors
        ],
        "field_teams": [
            {
                "id": t.id,
                "name": t.name,
                "daily_capacity": t.daily_capacity,
                "regions": list(t.regions or ()),
                "creditors": list(t.creditors or ()),
                "days": list(t.days or ()),
                "active": t.active,
            }
            for t in capacity_repo.list_field_teams(s, active_only=False)
        ],
    }


def update_capacity(s: Session, caller: Caller, data: Any) -> dict[str, int]:
    """Create or update collectors and field teams (manage.import_capacity's format); an
    entry not mentioned is left as it is. Raises a 422 problem on invalid input."""
    links = {
        c.name: c.user_id
        for c in capacity_repo.list_collectors(s, active_only=False)
        if c.user_id is not None
    }
    try:
        n_c, n_t = manage.import_capacity(s, data)
    except manage.CapacityError as e:
        raise Problem(
            422,
            "invalid-capacity",
            N_("Invalid capacity"),
            N_("The capacity settings are not valid: %(reason)s"),
            reason=str(e),
        ) from None
    # import_capacity's format has no user link: keep the links collectors had
    for c in capacity_repo.list_collectors(s, active_only=False):
        if c.user_id is None and links.get(c.name) is not None:
            capacity_repo.upsert_collector(
                s,
                capacity_repo.NewCollector(
                    name=c.name, daily_capacity=c.daily_capacity, creditors=c.creditors,
                    languages=c.languages, user_id=links[c.name], active=c.active,
                ),
            )  # fmt: skip
    audit.append(
        s,
        actor=caller.actor,
        action="capacity.updated",
        entity="capacity:strategy",
        payload={"collectors": n_c, "field_teams": n_t},
    )
    return {"collectors": n_c, "field_teams": n_t}


# ---------------------------------------------------------------------------------------
# JSON API
# ---------------------------------------------------------------------------------------
def _reader(tenant: bool = False) -> Any:
    return require(READERS, action="read", tenant=tenant)


def _manager() -> Any:
    return require(MANAGERS, action="write", tenant=False, permission="strategy.manage")


@router.get("/strategies")
def list_strategies(request: Request, caller: Caller = Depends(_reader())) -> JSONResponse:
    """Every strategy with its versions (which one is active)."""
    with web_state(request).db.transaction() as s:
        return JSONResponse(to_json({"strategies": strategies_data(s)}))


@router.get("/strategies/{name}")
def get_strategy(
    name: str,
    request: Request,
    version: int | None = Query(None, ge=1),
    caller: Caller = Depends(_reader()),
) -> JSONResponse:
    """One version of a strategy with its YAML (default: the active version)."""
    with web_state(request).db.transaction() as s:
        return JSONResponse(to_json(version_detail(s, name, version)))


@router.get("/strategies/{name}/diff")
def get_diff(
    name: str,
    request: Request,
    a: int | None = Query(None, ge=1),
    b: int | None = Query(None, ge=1),
    caller: Caller = Depends(_reader()),
) -> JSONResponse:
    """Unified diff between two versions (missing: the active one) of the canonical YAML."""
    with web_state(request).db.transaction() as s:
        return JSONResponse({"name": name, "a": a, "b": b, "diff": diff_versions(s, name, a, b)})


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=MAX_SOURCE, description="the strategy's YAML")
    activate: bool = False


@router.post("/strategies/validate")
def post_validate(
    body: SourceIn, request: Request, caller: Caller = Depends(_reader())
) -> JSONResponse:
    """Validate a strategy's YAML (changes nothing)."""
    with web_state(request).db.transaction() as s:
        return JSONResponse(validate_source(s, body.source))


@router.post("/strategies", status_code=201)
def post_strategy(
    body: SourceIn, request: Request, caller: Caller = Depends(_manager())
) -> JSONResponse:
    """Store a new version (201; 200 when the latest version already means the same) and
    optionally activate it."""
    with web_state(request).db.transaction(immediate=True) as s:
        out = save_source(s, caller, body.source, activate=body.activate)
    return JSONResponse(out, status_code=201 if out["created"] else 200)


@router.post("/strategies/{name}/versions/{version}/activate")
def post_activate(
    name: str, version: int, request: Request, caller: Caller = Depends(_manager())
) -> JSONResponse:
    """Make a stored version the active one (tonight's run uses it)."""
    with web_state(request).db.transaction(immediate=True) as s:
        return JSONResponse(activate_version(s, caller, name, version))


class SharesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)
    shares: dict[str, str] = Field(description='arm -> share, e.g. {"gentle": "0.10"}')
    activate: bool = False


@router.post("/strategies/{name}/challengers", status_code=201)
def post_challengers(
    name: str, body: SharesIn, request: Request, caller: Caller = Depends(_manager())
) -> JSONResponse:
    """A new version with other challenger shares."""
    with web_state(request).db.transaction(immediate=True) as s:
        out = set_challenger_shares(
            s, caller, name, body.shares, version=body.version, activate=body.activate
        )
    return JSONResponse(out, status_code=201 if out["created"] else 200)


@router.get("/strategy-runs")
def list_runs(request: Request, caller: Caller = Depends(_reader(tenant=True))) -> JSONResponse:
    """Strategy runs, newest first, with the work items in the caller's creditors."""
    with web_state(request).db.transaction() as s:
        return JSONResponse(to_json({"runs": runs_data(s, caller)}))


@router.get("/strategy-runs/{run_id}")
def get_run(
    run_id: int, request: Request, caller: Caller = Depends(_reader(tenant=True))
) -> JSONResponse:
    """One run: work items and amounts by treatment, arm and bucket, accounts left alone by
    reason (within the caller's creditors), capacity used, timings."""
    with web_state(request).db.transaction() as s:
        return JSONResponse(to_json(run_detail(s, caller, run_id)))


@router.get("/capacity")
def get_capacity(request: Request, caller: Caller = Depends(_reader())) -> JSONResponse:
    """Collectors (daily calls) and field teams (daily visits)."""
    with web_state(request).db.transaction() as s:
        return JSONResponse(capacity_data(s))


class CapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collectors: list[dict[str, Any]] = Field(default_factory=list)
    field_teams: list[dict[str, Any]] = Field(default_factory=list)


@router.put("/capacity")
def put_capacity(
    body: CapacityIn, request: Request, caller: Caller = Depends(_manager())
) -> JSONResponse:
    """Create or update collectors and field teams by name."""
    with web_state(request).db.transaction(immediate=True) as s:
        n = update_capacity(s, caller, body.model_dump())
        return JSONResponse({**n, **capacity_data(s)})
