"""Setting and clearing the session cookie (Secure per settings, HttpOnly, SameSite=Lax,
path /, no Domain; a browser-session cookie: the server enforces idle and absolute expiry)."""

from __future__ import annotations

from starlette.responses import Response

from ..settings import WebSettings

__all__ = ["clear_session_cookie", "set_session_cookie"]


def set_session_cookie(response: Response, settings: WebSettings, session_id: str) -> None:
    response.set_cookie(
        settings.session_cookie,
        session_id,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    # the pre-session (anonymous CSRF binding) is no longer needed
    response.delete_cookie(
        settings.pre_session_cookie,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: WebSettings) -> None:
    response.delete_cookie(
        settings.session_cookie,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
