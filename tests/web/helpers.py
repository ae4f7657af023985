"""Helpers shared by the web tests."""

from __future__ import annotations

import re
from typing import Any

from faircollect.store.db import Database
from faircollect.store.repositories import audit as audit_repo

CSRF_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def form_csrf(html: str) -> str:
    m = CSRF_FIELD.search(html)
    assert m, "no csrf_token field in the page"
    return m.group(1)


def audit_actions(db: Database) -> list[tuple[str, str, dict[str, Any]]]:
    with db.transaction() as s:
        return [(r.action, r.entity, r.payload) for r in audit_repo.iterate(s)]


def sign_in(client: Any, username: str, password: str, next_: str = "/") -> Any:
    page = client.get(f"/sign-in?next={next_}")
    assert page.status_code == 200, page.text
    return client.post(
        "/sign-in",
        data={
            "username": username,
            "password": password,
            "next": next_,
            "csrf_token": form_csrf(page.text),
        },
    )
