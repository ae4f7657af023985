"""Fixtures for web tests (every test using them runs on SQLite and PostgreSQL).

- ``web_settings``: `WebSettings` on the test database with the fixed test key, Secure
  cookies on (the clients use https://testserver), fast argon2 parameters.
- ``app``: `create_app(web_settings, database=db)`.
- ``world``: two creditors, ``A`` and ``B`` (codes), each with one borrower whose phone and
  id number are known (``PII``) and one overdue loan (``L-A``, ``L-B``).
- ``client_for(role, creditors=("A",), *, auth="session", username=None, totp=False)``:
  a TestClient signed in as a new user of that role (a session made directly, no password
  round trip; ``auth="token"`` sends a bearer token instead). The client has ``.csrf``
  (the session's CSRF token; also sent as X-CSRF-Token by default) and ``.user_id``.
- ``anon``: a TestClient with nobody signed in.
- ``add_user(username, role, creditors, password)``: a user with a real password (for
  sign-in tests); returns its id.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest
from fastapi import FastAPI

from faircollect import clock
from faircollect.config import Settings
from faircollect.money import Money
from faircollect.store.db import Database
from faircollect.store.repositories import api_tokens, borrowers, creditors, loans, users
from faircollect.vault import Vault
from faircollect.web.app import create_app
from faircollect.web.auth import sessions
from faircollect.web.auth.passwords import Passwords
from faircollect.web.auth.tokens import new_token, token_hash
from faircollect.web.settings import PasswordParams, WebSettings

from ..conftest import TEST_SECRET_KEYS

with warnings.catch_warnings():
    # Starlette >= 1.x prefers the `httpx2` package for its TestClient and warns (an error
    # under our filterwarnings) when it falls back to `httpx`; both work the same here.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from starlette.testclient import TestClient

BASE_URL = "https://testserver"
FAST_ARGON2 = PasswordParams(time_cost=1, memory_cost=8, parallelism=1)
T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


class PII(NamedTuple):
    phone: str
    phone_e164: str
    id_number: str
    name: str
    email: str


PII_A = PII("13812345678", "+8613812345678", "110101199003071234", "张三丰", "zsf@example.com")
PII_B = PII("13900001111", "+8613900001111", "31010119850101002X", "李四光", "lsg@example.com")


class Tenant(NamedTuple):
    code: str
    creditor_id: int
    borrower_id: int
    loan_ref: str
    pii: PII


class World(NamedTuple):
    a: Tenant
    b: Tenant

    def tenant(self, code: str) -> Tenant:
        return self.a if code == "A" else self.b


@pytest.fixture
def web_settings(database_url: str, tmp_path: Path) -> WebSettings:
    base = Settings(tmp_path, database_url, TEST_SECRET_KEYS[:1], "test", None)
    return WebSettings(base=base, cookie_secure=True, password=FAST_ARGON2)


@pytest.fixture
def app(web_settings: WebSettings, db: Database) -> FastAPI:
    return create_app(web_settings, database=db)


def _tenant(db: Database, vault: Vault, code: str, pii: PII, overdue_since: date) -> Tenant:
    with db.transaction() as s:
        c = creditors.get_or_create(s, code, name=f"Lender {code}", now=T0)
        b = borrowers.insert(
            s,
            vault,
            borrowers.NewBorrower(
                creditor_id=c.id,
                ref=f"B-{code}",
                name=pii.name,
                id_number=pii.id_number,
                phone=pii.phone,
                email=pii.email,
                address="广东省深圳市南山区科技园路1号",
            ),
            now=T0,
        )
        loan = loans.add(
            s,
            loans.NewLoan(
                ref=f"L-{code}",
                creditor_id=c.id,
                borrower_id=b.id,
                principal=Money.parse("1200.00", "CNY"),
                apr=Decimal("18.25"),
                originated_on=date(2026, 1, 1),
                term_months=2,
                repayment="equal_principal",
                first_due_on=date(2026, 2, 1),
            ),
            now=T0,
        )
        loan.outstanding_minor = 62738
        loan.paid_minor = 0
        loan.overdue_since = overdue_since
        s.flush()
        return Tenant(code, c.id, b.id, loan.ref, pii)


@pytest.fixture
def world(db: Database, vault: Vault) -> World:
    return World(
        _tenant(db, vault, "A", PII_A, date(2026, 2, 1)),
        _tenant(db, vault, "B", PII_B, date(2026, 2, 1)),
    )


@pytest.fixture
def passwords() -> Passwords:
    return Passwords(FAST_ARGON2)


@pytest.fixture
def add_user(db: Database, passwords: Passwords) -> Callable[..., int]:
    def add(
        username: str,
        role: str,
        creditor_codes: tuple[str, ...] = ("A",),
        password: str = "correct horse",
    ) -> int:
        with db.transaction() as s:
            ids = [creditors.get_or_create(s, c, now=T0).id for c in creditor_codes]
            return users.add(
                s,
                username=username,
                password_hash=passwords.hash(password),
                role=role,
                display_name=username.title(),
                creditor_ids=ids,
            ).id

    return add


class WebClient(TestClient):
    csrf: str = ""
    user_id: int | None = None
    session_id: str | None = None


def _client(app: FastAPI) -> WebClient:
    return WebClient(app, base_url=BASE_URL, follow_redirects=False)


@pytest.fixture
def anon(app: FastAPI) -> Iterator[WebClient]:
    with _client(app) as c:
        yield c


@pytest.fixture
def client_for(
    app: FastAPI, db: Database, web_settings: WebSettings, add_user: Callable[..., int]
) -> Iterator[Callable[..., WebClient]]:
    made: list[WebClient] = []
    counter = iter(range(1, 10_000))
    vault = app.state.web.vault

    def make(
        role: str,
        creditor_codes: tuple[str, ...] = ("A",),
        *,
        auth: str = "session",
        username: str | None = None,
        csrf_header: bool = True,
    ) -> WebClient:
        name = username or f"{role.replace('_', '')}{next(counter)}"
        uid = add_user(name, role, creditor_codes)
        c = _client(app)
        c.user_id = uid
        with db.transaction() as s:
            if auth == "token":
                token = new_token()
                api_tokens.add(
                    s,
                    user_id=uid,
                    name="test",
                    token_hash=token_hash(vault, token),
                    now=clock.now(),
                )
                c.headers["Authorization"] = f"Bearer {token}"
            else:
                sid = sessions.start(s, vault, web_settings, now=clock.now(), user_id=uid)
                c.cookies.set(web_settings.session_cookie, sid)
                c.session_id = sid
                c.csrf = sessions.csrf_token(vault, "session", sid)
                if csrf_header:
                    c.headers["X-CSRF-Token"] = c.csrf
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
