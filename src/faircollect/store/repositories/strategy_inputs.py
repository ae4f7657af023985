"""The nightly strategy's input, read from the operational tables as Arrow tables.

DuckDB cannot attach SQLite/PostgreSQL here (no extension downloads), so the batch reads the
operational database through these queries: one streamed pass per table, rows turned into
columns, no ORM objects. The column meanings are those of `faircollect.strategy.snapshot`
(which adds what needs the vault or the rule packs: time zones from phone numbers).

- `accounts`: every active loan overdue on `as_of` (overdue_since before it), with its
  borrower's rule-relevant state, its creditor, and which channels exist for it;
- `contacts`: the contact history of those borrowers since `since`, plus older contacts the
  "ever" rules read (sticky outcomes, consumer-initiated contacts); blocked attempts never
  happened and are left out;
- `payments`: payments on those loans since `since`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..scope import Scope, scoped
from ..tables import Borrower, ContactEvent, ContactPoint, Creditor, Loan, Payment, PromiseToPay
from .gate import CONTACT_STATUSES

__all__ = ["ACCOUNT_COLUMNS", "accounts", "contacts", "payments", "regions"]

_TS = pa.timestamp("us", tz="UTC")
HARVESTED = ("address_book", "call_log")

#: raw account columns returned by `accounts` (the strategy snapshot derives the rest)
ACCOUNT_COLUMNS = pa.schema(
    [
        ("loan_ref", pa.string()),
        ("debtor_key", pa.string()),
        ("creditor", pa.string()),
        ("pack", pa.string()),
        ("product", pa.string()),
        ("region", pa.string()),
        ("currency", pa.string()),
        ("locale", pa.string()),
        ("timezone", pa.string()),
        ("phone_token", pa.string()),  # encrypted borrower phone (zones when no timezone)
        ("inconvenient", pa.string()),
        ("contact_window", pa.string()),
        ("principal_minor", pa.int64()),
        ("outstanding_minor", pa.int64()),
        ("overdue_since", pa.date32()),
        ("reachable", pa.bool_()),
        ("vulnerable", pa.bool_()),
        ("hardship", pa.bool_()),
        ("deceased", pa.bool_()),
        ("bankruptcy", pa.bool_()),
        ("contact_refused", pa.bool_()),
        ("employer_prohibits", pa.bool_()),
        ("attorney", pa.bool_()),
        ("cease_received_at", _TS),
        ("channel_opt_outs", pa.list_(pa.string())),
        ("no_contact_places", pa.list_(pa.string())),
        ("breathing_space_start", pa.date32()),
        ("breathing_space_end", pa.date32()),
        ("breathing_space_kind", pa.string()),
        ("dispute_received_at", _TS),
        ("verification_sent_at", _TS),
        ("time_barred", pa.bool_()),
        ("first_communication_at", _TS),
        ("validation_notice_sent_at", _TS),
        ("call_consent_until", _TS),
        ("hold", pa.bool_()),
        ("has_phone", pa.bool_()),
        ("has_email", pa.bool_()),
        ("has_app", pa.bool_()),
        ("has_address", pa.bool_()),
        ("has_emergency_contact", pa.bool_()),
        ("emergency_contact_point", pa.string()),
        ("emergency_contact_source", pa.string()),
        ("broken_promises_90d", pa.int32()),
        ("open_promise", pa.bool_()),
    ]
)


def _window(settings: Any) -> str:
    raw = (settings or {}).get("contact_window") if isinstance(settings, dict) else None
    if isinstance(raw, dict):
        lo, hi = raw.get("from"), raw.get("to")
    elif isinstance(raw, list | tuple) and len(raw) == 2:
        lo, hi = raw
    else:
        return ""
    return f"{lo}-{hi}" if isinstance(lo, str) and isinstance(hi, str) else ""


def _utc(v: datetime | None) -> datetime | None:
    return None if v is None else v.astimezone(UTC)


def _date(v: Any) -> date | None:
    if isinstance(v, date):
        return v
    if isinstance(v, str) and v:
        try:
            return date.fromisoformat(v)
        except ValueError:
            return None
    return None


def _overdue_loans(as_of: date, scope: Scope) -> Any:
    return scoped(
        select(Loan.id).where(
            Loan.status == "active", Loan.overdue_since.is_not(None), Loan.overdue_since < as_of
        ),
        Loan,
        scope,
    )


def accounts(session: Session, *, as_of: date, scope: Scope, since: date) -> pa.Table:
    """Active loans overdue on `as_of` with their borrower's state (`ACCOUNT_COLUMNS`).
    `since`: start of the window in which broken promises are counted."""
    lo, b, c = Loan, Borrower, Creditor
    stmt = (
        select(
            lo.id,
            lo.ref,
            b.id,
            b.ref,
            c.code,
            c.pack,
            c.settings,
            lo.product,
            b.region,
            lo.currency,
            b.locale,
            b.timezone,
            b.phone_enc,
            b.email_enc,
            b.address_enc,
            b.inconvenient,
            lo.principal_minor,
            lo.outstanding_minor,
            lo.overdue_since,
            b.lost_contact,
            b.vulnerable,
            b.hardship,
            b.deceased,
            b.bankruptcy,
            b.contact_refused,
            b.employer_prohibits,
            b.attorney,
            b.cease_received_at,
            b.channel_opt_outs,
            b.no_contact_places,
            b.breathing_space,
            lo.dispute_received_at,
            lo.verification_sent_at,
            lo.time_barred,
            lo.first_communication_at,
            lo.validation_notice_sent_at,
            lo.call_consent_until,
            lo.hold_reason,
        )
        .join(b, b.id == lo.borrower_id)
        .join(c, c.id == lo.creditor_id)
        .where(lo.id.in_(_overdue_loans(as_of, scope)))
        .order_by(lo.ref)
    )
    rows = list(session.execute(stmt))
    borrower_ids = sorted({r[2] for r in rows})
    points = _points(session, borrower_ids)
    broken, open_ = _promises(session, [r[0] for r in rows], as_of, since)
    cols: dict[str, list[Any]] = {f.name: [] for f in ACCOUNT_COLUMNS}
    for r in rows:
        (lid, ref, bid, bref, code, pack, settings, product, region, currency, locale, tz,
         phone, email, address, inconvenient, principal, outstanding, overdue_since, lost,
         vulnerable, hardship, deceased, bankrupt, refused, employer, attorney, cease, opt_outs,
         places, breathing, dispute, verification, barred, first_comm, validation, consent,
         hold) = r  # fmt: skip
        p = points.get(bid, _NO_POINTS)
        debtor_phones = p["debtor_phone_status"]
        has_phone = (
            any(s != "invalid" for s in debtor_phones) if debtor_phones else (phone is not None)
        )
        bs = breathing if isinstance(breathing, dict) else None
        values = {
            "loan_ref": ref,
            "debtor_key": f"{code}/{bref}",
            "creditor": code,
            "pack": pack,
            "product": product or "",
            "region": region or "",
            "currency": currency,
            "locale": locale or "",
            "timezone": tz or "",
            "phone_token": phone,
            "inconvenient": _canonical(inconvenient),
            "contact_window": _window(settings),
            "principal_minor": int(principal),
            "outstanding_minor": int(outstanding),
            "overdue_since": overdue_since,
            "reachable": (not lost) and has_phone,
            "vulnerable": bool(vulnerable),
            "hardship": bool(hardship),
            "deceased": bool(deceased),
            "bankruptcy": bool(bankrupt),
            "contact_refused": bool(refused),
            "employer_prohibits": bool(employer),
            "attorney": bool(attorney),
            "cease_received_at": _utc(cease),
            "channel_opt_outs": sorted({str(x) for x in (opt_outs or ())}),
            "no_contact_places": sorted({str(x) for x in (places or ())}),
            "breathing_space_start": _date(bs.get("start")) if bs else None,
            "breathing_space_end": _date(bs.get("end")) if bs else None,
            "breathing_space_kind": (bs.get("kind") or "standard") if bs else None,
            "dispute_received_at": _utc(dispute),
            "verification_sent_at": _utc(verification),
            "time_barred": bool(barred),
            "first_communication_at": _utc(first_comm),
            "validation_notice_sent_at": _utc(validation),
            "call_consent_until": _utc(consent),
            "hold": hold is not None,
            "has_phone": has_phone,
            "has_email": email is not None or p["debtor_email"],
            "has_app": p["debtor_app"],
            "has_address": address is not None or p["debtor_address"],
            "has_emergency_contact": p["ec_point"] is not None,
            "emergency_contact_point": p["ec_point"],
            "emergency_contact_source": p["ec_source"],
            "broken_promises_90d": broken.get(lid, 0),
            "open_promise": lid in open_,
        }
        for k, v in values.items():
            cols[k].append(v)
    return pa.Table.from_pydict(cols, schema=ACCOUNT_COLUMNS)


def _canonical(inconvenient: Any) -> str:
    if not inconvenient:
        return ""
    return json.dumps(inconvenient, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


_NO_POINTS: dict[str, Any] = {
    "debtor_phone_status": [],
    "debtor_email": False,
    "debtor_app": False,
    "debtor_address": False,
    "ec_point": None,
    "ec_source": None,
}


def _points(session: Session, borrower_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per borrower: the debtor's own points by kind, and the emergency contact to use (a
    phone that is not invalid, preferring one not harvested from an address book)."""
    out: dict[int, dict[str, Any]] = {}
    cp = ContactPoint
    for chunk in _chunks(borrower_ids, 5000):
        stmt = (
            select(cp.id, cp.borrower_id, cp.kind, cp.party, cp.source, cp.status)
            .where(cp.borrower_id.in_(chunk))
            .order_by(cp.borrower_id, cp.id)
        )
        for pid, bid, kind, party, source, status in session.execute(stmt):
            d = out.setdefault(bid, {**_NO_POINTS, "debtor_phone_status": []})
            if party == "debtor":
                if kind == "phone":
                    d["debtor_phone_status"].append(status)
                elif status != "invalid":
                    d[f"debtor_{kind}"] = kind in ("email", "app", "address")
            elif party == "emergency_contact" and kind == "phone" and status != "invalid":
                better = d["ec_point"] is None or (
                    d["ec_source"] in HARVESTED and source not in HARVESTED
                )
                if better:
                    d["ec_point"], d["ec_source"] = str(pid), source
    return out


