"""The authorization matrix: EVERY route of the app x every role (and anonymous) x own /
other creditor, against the explicit expectation table below. A route without an entry (or
an entry without a route) fails the test: add yours when you add a route (docs/web.md).

Every signed-in principal is a user assigned to creditor A only; "own" requests address A's
data, "other" requests B's. Unsafe requests carry a valid CSRF token, so what is tested is
the policy. The same run feeds the PII scan: no response to anybody shows a borrower's full
phone number, id number, name or e-mail (no route reveals PII yet; a future reveal route goes
in REVEALS and is then allowed to show it to roles with the "pii.reveal" permission only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import pytest
from fastapi import FastAPI

from faircollect import clock
from faircollect.store.db import Database
from faircollect.strategy import spec as S
from faircollect.web.auth import sessions
from faircollect.web.auth.policy import ROLES, permissions_of
from faircollect.web.settings import WebSettings

from .conftest import BASE_URL, TestClient, World
from .helpers import form_csrf

ANON = "anonymous"
PRINCIPALS = (ANON, *ROLES)
STAFF = ROLES

SCENARIO = {"pack": "CN", "now": "2026-03-04T10:00:00+08:00", "action": {"channel": "sms"}}
#: a strategy stored (and then activated) by the supervisor's requests below
_YAML = S.canonical_yaml(S.shipped("faircollect-default")).replace(
    "name: faircollect-default", "name: matrix-strategy", 1
)


def every(status: int, **overrides: int) -> dict[str, int]:
    """The same status for every principal, with exceptions (``anonymous=401``)."""
    out = dict.fromkeys(PRINCIPALS, status)
    out.update(overrides)
    return out


class Case(NamedTuple):
    # (world, creditor code, principal) -> keyword arguments of client.request: url, json, data
    request: Callable[[World, str, str], dict[str, Any]]
    own: Mapping[str, int]
    # expected statuses for the other creditor's data; None for routes that read no
    # tenant data (their policy must say tenant=False)
    other: Mapping[str, int] | None = None


def get(url: str) -> Callable[[World, str, str], dict[str, Any]]:
    return lambda w, code, who: {"url": url}


#: the contact attempt / contact point each role created in the contacts block below
_MINE = {"supervisor": 1, "collector": 2, "field_agent": 3}


def loan_url(w: World, code: str, who: str) -> dict[str, Any]:
    return {"url": f"/api/v1/loans/{w.tenant(code).loan_ref}"}


# ------------------------------------------------------------------------------------------
# THE TABLE: (method, route path) -> expected status per principal
# ------------------------------------------------------------------------------------------
MATRIX: dict[tuple[str, str], Case] = {
    # JSON API
    ("GET", "/api/v1/health"): Case(get("/api/v1/health"), every(200)),
    ("GET", "/api/v1/openapi.json"): Case(get("/api/v1/openapi.json"), every(200)),
    ("GET", "/api/v1/me"): Case(get("/api/v1/me"), every(200, anonymous=401)),
    ("GET", "/api/v1/loans/{loan_ref}"): Case(
        loan_url, own=every(200, anonymous=401), other=every(404, anonymous=401)
    ),
    ("POST", "/api/v1/rules/check"): Case(
        lambda w, c, who: {"url": "/api/v1/rules/check", "json": SCENARIO},
        every(200, anonymous=401),
    ),
    # contacts (issue 4). Order matters within this block: the POST of a contact attempt
    # (by supervisor, collector, field_agent in PRINCIPALS order) creates attempts 1, 2, 3
    # of creditor A, and the POST of a contact point creates points 1, 2, 3; the routes
    # after them address those rows. Channel "legal" and a threatening message keep the
    # answers independent of the time of day (quiet hours).
    ("POST", "/api/v1/contact-attempts"): Case(
        lambda w, c, who: {
            "url": "/api/v1/contact-attempts",
            "json": {"loan_ref": w.tenant(c).loan_ref, "channel": "legal",
                     "purpose": "notice_end"},
        },
        own=every(403, anonymous=401, supervisor=201, collector=201, field_agent=201),
        other=every(403, anonymous=401, supervisor=404, collector=404, field_agent=404),
    ),
    ("GET", "/api/v1/contact-attempts/{attempt_id}"): Case(
        lambda w, c, who: {"url": f"/api/v1/contact-attempts/{1 if c == 'A' else 999}"},
        own=every(200, anonymous=401),
        other=every(404, anonymous=401),
    ),
    ("POST", "/api/v1/contact-attempts/{attempt_id}/outcome"): Case(
        lambda w, c, who: {
            "url": f"/api/v1/contact-attempts/{_MINE.get(who, 1) if c == 'A' else 999}/outcome",
            "json": {"outcome": "no_answer"},
        },
        own=every(403, anonymous=401, supervisor=200, collector=200, field_agent=200),
        other=every(403, anonymous=401, supervisor=404, collector=404, field_agent=404),
    ),
    ("POST", "/api/v1/contact-attempts/{attempt_id}/override-requests"): Case(
        lambda w, c, who: {
            "url": f"/api/v1/contact-attempts/{1 if c == 'A' else 999}/override-requests",
            "json": {"reason": "the consumer asked for a call back"},
        },
        # the attempt was allowed: there is nothing to override (409)
        own=every(403, anonymous=401, supervisor=409, collector=409, field_agent=409),
        other=every(403, anonymous=401, supervisor=404, collector=404, field_agent=404),
    ),
    ("GET", "/api/v1/overrides"): Case(
        get("/api/v1/overrides"), own=every(200, anonymous=401), other=every(200, anonymous=401)
    ),
    ("POST", "/api/v1/overrides/{override_id}/decision"): Case(
        lambda w, c, who: {"url": "/api/v1/overrides/999/decision",
                           "json": {"approve": False, "reason": "no such request here"}},
        own=every(403, anonymous=401, compliance=404),
        other=every(403, anonymous=401, compliance=404),
    ),
    ("GET", "/api/v1/loans/{loan_ref}/contact-points"): Case(
        lambda w, c, who: {"url": f"/api/v1/loans/{w.tenant(c).loan_ref}/contact-points"},
        own=every(200, anonymous=401),
        other=every(404, anonymous=401),
    ),
    ("POST", "/api/v1/loans/{loan_ref}/contact-points"): Case(
        lambda w, c, who: {
            "url": f"/api/v1/loans/{w.tenant(c).loan_ref}/contact-points",
            "json": {"kind": "phone", "value": "13700001234", "party": "emergency_contact"},
        },
        own=every(403, anonymous=401, supervisor=201, collector=201, field_agent=201),
        other=every(403, anonymous=401, supervisor=404, collector=404, field_agent=404),
    ),
    ("POST", "/api/v1/contact-points/{contact_point_id}/status"): Case(
        lambda w, c, who: {
            "url": f"/api/v1/contact-points/{_MINE.get(who, 1) if c == 'A' else 999}/status",
            "json": {"status": "verified"},
        },
        own=every(403, anonymous=401, supervisor=200, collector=200, field_agent=200),
        other=every(403, anonymous=401, supervisor=404, collector=404, field_agent=404),
    ),
    ("GET", "/api/v1/loans/{loan_ref}/promises"): Case(
        lambda w, c, who: {"url": f"/api/v1/loans/{w.tenant(c).loan_ref}/promises"},
        own=every(200, anonymous=401),
        other=every(404, anonymous=401),
    ),
    ("POST", "/api/v1/messages"): Case(
        lambda w, c, who: {
            "url": "/api/v1/messages",
            "json": {"loan_ref": w.tenant(c).loan_ref, "channel": "sms",
                     "content": "再不还钱就爆你通讯录！"},
        },
        # the content lint blocks it (409) whatever the time: the caller was allowed to try
        own=every(403, anonymous=401, supervisor=409, collector=409, field_agent=409),
        other=every(403, anonymous=401, supervisor=404, collector=404, field_agent=404),
    ),
    ("GET", "/api/v1/messages/{message_id}"): Case(
        get("/api/v1/messages/1"), own=every(404, anonymous=401), other=every(404, anonymous=401)
    ),
    ("GET", "/api/v1/templates"): Case(
        lambda w, c, who: {"url": f"/api/v1/templates?creditor={c}"},
        own=every(200, anonymous=401),
        other=every(404, anonymous=401),
    ),
    ("POST", "/api/v1/templates"): Case(
        lambda w, c, who: {
            "url": "/api/v1/templates",
            "json": {"creditor": c, "code": "reminder", "channel": "sms", "locale": "en",
                     "body": "Hello {{ name }}, {{ amount_due }} is due."},
        },
        own=every(403, anonymous=401, supervisor=201, compliance=201),
        other=every(403, anonymous=401, supervisor=404, compliance=404),
    ),
    ("POST", "/api/v1/payments"): Case(
        lambda w, c, who: {
            "url": "/api/v1/payments",
            "json": {"loan_ref": w.tenant(c).loan_ref, "payment_ref": f"PAY-{c}-{who}",
                     "amount": "10.00", "paid_at": "2026-03-02T10:00:00+08:00"},
        },
        own=every(403, anonymous=401, supervisor=201),
        other=every(403, anonymous=401, supervisor=404),
    ),
    # provider webhooks: unsigned requests are refused whoever sends them
    ("POST", "/api/v1/inbound/sms"): Case(
        lambda w, c, who: {"url": "/api/v1/inbound/sms",
                           "json": {"from": "+8613700000000", "text": "STOP", "message_id": "m"}},
        every(401),
    ),
    ("POST", "/api/v1/inbound/email"): Case(
        lambda w, c, who: {"url": "/api/v1/inbound/email",
                           "json": {"recipient": "x@example.org", "status": "5.1.1"}},
        every(401),
    ),
    # staff pages (anonymous visitors are sent to the sign-in page)
    ("GET", "/"): Case(get("/"), every(200, anonymous=303)),
    ("GET", "/account/totp"): Case(get("/account/totp"), every(200, anonymous=303)),
    ("POST", "/account/totp"): Case(
        # a forged enrolment form: staff are sent back to the enrolment page
        lambda w, c, who: {
            "url": "/account/totp",
            "data": {"secret": "JBSWY3DPEHPK3PXP", "secret_mac": "0" * 64, "code": "123456"},
        },
        every(303),
    ),
    # sign-in, sign-out, language
    ("GET", "/sign-in"): Case(get("/sign-in"), every(303, anonymous=200)),
    ("POST", "/sign-in"): Case(
        lambda w, c, who: {
            "url": "/sign-in",
            "data": {"username": f"nobody-{who}", "password": "wrong pw"},
        },
        every(400),
    ),
    ("GET", "/sign-in/totp"): Case(get("/sign-in/totp"), every(303)),
    ("POST", "/sign-in/totp"): Case(
        lambda w, c, who: {"url": "/sign-in/totp", "data": {"code": "123456"}}, every(303)
    ),
    ("POST", "/sign-out"): Case(lambda w, c, who: {"url": "/sign-out", "data": {}}, every(303)),
    ("POST", "/lang"): Case(
        lambda w, c, who: {"url": "/lang", "data": {"locale": "en", "next": "/"}}, every(303)
    ),
    # static files
    ("GET", "/static/{path}"): Case(get("/static/css/app.css"), every(200)),
    ("GET", "/vendor/plotly.min.js"): Case(get("/vendor/plotly.min.js"), every(200)),
    ("GET", "/vendor/plotly.css"): Case(get("/vendor/plotly.css"), every(200)),
    # ---- staff app (issue 7): collector workspace -------------------------------------
    ("GET", "/api/v1/work-items"): Case(
        get("/api/v1/work-items"), own=every(200, anonymous=401), other=every(200, anonymous=401)
    ),
    ("GET", "/api/v1/loans/{loan_ref}/account"): Case(
        lambda w, c, who: {"url": f"/api/v1/loans/{w.tenant(c).loan_ref}/account"},
        own=every(200, anonymous=401),
        other=every(404, anonymous=401),
    ),
    ("GET", "/api/v1/loans/{loan_ref}/allowed-actions"): Case(
        lambda w, c, who: {"url": f"/api/v1/loans/{w.tenant(c).loan_ref}/allowed-actions"},
        own=every(200, anonymous=401),
        other=every(404, anonymous=401),
    ),
    ("POST", "/api/v1/loans/{loan_ref}/reveal"): Case(
        lambda w, c, who: {
            "url": f"/api/v1/loans/{w.tenant(c).loan_ref}/reveal",
            "json": {"reason": "the borrower asked for a call back"},
        },
        own=every(200, anonymous=401, admin=403, auditor=403),
        other=every(404, anonymous=401, admin=403, auditor=403),
    ),
    ("GET", "/queue"): Case(
        get("/queue"), own=every(200, anonymous=303), other=every(200, anonymous=303)
    ),
    ("GET", "/loans/{loan_ref}"): Case(
        lambda w, c, who: {"url": f"/loans/{w.tenant(c).loan_ref}"},
        own=every(200, anonymous=303),
        other=every(404, anonymous=303),
    ),
    ("POST", "/loans/{loan_ref}/reveal"): Case(
        lambda w, c, who: {
            "url": f"/loans/{w.tenant(c).loan_ref}/reveal",
            "data": {"reason": "the borrower asked for a call back", "fields": "phone"},
        },
        own=every(200, anonymous=303, admin=403, auditor=403),
        other=every(404, anonymous=303, admin=403, auditor=403),
    ),
    ("POST", "/loans/{loan_ref}/attempts"): Case(
        # a notice that collection ends by letter: allowed whatever the time -> redirect
        lambda w, c, who: {
            "url": f"/loans/{w.tenant(c).loan_ref}/attempts",
            "data": {"channel": "letter", "purpose": "notice_end", "place": "home"},
        },
        own=every(403, anonymous=303, supervisor=303, collector=303, field_agent=303),
        other=every(403, anonymous=303, supervisor=404, collector=404, field_agent=404),
    ),
    ("POST", "/loans/{loan_ref}/attempts/{attempt_id}/outcome"): Case(
        # attempt 1 (loan L-A) already has its outcome: the contact roles get the conflict
        lambda w, c, who: {
            "url": f"/loans/{w.tenant(c).loan_ref}/attempts/{1 if c == 'A' else 999}/outcome",
            "data": {"outcome": "no_answer"},
        },
        own=every(403, anonymous=303, supervisor=409, collector=409, field_agent=409),
        other=every(403, anonymous=303, supervisor=404, collector=404, field_agent=404),
    ),
    ("POST", "/loans/{loan_ref}/attempts/{attempt_id}/override-request"): Case(
        lambda w, c, who: {
            "url": f"/loans/{w.tenant(c).loan_ref}/attempts/{1 if c == 'A' else 999}"
            "/override-request",
            "data": {"reason": "the consumer asked for a call back"},
        },
        # attempt 1 was allowed: there is nothing to override
        own=every(403, anonymous=303, supervisor=409, collector=409, field_agent=409),
        other=every(403, anonymous=303, supervisor=404, collector=404, field_agent=404),
    ),
    ("POST", "/loans/{loan_ref}/messages"): Case(
        # allowed or blocked (quiet hours), the page redirects to the attempt
        lambda w, c, who: {
            "url": f"/loans/{w.tenant(c).loan_ref}/messages",
            "data": {"channel": "sms", "template": "reminder"},
        },
        own=every(403, anonymous=303, supervisor=303, collector=303, field_agent=303),
        other=every(403, anonymous=303, supervisor=404, collector=404, field_agent=404),
    ),
    # ---- supervisor: strategies, runs, capacity, dashboards ---------------------------
    ("GET", "/api/v1/strategies"): Case(
        get("/api/v1/strategies"), every(200, anonymous=401, collector=403, field_agent=403)
    ),
    ("GET", "/api/v1/strategies/{name}"): Case(
        get("/api/v1/strategies/faircollect-default"),
        every(200, anonymous=401, collector=403, field_agent=403),
    ),
    ("GET", "/api/v1/strategies/{name}/diff"): Case(
        get("/api/v1/strategies/faircollect-default/diff"),
        every(200, anonymous=401, collector=403, field_agent=403),
    ),
    ("POST", "/api/v1/strategies/validate"): Case(
        lambda w, c, who: {"url": "/api/v1/strategies/validate", "json": {"source": _YAML}},
        every(200, anonymous=401, collector=403, field_agent=403),
    ),
    ("POST", "/api/v1/strategies"): Case(
        lambda w, c, who: {"url": "/api/v1/strategies", "json": {"source": _YAML}},
        every(403, anonymous=401, supervisor=201),
    ),
    ("POST", "/api/v1/strategies/{name}/versions/{version}/activate"): Case(
        lambda w, c, who: {"url": "/api/v1/strategies/matrix-strategy/versions/1/activate"},
        every(403, anonymous=401, supervisor=200),
    ),
    ("POST", "/api/v1/strategies/{name}/challengers"): Case(
        # no challenger in this strategy: the same spec again (200, nothing new)
        lambda w, c, who: {
            "url": "/api/v1/strategies/matrix-strategy/challengers",
            "json": {"shares": {}},
        },
        every(403, anonymous=401, supervisor=200),
    ),
    ("GET", "/api/v1/strategy-runs"): Case(
        get("/api/v1/strategy-runs"),
        own=every(200, anonymous=401, collector=403, field_agent=403),
        other=every(200, anonymous=401, collector=403, field_agent=403),
    ),
    ("GET", "/api/v1/strategy-runs/{run_id}"): Case(
        get("/api/v1/strategy-runs/999"),
        own=every(404, anonymous=401, collector=403, field_agent=403),
        other=every(404, anonymous=401, collector=403, field_agent=403),
    ),
    ("GET", "/api/v1/capacity"): Case(
        get("/api/v1/capacity"), every(200, anonymous=401, collector=403, field_agent=403)
    ),
    ("PUT", "/api/v1/capacity"): Case(
        lambda w, c, who: {
            "url": "/api/v1/capacity",
            "json": {"collectors": [{"name": "matrix-desk", "daily_capacity": 20}]},
        },
        every(403, anonymous=401, supervisor=200),
    ),
    ("GET", "/api/v1/reports/dashboard"): Case(
        get("/api/v1/reports/dashboard"),
        own=every(200, anonymous=401, collector=403, field_agent=403),
        other=every(200, anonymous=401, collector=403, field_agent=403),
    ),
    ("GET", "/strategies"): Case(
        get("/strategies"), every(200, anonymous=303, collector=403, field_agent=403)
    ),
    ("GET", "/strategies/{name}"): Case(
        get("/strategies/faircollect-default"),
        every(200, anonymous=303, collector=403, field_agent=403),
    ),
    ("POST", "/strategies"): Case(
        lambda w, c, who: {"url": "/strategies", "data": {"source": _YAML, "op": "validate"}},
        every(200, anonymous=303, collector=403, field_agent=403),
    ),
    ("POST", "/strategies/{name}/versions/{version}/activate"): Case(
        lambda w, c, who: {"url": "/strategies/matrix-strategy/versions/1/activate"},
        every(403, anonymous=303, supervisor=303),
    ),
    ("POST", "/strategies/{name}/challengers"): Case(
        lambda w, c, who: {"url": "/strategies/matrix-strategy/challengers", "data": {}},
        every(403, anonymous=303, supervisor=303),
    ),
    ("GET", "/runs"): Case(
        get("/runs"),
        own=every(200, anonymous=303, collector=403, field_agent=403),
        other=every(200, anonymous=303, collector=403, field_agent=403),
    ),
    ("GET", "/runs/{run_id}"): Case(
        get("/runs/999"),
        own=every(404, anonymous=303, collector=403, field_agent=403),
        other=every(404, anonymous=303, collector=403, field_agent=403),
    ),
    ("GET", "/capacity"): Case(
        get("/capacity"), every(200, anonymous=303, collector=403, field_agent=403)
    ),
    ("POST", "/capacity"): Case(
        lambda w, c, who: {
            "url": "/capacity",
            "data": {"new_kind": "collector", "new_name": "matrix-page", "new_capacity": "10"},
        },
        every(403, anonymous=303, supervisor=303),
    ),
    ("GET", "/dashboards"): Case(
        get("/dashboards"),
        own=every(200, anonymous=303, collector=403, field_agent=403),
        other=every(200, anonymous=303, collector=403, field_agent=403),
    ),
    # ---- compliance ---------------------------------------------------------------------
    ("GET", "/api/v1/compliance/blocks"): Case(
        get("/api/v1/compliance/blocks"),
        own=every(200, anonymous=401, collector=403, field_agent=403),
        other=every(200, anonymous=401, collector=403, field_agent=403),
    ),
    ("GET", "/api/v1/complaints"): Case(
        get("/api/v1/complaints"),
        own=every(200, anonymous=401),
        other=every(200, anonymous=401),
    ),
    ("POST", "/api/v1/complaints"): Case(
        # by supervisor, collector, field_agent, compliance (PRINCIPALS order): complaints
        # 1..4 of creditor A
        lambda w, c, who: {
            "url": "/api/v1/complaints",
            "json": {
                "loan_ref": w.tenant(c).loan_ref,
                "source": "phone",
                "category": "contact_time",
                "summary": "Called during lunch break.",
            },
        },
        own=every(201, anonymous=401, admin=403, auditor=403),
        other=every(404, anonymous=401, admin=403, auditor=403),
    ),
    ("POST", "/api/v1/complaints/{complaint_id}/status"): Case(
        lambda w, c, who: {
            "url": f"/api/v1/complaints/{1 if c == 'A' else 999}/status",
            "json": {"status": "in_progress"},
        },
        own=every(403, anonymous=401, compliance=200),
        other=every(403, anonymous=401, compliance=404),
    ),
    ("GET", "/api/v1/audit-events"): Case(
        get("/api/v1/audit-events"),
        own=every(403, anonymous=401, admin=200, compliance=200, auditor=200),
        other=every(403, anonymous=401, admin=200, compliance=200, auditor=200),
    ),
    ("POST", "/api/v1/audit/verify"): Case(
        lambda w, c, who: {"url": "/api/v1/audit/verify"},
        every(403, anonymous=401, admin=200, compliance=200, auditor=200),
    ),
    ("GET", "/api/v1/rules/packs"): Case(get("/api/v1/rules/packs"), every(200, anonymous=401)),
    ("GET", "/api/v1/rules/packs/{pack_id}"): Case(
        get("/api/v1/rules/packs/CN"), every(200, anonymous=401)
    ),
    ("GET", "/api/v1/retention"): Case(
        get("/api/v1/retention"),
        own=every(200, anonymous=401, collector=403, field_agent=403),
        other=every(200, anonymous=401, collector=403, field_agent=403),
    ),
    ("PUT", "/api/v1/retention/{creditor}"): Case(
        lambda w, c, who: {
            "url": f"/api/v1/retention/{c}",
            "json": {"records_years": 6, "recordings_years": 3},
        },
        own=every(403, anonymous=401, admin=200, compliance=200),
        other=every(403, anonymous=401, admin=404, compliance=404),
    ),
    ("GET", "/compliance/blocks"): Case(
        get("/compliance/blocks"),
        own=every(200, anonymous=303, collector=403, field_agent=403),
        other=every(200, anonymous=303, collector=403, field_agent=403),
    ),
    ("GET", "/compliance/overrides"): Case(
        get("/compliance/overrides"),
        own=every(200, anonymous=303, collector=403, field_agent=403),
        other=every(200, anonymous=303, collector=403, field_agent=403),
    ),
    ("POST", "/compliance/overrides/{override_id}/decision"): Case(
        lambda w, c, who: {
            "url": "/compliance/overrides/999/decision",
            "data": {"decision": "reject", "reason": "no such request here"},
        },
        own=every(403, anonymous=303, compliance=404),
        other=every(403, anonymous=303, compliance=404),
    ),
    ("GET", "/compliance/complaints"): Case(
        get("/compliance/complaints"),
        own=every(200, anonymous=303),
        other=every(200, anonymous=303),
    ),
    ("POST", "/compliance/complaints"): Case(
        lambda w, c, who: {
            "url": "/compliance/complaints",
            "data": {
                "loan_ref": w.tenant(c).loan_ref,
                "source": "letter",
                "category": "conduct",
                "summary": "The caller was rude.",
            },
        },
        own=every(303, admin=403, auditor=403),
        other=every(404, anonymous=303, admin=403, auditor=403),
    ),
    ("POST", "/compliance/complaints/{complaint_id}/status"): Case(
        lambda w, c, who: {
            "url": f"/compliance/complaints/{1 if c == 'A' else 999}/status",
            "data": {"status": "resolved", "resolution": "Apologised; coaching for the caller."},
        },
        own=every(403, anonymous=303, compliance=303),
        other=every(403, anonymous=303, compliance=404),
    ),
    ("GET", "/compliance/audit"): Case(
        get("/compliance/audit"),
        own=every(403, anonymous=303, admin=200, compliance=200, auditor=200),
        other=every(403, anonymous=303, admin=200, compliance=200, auditor=200),
    ),
    ("POST", "/compliance/audit/verify"): Case(
        lambda w, c, who: {"url": "/compliance/audit/verify", "data": {}},
        every(403, anonymous=303, admin=200, compliance=200, auditor=200),
    ),
    ("GET", "/compliance/rules"): Case(get("/compliance/rules"), every(200, anonymous=303)),
    ("GET", "/compliance/rules/{pack_id}"): Case(
        get("/compliance/rules/US-MA"), every(200, anonymous=303)
    ),
    ("GET", "/compliance/retention"): Case(
        get("/compliance/retention"),
        own=every(200, anonymous=303, collector=403, field_agent=403),
        other=every(200, anonymous=303, collector=403, field_agent=403),
    ),
    ("POST", "/compliance/retention"): Case(
        lambda w, c, who: {
            "url": "/compliance/retention",
            "data": {"creditor": c, "records_years": "7", "recordings_years": "3"},
        },
        own=every(403, anonymous=303, admin=303, compliance=303),
        other=every(403, anonymous=303, admin=404, compliance=404),
    ),
}

#: routes allowed to show unmasked PII to roles with the "pii.reveal" permission
REVEALS: frozenset[tuple[str, str]] = frozenset(
    {("POST", "/api/v1/loans/{loan_ref}/reveal"), ("POST", "/loans/{loan_ref}/reveal")}
)


class Outcome(NamedTuple):
    route: tuple[str, str]
    principal: str
    side: str
    expected: int
    status: int
    body: str


def _run(
    app: FastAPI,
    db: Database,
    web_settings: WebSettings,
    world: World,
    add_user: Callable[..., int],
) -> Iterator[Outcome]:
    vault = app.state.web.vault
    users = {role: add_user(f"matrix.{role.replace('_', '')}", role, ("A",)) for role in ROLES}
    c = TestClient(app, base_url=BASE_URL, follow_redirects=False)
    for route, case in MATRIX.items():
        method = route[0]
        sides = [("own", "A", case.own)]
        if case.other is not None:
            sides.append(("other", "B", case.other))
        static = route[1].startswith(("/static/", "/vendor/"))  # files, not data
        for side, code, expected in sides:
            for principal in PRINCIPALS:
                c.cookies.clear()
                if principal == ANON:
                    token = form_csrf(c.get("/sign-in").text)  # pre-session binding
                else:
                    with db.transaction() as s:
                        sid = sessions.start(
                            s, vault, web_settings, now=clock.now(), user_id=users[principal]
                        )
                    c.cookies.set(web_settings.session_cookie, sid)
                    token = sessions.csrf_token(vault, "session", sid)
                kwargs = case.request(world, code, principal)
                r = c.request(method, headers={"X-CSRF-Token": token}, **kwargs)
                body = "" if static else r.text
                headers = "\n".join(f"{k}: {v}" for k, v in r.headers.items())
                yield Outcome(
                    route,
                    principal,
                    side,
                    expected[principal],
                    r.status_code,
                    body + "\n" + headers,
                )
    c.close()


def test_every_route_has_an_entry(app: FastAPI) -> None:
    routes = set(app.state.web.policies)
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"routes without an entry in MATRIX (add them): {missing}"
    assert not stale, f"MATRIX entries for routes that do not exist: {stale}"
    for key, case in MATRIX.items():
        policy = app.state.web.policies[key]
        assert (case.other is not None) == policy.tenant, (
            f"{key}: give `other` expectations exactly when the policy is tenant-scoped"
        )
        assert set(case.own) == set(PRINCIPALS)
        assert case.other is None or set(case.other) == set(PRINCIPALS)


def test_authorization_matrix(
    app: FastAPI,
    db: Database,
    web_settings: WebSettings,
    world: World,
    add_user: Callable[..., int],
) -> None:
    wrong = [
        f"{o.route[0]} {o.route[1]} as {o.principal} ({o.side} creditor): "
        f"expected {o.expected}, got {o.status}"
        for o in _run(app, db, web_settings, world, add_user)
        if o.status != o.expected
    ]
    assert not wrong, "\n".join(wrong)


def _pii_strings(world: World) -> list[str]:
    out = []
    for t in (world.a, world.b):
        p = t.pii
        out += [
            p.phone,
            p.phone_e164,
            p.id_number,
            p.name,
            p.email,
            f"{p.phone[:3]} {p.phone[3:7]} {p.phone[7:]}",
            f"{p.phone[:3]}-{p.phone[3:7]}-{p.phone[7:]}",
        ]
    return out


def test_no_response_shows_unmasked_pii(
    app: FastAPI,
    db: Database,
    web_settings: WebSettings,
    world: World,
    add_user: Callable[..., int],
) -> None:
    secrets = _pii_strings(world)
    seen_masked = False
    leaks = []
    for o in _run(app, db, web_settings, world, add_user):
        seen_masked |= "138****5678" in o.body
        if o.route in REVEALS and "pii.reveal" in permissions_of(o.principal):
            continue
        for s in secrets:
            if s in o.body:
                leaks.append(f"{o.route} as {o.principal} ({o.side}): shows {s[:3]}...")
    assert seen_masked, "the scan must see the masked phone somewhere (or it scans nothing)"
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_scan_would_catch_a_leak(world: World) -> None:
    body = f'{{"phone": "{world.a.pii.phone}"}}'
    assert any(s in body for s in _pii_strings(world))
