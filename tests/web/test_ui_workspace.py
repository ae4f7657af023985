"""The collector workspace: today's queue, the account page (masked PII, what is allowed
now and why not), contacts through the gate with outcomes, messages from templates, PII
reveal with a reason, override requests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from faircollect.rules.packs import get_pack
from faircollect.store.db import Database
from faircollect.store.repositories import outbox as outbox_repo
from faircollect.store.repositories import promises as promises_repo
from faircollect.store.scope import SYSTEM
from faircollect.vault import Vault

from .conftest import WebClient, World
from .helpers import audit_actions
from .ui_support import seed_run, text, us_debtor

QUIET = get_pack("CN").rule("CN:quiet-hours").provision
NIGHT = "2026-03-04T23:00:00+08:00"
DAY = "2026-03-04T10:00:00+08:00"


def _attempt_id(location: str) -> int:
    m = re.search(r"attempt=(\d+)", location)
    assert m, location
    return int(m.group(1))


def test_queue_lists_todays_items_by_priority_with_reasons_in_both_languages(
    client_for: Callable[..., WebClient], db: Database, world: World, frozen_now: Any
) -> None:
    frozen_now(DAY)
    seed_run(db, world)
    c = client_for("collector")
    en = text(c.get("/queue", headers={"Accept-Language": "en"}).text)
    assert "Today's queue" in en and "L-A" in en
    assert "call: the least intrusive treatment the rules allow." in en
    assert "L-B" not in en  # another creditor's work item
    zh = text(c.get("/queue", headers={"Accept-Language": "zh-CN"}).text)
    assert "今日队列" in zh and "call：规则允许的干预程度最低的处置方式。" in zh
    api = c.get("/api/v1/work-items", headers={"Accept-Language": "zh-CN"}).json()
    assert [(w["loan_ref"], w["priority"], w["reason"]) for w in api["work_items"]] == [
        ("L-A", 1, "call：规则允许的干预程度最低的处置方式。")
    ]
    assert api["total"] == 1 and api["run"]["as_of"] == "2026-03-04"
    # a loan number typed in the search box opens the account
    r = c.get("/queue?q=L-A")
    assert r.status_code == 303 and r.headers["location"] == "/loans/L-A"


@pytest.mark.parametrize("when", [NIGHT, DAY])
def test_allowed_now_is_what_the_gate_decides(
    client_for: Callable[..., WebClient], world: World, frozen_now: Any, when: str
) -> None:
    """The preview (nothing recorded) agrees with the gate (recorded) at the same moment."""
    frozen_now(when)
    c = client_for("collector")
    preview = c.get("/api/v1/loans/L-A/allowed-actions").json()["actions"]
    call = next(a for a in preview if a["channel"] == "call" and a["party"] == "debtor")
    r = c.post("/api/v1/contact-attempts", json={"loan_ref": "L-A", "channel": "call"})
    decided = r.json()
    assert call["allowed"] == decided["allowed"]
    assert [v["rule"] for v in call["violations"]] == [v["rule"] for v in decided["violations"]]
    assert call["next_allowed_at"] == decided["next_allowed_at"]
    if when == NIGHT:
        assert not call["allowed"] and call["next_allowed_at"] == "2026-03-05T08:00:00+08:00"
        assert call["violations"][0]["provision"] == QUIET


def test_account_page_masks_pii_and_explains_what_is_blocked(
    client_for: Callable[..., WebClient], world: World, frozen_now: Any
) -> None:
    frozen_now(NIGHT)
    c = client_for("collector")
    page = c.get("/loans/L-A", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    t = text(page.text)
    assert "138****5678" in t and world.a.pii.phone not in page.text
    assert world.a.pii.name not in page.text and world.a.pii.id_number not in page.text
    assert f"{QUIET} — Outside 08:00-22:00 local time." in t
    assert "allowed from 3/5/26, 8:00 AM (in 9 h 0 min)" in t
    assert "No contacts yet." in t


def test_call_refused_at_night_then_logged_with_a_promise(
    client_for: Callable[..., WebClient], db: Database, world: World, frozen_now: Any
) -> None:
    c = client_for("collector")
    frozen_now(NIGHT)
    r = c.post("/loans/L-A/attempts", data={"channel": "call", "party": "debtor"})
    assert r.status_code == 303
    blocked = _attempt_id(r.headers["location"])
    page = text(c.get(f"/loans/L-A?attempt={blocked}", headers={"Accept-Language": "en"}).text)
    assert "Call refused by the rules" in page and QUIET in page
    assert "The same contact becomes allowed at 3/5/26, 8:00 AM (in 9 h 0 min" in page

    frozen_now(DAY)
    r = c.post("/loans/L-A/attempts", data={"channel": "call", "party": "debtor"})
    allowed = _attempt_id(r.headers["location"])
    assert "done=attempt" in r.headers["location"] and allowed != blocked
    page = c.get(f"/loans/L-A?attempt={allowed}", headers={"Accept-Language": "en"}).text
    assert 'id="outcome-form"' in page
    r = c.post(
        f"/loans/L-A/attempts/{allowed}/outcome",
        data={"outcome": "promise_to_pay", "amount": "300.00", "due_on": "2026-03-10"},
    )
    assert r.status_code == 303 and "done=outcome" in r.headers["location"]
    with db.transaction() as s:
        from faircollect.store.repositories import loans

        loan = loans.get_by_ref(s, "L-A", scope=SYSTEM)
        assert loan is not None
        got = [(p.amount_minor, p.due_on.isoformat(), p.status)
               for p in promises_repo.list_for_loan(s, loan.id, scope=SYSTEM)]  # fmt: skip
    assert got == [(30_000, "2026-03-10", "open")]
    t = text(c.get("/loans/L-A", headers={"Accept-Language": "en"}).text)
    assert "Mar 10, 2026 CN¥300.00 Pending" in t and "Blocked" in t and "Completed" in t
    actions = [a for a, _, _ in audit_actions(db)]
    assert actions.count("contact.blocked") == 1 and "contact.outcome" in actions
    # a second outcome for the same attempt is refused (and shown on the page)
    again = c.post(f"/loans/L-A/attempts/{allowed}/outcome", data={"outcome": "no_answer"})
    assert again.status_code == 409 and "该联系的结果已记录" in text(again.text)
    # an attempt of another loan is not found through this loan
    assert c.post(f"/loans/L-B/attempts/{allowed}/outcome",
                  data={"outcome": "no_answer"}).status_code == 404  # fmt: skip


def test_message_from_a_template_goes_through_the_gate_and_the_outbox(
    client_for: Callable[..., WebClient], db: Database, world: World, frozen_now: Any
) -> None:
    c = client_for("collector")
    frozen_now(NIGHT)
    r = c.post("/loans/L-A/messages", data={"channel": "sms", "template": "reminder"})
    assert r.status_code == 303 and "done=message" not in r.headers["location"]
    frozen_now(DAY)
    page = c.get("/loans/L-A").text
    assert re.findall(r'<option value="([a-z_]+)">\1</option>', page)[:2] == [
        "reminder",
        "overdue_notice",
    ]  # the service template "help" is not offered
    idem = re.search(r'name="idem" value="([^"]+)"', page)
    assert idem
    form = {"channel": "sms", "template": "reminder", "idem": idem.group(1)}
    r = c.post("/loans/L-A/messages", data=form)
    assert r.status_code == 303 and "done=message" in r.headers["location"]
    again = c.post("/loans/L-A/messages", data=form)  # a double submit of the same form
    assert again.headers["location"] == r.headers["location"]
    with db.transaction() as s:
        assert outbox_repo.counts(s, scope=SYSTEM).get("pending") == 1


def test_reveal_needs_the_permission_and_a_reason_and_is_audited(
    client_for: Callable[..., WebClient], db: Database, world: World
) -> None:
    collector = client_for("collector")
    short = collector.post("/loans/L-A/reveal", data={"reason": "why"})
    assert short.status_code == 422 and world.a.pii.phone not in short.text
    assert "pii.reveal" not in [a for a, _, _ in audit_actions(db)]
    r = collector.post(
        "/loans/L-A/reveal", data={"reason": "borrower asked for a call back", "fields": "phone"}
    )
    assert r.status_code == 200 and world.a.pii.phone in r.text
    assert world.a.pii.id_number not in r.text  # only the fields asked for
    reveal = [(e, p) for a, e, p in audit_actions(db) if a == "pii.reveal"]
    assert reveal == [
        ("loan:L-A", {"borrower_ref": "B-A", "fields": ["phone"],
                      "reason": "borrower asked for a call back", "role": "collector"})
    ]  # fmt: skip
    # the reason goes to the audit log: personal data in it is refused
    pii = collector.post(
        "/api/v1/loans/L-A/reveal", json={"reason": f"call {world.a.pii.phone} back"}
    )
    assert pii.status_code == 422
    auditor = client_for("auditor")
    page = auditor.get("/loans/L-A").text
    assert "/reveal" not in page  # no reveal form for a role without the permission
    assert auditor.post("/loans/L-A/reveal", data={"reason": "x" * 20}).status_code == 403


def test_blocked_call_overridden_by_a_compliance_officer(
    client_for: Callable[..., WebClient], db: Database, vault: Vault, world: World,
    frozen_now: Any,
) -> None:  # fmt: skip
    frozen_now("2026-03-04T08:05:00+08:00")  # 19:05 in New York: a convenient time
    us_debtor(db, vault)
    collector = client_for("collector", ("A", "U"))
    r = collector.post("/loans/L-US/attempts", data={"channel": "call"})
    blocked = _attempt_id(r.headers["location"])
    frequency = get_pack("US").rule("US:call-frequency").provision
    page = collector.get(f"/loans/L-US?attempt={blocked}", headers={"Accept-Language": "en"})
    assert frequency in text(page.text) and "Request an override" in page.text
    r = collector.post(
        f"/loans/L-US/attempts/{blocked}/override-request",
        data={"reason": "the consumer asked us to call back tonight"},
    )
    assert r.status_code == 303 and "done=override" in r.headers["location"]
    officer = client_for("compliance", ("A", "U"))
    queue = text(officer.get("/compliance/overrides", headers={"Accept-Language": "en"}).text)
    assert "L-US" in queue and frequency in queue
    oid = officer.get("/api/v1/overrides").json()["overrides"][0]["override_id"]
    short = officer.post(f"/compliance/overrides/{oid}/decision",
                         data={"decision": "approve", "reason": "ok"})  # fmt: skip
    assert short.status_code == 422
    r = officer.post(
        f"/compliance/overrides/{oid}/decision",
        data={"decision": "approve", "reason": "documented call-back request"},
    )
    assert r.status_code == 303 and "done=approved" in r.headers["location"]
    timeline = collector.get("/api/v1/loans/L-US/account").json()["timeline"]
    assert timeline[0]["status"] == "overridden"
    assert timeline[1]["overrides"][0]["status"] == "approved"