def _promises(
    session: Session, loan_ids: Sequence[int], as_of: date, since: date
) -> tuple[dict[int, int], set[int]]:
    broken: dict[int, int] = {}
    open_: set[int] = set()
    p = PromiseToPay
    for chunk in _chunks(loan_ids, 5000):
        stmt = (
            select(p.loan_id, func.count())
            .where(p.loan_id.in_(chunk), p.status == "broken", p.due_on >= since, p.due_on < as_of)
            .group_by(p.loan_id)
        )
        broken.update({int(lid): int(n) for lid, n in session.execute(stmt)})
        stmt2 = select(p.loan_id).where(p.loan_id.in_(chunk), p.status == "open", p.due_on >= as_of)
        open_.update(int(x) for x in session.scalars(stmt2))
    return broken, open_


def _chunks(xs: Sequence[int], n: int) -> Iterator[Sequence[int]]:
    for i in range(0, len(xs), n):
        yield xs[i : i + n]


CONTACT_COLUMNS = pa.schema(
    [
        ("debtor_key", pa.string()),
        ("loan_ref", pa.string()),
        ("at", _TS),
        ("channel", pa.string()),
        ("party", pa.string()),
        ("outcome", pa.string()),
        ("initiated_by", pa.string()),
        ("place", pa.string()),
        ("purpose", pa.string()),
        ("contact_point", pa.string()),
        ("debt_ids", pa.list_(pa.string())),
    ]
)


