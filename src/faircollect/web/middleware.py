"""Request context and security headers (a pure ASGI middleware, no BaseHTTPMiddleware).

Per request it sets ``request.state.csp_nonce`` (random, for the one-off inline scripts a
page may need: ``<script nonce="{{ csp_nonce }}">``) and ``request.state.locale`` (the
language cookie, else Accept-Language, else zh_CN), and adds to every response:

- Content-Security-Policy: only same-origin resources; scripts and styles from 'self' or with
  the request's nonce (no inline event handlers, no eval); no framing, no plugins, forms post
  to 'self' only. Change it in ONE place: `csp`.
- X-Frame-Options DENY, X-Content-Type-Options nosniff, Referrer-Policy same-origin,
  Permissions-Policy (no camera, microphone, geolocation, payment ...), Cross-Origin-Opener-
  Policy same-origin, Cross-Origin-Resource-Policy same-origin, Strict-Transport-Security
  when the request came over https;
- Cache-Control no-store on everything but static files (pages carry personal data);
- Vary: Cookie, Accept-Language and Content-Language.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faircollect.i18n import negotiate

from .settings import WebSettings

__all__ = ["RequestContextMiddleware", "csp"]

STATIC_PREFIXES = ("/static/", "/vendor/")


def csp(nonce: str) -> str:
    return _csp_for(nonce)


def _csp_for(nonce: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": f"'self' 'nonce-{nonce}'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


_FIXED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


# the headers every response gets, as raw (name, value) pairs: appended in one go when the
# response set none of them (the usual case; otherwise they replace the response's own)
_CSP_PARTS = _csp_for("\x00").split("\x00")
_SET_ALWAYS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in _FIXED.items()]
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_NOT_STATIC = [(b"cache-control", b"no-store"), (b"vary", b"Cookie, Accept-Language")]
_REPLACED = frozenset(
    {b"content-security-policy", _HSTS[0], *(k for k, _ in _SET_ALWAYS), b"cache-control", b"vary"}
)


def _csp_header(nonce: str) -> tuple[bytes, bytes]:
    return (b"content-security-policy", nonce.join(_CSP_PARTS).encode("latin-1"))


def _cookie(headers: Headers, name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header: ignore it
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        nonce = secrets.token_urlsafe(18)
        locale = negotiate(
            headers.get("accept-language"),
            preferred=_cookie(headers, self.settings.lang_cookie),
        )
        state = scope.setdefault("state", {})
        state["csp_nonce"] = nonce
        state["locale"] = locale
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", ()))
                names = {k.lower() for k, _ in raw}
                if names.isdisjoint(_REPLACED):  # fast path: nothing to replace
                    raw.append(_csp_header(nonce))
                    raw.extend(_SET_ALWAYS)
                    if https:
                        raw.append(_HSTS)
                    if not path.startswith(STATIC_PREFIXES):
                        raw.extend(_NOT_STATIC)
                        if b"content-language" not in names:
                            lang = str(scope.get("state", {}).get("locale", locale))
                            raw.append((b"content-language", lang.replace("_", "-").encode()))
                    message["headers"] = raw
                    await send(message)
                    return
                h = MutableHeaders(scope=message)
                h["Content-Security-Policy"] = csp(nonce)
                for k, v in _FIXED.items():
                    h[k] = v
                if https:
                    h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
                if not path.startswith(STATIC_PREFIXES):
                    h["Cache-Control"] = "no-store"
                    h.add_vary_header("Cookie")
                    h.add_vary_header("Accept-Language")
                    if "content-language" not in h:
                        h["Content-Language"] = str(
                            scope.get("state", {}).get("locale", locale)
                        ).replace("_", "-")
            await send(message)

        await self.app(scope, receive, send_wrapper)
