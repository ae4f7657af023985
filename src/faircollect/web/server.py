"""Running the app with Uvicorn (used by `faircollect serve`)."""

from __future__ import annotations

import os

from faircollect.config import Settings

from .settings import WebSettings

__all__ = ["LOOPBACK", "run", "web_settings_for"]

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def web_settings_for(settings: Settings, host: str, secure_cookies: bool | None) -> WebSettings:
    """Cookies are Secure, except on a loopback host outside production (plain
    http://127.0.0.1 development) unless FAIRCOLLECT_COOKIE_SECURE or `secure_cookies` say
    otherwise."""
    web = WebSettings.from_env(settings)
    if secure_cookies is not None:
        return web.with_(cookie_secure=secure_cookies)
    explicit = os.environ.get("FAIRCOLLECT_COOKIE_SECURE", "").strip() != ""
    if host in LOOPBACK and not settings.is_production and not explicit:
        return web.with_(cookie_secure=False)
    return web


def run(web: WebSettings, *, host: str, port: int) -> None:
    """Serve until interrupted (Ctrl-C)."""
    import uvicorn

    from .app import create_app

    uvicorn.run(create_app(web), host=host, port=port, log_level="info", proxy_headers=True)
