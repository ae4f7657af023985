"""A small world for the browser tests, built through the real services: a generated CN
portfolio (imported), tonight's strategy run (work items in the DB), one staff user per role
and a US creditor whose debtor already had 7 calls this week (the 8th is a rebuttable
presumption of harassment under Regulation F: blocked, and overridable by compliance)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from faircollect.contacts import gate, outcomes
from faircollect.money import Money
from faircollect.portfolio.generator import generate_portfolio
from faircollect.portfolio.importer import import_portfolio
from faircollect.store.db import Database
from faircollect.store.repositories import borrowers, creditors, loans, users
from faircollect.store.scope import SYSTEM
from faircollect.strategy.run import run_nightly
from faircollect.vault import Vault
from faircollect.web.auth.passwords import Passwords

ROLES = ("admin", "supervisor", "collector", "field_agent", "compliance", "auditor")
PASSWORD = "e2e-password-1"
US_LOAN = "US-0001"
NY = ZoneInfo("America/New_York")
#: the 7 calls of the week before "now" (2026-03-04 08:05 Beijing = 2026-03-03 19:05 New York)
US_CALLS = (
    datetime(2026, 2, 27, 10, tzinfo=NY),
    datetime(2026, 2, 28, 10, tzinfo=NY),
    datetime(2026, 3, 1, 10, tzinfo=NY),
    datetime(2026, 3, 2, 10, tzinfo=NY),
    datetime(2026, 3, 3, 9, tzinfo=NY),
    datetime(2026, 3, 3, 11, tzinfo=NY),
    datetime(2026, 3, 3, 13, tzinfo=NY),
)


class Seeded(NamedTuple):
    run_id: int
    work_items: int
    creditors: tuple[str, ...]


def seed(
    db: Database, vault: Vault, passwords: Passwords, folder: Path, *, as_of: date, loans_n: int
) -> Seeded:
    generate_portfolio(folder, accounts=loans_n, seed=7, as_of=as_of)
    result = import_portfolio(db, folder, vault=vault, actor="e2e:seed", workers=0)
    assert result.ok, [i.format("en") for i in result.issues]
    summary = run_nightly(db, as_of=as_of, vault=vault, actor="e2e:seed")
    with db.transaction(immediate=True) as s:
        us = creditors.get_or_create(s, "US-LEND", name="US Lender", pack="US", currency="USD")
        b = borrowers.insert(
            s,
            vault,
            borrowers.NewBorrower(
                creditor_id=us.id,
                ref="UB-1",
                name="John Doe",
                phone="+12125550123",
                email="john.doe@example.com",
                address="1 Main Street, New York, NY",
                timezone="America/New_York",
                locale="en",
            ),
        )
        loan = loans.add(
            s,
            loans.NewLoan(
                ref=US_LOAN,
                creditor_id=us.id,
                borrower_id=b.id,
                principal=Money.parse("2000.00", "USD"),
                apr=Decimal("18"),
                originated_on=date(2025, 6, 1),
                term_months=12,
                repayment="equal_installment",
                first_due_on=date(2025, 7, 1),
            ),
        )
        loan.outstanding_minor = 150_000
        loan.overdue_since = date(2026, 1, 1)
        codes = tuple(c.code for c in creditors.list_all(s, scope=SYSTEM))
        ids = [c.id for c in creditors.list_all(s, scope=SYSTEM)]
        hashed = passwords.hash(PASSWORD)
        for role in ROLES:
            users.add(
                s,
                username=role.replace("_", "-"),
                password_hash=hashed,
                role=role,
                display_name=role.title(),
                creditor_ids=ids,
            )
    for at in US_CALLS:
        with gate.transaction(db) as s:
            r = gate.attempt(
                s, scope=SYSTEM, actor="e2e:seed", loan_ref=US_LOAN, channel="call",
                party="debtor", purpose="demand", now=at, vault=vault,
            )  # fmt: skip
            assert r.allowed, r.violations
            outcomes.record_outcome(
                s, scope=SYSTEM, actor="e2e:seed", attempt_id=r.attempt_id,
                data=outcomes.OutcomeInput(outcome="no_answer"),
            )  # fmt: skip
    return Seeded(summary.run_id, int(summary.counts["work_items"]), codes)
