"""The app factory: `create_app(settings=None, *, database=None) -> FastAPI`.

Everything lives on ``app.state.web`` (`WebState`): no module globals. ``database`` lets a
caller (tests, `faircollect serve`) pass a `Database`; otherwise one is created from the
settings and disposed at shutdown.

Routes: JSON API under /api/v1 (web/api/), pages under / (web/ui/), static files under
/static (web/static/), Plotly.js at /vendor/plotly.min.js (from the plotly wheel). Every route
must declare a policy (web/deps.py); `create_app` raises `RouteWithoutPolicy` otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from faircollect.config import Settings
from faircollect.store.db import Database
from faircollect.vault import Vault

from . import api, ui
from .auth.passwords import Passwords
from .auth.policy import Policy
from .deps import policy_of
from .middleware import RequestContextMiddleware
from .openapi import install_openapi
from .problems import install_problem_handlers
from .routes import iter_routes
from .settings import WebSettings
from .state import RouteKey, WebState
from .templating import make_templates

__all__ = ["OPENAPI_URL", "STATIC_PATH", "RouteWithoutPolicy", "create_app", "route_policies"]

OPENAPI_URL = api.PREFIX + "/openapi.json"
PUBLIC = Policy("public", frozenset(), "read", False)
STATIC_PATH = "/static/{path}"


class RouteWithoutPolicy(RuntimeError):
    pass


def _version() -> str:
    try:
        return version("faircollect")
    except PackageNotFoundError:  # pragma: no cover
        return "0"


def _find_policies(dependant: object) -> list[Policy]:
    found: list[Policy] = []
    p = policy_of(getattr(dependant, "call", None))
    if p is not None:
        found.append(p)
    for sub in getattr(dependant, "dependencies", ()):
        found.extend(_find_policies(sub))
    return found


def route_policies(routes: Sequence[BaseRoute]) -> dict[RouteKey, Policy]:
    """(METHOD, path) -> Policy for every route; raises RouteWithoutPolicy when a route has
    none or more than one. The OpenAPI document and the static files are public."""
    out: dict[RouteKey, Policy] = {}
    for info in iter_routes(routes):
        route = info.route
        if isinstance(route, APIRoute):
            found = _find_policies(route.dependant)
            if len(found) != 1:
                what = "no policy" if not found else f"{len(found)} policies"
                raise RouteWithoutPolicy(
                    f"route {sorted(info.methods)} {info.path} declares {what}: add exactly "
                    "one Depends(require(...) / public() / require_borrower(...)) (docs/web.md)"
                )
            for m in info.methods:
                out[(m, info.path)] = found[0]
        elif isinstance(route, Mount) and route.path == "/static":
            out[("GET", STATIC_PATH)] = PUBLIC
        elif isinstance(route, Route) and info.path == OPENAPI_URL:
            out[("GET", OPENAPI_URL)] = PUBLIC
        else:
            raise RouteWithoutPolicy(f"route {info.path} ({route!r}) has no policy")
    return out


def create_app(
    settings: WebSettings | Settings | None = None, *, database: Database | None = None
) -> FastAPI:
    ws = WebSettings.coerce(settings)
    owns_db = database is None
    db = database if database is not None else Database(ws.base.database_url)
    state = WebState(
        settings=ws,
        db=db,
        vault=Vault(ws.base.secret_keys),
        passwords=Passwords(ws.password),
        templates=make_templates(),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_db:
            db.dispose()

    app = FastAPI(
        title="faircollect",
        version=_version(),
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = state
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, settings=ws)
    for r in api.routers():
        app.include_router(r, prefix=api.PREFIX)
    for r in ui.routers():
        app.include_router(r)
    app.mount("/static", StaticFiles(packages=[("faircollect.web", "static")]), name="static")
    state.policies.update(route_policies(app.routes))
    install_openapi(app)
    return app
