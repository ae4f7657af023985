"""Several Uvicorn workers (`faircollect serve --workers N`): what one worker process does is
seen by the others. Each "worker" here is its own app with its own `Database` (engine and
pool) over the same database, as in separate processes; nothing is shared in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from faircollect import clock
from faircollect.store.db import Database
from faircollect.store.repositories import api_tokens
from faircollect.store.tables import ApiToken, ContactEvent
from faircollect.web.app import create_app
from faircollect.web.auth import cache as caller_cache
from faircollect.web.auth import sessions
from faircollect.web.auth.cache import TOKEN_CACHE_SECONDS, CallerCache
from faircollect.web.auth.tokens import new_token, token_hash
from faircollect.web.settings import WebSettings

from .conftest import BASE_URL, WebClient
from .helpers import audit_actions, sign_in

PW = "correct horse"


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def other_worker(web_settings: WebSettings, database_url: str) -> Iterator[FastAPI]:
    """A second worker: same settings, its own engine and pool."""
    own = Database(database_url)
    yield create_app(web_settings, database=own)
    own.dispose()


def _client(app: FastAPI) -> WebClient:
    return WebClient(app, base_url=BASE_URL, follow_redirects=False)


def test_sign_in_rate_limit_holds_across_workers(
    app: FastAPI, other_worker: FastAPI, add_user: Callable[..., int], db: Database
) -> None:
    add_user("sun", "collector")
    limit = app.state.web.settings.max_failures_per_user
    assert limit >= 2
    with _client(app) as one, _client(other_worker) as two:
        # failures alternate between the workers: together they reach the limit
        for i in range(limit - 1):
            assert sign_in(one if i % 2 else two, "sun", "nope nope").status_code == 400
        assert sign_in(one, "sun", "nope nope").status_code == 429
        # the worker that saw fewer failures refuses too, even the right password
        assert sign_in(two, "sun", PW).status_code == 429
    assert [a for a, _, _ in audit_actions(db)].count("auth.lockout") == 1


def test_a_session_started_on_one_worker_works_and_ends_on_the_other(
    app: FastAPI, other_worker: FastAPI, add_user: Callable[..., int]
) -> None:
    add_user("li", "collector")
    with _client(app) as one:
        assert sign_in(one, "li", PW, next_="/api/v1/me").status_code == 303
        cookies = dict(one.cookies)
        with _client(other_worker) as two:
            two.cookies.update(cookies)
            me = two.get("/api/v1/me")
            assert me.status_code == 200 and me.json()["username"] == "li"
            csrf = me.json()["csrf_token"]
            assert two.post("/sign-out", headers={"X-CSRF-Token": csrf}).status_code == 303
        # signed out on the second worker: the first one no longer knows the session
        assert one.get("/api/v1/me").status_code == 401


def test_an_idempotency_key_replays_on_another_worker(
    client_for: Callable[..., WebClient], other_worker: FastAPI, world, db: Database, frozen_now
) -> None:
    frozen_now("2026-03-04T10:00:00+08:00")
    c = client_for("collector", auth="token")
    body = {"loan_ref": world.a.loan_ref, "channel": "call"}
    h = {"Idempotency-Key": "call-1"}
    first = c.post("/api/v1/contact-attempts", json=body, headers=h)
    with _client(other_worker) as two:
        two.headers["Authorization"] = c.headers["Authorization"]
        again = two.post("/api/v1/contact-attempts", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    with db.transaction() as s:
        assert s.query(ContactEvent).count() == 1


def test_a_revoked_token_stops_on_every_worker_within_the_bound(
    app: FastAPI, other_worker: FastAPI, add_user: Callable[..., int], db: Database, world
) -> None:
    clocks = FakeClock(), FakeClock()
    caller_cache.install(app, CallerCache(clock=clocks[0]))
    caller_cache.install(other_worker, CallerCache(clock=clocks[1]))
    uid = add_user("zhao", "collector")
    token = new_token()
    with db.transaction() as s:
        api_tokens.add(
            s,
            user_id=uid,
            name="t",
            token_hash=token_hash(app.state.web.vault, token),
            now=clock.now(),
        )
    with _client(app) as one, _client(other_worker) as two:
        for c in (one, two):
            c.headers["Authorization"] = f"Bearer {token}"
            assert c.get("/api/v1/me").status_code == 200
        # revoked by the first worker (which clears its own cache at once)
        with db.transaction() as s:
            s.execute(update(ApiToken).values(revoked_at=clock.now()))
        caller_cache.for_app(app).clear()
        assert one.get("/api/v1/me").status_code == 401
        # the other worker's cache still holds it, for at most TOKEN_CACHE_SECONDS
        clocks[1].t += TOKEN_CACHE_SECONDS - 0.01
        assert two.get("/api/v1/me").status_code == 200
        clocks[1].t += 0.02
        assert two.get("/api/v1/me").status_code == 401


def test_the_csrf_token_of_one_worker_is_valid_on_another(
    app: FastAPI, other_worker: FastAPI, web_settings: WebSettings, db: Database, add_user
) -> None:
    """CSRF tokens are MACs of the session id under the shared secret: no per-worker state."""
    uid = add_user("qian", "collector")
    with db.transaction() as s:
        sid = sessions.start(s, app.state.web.vault, web_settings, now=clock.now(), user_id=uid)
    csrf = sessions.csrf_token(app.state.web.vault, "session", sid)
    assert csrf == sessions.csrf_token(other_worker.state.web.vault, "session", sid)
