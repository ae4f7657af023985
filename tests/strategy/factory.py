"""Hand-made snapshots for targeted strategy tests: one account per situation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa

from faircollect.strategy.snapshot import (
    ACCOUNTS,
    COLLECTORS,
    CONTACTS,
    FIELD_TEAMS,
    PAYMENTS,
    Snapshot,
)

AS_OF = date(2026, 3, 4)


def account(n: int, **kw: Any) -> dict[str, Any]:
    """A CN account, 45 days past due, 8,000.00 CNY outstanding, reachable, every channel
    on file; `kw` overrides any column."""
    row: dict[str, Any] = {
        "loan_ref": f"T{n:05d}",
        "loan_id": n,
        "debtor_key": f"T/B{n:05d}",
        "debtor_id": n,
        "creditor": "XY-CFC",
        "pack": "CN",
        "product": "cash_loan",
        "region": "CN-GD",
        "currency": "CNY",
        "locale": "zh_CN",
        "timezones": [],
        "inconvenient": "",
        "contact_window": "",
        "principal_minor": 1_000_000,
        "outstanding_minor": 800_000,
        "overdue_since": AS_OF - timedelta(days=45),
        "reachable": True,
        "vulnerable": False,
        "hardship": False,
        "deceased": False,
        "bankruptcy": False,
        "contact_refused": False,
        "employer_prohibits": False,
        "attorney": False,
        "cease_received_at": None,
        "channel_opt_outs": [],
        "no_contact_places": [],
        "breathing_space_start": None,
        "breathing_space_end": None,
        "breathing_space_kind": None,
        "dispute_received_at": None,
        "verification_sent_at": None,
        "time_barred": False,
        "first_communication_at": None,
        "validation_notice_sent_at": None,
        "call_consent_until": None,
        "hold": False,
        "has_phone": True,
        "has_email": True,
        "has_app": True,
        "has_address": True,
        "has_emergency_contact": True,
        "emergency_contact_point": f"ec{n}",
        "emergency_contact_source": "application",
        "broken_promises_90d": 0,
        "open_promise": False,
    }
    row.update(kw)
    return row


def contact(debtor: int, days_ago: float, channel: str, **kw: Any) -> dict[str, Any]:
    """A collector-initiated contact with the debtor `days_ago` days before the as-of day
    at 10:00 Beijing time (02:00 UTC)."""
    at = datetime.combine(AS_OF, datetime.min.time(), UTC) + timedelta(hours=2)
    row: dict[str, Any] = {
        "debtor_key": f"T/B{debtor:05d}",
        "debtor_id": debtor,
        "seq": 0,
        "loan_ref": f"T{debtor:05d}",
        "at": at - timedelta(days=days_ago),
        "channel": channel,
        "party": "debtor",
        "outcome": "delivered" if channel in ("sms", "app", "email", "letter") else "no_answer",
        "initiated_by": "collector",
        "place": None,
        "purpose": "demand",
        "contact_point": None,
        "debt_ids": [f"T{debtor:05d}"],
    }
    row.update(kw)
    return row


def snapshot(
    accounts: Sequence[dict[str, Any]],
    contacts: Sequence[dict[str, Any]] = (),
    *,
    payments: Sequence[dict[str, Any]] = (),
    collectors: Sequence[dict[str, Any]] = (),
    field_teams: Sequence[dict[str, Any]] = (),
) -> Snapshot:
    cs = sorted(contacts, key=lambda c: (c["debtor_id"], c["at"]))
    for i, c in enumerate(cs):
        c["seq"] = i
    return Snapshot(
        as_of=AS_OF,
        accounts=pa.Table.from_pylist(list(accounts), schema=ACCOUNTS),
        contacts=pa.Table.from_pylist(cs, schema=CONTACTS),
        payments=pa.Table.from_pylist(list(payments), schema=PAYMENTS),
        collectors=pa.Table.from_pylist(list(collectors), schema=COLLECTORS),
        field_teams=pa.Table.from_pylist(list(field_teams), schema=FIELD_TEAMS),
        source="test",
    )
