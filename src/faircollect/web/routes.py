"""Enumerate the app's routes with their full path, across FastAPI versions (recent FastAPI
keeps included routers lazily instead of copying their routes into ``app.routes``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from starlette.routing import BaseRoute

__all__ = ["RouteInfo", "iter_routes"]


class RouteInfo(NamedTuple):
    route: BaseRoute  # the route as declared (an APIRoute has `.dependant`)
    path: str  # full path template, e.g. "/api/v1/loans/{loan_ref}"
    methods: frozenset[str]


def iter_routes(routes: Sequence[BaseRoute]) -> Iterator[RouteInfo]:
    contexts: Any
    try:
        from fastapi.routing import iter_route_contexts as contexts
    except ImportError:  # FastAPI before lazy router inclusion: app.routes is flat
        contexts = None
    if contexts is None:
        for r in routes:
            path = getattr(r, "path_format", None) or getattr(r, "path", "")
            yield RouteInfo(r, str(path), frozenset(getattr(r, "methods", None) or ()))
        return
    for c in contexts(routes):
        path = c.path_format or c.path or ""
        yield RouteInfo(c.original_route, str(path), frozenset(c.methods or ()))
