"""Helpers for the staff-page tests (tests/web/test_ui_*.py): a strategy run with work items
for the world's loans, a US creditor whose debtor had 7 calls this week, page text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from faircollect.contacts import gate, outcomes
from faircollect.money import Money
from faircollect.store.db import Database
from faircollect.store.repositories import borrowers, creditors, loans
from faircollect.store.repositories import strategies as strategies_repo
from faircollect.store.scope import SYSTEM
from faircollect.vault import Vault

from .conftest import World

AS_OF = date(2026, 3, 4)
NY = ZoneInfo("America/New_York")
US_LOAN = "L-US"
#: 7 calls in the week before 2026-03-04 08:05 Beijing (= 2026-03-03 19:05 New York)
US_CALLS = (
    datetime(2026, 2, 27, 10, tzinfo=NY),
    datetime(2026, 2, 28, 10, tzinfo=NY),
    datetime(2026, 3, 1, 10, tzinfo=NY),
    datetime(2026, 3, 2, 10, tzinfo=NY),
    datetime(2026, 3, 3, 9, tzinfo=NY),
    datetime(2026, 3, 3, 11, tzinfo=NY),
    datetime(2026, 3, 3, 13, tzinfo=NY),
)


def text(html: str) -> str:
    """The visible text of a page, whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _item(world: World, code: str, priority: int, treatment: str, reason: str) -> dict[str, Any]:
    t = world.tenant(code)
    return {
        "as_of": AS_OF,
        "strategy": "faircollect-default",
        "strategy_version": 1,
        "arm": "champion",
        "segment": "early",
        "loan_id": None,
        "creditor_id": t.creditor_id,
        "loan_ref": t.loan_ref,
        "treatment": treatment,
        "channel": treatment,
        "party": "debtor",
        "place": "mobile",
        "purpose": "demand",
        "contact_point": None,
        "window_start": datetime(2026, 3, 4, 0, tzinfo=UTC),
        "window_end": datetime(2026, 3, 4, 14, tzinfo=UTC),
        "timezone": "Asia/Shanghai",
        "priority": priority,
        "assignee": "desk-1" if treatment == "call" else None,
        "expected_recovery_minor": 12_000,
        "expected_value_minor": 11_000,
        "currency": "CNY",
        "bucket": "M1",
        "balance_minor": 62_738,
        "reason_code": "least_intrusive",
        "reason": f"{reason}: the least intrusive treatment the rules allow.",
        "reason_zh": f"{reason}：规则允许的干预程度最低的处置方式。",
        "fallback_from": None,
    }


def seed_run(db: Database, world: World) -> int:
    """A completed run for 2026-03-04: a call for L-A (priority 1), an SMS for L-B (1) and a
    no-action row for each creditor."""
    with db.transaction(immediate=True) as s:
        index = strategies_repo.loan_index(s, [world.a.loan_ref, world.b.loan_ref])
        items = [_item(world, "A", 1, "call", "call"), _item(world, "B", 1, "sms", "SMS")]
        for it in items:
            it["loan_id"] = index[it["loan_ref"]][0]
        none = [
            {
                "as_of": AS_OF, "strategy": "faircollect-default", "strategy_version": 1,
                "arm": "champion", "segment": None, "creditor_id": world.tenant(c).creditor_id,
                "loan_id": None, "loan_ref": f"L-{c}-none", "bucket": "M2", "balance_minor": 5,
                "currency": "CNY", "reason_code": "below_threshold", "reason": "below",
                "reason_zh": "低于阈值", "detail": None,
            }
            for c in ("A", "B")
        ]  # fmt: skip
        run = strategies_repo.replace_run(
            s,
            strategies_repo.NewRun(
                strategy="faircollect-default",
                strategy_version=1,
                as_of=AS_OF,
                engine="duckdb",
                source="database",
                accounts=4,
                counts={"work_items": 2, "no_action": 2},
                arms=[["champion", "faircollect-default", 1]],
                pack_versions={"CN": "CN-test"},
                capacity={"calls": {"capacity": 40, "demand": 1, "limited": False}},
                timings={},
                started_at=datetime(2026, 3, 3, 18, tzinfo=UTC),
            ),
            items,
            none,
        )
        return run.id


def us_debtor(db: Database, vault: Vault) -> str:
    """Creditor ``U`` (pack US) with loan ``L-US`` whose debtor had 7 calls this week."""
    with db.transaction(immediate=True) as s:
        c = creditors.get_or_create(s, "U", name="US Lender", pack="US", currency="USD")
        b = borrowers.insert(
            s,
            vault,
            borrowers.NewBorrower(
                creditor_id=c.id, ref="B-U", name="John Doe", phone="+12125550123",
                email="jd@example.com", timezone="America/New_York", locale="en",
            ),
        )  # fmt: skip
        loan = loans.add(
            s,
            loans.NewLoan(
                ref=US_LOAN, creditor_id=c.id, borrower_id=b.id,
                principal=Money.parse("2000.00", "USD"), apr=Decimal("18"),
                originated_on=date(2025, 6, 1), term_months=12, repayment="equal_installment",
                first_due_on=date(2025, 7, 1),
            ),
        )  # fmt: skip
        loan.outstanding_minor = 150_000
        loan.overdue_since = date(2026, 1, 1)
    for at in US_CALLS:
        with gate.transaction(db) as s:
            r = gate.attempt(
                s, scope=SYSTEM, actor="test", loan_ref=US_LOAN, channel="call",
                party="debtor", purpose="demand", now=at, vault=vault,
            )  # fmt: skip
            assert r.allowed
            outcomes.record_outcome(
                s, scope=SYSTEM, actor="test", attempt_id=r.attempt_id,
                data=outcomes.OutcomeInput(outcome="no_answer"),
            )  # fmt: skip
    return US_LOAN
