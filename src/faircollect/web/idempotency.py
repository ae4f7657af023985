"""Idempotency-Key for POSTs that move money or send messages (DESIGN 4.4).

A client sends ``Idempotency-Key: <1-255 visible ASCII characters>``; the first request's
response is stored with the key (per principal: the user or borrower) and replayed for every
retry with the same key (header ``Idempotent-Replayed: true``). The same key with a different
request (method, path or body) is a 422 problem ``idempotency-key-reused``. The key row is
written in the SAME transaction as the work, so the effect happens exactly once: a concurrent
retry waits for the first (PostgreSQL: unique index; SQLite: the write lock) and then replays.

Use it in a route::

    @router.post("/payments", status_code=201)
    def post_payment(
        body: PaymentIn,
        caller: Caller = Depends(require(action="write")),
        idem: Idempotency = Depends(idempotency(required=True)),
    ) -> JSONResponse:
        return idem.run(
            caller, body, lambda s: (201, payments.post(s, body, scope=caller.scope))
        )

`work(session)` returns ``(status, json-able content)`` - also for refusals that are part of
the record (e.g. a 409 "blocked" contact attempt, which is itself stored). Raising (e.g. a
`Problem`) rolls everything back and stores nothing: the client may retry. Keys are kept for
`WebSettings.idempotency_retention` (24 h) and purged afterwards (`purge`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from starlette.requests import Request
from starlette.responses import JSONResponse

from faircollect import clock
from faircollect.i18n import N_
from faircollect.store.db import Session
from faircollect.store.repositories import idempotency as repo

from .auth.caller import Caller
from .problems import Problem
from .state import web_state

__all__ = ["HEADER", "Idempotency", "idempotency", "purge", "request_fingerprint"]

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"

Work = Callable[[Session], tuple[int, Any]]


def request_fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(
        {"method": method.upper(), "path": path, "body": jsonable_encoder(body)},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= 255 and all(0x21 <= ord(c) <= 0x7E for c in key)


class Idempotency:
    def __init__(self, request: Request, key: str | None) -> None:
        self.request = request
        self.key = key

    def run(
        self,
        caller: Caller,
        body: Any,
        work: Work,
        *,
        immediate: bool = True,
        encoded: bool = False,
    ) -> JSONResponse:
        """`encoded`: `work` returns JSON-native content already (dicts, lists, str, int,
        float, bool, None): skip `jsonable_encoder`."""
        st = web_state(self.request)
        encode: Callable[[Any], Any] = _identity if encoded else jsonable_encoder
        method, path = self.request.method, self.request.url.path
        if self.key is None:
            with st.db.transaction(immediate=immediate) as s:
                status, content = work(s)
                payload = encode(content)
            return JSONResponse(payload, status_code=status)
        fp = request_fingerprint(method, path, body)
        replay: tuple[int, Any] | None = None
        with st.db.transaction(immediate=immediate) as s:
            existing = repo.get(s, caller.actor, self.key)
            row = None
            if existing is None:
                row = repo.claim(
                    s,
                    principal=caller.actor,
                    key=self.key,
                    method=method,
                    path=path,
                    request_hash=fp,
                    now=clock.now(),
                )
                if row is None:  # a concurrent request with this key committed first
                    existing = repo.get(s, caller.actor, self.key)
            if existing is not None:
                if existing.request_hash != fp:
                    raise Problem(
                        422,
                        "idempotency-key-reused",
                        N_("Idempotency key already used"),
                        N_("This Idempotency-Key was used for a different request."),
                    )
                replay = (existing.status_code, existing.response_body)
            else:
                assert row is not None
                status, content = work(s)
                payload = encode(content)
                repo.complete(s, row, status, payload)
        if replay is not None:
            return JSONResponse(replay[1], status_code=replay[0], headers={REPLAYED: "true"})
        return JSONResponse(payload, status_code=status)


def _identity(value: Any) -> Any:
    return value


def idempotency(*, required: bool = False) -> Callable[[Request], Awaitable[Idempotency]]:
    """A dependency reading the Idempotency-Key header (400 when malformed, or missing while
    `required`)."""

    async def dependency(request: Request) -> Idempotency:  # no I/O: no thread-pool hop
        key = request.headers.get(HEADER)
        if key is None:
            if required:
                raise Problem(
                    400,
                    "idempotency-key-missing",
                    N_("Idempotency key required"),
                    N_("Send an Idempotency-Key header with this request."),
                )
            return Idempotency(request, None)
        if not _valid_key(key):
            raise Problem(
                400,
                "idempotency-key-invalid",
                N_("Invalid idempotency key"),
                N_("An Idempotency-Key has 1 to 255 visible ASCII characters."),
            )
        return Idempotency(request, key)

    return dependency


def purge(request_or_state: Any) -> int:
    """Forget keys older than the retention period (run from a periodic job)."""
    st = request_or_state if hasattr(request_or_state, "db") else web_state(request_or_state)
    with st.db.transaction(immediate=True) as s:
        return repo.purge_before(s, clock.now() - st.settings.idempotency_retention)
