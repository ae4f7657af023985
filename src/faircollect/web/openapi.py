"""The OpenAPI document (/api/v1/openapi.json): FastAPI's, plus the security schemes, each
operation's policy (``x-faircollect-policy``: audience, roles, action, tenant) and the
problem-details error responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from .auth.policy import Policy
from .problems import PROBLEM_JSON
from .routes import iter_routes

__all__ = ["install_openapi"]

DESCRIPTION = """\
faircollect's JSON API. Authenticate with `Authorization: Bearer <token>` (create one with
`faircollect tokens create USER`) or with the session cookie of the web app (then send the
`X-CSRF-Token` header, from `GET /api/v1/me`, on POST/PUT/PATCH/DELETE).

Errors are RFC 9457 problem details (`application/problem+json`), localized by
`Accept-Language` (zh-CN or en). A loan outside the caller's creditors answers 404.
POSTs that move money or send messages honour `Idempotency-Key`.
"""

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string"},
                    "parameter": {"type": "string"},
                    "header": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}}}


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=DESCRIPTION,
            routes=app.routes,
        )
        comps = schema.setdefault("components", {})
        comps.setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
        comps["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "API token"},
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": web_state_settings_cookie(app),
                "description": "web session (unsafe methods also need X-CSRF-Token)",
            },
        }
        policies = web_state_of(app).policies
        for info in iter_routes(app.routes):
            route = info.route
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            item = schema.get("paths", {}).get(info.path, {})
            for method in info.methods:
                op = item.get(method.lower())
                p: Policy | None = policies.get((method, info.path))
                if op is None or p is None:
                    continue
                op["x-faircollect-policy"] = p.describe()
                responses = op.setdefault("responses", {})
                if p.audience == "public":
                    op["security"] = []
                else:
                    op["security"] = [{"bearer": []}, {"session": []}]
                    responses.setdefault("401", _problem("not signed in / invalid token"))
                    responses.setdefault("403", _problem("role not allowed, or CSRF failed"))
                if "422" in responses:
                    responses["422"] = _problem("invalid input (`errors` per field)")
                if p.tenant:
                    responses.setdefault("404", _problem("not found in the caller's creditors"))
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]


def web_state_of(app: FastAPI) -> Any:
    return app.state.web


def web_state_settings_cookie(app: FastAPI) -> str:
    return str(app.state.web.settings.session_cookie)