def contacts(
    session: Session,
    *,
    as_of: date,
    since: datetime,
    until: datetime,
    scope: Scope,
    sticky_outcomes: Sequence[str] = (),
) -> pa.Table:
    """Contacts (attempted, completed, overridden) of the borrowers of overdue loans, with
    `at` in [since, until), plus older ones with a sticky outcome or initiated by the
    consumer, in time order per debtor."""
    ce, b, c, lo = ContactEvent, Borrower, Creditor, Loan
    borrowers = select(Loan.borrower_id).where(Loan.id.in_(_overdue_loans(as_of, scope)))
    stmt = (
        select(
            c.code,
            b.ref,
            lo.ref,
            ce.at,
            ce.channel,
            ce.party,
            ce.outcome,
            ce.initiated_by,
            ce.place,
            ce.purpose,
            ce.contact_point_id,
            ce.debt_refs,
        )
        .join(b, b.id == ce.borrower_id)
        .join(c, c.id == ce.creditor_id)
        .outerjoin(lo, lo.id == ce.loan_id)
        .where(
            ce.borrower_id.in_(borrowers),
            ce.status.in_(CONTACT_STATUSES),
            ce.at < until,
            or_(
                ce.at >= since,
                ce.outcome.in_(list(sticky_outcomes)),
                ce.initiated_by == "consumer",
            ),
        )
        .order_by(c.code, b.ref, ce.at, ce.id)
    )
    cols: dict[str, list[Any]] = {f.name: [] for f in CONTACT_COLUMNS}
    for (
        code,
        bref,
        lref,
        at,
        ch,
        party,
        outcome,
        init,
        place,
        purpose,
        cpid,
        refs,
    ) in session.execute(stmt):
        cols["debtor_key"].append(f"{code}/{bref}")
        cols["loan_ref"].append(lref)
        cols["at"].append(at.astimezone(UTC))
        cols["channel"].append(ch)
        cols["party"].append(party)
        cols["outcome"].append(outcome)
        cols["initiated_by"].append(init)
        cols["place"].append(place)
        cols["purpose"].append(purpose)
        cols["contact_point"].append(None if cpid is None else str(cpid))
        cols["debt_ids"].append([str(x) for x in (refs or ())])
    return pa.Table.from_pydict(cols, schema=CONTACT_COLUMNS)


