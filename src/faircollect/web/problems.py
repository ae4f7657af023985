"""Errors as RFC 9457 problem details (``application/problem+json``), localized.

Raise `Problem(status, slug, title, detail, **params)` anywhere in a route: ``title`` and
``detail`` are message ids (mark them with ``N_``) translated into the request's language
(cookie, then Accept-Language). The JSON body is::

    {"type": "urn:faircollect:problem:<slug>", "title": ..., "status": ..., "detail": ...,
     "instance": "<request path>", ...extra members}

Plain HTTP errors (unknown route, wrong method) use ``"type": "about:blank"`` with the
status phrase as title. Validation errors are 422 ``invalid-input`` with
``errors: [{"pointer": "#/action/channel" | "parameter": name | "header": name,
"message", "type"}]``. Page requests (paths outside /api/) get the same content as an HTML
page instead; a page that needs a signed-in user redirects to /sign-in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from faircollect.i18n import N_, translate

__all__ = [
    "PROBLEM_JSON",
    "TYPE_PREFIX",
    "Problem",
    "install_problem_handlers",
    "is_api",
    "problem_body",
    "request_locale",
]

log = logging.getLogger("faircollect.web")

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:faircollect:problem:"

#: localized titles for plain HTTP statuses
STATUS_TITLES: Mapping[int, str] = {
    400: N_("Bad request"),
    401: N_("Sign-in required"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    406: N_("Not acceptable"),
    409: N_("Conflict"),
    413: N_("Request too large"),
    415: N_("Unsupported media type"),
    422: N_("Invalid input"),
    429: N_("Too many requests"),
    500: N_("Internal error"),
    503: N_("Service unavailable"),
}
STATUS_DETAILS: Mapping[int, str] = {
    401: N_("Sign in, or send a bearer token, to use this resource."),
    403: N_("Your role does not allow this action."),
    404: N_("There is nothing at this address, or you may not see it."),
    405: N_("This address does not accept that method."),
    422: N_("The request is not valid; see the errors for each field."),
    500: N_("Something went wrong on our side. The error has been logged."),
}


class Problem(Exception):
    """An error response. `title`/`detail` are message ids; `params` fill their
    %(placeholders)s; `extra` adds members to the JSON body."""

    def __init__(
        self,
        status: int,
        slug: str | None = None,
        title: str | None = None,
        detail: str | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(f"{status} {slug or ''} {detail or title or ''}".strip())
        self.status = status
        self.slug = slug
        self.title = title or STATUS_TITLES.get(status, N_("Error"))
        self.detail = detail if detail is not None else STATUS_DETAILS.get(status)
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        self.params = params


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def request_locale(request: Request) -> str:
    loc = getattr(request.state, "locale", None)
    return loc if isinstance(loc, str) else "zh_CN"


def problem_body(request: Request, p: Problem) -> dict[str, Any]:
    loc = request_locale(request)
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + p.slug if p.slug else "about:blank",
        "title": translate(p.title, loc, **p.params),
        "status": p.status,
    }
    if p.detail:
        body["detail"] = translate(p.detail, loc, **p.params)
    body["instance"] = request.url.path
    for k, v in p.extra.items():
        if k not in body:
            body[k] = v
    return body


def _wants_html(request: Request) -> bool:
    if is_api(request):
        return False
    accept = request.headers.get("accept", "")
    return not ("json" in accept and "html" not in accept)


def problem_response(request: Request, p: Problem) -> Response:
    headers = {"Content-Language": request_locale(request).replace("_", "-"), **p.headers}
    if _wants_html(request):
        if p.status == 401:
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            nxt = quote(target, safe="/")
            return RedirectResponse(f"/sign-in?next={nxt}", status_code=303)
        if p.slug == "totp-required":
            return RedirectResponse("/account/totp", status_code=303)
        from .templating import render

        body = problem_body(request, p)
        return render(request, "error.html", {"problem": body}, status=p.status, headers=headers)
    return JSONResponse(
        problem_body(request, p), status_code=p.status, media_type=PROBLEM_JSON, headers=headers
    )


def _location(loc: Sequence[Any]) -> dict[str, str]:
    if not loc:
        return {"pointer": "#"}
    where, rest = str(loc[0]), [str(x).replace("~", "~0").replace("/", "~1") for x in loc[1:]]
    if where == "body":
        return {"pointer": "#/" + "/".join(rest) if rest else "#"}
    if where == "query" or where == "path":
        return {"parameter": rest[0] if rest else where}
    if where == "header":
        return {"header": rest[0] if rest else where}
    if where == "cookie":
        return {"cookie": rest[0] if rest else where}
    return {"pointer": "#/" + "/".join([where.replace("/", "~1"), *rest])}


def validation_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        item: dict[str, Any] = _location(tuple(e.get("loc", ())))
        item["message"] = str(e.get("msg", ""))
        item["type"] = str(e.get("type", ""))
        out.append(item)
    return out


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(request, exc)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        p = Problem(exc.status_code, headers=exc.headers or None)
        return problem_response(request, p)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        p = Problem(422, "invalid-input", extra={"errors": validation_errors(exc.errors())})
        return problem_response(request, p)

    async def on_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, Problem(500, "internal-error"))

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_error)
