"""TOTP (RFC 6238): the algorithm against the RFC's test vectors, enrolment, sign-in with a
code, replay refusal, and enforcement for supervisors and compliance."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faircollect import clock
from faircollect.store.db import Database
from faircollect.store.pii import USER_TOTP_SECRET
from faircollect.store.repositories import users as users_repo
from faircollect.web.auth import totp
from faircollect.web.services import accounts

from .conftest import WebClient
from .helpers import audit_actions, form_csrf, sign_in

PW = "correct horse"
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc6238_sha1_vectors(unix: int, expected: str) -> None:
    key = b"12345678901234567890"
    assert totp.hotp(key, unix // 30, digits=8) == expected


def test_rfc4226_hotp_vectors() -> None:
    expected = [
        "755224",
        "287082",
        "359152",
        "969429",
        "338314",
        "254676",
        "287922",
        "162583",
        "399871",
        "520489",
    ]
    assert [totp.hotp(b"12345678901234567890", c) for c in range(10)] == expected


@given(st.integers(min_value=0, max_value=2**33), st.integers(min_value=-1, max_value=1))
def test_verify_accepts_adjacent_steps_once(unix: int, drift: int) -> None:
    at = datetime.fromtimestamp(unix, UTC)
    if unix < 30 and drift < 0:
        drift = 0  # no step before the epoch
    code = totp.code_at(RFC_SECRET, at + timedelta(seconds=30 * drift))
    step = totp.verify(RFC_SECRET, code, at)
    assert step is not None
    assert totp.verify(RFC_SECRET, code, at, last_step=step) is None  # never twice
    far = totp.code_at(RFC_SECRET, at + timedelta(seconds=90))
    if far != code:
        assert totp.verify(RFC_SECRET, far, at, last_step=step) != step


def test_verify_refuses_garbage() -> None:
    at = datetime(2026, 3, 4, tzinfo=UTC)
    for code in ("", "12345", "1234567", "abcdef", "12 34 5x"):
        assert totp.verify(RFC_SECRET, code, at) is None


def test_provisioning_uri() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "li.lei")
    assert uri.startswith("otpauth://totp/faircollect%3Ali.lei?secret=JBSWY3DPEHPK3PXP")
    assert "issuer=faircollect" in uri and "digits=6" in uri and "period=30" in uri


def _enrol(c: WebClient, db: Database) -> str:
    page = c.get("/account/totp")
    assert page.status_code == 200
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', page.text).group(1)  # type: ignore[union-attr]
    mac = re.search(r'name="secret_mac" value="([0-9a-f]{64})"', page.text).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": form_csrf(page.text), "secret": secret, "secret_mac": mac}
    bad = c.post(
        "/account/totp",
        data={
            **data,
            "code": "000000" if totp.code_at(secret, clock.now()) != "000000" else "111111",
        },
    )
    assert bad.status_code == 400
    forged = c.post(
        "/account/totp",
        data={
            **data,
            "secret": "JBSWY3DPEHPK3PXP",
            "code": totp.code_at("JBSWY3DPEHPK3PXP", clock.now()),
        },
    )
    assert forged.status_code == 303 and forged.headers["location"] == "/account/totp"
    ok = c.post("/account/totp", data={**data, "code": totp.code_at(secret, clock.now())})
    assert ok.status_code == 303 and ok.headers["location"] == "/?totp=on"
    return secret


def test_enrol_then_sign_in_with_a_code(
    anon: WebClient, add_user: Callable[..., int], db: Database, frozen_now, app
) -> None:
    t0 = frozen_now("2026-03-04T09:00:00+08:00")
    uid = add_user("gao", "compliance")
    assert sign_in(anon, "gao", PW).status_code == 303
    secret = _enrol(anon, db)
    with db.transaction() as s:
        user = users_repo.get(s, uid)
        assert user is not None and user.totp_secret_enc and secret not in user.totp_secret_enc
        assert app.state.web.vault.decrypt(user.totp_secret_enc, field=USER_TOTP_SECRET) == secret
    assert anon.get("/account/totp").text.count('name="secret"') == 0  # enrolled: no new secret
    anon.post("/sign-out", data={"csrf_token": form_csrf(anon.get("/").text)})
    anon.cookies.clear()

    frozen_now(t0 + timedelta(minutes=2))
    r = sign_in(anon, "gao", PW, next_="/api/v1/me")
    assert r.status_code == 303 and r.headers["location"] == "/sign-in/totp?next=/api/v1/me"
    pending = anon.cookies.get("__Host-fc_session")
    assert anon.get("/api/v1/me").status_code == 401  # password alone is not enough
    page = anon.get("/sign-in/totp?next=/api/v1/me")
    assert page.status_code == 200
    token = form_csrf(page.text)
    wrong = anon.post(
        "/sign-in/totp", data={"code": "12345x", "csrf_token": token, "next": "/api/v1/me"}
    )
    assert wrong.status_code == 400
    code = totp.code_at(secret, clock.now())
    r = anon.post("/sign-in/totp", data={"code": code, "csrf_token": token, "next": "/api/v1/me"})
    assert r.status_code == 303 and r.headers["location"] == "/api/v1/me"
    assert anon.cookies.get("__Host-fc_session") != pending  # rotated again
    assert anon.get("/api/v1/me").json()["totp_enrolled"] is True
    methods = [p.get("method") for a, _, p in audit_actions(db) if a == "auth.sign_in"]
    assert methods == ["password", "password+totp"]
    assert "auth.totp_enrolled" in [a for a, _, _ in audit_actions(db)]

    # the same code cannot be used again (replay), even within its 30 seconds
    anon.post("/sign-out", data={"csrf_token": form_csrf(anon.get("/").text)})
    anon.cookies.clear()
    sign_in(anon, "gao", PW)
    page = anon.get("/sign-in/totp")
    r = anon.post("/sign-in/totp", data={"code": code, "csrf_token": form_csrf(page.text)})
    assert r.status_code == 400
    reasons = [p.get("reason") for a, _, p in audit_actions(db) if a == "auth.sign_in_failed"]
    assert reasons == ["bad_totp", "bad_totp"]


def test_pending_totp_session_expires(
    anon: WebClient, add_user: Callable[..., int], db: Database, frozen_now, app
) -> None:
    t0 = frozen_now("2026-03-04T09:00:00+08:00")
    add_user("lin", "supervisor")
    sign_in(anon, "lin", PW)
    _enrol(anon, db)
    anon.post("/sign-out", data={"csrf_token": form_csrf(anon.get("/").text)})
    anon.cookies.clear()
    sign_in(anon, "lin", PW)
    token = form_csrf(anon.get("/sign-in/totp").text)
    frozen_now(t0 + app.state.web.settings.mfa_window + timedelta(minutes=1))
    r = anon.post("/sign-in/totp", data={"code": "123456", "csrf_token": token})
    # the pending session is gone, and with it the form's CSRF binding: refused
    assert r.status_code == 403 and "表单已过期" in r.text
    assert anon.get("/api/v1/me").status_code == 401


def test_totp_enforcement_sends_unenrolled_supervisors_to_enrolment(
    client_for: Callable[..., WebClient], app, world
) -> None:
    web = app.state.web
    app.state.web = type(web)(**{**web.__dict__, "settings": web.settings.with_(totp_enforce=True)})
    sup = client_for("supervisor")
    assert sup.get("/").headers["location"] == "/account/totp"
    r = sup.get("/api/v1/loans/L-A")
    assert r.status_code == 403 and r.json()["type"].endswith(":totp-required")
    assert sup.get("/account/totp").status_code == 200  # the enrolment page itself is allowed
    col = client_for("collector")  # not a required role
    assert col.get("/").status_code == 200


def test_reset_totp_removes_enrolment(
    anon: WebClient, add_user: Callable[..., int], db: Database
) -> None:
    add_user("xu", "compliance")
    sign_in(anon, "xu", PW)
    _enrol(anon, db)
    accounts.reset_totp(db, username="xu", actor="test")
    assert anon.get("/api/v1/me").status_code == 401  # sessions ended
    anon.cookies.clear()
    assert sign_in(anon, "xu", PW).headers["location"] == "/"  # no code asked
