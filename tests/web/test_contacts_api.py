"""The contact gate over HTTP (DESIGN 4.4): 201 allowed / 409 blocked, outcomes, overrides,
contact points, promises, payments; other creditors' loans are 404."""

from __future__ import annotations

import pytest

from faircollect.store.tables import ContactEvent

from .helpers import audit_actions

NOW = "2026-03-04T10:00:00+08:00"  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def _daytime(frozen_now):
    frozen_now(NOW)


def attempt(c, loan_ref, **kw):
    body = {
        "loan_ref": loan_ref,
        "channel": "call",
        "party": "debtor",
        "place": "mobile",
        "purpose": "demand",
        **kw,
    }
    return c.post("/api/v1/contact-attempts", json=body)


def test_allowed_then_capped_with_provision(client_for, world, db):
    c = client_for("collector", auth="token")
    for _ in range(3):
        r = attempt(c, world.a.loan_ref)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["allowed"] is True and isinstance(body["attempt_id"], int)
        assert body["pack"] == "CN" and body["violations"] == []
        o = c.post(
            f"/api/v1/contact-attempts/{body['attempt_id']}/outcome",
            json={"outcome": "conversation"},
        )
        assert o.status_code == 200, o.text
    blocked = attempt(c, world.a.loan_ref)
    assert blocked.status_code == 409
    b = blocked.json()
    assert b["allowed"] is False and b["next_allowed_at"] is not None
    assert [v["rule"] for v in b["violations"]] == ["CN:daily-connected-calls"]
    assert b["violations"][0]["provision"].startswith("NIFA")
    with db.transaction() as s:
        assert s.get(ContactEvent, b["attempt_id"]).status == "blocked"
    got = c.get(f"/api/v1/contact-attempts/{b['attempt_id']}")
    assert got.status_code == 200 and got.json()["status"] == "blocked"
    assert ("contact.blocked", f"loan:{world.a.loan_ref}") in [
        (a, e) for a, e, _ in audit_actions(db)
    ]


def test_violation_messages_follow_the_language(client_for, world):
    c = client_for("collector", auth="token")
    zh = attempt(
        c, world.a.loan_ref, channel="visit", place="home", party="employer", purpose="location"
    )
    en = c.post(
        "/api/v1/contact-attempts",
        headers={"Accept-Language": "en"},
        json={
            "loan_ref": world.a.loan_ref,
            "channel": "visit",
            "place": "home",
            "party": "employer",
            "purpose": "location",
        },
    )
    assert zh.status_code == en.status_code == 409
    assert zh.json()["violations"][0]["message"] == "债务人可以联系上：只向债务人催收。"
    assert en.json()["violations"][0]["message"].startswith("The debtor is reachable")


def test_other_creditors_loan_is_404_and_nothing_recorded(client_for, world, db):
    c = client_for("collector", auth="token")
    r = attempt(c, world.b.loan_ref)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "loan_not_found"
    assert attempt(c, "NO-SUCH-LOAN").status_code == 404
    other = client_for("collector", ("B",), auth="token")
    a = attempt(other, world.b.loan_ref).json()["attempt_id"]
    assert c.get(f"/api/v1/contact-attempts/{a}").status_code == 404
    assert (
        c.post(f"/api/v1/contact-attempts/{a}/outcome", json={"outcome": "no_answer"}).status_code
        == 404
    )


def test_invalid_input_is_422(client_for, world):
    c = client_for("collector", auth="token")
    r = attempt(c, world.a.loan_ref, channel="pigeon")
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/channel"
    assert attempt(c, world.a.loan_ref, unknown=1).status_code == 422


