"""The JSON API: /me, /loans/{ref} (404 outside scope), /health, /rules/check, problem
details and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from faircollect.domain.delinquency import bucket_for
from faircollect.rules.engine import evaluate
from faircollect.rules.model import Scenario
from faircollect.store.db import Database

from .conftest import WebClient, World

SCENARIO = {
    "pack": "US",
    "now": "2026-03-04T22:00:00-05:00",
    "action": {"channel": "call"},
    "debtor": {"timezones": ["America/New_York"]},
}


def test_me(client_for: Callable[..., WebClient], world: World) -> None:
    c = client_for("compliance", ("A", "B"))
    body = c.get("/api/v1/me").json()
    assert body["role"] == "compliance" and body["creditors"] == ["A", "B"]
    assert "pii.reveal" in body["permissions"] and body["csrf_token"] == c.csrf


def test_loan_with_balance_days_past_due_and_bucket(
    client_for: Callable[..., WebClient], world: World, frozen_now
) -> None:
    frozen_now("2026-03-04T01:00:00+08:00")  # 2026-03-04 in Shanghai, 2026-03-03 in UTC
    c = client_for("collector")
    r = c.get("/api/v1/loans/L-A")
    assert r.status_code == 200
    loan = r.json()
    assert loan["as_of"] == "2026-03-04"
    dpd = (date(2026, 3, 4) - date(2026, 2, 1)).days
    assert (loan["days_past_due"], loan["bucket"]) == (dpd, bucket_for(dpd)) == (31, "M2")
    assert loan["overdue_since"] == "2026-02-01"
    assert (loan["principal"], loan["outstanding"], loan["currency"]) == (
        "1200.00",
        "627.38",
        "CNY",
    )
    assert loan["apr"] == "18.25" and loan["creditor"] == "A"
    assert loan["borrower"] == {"ref": "B-A", "name": "张**", "phone": "138****5678"}


def test_a_loan_outside_the_callers_creditors_is_not_found(
    client_for: Callable[..., WebClient], world: World
) -> None:
    c = client_for("supervisor", ("A",))
    other = c.get("/api/v1/loans/L-B")
    missing = c.get("/api/v1/loans/L-NOPE")
    assert other.status_code == missing.status_code == 404
    # identical apart from the ref itself: no existence leak
    assert (
        other.json()["type"] == missing.json()["type"] == "urn:faircollect:problem:loan-not-found"
    )
    assert other.json()["detail"].replace("L-B", "X") == missing.json()["detail"].replace(
        "L-NOPE", "X"
    )
    assert client_for("supervisor", ("B",)).get("/api/v1/loans/L-B").status_code == 200
    assert client_for("supervisor", ()).get("/api/v1/loans/L-A").status_code == 404
    # admin has no special tenancy: only its own creditors
    assert client_for("admin", ("A",)).get("/api/v1/loans/L-B").status_code == 404


def test_health(anon: WebClient, db: Database) -> None:
    r = anon.get("/api/v1/health")
    assert r.status_code == 200 and r.json() == {"status": "ok", "database": "ok"}


def test_rules_check_answers_the_engines_decision(
    client_for: Callable[..., WebClient], world: World
) -> None:
    c = client_for("auditor", auth="token")  # read-only roles may check rules
    r = c.post("/api/v1/rules/check", json=SCENARIO)
    assert r.status_code == 200
    assert r.json() == evaluate(Scenario.model_validate(SCENARIO)).to_dict()
    assert r.json()["allowed"] is False and r.json()["violations"][0]["provision"]


def test_rules_check_invalid_input_is_a_422_problem(
    client_for: Callable[..., WebClient], world: World
) -> None:
    c = client_for("collector", auth="token")
    bad = {**SCENARIO, "action": {"channel": "pigeon"}, "extra": 1}
    r = c.post("/api/v1/rules/check", json=bad, headers={"Accept-Language": "en"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    p = r.json()
    assert p["type"] == "urn:faircollect:problem:invalid-input"
    assert p["title"] == "Invalid input" and p["status"] == 422
    assert p["instance"] == "/api/v1/rules/check"
    pointers = {e["pointer"] for e in p["errors"]}
    assert {"#/action/channel", "#/extra"} <= pointers
    assert all(e["message"] and e["type"] for e in p["errors"])
    naive = {**SCENARIO, "now": "2026-03-04T22:00:00"}
    r = c.post("/api/v1/rules/check", json=naive)
    assert r.status_code == 422 and r.json()["title"] == "输入无效"
    assert r.json()["errors"][0]["pointer"] == "#/now"
    r = c.post(
        "/api/v1/rules/check", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["type"].endswith(":invalid-input")


def test_problem_details_are_localized(client_for: Callable[..., WebClient], world: World) -> None:
    c = client_for("collector")
    zh = c.get("/api/v1/loans/L-B").json()
    en = c.get("/api/v1/loans/L-B", headers={"Accept-Language": "en-US,en;q=0.9"}).json()
    assert zh["title"] == "未找到贷款" and en["title"] == "Loan not found"
    assert en["detail"] == "There is no loan L-B among the creditors you work for."
    assert set(zh) == set(en) == {"type", "title", "status", "detail", "instance"}


def test_plain_http_errors_are_problems_too(anon: WebClient, world: World) -> None:
    r = anon.get("/api/v1/nothing-here", headers={"Accept-Language": "en"})
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json() == {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "There is nothing at this address, or you may not see it.",
        "instance": "/api/v1/nothing-here",
    }
    r = anon.delete("/api/v1/health")
    assert r.status_code == 405 and r.json()["type"] == "about:blank"
    r = anon.get("/api/v1/me")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["type"] == "urn:faircollect:problem:sign-in-required"
    # a page answers with an HTML page, in the visitor's language
    page = anon.get("/no-such-page", headers={"Accept-Language": "en"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in page.text


def test_openapi_documents_the_api_with_policies(anon: WebClient, world: World) -> None:
    doc = anon.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert {
        "/api/v1/health",
        "/api/v1/me",
        "/api/v1/loans/{loan_ref}",
        "/api/v1/rules/check",
    } <= set(paths)
    assert not any(not p.startswith("/api/v1/") for p in paths)  # pages are not in the API doc
    loan = paths["/api/v1/loans/{loan_ref}"]["get"]
    assert loan["x-faircollect-policy"]["tenant"] is True
    assert loan["security"] == [{"bearer": []}, {"session": []}]
    assert "404" in loan["responses"] and "401" in loan["responses"]
    assert paths["/api/v1/health"]["get"]["security"] == []
    check = paths["/api/v1/rules/check"]["post"]
    assert "application/problem+json" in check["responses"]["422"]["content"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
