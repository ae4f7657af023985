"""The security headers are the same whether the middleware appends them in one go (the
response set none of them) or replaces the response's own (the general path)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from faircollect.config import Settings
from faircollect.web.middleware import RequestContextMiddleware, csp
from faircollect.web.settings import WebSettings


def _run(path: str, headers: list[tuple[bytes, bytes]], scheme: str = "http") -> list[Any]:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"{}"})

    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    base = Settings(Path("."), "sqlite://", ("k" * 32,), "test", None)
    mw = RequestContextMiddleware(inner, settings=WebSettings(base=base))
    scope = {"type": "http", "path": path, "scheme": scheme, "headers": [], "state": {}}
    asyncio.run(mw(scope, receive, send))
    return sent


def _headers(message: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in message["headers"]:
        out.setdefault(k.decode().lower(), []).append(v.decode())
    return out


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("path", ["/api/v1/contact-attempts", "/static/app.css"])
def test_fast_and_general_paths_send_the_same_headers(path: str, scheme: str) -> None:
    base = [(b"content-type", b"application/json"), (b"content-length", b"2")]
    fast = _headers(_run(path, base, scheme)[0])
    # a response that set one of the headers itself takes the general path
    general = _headers(_run(path, [*base, (b"x-frame-options", b"SAMEORIGIN")], scheme)[0])
    nonce = fast["content-security-policy"][0].split("'nonce-")[1].split("'")[0]
    assert fast["content-security-policy"] == [csp(nonce)]
    for h in (fast, general):
        h.pop("content-security-policy")
    assert fast == general
    assert fast["x-frame-options"] == ["DENY"] and fast["x-content-type-options"] == ["nosniff"]
    assert ("strict-transport-security" in fast) == (scheme == "https")
    if path.startswith("/static/"):
        assert "cache-control" not in fast and "vary" not in fast
    else:
        assert fast["cache-control"] == ["no-store"]
        assert fast["vary"] == ["Cookie, Accept-Language"]
        assert fast["content-language"] == ["zh-CN"]


def test_a_response_vary_and_language_are_kept() -> None:
    own = [(b"vary", b"Origin"), (b"content-language", b"en")]
    h = _headers(_run("/x", own)[0])
    assert h["vary"] == ["Origin, Cookie, Accept-Language"] and h["content-language"] == ["en"]