def test_idempotency_key_replays_the_first_answer(client_for, world, db):
    c = client_for("collector", auth="token")
    h = {"Idempotency-Key": "call-1"}
    first = c.post(
        "/api/v1/contact-attempts",
        headers=h,
        json={"loan_ref": world.a.loan_ref, "channel": "call"},
    )
    again = c.post(
        "/api/v1/contact-attempts",
        headers=h,
        json={"loan_ref": world.a.loan_ref, "channel": "call"},
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["attempt_id"] == again.json()["attempt_id"]
    with db.transaction() as s:
        assert s.query(ContactEvent).count() == 1


def test_outcome_stop_channel_and_promise(client_for, world):
    c = client_for("collector", auth="token")
    a = attempt(c, world.a.loan_ref).json()["attempt_id"]
    r = c.post(
        f"/api/v1/contact-attempts/{a}/outcome",
        json={"outcome": "promise_to_pay", "amount": "200.00", "due_on": "2026-03-10"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["recorded_as"] == "conversation" and r.json()["promise_id"]
    assert (
        c.post(f"/api/v1/contact-attempts/{a}/outcome", json={"outcome": "no_answer"}).status_code
        == 409
    )
    p = c.get(f"/api/v1/loans/{world.a.loan_ref}/promises").json()["promises"]
    assert [(x["amount"], x["due_on"], x["status"]) for x in p] == [
        ("200.00", "2026-03-10", "open")
    ]
    b = attempt(c, world.a.loan_ref).json()["attempt_id"]
    stop = c.post(
        f"/api/v1/contact-attempts/{b}/outcome",
        json={"outcome": "stop_channel", "channels": ["call"]},
    )
    assert stop.status_code == 200
    assert stop.json()["changes"]["channel_opt_outs"] == ["call"]
    blocked = attempt(c, world.a.loan_ref)
    assert blocked.status_code == 409
    assert "CN:channel-opt-out" in [v["rule"] for v in blocked.json()["violations"]]
    bad = c.post(f"/api/v1/contact-attempts/{b}/outcome", json={"outcome": "sleepy"})
    assert bad.status_code == 422


def test_roles(client_for, world):
    for role, status in (
        ("auditor", 403),
        ("admin", 403),
        ("compliance", 403),
        ("supervisor", 201),
        ("field_agent", 201),
    ):
        c = client_for(role, auth="token")
        assert attempt(c, world.a.loan_ref).status_code == status, role


def test_override_flow(client_for, world, frozen_now):
    collector = client_for("collector", auth="token")
    officer = client_for("compliance", auth="token")
    frozen_now("2026-03-04T23:00:00+08:00")  # quiet hours: never overridable
    blocked = attempt(collector, world.a.loan_ref).json()
    r = collector.post(
        f"/api/v1/contact-attempts/{blocked['attempt_id']}/override-requests",
        json={"reason": "Borrower asked for a call at 23:00."},
    )
    assert r.status_code == 409 and r.json()["rules"] == ["CN:quiet-hours"]
    assert officer.get("/api/v1/overrides").json() == {"overrides": []}
    assert (
        officer.post(
            "/api/v1/overrides/999/decision", json={"approve": True, "reason": "no such request"}
        ).status_code
        == 404
    )
    assert (
        collector.post(
            "/api/v1/overrides/999/decision", json={"approve": True, "reason": "x" * 12}
        ).status_code
        == 403
    )


def test_contact_points(client_for, world):
    c = client_for("collector", auth="token")
    r = c.post(
        f"/api/v1/loans/{world.a.loan_ref}/contact-points",
        json={
            "kind": "phone",
            "value": "13911112222",
            "party": "emergency_contact",
            "source": "address_book",
        },
    )
    assert r.status_code == 201, r.text
    point = r.json()
    assert point["value"] == "139****2222" and point["source"] == "address_book"
    listed = c.get(f"/api/v1/loans/{world.a.loan_ref}/contact-points").json()["contact_points"]
    assert [p["id"] for p in listed] == [point["id"]]
    blocked = attempt(
        c,
        world.a.loan_ref,
        party="emergency_contact",
        purpose="location",
        contact_point=point["id"],
    )
    assert "CN:harvested-contacts" in [v["rule"] for v in blocked.json()["violations"]]
    inv = c.post(
        f"/api/v1/contact-points/{point['id']}/status",
        json={"status": "invalid", "reason": "wrong number"},
    )
    assert inv.status_code == 200 and inv.json()["status"] == "invalid"
    assert c.get(f"/api/v1/loans/{world.b.loan_ref}/contact-points").status_code == 404
    assert attempt(c, world.a.loan_ref, contact_point="abc").status_code == 404


def test_post_payment(client_for, world, db):
    c = client_for("supervisor", auth="token")
    body = {
        "loan_ref": world.a.loan_ref,
        "payment_ref": "PAY-1",
        "amount": "100.00",
        "paid_at": "2026-03-04T09:00:00+08:00",
        "channel": "alipay",
    }
    r = c.post("/api/v1/payments", json=body, headers={"Idempotency-Key": "pay-1"})
    assert r.status_code == 201, r.text
    assert r.json()["payment_ref"] == "PAY-1" and r.json()["amount"] == "100.00"
    again = c.post("/api/v1/payments", json=body, headers={"Idempotency-Key": "pay-1"})
    assert again.headers["Idempotent-Replayed"] == "true"
    same_ref = c.post("/api/v1/payments", json=body)
    assert same_ref.status_code == 200 and same_ref.json()["replayed"] is True
    conflict = c.post("/api/v1/payments", json={**body, "amount": "5.00"})
    assert conflict.status_code == 409
    assert (
        c.post(
            "/api/v1/payments", json={**body, "loan_ref": world.b.loan_ref, "payment_ref": "PAY-2"}
        ).status_code
        == 404
    )
    collector = client_for("collector", auth="token")
    assert collector.post("/api/v1/payments", json={**body, "payment_ref": "P3"}).status_code == 403


# ------------------------------------------------------------------------------------------
# the race, over HTTP, against a real Uvicorn server with a real bearer token
# ------------------------------------------------------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token_for(db, vault, creditor_id: int) -> str:
    from faircollect import clock
    from faircollect.store.repositories import api_tokens, users
    from faircollect.web.auth.tokens import new_token, token_hash

    token = new_token()
    with db.transaction() as s:
        uid = users.add(
            s, username="racer", password_hash="!", role="collector", creditor_ids=[creditor_id]
        ).id
        api_tokens.add(
            s, user_id=uid, name="race", token_hash=token_hash(vault, token), now=clock.now()
        )
    return token


def test_race_over_http_never_exceeds_the_cap(database_url, db, vault, tmp_path, monkeypatch):
    """32 concurrent call attempts on one US debt through `faircollect serve`: exactly 7
    (12 CFR 1006.14(b)(2)(i)(A)) are allowed, the 25 others are refused with that provision,
    and the database agrees with the answers."""
    import os
    import subprocess
    import sys
    import threading
    import time
    from pathlib import Path

    import httpx

    from faircollect.store.repositories import contact_events
    from faircollect.store.scope import Scope
    from tests.conftest import TEST_SECRET_KEYS
    from tests.contacts.conftest import make_debtor

    d = make_debtor(db, vault, pack="US", phone="+12125550123")
    token = _token_for(db, vault, d.creditor_id)
    port = _free_port()
    env = {
        **os.environ,
        "FAIRCOLLECT_DATABASE_URL": database_url,
        "FAIRCOLLECT_SECRET_KEY": TEST_SECRET_KEYS[0],
        "FAIRCOLLECT_VAR_DIR": str(tmp_path),
        "FAIRCOLLECT_CLOCK": "2026-03-04T10:00:00-05:00",
    }  # 10:00 in New York
    exe = str(Path(sys.executable).with_name("faircollect"))
    server = subprocess.Popen(
        [exe, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        barrier = threading.Barrier(32)
        answers: list[tuple[int, dict]] = []
        lock = threading.Lock()

        def racer() -> None:
            with httpx.Client(
                base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}
            ) as c:
                barrier.wait()
                r = c.post(
                    "/api/v1/contact-attempts",
                    json={
                        "loan_ref": d.loan_ref,
                        "channel": "call",
                        "party": "debtor",
                        "place": "mobile",
                        "purpose": "demand",
                        "contact_point": str(d.phone_point),
                    },
                )
                with lock:
                    answers.append((r.status_code, r.json()))

        threads = [threading.Thread(target=racer) for _ in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(20)
        server.stderr.close()
    statuses = sorted(s for s, _ in answers)
    assert statuses == [201] * 7 + [409] * 25, statuses
    allowed = {b["attempt_id"] for s, b in answers if s == 201}
    refused = [b for s, b in answers if s == 409]
    assert all(
        [v["provision"] for v in b["violations"]] == ["12 CFR 1006.14(b)(2)(i)(A)"] for b in refused
    )
    with db.transaction() as s:
        rows = contact_events.history(s, d.borrower_id, scope=Scope.system())
    assert {e.id for e in rows if e.status == "attempted"} == allowed
    assert {e.id for e in rows if e.status == "blocked"} == {b["attempt_id"] for b in refused}
