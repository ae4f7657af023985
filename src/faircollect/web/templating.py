"""Jinja2 templates (autoescaped, i18n through faircollect.i18n) and `render`.

`render(request, "page.html", {...})` passes every template: ``locale``, ``locales`` (for
the switcher), ``csp_nonce``, ``csrf_token`` (put it in every form as
``<input type="hidden" name="csrf_token" value="{{ csrf_token }}">``; htmx requests send it
as the X-CSRF-Token header set on <body>), ``caller``, ``nav``, ``role_labels``,
``current_path``, ``static(path)`` and the filters ``money``, ``fdate``, ``fdatetime``,
``fnumber`` (locale-aware: pass ``locale``).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from faircollect.i18n import LOCALE_NAMES, install_jinja

from .auth import sessions
from .auth.caller import ANONYMOUS
from .deps import current_caller
from .nav import ROLE_LABELS, visible_nav
from .problems import Problem, request_locale
from .state import web_state

__all__ = ["csrf_token_for", "make_templates", "render", "set_pre_session_cookie"]


def make_templates() -> Environment:
    env = Environment(
        loader=PackageLoader("faircollect.web", "templates"),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_jinja(env)
    env.globals["static"] = lambda path: f"/static/{path}"
    return env


def csrf_token_for(request: Request) -> str:
    """The CSRF token for this request's session, or for a new pre-session (anonymous)."""
    st = web_state(request)
    with contextlib.suppress(Problem):
        current_caller(request)
    binding = getattr(request.state, "csrf_binding", None)
    if binding is None:
        value = secrets.token_urlsafe(32)
        binding = ("pre", value)
        request.state.csrf_binding = binding
        request.state.new_pre_session = value
    return sessions.csrf_token(st.vault, binding[0], binding[1])


def set_pre_session_cookie(request: Request, response: Any) -> None:
    value = getattr(request.state, "new_pre_session", None)
    if value:
        s = web_state(request).settings
        response.set_cookie(
            s.pre_session_cookie,
            value,
            path="/",
            secure=s.cookie_secure,
            httponly=True,
            samesite="lax",
        )


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    st = web_state(request)
    try:
        caller = current_caller(request)
    except Problem:  # e.g. a bad bearer token on an error page: render as anonymous
        caller = ANONYMOUS
    locale = request_locale(request)
    ctx: dict[str, Any] = {
        "request": request,
        "locale": locale,
        "locales": LOCALE_NAMES,
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        "csrf_token": csrf_token_for(request),
        "caller": caller,
        "nav": visible_nav(caller, st.policies),
        "role_labels": ROLE_LABELS,
        "current_path": request.url.path,
    }
    ctx.update(context or {})
    html = st.templates.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    set_pre_session_cookie(request, response)
    return response
