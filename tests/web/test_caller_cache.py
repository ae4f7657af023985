"""The bearer-token caller cache (web/auth/cache.py): a revoked token, a disabled user or a
changed role stops (or takes effect) within TOKEN_CACHE_SECONDS, bad tokens and sessions are
never cached, and a cached token costs no database lookup."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from faircollect import clock
from faircollect.store.db import Database
from faircollect.store.repositories import api_tokens as tokens_repo
from faircollect.store.tables import ApiToken, User
from faircollect.web.auth import cache as caller_cache
from faircollect.web.auth.cache import TOKEN_CACHE_SECONDS, CallerCache
from faircollect.web.auth.caller import Caller

from .conftest import WebClient


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def fake_clock(app: FastAPI) -> FakeClock:
    clk = FakeClock()
    caller_cache.install(app, CallerCache(clock=clk))
    return clk


def _me(c: WebClient) -> int:
    return c.get("/api/v1/me").status_code


def test_bound_is_a_few_seconds() -> None:
    assert 0 < TOKEN_CACHE_SECONDS <= 5


def test_revoked_token_stops_working_within_the_bound(
    client_for: Callable[..., WebClient], db: Database, fake_clock: FakeClock, world
) -> None:
    c = client_for("collector", auth="token")
    assert _me(c) == 200
    with db.transaction() as s:
        s.execute(update(ApiToken).values(revoked_at=clock.now()))
    fake_clock.t += TOKEN_CACHE_SECONDS - 0.01
    assert _me(c) == 200  # still cached: the documented bound
    fake_clock.t += 0.02
    assert _me(c) == 401
    fake_clock.t += 100
    assert _me(c) == 401  # a bad token is never cached


def test_disabled_user_stops_within_the_bound_and_role_changes_apply(
    client_for: Callable[..., WebClient], db: Database, fake_clock: FakeClock, world
) -> None:
    c = client_for("collector", auth="token")
    assert c.get("/api/v1/me").json()["role"] == "collector"
    with db.transaction() as s:
        s.execute(update(User).where(User.id == c.user_id).values(role="supervisor"))
    fake_clock.t += TOKEN_CACHE_SECONDS
    assert c.get("/api/v1/me").json()["role"] == "supervisor"
    with db.transaction() as s:
        s.execute(update(User).where(User.id == c.user_id).values(active=False))
    assert _me(c) == 200
    fake_clock.t += TOKEN_CACHE_SECONDS
    assert _me(c) == 401


def test_a_cached_token_needs_no_lookup_and_clear_forgets(
    app: FastAPI,
    client_for: Callable[..., WebClient],
    fake_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    world,
) -> None:
    calls: list[int] = []
    real = tokens_repo.find_active

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(tokens_repo, "find_active", counting)
    c = client_for("collector", auth="token")
    body = {"loan_ref": world.a.loan_ref, "channel": "sms", "purpose": "reminder"}
    for _ in range(3):
        assert c.post("/api/v1/contact-attempts", json=body).status_code in (201, 409)
    assert _me(c) == 200
    assert len(calls) == 1
    caller_cache.for_app(app).clear()
    assert _me(c) == 200
    assert len(calls) == 2


def test_bad_tokens_and_sessions_are_never_cached(
    app: FastAPI, anon: WebClient, client_for: Callable[..., WebClient], world
) -> None:
    for _ in range(3):
        r = anon.get("/api/v1/me", headers={"Authorization": "Bearer fct_unknown"})
        assert r.status_code == 401
    assert anon.get("/api/v1/me", headers={"Authorization": "Basic x"}).status_code == 401
    session_client = client_for("collector")
    assert _me(session_client) == 200
    assert len(caller_cache.for_app(app)) == 0


def test_the_bound_counts_from_the_database_read() -> None:
    clk = FakeClock()
    cache = CallerCache(ttl=5, clock=clk)
    staff = Caller(kind="staff", auth="token", user_id=1, username="a")
    read_at = cache.now()
    clk.t += 3  # a slow lookup
    cache.put(("k",), staff, read_at=read_at)
    clk.t += 1.99
    assert cache.get(("k",)) is staff
    clk.t += 0.01
    assert cache.get(("k",)) is None and len(cache) == 0


def test_only_staff_callers_are_cached_and_the_size_is_bounded() -> None:
    clk = FakeClock()
    cache = CallerCache(ttl=5, max_entries=2, clock=clk)
    cache.put(("b",), Caller(kind="borrower", borrower_id=1))
    assert len(cache) == 0
    for k in ("1", "2", "3"):
        cache.put((k,), Caller(kind="staff", user_id=int(k)))
    assert len(cache) == 2 and cache.get(("1",)) is None
    assert cache.get(("3",)) is not None
    assert CallerCache(ttl=0).get(("3",)) is None
    with pytest.raises(ValueError):
        CallerCache(ttl=-1)
