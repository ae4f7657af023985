"""A small world for the contacts tests: one creditor per pack, borrowers with loans
(schedule from the domain), contact points of several parties and sources."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

import pytest

from faircollect.domain.schedule import schedule_rows
from faircollect.money import Money
from faircollect.store.db import Database
from faircollect.store.repositories import (
    borrowers,
    contact_points,
    creditors,
    installments,
    loans,
)
from faircollect.store.scope import Scope
from faircollect.vault import Vault

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SYSTEM = Scope.system()


class Debtor(NamedTuple):
    creditor_id: int
    creditor_code: str
    borrower_id: int
    borrower_ref: str
    loan_id: int
    loan_ref: str
    phone: str
    phone_point: int
    email_point: int | None
    points: dict[str, int]


def make_debtor(
    db: Database,
    vault: Vault,
    *,
    code: str = "ACME",
    pack: str = "CN",
    ref: str = "B1",
    loan_ref: str | None = None,
    phone: str = "13812345678",
    email: str | None = "debtor@example.com",
    timezone: str | None = None,
    locale: str = "zh_CN",
    currency: str | None = None,
    settings: dict | None = None,
    extra_points: tuple[tuple[str, str, str, str], ...] = (),
    principal: str = "1200.00",
) -> Debtor:
    """extra_points: (name, kind, party, source) with generated values."""
    cur = currency or ("CNY" if pack == "CN" else "USD" if pack.startswith("US") else "GBP")
    tz = (
        timezone
        or {
            "CN": "Asia/Shanghai",
            "US": "America/New_York",
            "US-MA": "America/New_York",
            "UK": "Europe/London",
        }[pack]
    )
    with db.transaction() as s:
        c = creditors.get_or_create(
            s,
            code,
            name=f"{code} Lending",
            pack=pack,
            currency=cur,
            settings=settings or {},
            now=T0,
        )
        b = borrowers.insert(
            s,
            vault,
            borrowers.NewBorrower(
                creditor_id=c.id,
                ref=ref,
                name="张三" if pack == "CN" else "John Doe",
                phone=phone,
                email=email,
                timezone=tz,
                locale=locale,
            ),
            now=T0,
        )
        lref = loan_ref or f"L-{code}-{ref}"
        loan = loans.add(
            s,
            loans.NewLoan(
                ref=lref,
                creditor_id=c.id,
                borrower_id=b.id,
                principal=Money.parse(principal, cur),
                apr=Decimal("18"),
                originated_on=date(2025, 11, 1),
                term_months=3,
                repayment="equal_installment",
                first_due_on=date(2025, 12, 1),
            ),
            now=T0,
        )
        rows = schedule_rows(
            loan.principal_minor,
            Decimal("18"),
            3,
            "equal_installment",
            date(2025, 12, 1),
            day_of_month=1,
        )
        installments.add_schedule(
            s,
            loan.id,
            [
                installments.NewInstallment(seq, due, Money(p, cur), Money(i, cur))
                for seq, due, p, i in rows
            ],
        )
        loan.outstanding_minor = sum(p + i for _, _, p, i in rows)
        loan.overdue_since = rows[0][1]
        phone_cp = contact_points.add(
            s,
            vault,
            contact_points.NewContactPoint(
                borrower_id=b.id,
                kind="phone",
                value=phone,
                party="debtor",
                place="mobile",
                source="application",
                status="verified",
            ),
            now=T0,
        )
        email_cp = None
        if email:
            email_cp = contact_points.add(
                s,
                vault,
                contact_points.NewContactPoint(
                    borrower_id=b.id,
                    kind="email",
                    value=email,
                    party="debtor",
                    place="other",
                    source="application",
                ),
                now=T0,
            ).id
        pts = {}
        for i, (name, kind, party, source) in enumerate(extra_points):
            value = f"1390000{i:04d}" if kind == "phone" else f"{name}@example.com"
            pts[name] = contact_points.add(
                s,
                vault,
                contact_points.NewContactPoint(
                    borrower_id=b.id,
                    kind=kind,
                    value=value,
                    party=party,
                    place="work" if party == "employer" else "mobile",
                    source=source,
                ),
                now=T0,
            ).id
        return Debtor(c.id, code, b.id, ref, loan.id, lref, phone, phone_cp.id, email_cp, pts)


@pytest.fixture
def make(db: Database, vault: Vault):
    def _make(**kw) -> Debtor:
        return make_debtor(db, vault, **kw)

    return _make


def midday_zone(now: datetime | None = None) -> str:
    """An IANA zone where it is about noon at `now` (default: the real now), for tests that
    run with the real clock (quiet hours must not depend on when the suite runs)."""
    hour = (now or datetime.now(UTC)).hour
    offset = 12 - hour  # hours east of UTC; -11..12
    return "Etc/GMT" + (f"-{offset}" if offset > 0 else f"+{-offset}" if offset < 0 else "")