PAYMENT_COLUMNS = pa.schema(
    [("loan_ref", pa.string()), ("paid_at", _TS), ("amount_minor", pa.int64())]
)


def payments(session: Session, *, as_of: date, since: datetime, scope: Scope) -> pa.Table:
    """Payments on overdue loans with `paid_at` since `since` (whatever their date: the
    strategy ignores those after its reference instant)."""
    p, lo = Payment, Loan
    stmt = (
        select(lo.ref, p.paid_at, p.amount_minor)
        .join(lo, lo.id == p.loan_id)
        .where(and_(p.loan_id.in_(_overdue_loans(as_of, scope)), p.paid_at >= since))
        .order_by(lo.ref, p.paid_at, p.id)
    )
    cols: dict[str, list[Any]] = {"loan_ref": [], "paid_at": [], "amount_minor": []}
    for ref, at, amount in session.execute(stmt):
        cols["loan_ref"].append(ref)
        cols["paid_at"].append(at.astimezone(UTC))
        cols["amount_minor"].append(int(amount))
    return pa.Table.from_pydict(cols, schema=PAYMENT_COLUMNS)


def regions(session: Session) -> list[str]:
    """The distinct borrower regions (for setting up field teams)."""
    stmt = select(Borrower.region).distinct().order_by(Borrower.region)
    return [r for r in session.scalars(stmt) if r]
