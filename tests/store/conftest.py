"""A small two-tenant world for repository and scope tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

import pytest

from faircollect.money import Money
from faircollect.store.db import Database
from faircollect.store.repositories import (
    borrowers,
    contact_events,
    contact_points,
    creditors,
    installments,
    loans,
    payments,
    promises,
)
from faircollect.vault import Vault

T0 = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)


class Tenant(NamedTuple):
    creditor_id: int
    borrower_id: int
    loan_id: int
    loan_ref: str
    payment_ref: str
    event_id: int
    event_ref: str
    contact_point_id: int
    promise_id: int
    phone: str


class World(NamedTuple):
    a: Tenant
    b: Tenant


def _tenant(db: Database, vault: Vault, code: str, phone: str, idn: str) -> Tenant:
    with db.transaction() as s:
        c = creditors.get_or_create(s, code, name=f"Lender {code}", now=T0)
        b = borrowers.insert(
            s,
            vault,
            borrowers.NewBorrower(
                creditor_id=c.id,
                ref=f"B-{code}",
                name="张三",
                id_number=idn,
                phone=phone,
                email=f"zhang.{code.lower()}@example.com",
                address="广东省深圳市南山区科技园路1号",
                region="广东",
            ),
            now=T0,
        )
        cny = "CNY"
        loan = loans.add(
            s,
            loans.NewLoan(
                ref=f"L-{code}",
                creditor_id=c.id,
                borrower_id=b.id,
                principal=Money.parse("1200.00", cny),
                apr=Decimal("18.25"),
                originated_on=date(2026, 1, 1),
                term_months=2,
                repayment="equal_principal",
                first_due_on=date(2026, 2, 1),
                fee=Money.parse("10.00", cny),
            ),
            now=T0,
        )
        installments.add_schedule(
            s,
            loan.id,
            [
                installments.NewInstallment(
                    1, date(2026, 2, 1), Money.parse("600.00", cny), Money.parse("18.25", cny)
                ),
                installments.NewInstallment(
                    2, date(2026, 3, 1), Money.parse("600.00", cny), Money.parse("9.13", cny)
                ),
            ],
        )
        pay = payments.add(
            s,
            payments.NewPayment(
                ref=f"P-{code}",
                loan_id=loan.id,
                paid_at=datetime(2026, 2, 1, 3, 0, tzinfo=UTC),
                amount=Money.parse("618.25", cny),
                channel="alipay",
                allocation={"interest": 1825, "principal": 60000},
            ),
            now=T0,
        )
        cp = contact_points.add(
            s,
            vault,
            contact_points.NewContactPoint(
                borrower_id=b.id, kind="phone", value=phone, party="debtor", holder_name="张三"
            ),
            now=T0,
        )
        ev = contact_events.add(
            s,
            contact_events.NewContactEvent(
                creditor_id=c.id,
                borrower_id=b.id,
                loan_id=loan.id,
                ref=f"E-{code}",
                at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
                channel="call",
                party="debtor",
                place="mobile",
                purpose="demand",
                outcome="no_answer",
                contact_point_id=cp.id,
                debt_refs=[loan.ref],
            ),
            now=T0,
        )
        pr = promises.add(
            s,
            promises.NewPromise(
                loan_id=loan.id,
                amount=Money.parse("300.00", cny),
                due_on=date(2026, 3, 10),
                contact_event_id=ev.id,
            ),
            now=T0,
        )
        return Tenant(
            c.id, b.id, loan.id, loan.ref, pay.ref, ev.id, f"E-{code}", cp.id, pr.id, phone
        )


@pytest.fixture
def world(db: Database, vault: Vault) -> World:
    return World(
        _tenant(db, vault, "A", "13812345678", "110101199003071234"),
        _tenant(db, vault, "B", "13900001111", "31010119850101002X"),
    )
