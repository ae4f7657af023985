"""Small helpers for page routes."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import RedirectResponse

__all__ = ["redirect", "safe_next"]


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after a form (never another site: no scheme, no host, no //)."""
    if not target or len(target) > 2000:
        return default
    t = target.strip()
    parts = urlsplit(t)
    if parts.scheme or parts.netloc or not t.startswith("/") or t.startswith(("//", "/\\")):
        return default
    if any(c in t for c in "\r\n\t\\"):
        return default
    return t


def redirect(path: str) -> RedirectResponse:
    """303 See Other (after a POST the browser GETs the target)."""
    return RedirectResponse(path, status_code=303)
