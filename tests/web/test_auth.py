"""Sign-in, sessions (rotation, expiry, sign-out), CSRF, rate limiting, bearer tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from faircollect import audit, clock
from faircollect.store.db import Database
from faircollect.store.tables import SignInFailure, User, WebSession
from faircollect.web.auth import cache as caller_cache
from faircollect.web.auth.passwords import Passwords
from faircollect.web.services import accounts
from faircollect.web.settings import PasswordParams

from .conftest import WebClient
from .helpers import audit_actions, form_csrf, sign_in

PW = "correct horse"


def _sessions(db: Database) -> list[WebSession]:
    with db.transaction() as s:
        return list(s.scalars(select(WebSession)))


def test_sign_in_success_sets_a_secure_session_cookie(
    anon: WebClient, add_user: Callable[..., int], db: Database, world
) -> None:
    uid = add_user("li.lei", "collector")
    r = sign_in(anon, "li.lei", PW, next_="/api/v1/me")
    assert r.status_code == 303 and r.headers["location"] == "/api/v1/me"
    cookie = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie if c.startswith("__Host-fc_session="))
    for attr in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
        assert attr in session_cookie
    assert "Domain" not in session_cookie
    sid = session_cookie.split(";")[0].split("=", 1)[1]
    assert len(sid) >= 43  # 256 bits, base64url
    # only the HMAC of the id is stored
    rows = _sessions(db)
    assert len(rows) == 1 and rows[0].user_id == uid and sid not in rows[0].id_hash
    me = anon.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "li.lei"
    assert me.json()["creditors"] == ["A"] and me.json()["auth"] == "session"
    actions = audit_actions(db)
    assert actions[-1][0] == "auth.sign_in" and actions[-1][1] == f"user:{uid}"
    assert "li.lei" not in str(actions) and PW not in str(actions)
    with db.transaction() as s:
        assert audit.verify(s).ok


def test_user_names_are_case_insensitive_and_next_must_be_local(
    anon: WebClient, add_user: Callable[..., int]
) -> None:
    add_user("wang", "auditor")
    r = sign_in(anon, "  WANG ", PW, next_="https://evil.example/")
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_wrong_password_unknown_user_and_disabled_user_fail_alike(
    anon: WebClient, add_user: Callable[..., int], db: Database, passwords: Passwords
) -> None:
    add_user("zhao", "collector")
    add_user("qian", "collector")
    accounts.set_active(db, username="qian", active=False, actor="test")
    bodies = []
    for name, pw in (("zhao", "wrong password"), ("nobody", PW), ("qian", PW)):
        r = sign_in(anon, name, pw)
        assert r.status_code == 400
        assert "__Host-fc_session" not in r.headers.get("set-cookie", "")
        bodies.append(r.text.count("用户名或密码错误"))
    assert bodies == [1, 1, 1]
    reasons = [p.get("reason") for a, _, p in audit_actions(db) if a == "auth.sign_in_failed"]
    assert reasons == ["bad_password", "unknown_user", "inactive"]
    assert _sessions(db) == []


def test_lockout_per_user_name(
    anon: WebClient, add_user: Callable[..., int], db: Database, app
) -> None:
    add_user("sun", "collector")
    limit = app.state.web.settings.max_failures_per_user
    for _ in range(limit - 1):
        assert sign_in(anon, "sun", "nope nope").status_code == 400
    r = sign_in(anon, "sun", "nope nope")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "登录失败次数过多" in r.text
    # locked: even the right password is refused, in the user's language
    r = sign_in(anon, "sun", PW)
    assert r.status_code == 429
    anon.cookies.set("fc_lang", "en")
    r = sign_in(anon, "sun", PW)
    assert r.status_code == 429 and "Too many failed sign-ins. Try again in 15 minutes." in r.text
    actions = [a for a, _, _ in audit_actions(db)]
    assert actions.count("auth.lockout") == 1
    assert actions.count("auth.sign_in_failed") == limit + 2
    # another user from the same address is not locked (the address limit is higher)
    add_user("zhou", "collector")
    assert sign_in(anon, "zhou", PW).status_code == 303


def test_lockout_lifts_after_the_window(
    anon: WebClient, add_user: Callable[..., int], frozen_now, app
) -> None:
    start = frozen_now("2026-03-04T10:00:00+08:00")
    add_user("wu", "collector")
    for _ in range(app.state.web.settings.max_failures_per_user):
        sign_in(anon, "wu", "bad bad bad")
    assert sign_in(anon, "wu", PW).status_code == 429
    frozen_now(start + app.state.web.settings.sign_in_window + timedelta(seconds=1))
    assert sign_in(anon, "wu", PW).status_code == 303


def test_lockout_per_address(
    anon: WebClient, add_user: Callable[..., int], app, db: Database
) -> None:
    settings = app.state.web.settings
    app.state.web = type(app.state.web)(
        **{**app.state.web.__dict__, "settings": settings.with_(max_failures_per_ip=3)}
    )
    add_user("feng", "collector")
    for i in range(3):
        sign_in(anon, f"guess{i}", "whatever1")
    r = sign_in(anon, "feng", PW)  # a different, valid user from the same address
    assert r.status_code == 429
    lock = [p for a, _, p in audit_actions(db) if a == "auth.lockout"]
    assert lock and lock[0]["scope"] == "ip"
    with db.transaction() as s:
        keys = s.scalar(select(func.count(func.distinct(SignInFailure.key_hash))))
    assert keys == 4  # 3 user names + 1 address, all as HMACs


def test_session_rotation_on_sign_in(
    anon: WebClient, add_user: Callable[..., int], db: Database
) -> None:
    add_user("chen", "collector")
    add_user("chu", "supervisor")
    assert sign_in(anon, "chen", PW).status_code == 303
    first = anon.cookies.get("__Host-fc_session")
    # signing in again (as someone else) replaces the session: the old id is dead
    token = form_csrf(anon.get("/").text)  # a form of the signed-in session
    r = anon.post("/sign-in", data={"username": "chu", "password": PW, "csrf_token": token})
    assert r.status_code == 303
    second = anon.cookies.get("__Host-fc_session")
    assert first and second and first != second
    assert len(_sessions(db)) == 1
    anon.cookies.set("__Host-fc_session", first)
    assert anon.get("/api/v1/me").status_code == 401


def test_sign_out_deletes_the_session(
    client_for: Callable[..., WebClient], db: Database, world
) -> None:
    c = client_for("collector")
    assert c.get("/api/v1/me").status_code == 200
    r = c.post("/sign-out", data={"csrf_token": c.csrf})
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    assert _sessions(db) == []
    assert "auth.sign_out" in [a for a, _, _ in audit_actions(db)]
    c.cookies.clear()
    assert c.get("/api/v1/me").status_code == 401


def test_idle_and_absolute_expiry(
    client_for: Callable[..., WebClient], frozen_now, db: Database, app, world
) -> None:
    settings = app.state.web.settings
    t0 = frozen_now("2026-03-04T09:00:00+08:00")
    c = client_for("collector")
    # activity keeps the session alive past the idle limit...
    for k in range(1, 4):
        frozen_now(t0 + k * (settings.session_idle - timedelta(minutes=1)))
        assert c.get("/api/v1/me").status_code == 200
    # ...but not past the idle limit without activity
    frozen_now(
        t0
        + 3 * (settings.session_idle - timedelta(minutes=1))
        + settings.session_idle
        + timedelta(seconds=1)
    )
    assert c.get("/api/v1/me").status_code == 401
    assert _sessions(db) == []  # deleted when presented
    # absolute expiry, however active the user is
    t1 = frozen_now("2026-03-05T09:00:00+08:00")
    c2 = client_for("collector")
    step = settings.session_idle - timedelta(minutes=5)
    t = t1
    while t + step < t1 + settings.session_absolute:
        t = t + step
        frozen_now(t)
        assert c2.get("/api/v1/me").status_code == 200
    frozen_now(t1 + settings.session_absolute + timedelta(seconds=1))
    assert c2.get("/api/v1/me").status_code == 401
    # a page redirects to the sign-in page instead
    assert c2.get("/").status_code == 303


def test_csrf_is_required_for_cookie_authenticated_unsafe_requests(
    client_for: Callable[..., WebClient], world
) -> None:
    body = {"pack": "CN", "now": "2026-03-04T10:00:00+08:00", "action": {"channel": "sms"}}
    c = client_for("collector", csrf_header=False)
    r = c.post("/api/v1/rules/check", json=body)
    assert r.status_code == 403 and r.json()["type"].endswith(":csrf")
    r = c.post("/api/v1/rules/check", json=body, headers={"X-CSRF-Token": "0" * 64})
    assert r.status_code == 403
    other = client_for("collector")
    r = c.post("/api/v1/rules/check", json=body, headers={"X-CSRF-Token": other.csrf})
    assert r.status_code == 403  # a token of another session never matches
    r = c.post("/api/v1/rules/check", json=body, headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 200
    # forms: the field works too; without it the sign-out is refused and nothing happens
    assert c.post("/sign-out", data={}).status_code == 403
    assert c.get("/api/v1/me").status_code == 200
    assert c.post("/sign-out", data={"csrf_token": c.csrf}).status_code == 303


def test_anonymous_forms_are_bound_to_a_pre_session(
    anon: WebClient, add_user: Callable[..., int]
) -> None:
    add_user("he", "collector")
    page = anon.get("/sign-in")
    token = form_csrf(page.text)
    assert anon.cookies.get("__Host-fc_pre")
    data = {"username": "he", "password": PW, "csrf_token": token}
    fresh = WebClient(anon.app, base_url="https://testserver", follow_redirects=False)
    assert fresh.post("/sign-in", data=data).status_code == 403  # no pre-session cookie
    assert anon.post("/sign-in", data={**data, "csrf_token": "f" * 64}).status_code == 403
    assert anon.post("/sign-in", data=data).status_code == 303
    fresh.close()


def test_bearer_tokens(client_for: Callable[..., WebClient], db: Database, world, app) -> None:
    c = client_for("supervisor", auth="token")
    me = c.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["auth"] == "token"
    assert me.json()["csrf_token"] is None
    body = {"pack": "CN", "now": "2026-03-04T10:00:00+08:00", "action": {"channel": "sms"}}
    assert c.post("/api/v1/rules/check", json=body).status_code == 200  # no CSRF needed
    # a bad token is a 401 with a challenge, even when a valid cookie is also sent
    bad = WebClient(app, base_url="https://testserver", follow_redirects=False)
    cookie_client = client_for("collector")
    bad.cookies.set("__Host-fc_session", cookie_client.session_id or "")
    r = bad.get("/api/v1/me", headers={"Authorization": "Bearer fct_nope"})
    assert r.status_code == 401 and "invalid_token" in r.headers["www-authenticate"]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert bad.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    bad.close()


def test_token_created_by_the_service_works_until_revoked(
    anon: WebClient, add_user: Callable[..., int], db: Database, app
) -> None:
    add_user("tok", "collector")
    info, token = accounts.create_token(db, app.state.web.vault, username="tok", actor="test")
    assert token.startswith("fct_") and len(token) > 40
    h = {"Authorization": f"Bearer {token}"}
    assert anon.get("/api/v1/me", headers=h).status_code == 200
    with db.transaction() as s:
        from faircollect.store.tables import ApiToken

        stored = s.scalar(select(ApiToken.token_hash).where(ApiToken.id == info.id))
    assert stored and token not in stored
    accounts.revoke_token(db, token_id=info.id, actor="test")
    # tokens are cached for at most TOKEN_CACHE_SECONDS (test_caller_cache.py): forget them
    caller_cache.for_app(app).clear()
    assert anon.get("/api/v1/me", headers=h).status_code == 401
    actions = [a for a, _, _ in audit_actions(db)]
    assert actions[-2:] == ["tokens.created", "tokens.revoked"]


def test_password_is_rehashed_when_parameters_change(anon: WebClient, db: Database, world) -> None:
    old = Passwords(PasswordParams(time_cost=1, memory_cost=16, parallelism=1))
    accounts.add_user(
        db, old, username="ma", role="collector", password=PW, creditors=["A"], actor="test"
    )
    with db.transaction() as s:
        before = s.scalar(select(User.password_hash).where(User.username == "ma"))
    assert before and "m=16," in before
    assert sign_in(anon, "ma", PW).status_code == 303  # the app uses m=8
    with db.transaction() as s:
        after = s.scalar(select(User.password_hash).where(User.username == "ma"))
    assert after and after != before and "m=8," in after
    assert Passwords(PasswordParams(time_cost=1, memory_cost=8, parallelism=1)).verify(after, PW)
    anon.cookies.clear()
    assert sign_in(anon, "ma", PW).status_code == 303


def test_expired_session_cookie_does_not_block_pages(anon: WebClient, world) -> None:
    anon.cookies.set("__Host-fc_session", "x" * 43)
    r = anon.get("/sign-in")
    assert r.status_code == 200
    assert clock.now()  # the app ran with the real clock
