"""The Idempotency-Key mechanism, on a route added for the test (it is not part of the app:
later engineers use it for payments and messages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import func, select

from faircollect import audit
from faircollect.store.db import Database
from faircollect.store.tables import AuditEvent, IdempotencyRecord
from faircollect.web.auth.caller import Caller
from faircollect.web.deps import require
from faircollect.web.idempotency import Idempotency, idempotency
from faircollect.web.problems import Problem

from .conftest import WebClient


class Transfer(BaseModel):
    amount: str
    fail: bool = False


@pytest.fixture
def idem_app(app: FastAPI) -> FastAPI:
    calls: list[str] = []

    @app.post("/api/v1/test-transfers", status_code=201)
    def transfer(
        body: Transfer,
        caller: Caller = Depends(require(action="write", tenant=False)),
        idem: Idempotency = Depends(idempotency()),
    ) -> Any:
        def work(s: Any) -> tuple[int, Any]:
            calls.append(body.amount)
            event = audit.append(
                s,
                actor=caller.actor,
                action="test.transfer",
                entity="test:1",
                payload={"amount": body.amount},
            )
            if body.fail:
                raise Problem(409, "test-failure")
            return 201, {"seq": event.seq, "amount": body.amount}

        return idem.run(caller, body, work)

    @app.post("/api/v1/test-required")
    def required(
        body: Transfer,
        caller: Caller = Depends(require(action="write", tenant=False)),
        idem: Idempotency = Depends(idempotency(required=True)),
    ) -> Any:
        return idem.run(caller, body, lambda s: (200, {"ok": True}))

    app.state.calls = calls
    return app


def _count(db: Database, model: Any) -> int:
    with db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_replay_returns_the_stored_response_and_does_the_work_once(
    idem_app: FastAPI, client_for: Callable[..., WebClient], db: Database
) -> None:
    c = client_for("collector", auth="token")
    h = {"Idempotency-Key": "pay-0001"}
    first = c.post("/api/v1/test-transfers", json={"amount": "10.00"}, headers=h)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = c.post("/api/v1/test-transfers", json={"amount": "10.00"}, headers=h)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert idem_app.state.calls == ["10.00"]
    assert _count(db, AuditEvent) == 1
    # same key, different body: 422 problem, nothing done
    other = c.post("/api/v1/test-transfers", json={"amount": "99.00"}, headers=h)
    assert other.status_code == 422
    assert other.json()["type"] == "urn:faircollect:problem:idempotency-key-reused"
    assert idem_app.state.calls == ["10.00"]
    # without a key every request does the work
    c.post("/api/v1/test-transfers", json={"amount": "10.00"})
    c.post("/api/v1/test-transfers", json={"amount": "10.00"})
    assert idem_app.state.calls == ["10.00"] * 3


def test_keys_are_per_principal(
    idem_app: FastAPI, client_for: Callable[..., WebClient], db: Database
) -> None:
    a, b = client_for("collector", auth="token"), client_for("collector")
    h = {"Idempotency-Key": "same-key"}
    ra = a.post("/api/v1/test-transfers", json={"amount": "1.00"}, headers=h)
    rb = b.post("/api/v1/test-transfers", json={"amount": "1.00"}, headers=h)
    assert ra.json()["seq"] != rb.json()["seq"]
    assert _count(db, IdempotencyRecord) == 2


def test_a_failed_request_stores_nothing(
    idem_app: FastAPI, client_for: Callable[..., WebClient], db: Database
) -> None:
    c = client_for("collector", auth="token")
    h = {"Idempotency-Key": "try-1"}
    assert (
        c.post(
            "/api/v1/test-transfers", json={"amount": "5.00", "fail": True}, headers=h
        ).status_code
        == 409
    )
    assert _count(db, IdempotencyRecord) == 0 and _count(db, AuditEvent) == 0
    ok = c.post(
        "/api/v1/test-transfers", json={"amount": "5.00"}, headers={"Idempotency-Key": "try-2"}
    )
    assert ok.status_code == 201


def test_key_validation(idem_app: FastAPI, client_for: Callable[..., WebClient]) -> None:
    c = client_for("collector", auth="token")
    r = c.post("/api/v1/test-required", json={"amount": "1.00"})
    assert r.status_code == 400 and r.json()["type"].endswith(":idempotency-key-missing")
    for bad in ("", "x" * 256, "has space", "中文"):
        r = c.post(
            "/api/v1/test-required",
            json={"amount": "1.00"},
            headers={"Idempotency-Key": bad.encode("utf-8")},
        )
        assert r.status_code == 400, bad
    assert (
        c.post(
            "/api/v1/test-required", json={"amount": "1.00"}, headers={"Idempotency-Key": "k" * 255}
        ).status_code
        == 200
    )
    # the auditor may not write at all: the policy refuses before any key is looked at
    assert (
        client_for("auditor", auth="token")
        .post("/api/v1/test-required", json={"amount": "1.00"}, headers={"Idempotency-Key": "a"})
        .status_code
        == 403
    )
