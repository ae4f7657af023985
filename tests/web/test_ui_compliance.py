"""Compliance pages: blocked attempts by rule, complaints with an SLA clock, the audit-log
browser with its verify button, the rule-pack viewer, retention settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy import text as sql

from faircollect.rules.packs import PACK_IDS, get_pack
from faircollect.store.db import Database
from faircollect.store.repositories import creditors
from faircollect.store.scope import SYSTEM
from faircollect.store.tables import AuditEvent, Complaint
from faircollect.web.api.compliance import RETENTION, redact

from .conftest import WebClient, World
from .helpers import audit_actions
from .ui_support import text

QUIET = get_pack("CN").rule("CN:quiet-hours")


def test_blocks_by_rule_with_provisions(
    client_for: Callable[..., WebClient], world: World, frozen_now: Any
) -> None:
    both = client_for("collector", ("A", "B"))
    frozen_now("2026-03-04T23:30:00+08:00")
    for ref in ("L-A", "L-A", "L-B"):
        both.post("/api/v1/contact-attempts", json={"loan_ref": ref, "channel": "call"})
    officer = client_for("compliance")  # creditor A only
    data = officer.get("/api/v1/compliance/blocks").json()
    assert data["blocks"] == [
        {"rule": "CN:quiet-hours", "provision": QUIET.provision, "attempts": 2}
    ]
    assert [e["loan_ref"] for e in data["recent"]] == ["L-A", "L-A"]
    page = text(officer.get("/compliance/blocks?rule=CN:quiet-hours",
                            headers={"Accept-Language": "en"}).text)  # fmt: skip
    assert f"CN:quiet-hours {QUIET.provision} 2" in page
    assert "Latest blocked attempts under CN:quiet-hours" in page


def test_complaint_deadline_overdue_and_resolution(
    client_for: Callable[..., WebClient], db: Database, world: World, frozen_now: Any
) -> None:
    received = frozen_now("2026-03-04T10:00:00+08:00")
    collector = client_for("collector")
    r = collector.post("/compliance/complaints", data={
        "loan_ref": "L-A", "source": "phone", "category": "contact_time",
        "summary": "Called during my lunch break twice.",
    })  # fmt: skip
    assert r.status_code == 303
    officer = client_for("compliance")
    [c] = officer.get("/api/v1/complaints").json()["complaints"]
    assert c["loan_ref"] == "L-A" and c["status"] == "open" and not c["overdue"]
    assert datetime.fromisoformat(c["due_at"]) == received + timedelta(days=15)  # CN default
    frozen_now("2026-03-20T10:00:00+08:00")  # 16 days later (a new session)
    officer = client_for("compliance")
    page = officer.get("/compliance/complaints", headers={"Accept-Language": "en"})
    assert "sla overdue" in page.text and "overdue: due 1 d 0 h ago" in text(page.text)
    no_text = officer.post(f"/compliance/complaints/{c['complaint_id']}/status",
                           data={"status": "resolved"})  # fmt: skip
    assert no_text.status_code == 422
    resolve = {"status": "resolved", "resolution": "Apologised; hours fixed."}
    done = officer.post(f"/compliance/complaints/{c['complaint_id']}/status", data=resolve)
    assert done.status_code == 303
    events = [(a, p) for a, _, p in audit_actions(db) if a.startswith("complaint.")]
    assert [a for a, _ in events] == ["complaint.received", "complaint.resolved"]
    assert events[1][1]["within_sla"] is False
    assert officer.get("/api/v1/complaints").json()["complaints"] == []
    resolved = officer.get("/api/v1/complaints?status=resolved").json()["complaints"]
    assert resolved[0]["resolution"] == "Apologised; hours fixed."
    # collectors log complaints; only compliance moves them along
    collector = client_for("collector")
    assert collector.post(f"/api/v1/complaints/{c['complaint_id']}/status",
                          json={"status": "open"}).status_code == 403  # fmt: skip
    # another creditor's loan cannot be complained about here (404), nor in the future
    assert collector.post("/api/v1/complaints", json={
        "loan_ref": "L-B", "source": "phone", "category": "other", "summary": "something",
    }).status_code == 404  # fmt: skip


def test_complaint_text_is_encrypted_and_redacted_without_the_reveal_permission(
    client_for: Callable[..., WebClient], db: Database, world: World
) -> None:
    officer = client_for("compliance")
    summary = "Borrower says we called 13812345678 at night."
    assert officer.post("/api/v1/complaints", json={
        "creditor": "A", "source": "letter", "category": "harassment", "summary": summary,
    }).status_code == 201  # fmt: skip
    with db.transaction() as s:
        stored = s.scalar(select(Complaint.summary_enc))
    assert stored is not None and "13812345678" not in stored and "called" not in stored
    assert officer.get("/api/v1/complaints").json()["complaints"][0]["summary"] == summary
    auditor = client_for("auditor")
    shown = auditor.get("/api/v1/complaints").json()["complaints"][0]["summary"]
    assert shown == "Borrower says we called 138******78 at night."
    assert "13812345678" not in auditor.get("/compliance/complaints").text


@given(
    st.text(alphabet="0123456789", min_size=7, max_size=20),
    st.sampled_from(["", " ", "-"]),
    st.text(alphabet="abc 。，", max_size=5),
)
def test_redact_hides_every_long_run_of_digits(digits: str, sep: str, around: str) -> None:
    number = sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))
    out = redact(f"{around}{number}{around}")
    assert out is not None and number not in out and digits not in out.replace(sep, "")
    assert out.startswith(around) and out.endswith(around)


def test_audit_browser_is_scoped_and_verify_finds_tampering(
    client_for: Callable[..., WebClient], db: Database, world: World, frozen_now: Any
) -> None:
    frozen_now("2026-03-04T10:00:00+08:00")
    both = client_for("collector", ("A", "B"))
    for ref in ("L-A", "L-B"):
        both.post("/api/v1/contact-attempts", json={"loan_ref": ref, "channel": "call"})
    officer = client_for("compliance")  # creditor A
    entries = officer.get("/api/v1/audit-events?action=contact.").json()["entries"]
    assert [e["entity"] for e in entries] == ["loan:L-A"]
    assert officer.get("/api/v1/audit-events?entity=loan:L-B").json()["entries"] == []
    page = officer.get("/compliance/audit?entity=loan:L-B", headers={"Accept-Language": "en"})
    assert "No entries." in text(page.text)
    ok = officer.post("/compliance/audit/verify", headers={"Accept-Language": "en"})
    n = len(audit_actions(db))
    assert f"The chain is intact: {n} entries checked." in text(ok.text)
    with db.transaction() as s:
        seq = s.scalar(select(AuditEvent.seq).where(AuditEvent.entity == "loan:L-B"))
        s.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(payload={"x": 1}))
    broken = officer.post("/api/v1/audit/verify").json()
    assert broken["ok"] is False and broken["first_broken_seq"] == seq
    assert "payload altered" in broken["reason"]
    auditor_page = client_for("collector").get("/compliance/audit")
    assert auditor_page.status_code == 403  # no audit.read


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_rule_pack_viewer_renders_every_rule_from_the_pack(
    client_for: Callable[..., WebClient], world: World
) -> None:
    c = client_for("auditor")
    for pack_id in PACK_IDS:
        pack = get_pack(pack_id)
        en = c.get(f"/compliance/rules/{pack_id}", headers={"Accept-Language": "en"}).text
        zh = c.get(f"/compliance/rules/{pack_id}", headers={"Accept-Language": "zh-CN"}).text
        assert pack.version in en
        for rule in pack.rules:
            assert f'id="{rule.id.replace(":", "-")}"' in en
            assert text(f"<p>{rule.provision}</p>").replace("&", "&amp;") in text(en)
            assert rule.title.zh.split("{")[0] in zh
        for p in pack.params.values():
            assert f'id="param-{p.name}"' in en
    assert c.get("/compliance/rules/XX").status_code == 404


def test_retention_never_below_the_legal_minimum(
    client_for: Callable[..., WebClient], db: Database, world: World
) -> None:
    officer = client_for("compliance")
    rows = officer.get("/api/v1/retention").json()["creditors"]
    assert rows == [{
        "creditor": "A", "name": "Lender A", "pack": "CN",
        "minimum": {"records_years": 5, "recordings_years": 2,
                    "source": RETENTION["CN"][2]},  # type: ignore[index]
        "setting": None, "effective": {"records_years": 5, "recordings_years": 2},
        "complaint_sla_days": 15,
    }]  # fmt: skip
    low = officer.post("/compliance/retention", data={"creditor": "A", "records_years": "4",
                                                      "recordings_years": "2"},
                       headers={"Accept-Language": "en"})  # fmt: skip
    assert low.status_code == 422 and "Keep records 5 to 30 years" in text(low.text)
    form = {"creditor": "A", "records_years": "7", "recordings_years": "3"}
    ok = officer.post("/compliance/retention", data=form)
    assert ok.status_code == 303
    with db.transaction() as s:
        a = creditors.get_by_code(s, "A", scope=SYSTEM)
        assert a is not None and a.settings["retention"] == {
            "records_years": 7,
            "recordings_years": 3,
        }
    assert ("retention.updated", f"creditor:{a.id}") in [(x, e) for x, e, _ in audit_actions(db)]
    # the audit entry about creditor A is visible to A's officers
    assert officer.get("/api/v1/audit-events?action=retention.").json()["entries"]
    with db.transaction() as s:  # a US creditor: 3 years minimum
        s.execute(sql("UPDATE creditors SET pack = 'US' WHERE code = 'A'"))
    three = {"records_years": 3, "recordings_years": 3}
    assert officer.put("/api/v1/retention/A", json=three).status_code == 200
    assert officer.put("/api/v1/retention/B", json=three).status_code == 404
