"""The app factory and policies: no route without a policy, policies as data, the borrower
scope plumbing, the CLI-free service layer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request

from faircollect import clock
from faircollect.store.db import Database
from faircollect.store.repositories import loans
from faircollect.web.app import RouteWithoutPolicy, create_app, route_policies
from faircollect.web.auth import sessions
from faircollect.web.auth.caller import Caller
from faircollect.web.auth.policy import ALL_STAFF, WRITERS, Policy
from faircollect.web.deps import require_borrower
from faircollect.web.settings import WebSettings

from .conftest import BASE_URL, TestClient, World


def test_a_route_without_policy_is_refused(app: FastAPI) -> None:
    router = APIRouter()

    @router.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    app.include_router(router)
    with pytest.raises(RouteWithoutPolicy, match="/api/v1/forgotten"):
        route_policies(app.routes)


def test_policies_are_validated() -> None:
    assert Policy.staff(action="write").roles == WRITERS
    assert Policy.staff().roles == ALL_STAFF
    with pytest.raises(ValueError, match="read-only"):
        Policy.staff(["auditor", "collector"], action="write")
    with pytest.raises(ValueError, match="unknown roles"):
        Policy.staff(["root"])
    with pytest.raises(ValueError, match="unknown permission"):
        Policy.staff(permission="everything")
    with pytest.raises(ValueError):
        Policy("public", frozenset({"admin"}), "read", False)
    assert not Policy.staff(permission="pii.reveal").allows_role("auditor")
    assert Policy.staff(permission="pii.reveal").allows_role("collector")


def test_borrower_sessions_get_a_borrower_scope(
    web_settings: WebSettings, db: Database, world: World
) -> None:
    app = create_app(web_settings, database=db)

    @app.get("/me/test-loans")
    def my_loans(request: Request, caller: Caller = Depends(require_borrower())) -> Any:
        with db.transaction() as s:
            assert caller.borrower_id is not None
            own = loans.list_for_borrower(s, caller.borrower_id, scope=caller.scope)
            other = loans.get_by_ref(s, "L-B", scope=caller.scope)
        return {"own": [x.ref for x in own], "other": other is not None, "actor": caller.actor}

    with db.transaction() as s:
        sid = sessions.start(
            s, app.state.web.vault, web_settings, now=clock.now(), borrower_id=world.a.borrower_id
        )
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as c:
        assert c.get("/me/test-loans").status_code == 303  # anonymous page -> sign-in
        c.cookies.set(web_settings.session_cookie, sid)
        body = c.get("/me/test-loans").json()
        assert body == {"own": ["L-A"], "other": False, "actor": f"borrower:{world.a.borrower_id}"}
        # a borrower is not staff
        assert c.get("/api/v1/me").status_code == 403


def test_the_account_service_needs_no_web_framework() -> None:
    import subprocess
    import sys

    code = (
        "import sys, faircollect.web.services.accounts, faircollect.cli.users; "
        "print(sorted(m for m in ('fastapi', 'starlette', 'uvicorn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_static_and_openapi_routes_are_public(app: FastAPI) -> None:
    policies = app.state.web.policies
    assert policies[("GET", "/static/{path}")].audience == "public"
    assert policies[("GET", "/api/v1/openapi.json")].audience == "public"
    assert all(isinstance(p, Policy) for p in policies.values())


def test_make_client(client_for: Callable[..., Any], world: World) -> None:
    c = client_for("field_agent", ("A", "B"))
    assert c.get("/api/v1/me").json()["creditors"] == ["A", "B"]
