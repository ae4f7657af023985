"""Pages: language negotiation and the switcher, security headers, static files and
vendored scripts, the home page listing what a role may do."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from importlib.resources import files

from sqlalchemy import select

from faircollect.store.db import Database
from faircollect.store.tables import User

from .conftest import WebClient, World
from .helpers import form_csrf


def test_language_from_accept_language_then_cookie(anon: WebClient, world: World) -> None:
    zh = anon.get("/sign-in")
    assert '<html lang="zh-CN">' in zh.text and "用户名" in zh.text
    assert zh.headers["content-language"] == "zh-CN"
    en = anon.get("/sign-in", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in en.text and "User name" in en.text
    assert en.headers["content-language"] == "en"
    # the switcher (a plain form: works without JavaScript) sets a cookie that wins
    r = anon.post(
        "/lang", data={"locale": "en", "next": "/sign-in", "csrf_token": form_csrf(zh.text)}
    )
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    lang_cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("fc_lang="))
    assert "fc_lang=en" in lang_cookie and "Max-Age=31536000" in lang_cookie
    page = anon.get("/sign-in", headers={"Accept-Language": "zh-CN"})
    assert "User name" in page.text and "用户名" not in page.text


def test_switcher_stores_the_users_locale_and_refuses_outside_targets(
    client_for: Callable[..., WebClient], db: Database, world: World
) -> None:
    c = client_for("collector")
    home = c.get("/")
    assert 'action="/lang"' in home.text and 'value="en"' in home.text
    r = c.post("/lang", data={"locale": "en", "next": "//evil.example/x", "csrf_token": c.csrf})
    assert r.status_code == 303 and r.headers["location"] == "/"
    with db.transaction() as s:
        assert s.scalar(select(User.locale).where(User.id == c.user_id)) == "en"
    assert "Welcome" in c.get("/").text
    # without the CSRF token the switch is refused
    assert (
        c.post("/lang", data={"locale": "zh_CN"}, headers={"X-CSRF-Token": ""}).status_code == 403
    )


def test_security_headers(
    client_for: Callable[..., WebClient], anon: WebClient, world: World
) -> None:
    c = client_for("collector")
    for client, path in (
        (c, "/"),
        (c, "/api/v1/loans/L-A"),
        (anon, "/sign-in"),
        (anon, "/api/v1/me"),
        (anon, "/static/css/app.css"),
    ):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert h["x-frame-options"] == "DENY"
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "same-origin"
        assert "camera=()" in h["permissions-policy"]
        assert h["strict-transport-security"].startswith("max-age=")
        if not path.startswith("/static/"):
            assert h["cache-control"] == "no-store"


def test_the_script_nonce_changes_per_request_and_no_inline_scripts(
    client_for: Callable[..., WebClient], world: World
) -> None:
    c = client_for("collector")
    nonces = []
    for _ in range(2):
        r = c.get("/")
        nonce = re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"]).group(1)  # type: ignore[union-attr]
        nonces.append(nonce)
        scripts = re.findall(r"<script[^>]*>", r.text)
        assert scripts and all(f'nonce="{nonce}"' in s and "src=" in s for s in scripts)
        assert not re.search(r"\son[a-z]+=", r.text)  # no inline event handlers
    assert nonces[0] != nonces[1]


def test_home_lists_what_the_role_may_do(
    client_for: Callable[..., WebClient], world: World
) -> None:
    page = client_for("auditor").get("/", headers={"Accept-Language": "en"}).text
    assert "Auditor" in page and "/api/v1/loans/{loan_ref}" in page
    assert "You work for 1 creditor." in page
    assert ". You work for 1 creditor." in page  # two sentences, spaced
    assert 'href="/account/totp"' in page  # nav


def test_static_htmx_is_vendored_and_plotly_comes_from_the_wheel(anon: WebClient) -> None:
    htmx = anon.get("/static/vendor/htmx/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text[:200]
    license_ = anon.get("/static/vendor/htmx/LICENSE.txt")
    assert license_.status_code == 200 and "BSD" in license_.text
    plotly = anon.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and plotly.headers["content-type"].startswith(
        "text/javascript"
    )
    wheel = (files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    assert hashlib.sha256(plotly.content).digest() == hashlib.sha256(wheel).digest()
    assert anon.get("/static/../app.py").status_code == 404


def test_pages_redirect_anonymous_visitors_to_sign_in(anon: WebClient) -> None:
    r = anon.get("/?x=1")
    assert r.status_code == 303 and r.headers["location"] == "/sign-in?next=/%3Fx%3D1"
    assert anon.get("/account/totp").headers["location"] == "/sign-in?next=/account/totp"
