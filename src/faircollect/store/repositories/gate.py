"""The contact gate's queries (the hot path of every contact attempt).

`lock_borrower` serialises attempts on one debtor: ``SELECT ... FOR UPDATE`` on PostgreSQL
(a transaction that waits for the lock then reads the history as committed by the previous
holder: READ COMMITTED takes a fresh snapshot per statement); on SQLite the caller's
``BEGIN IMMEDIATE`` already holds the database write lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    bindparam,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased

from ..scope import Scope, scoped
from ..tables import Borrower, ContactEvent, ContactPoint, Creditor, Loan
from . import _fast
from . import audit as audit_repo

__all__ = [
    "CONTACT_STATUSES",
    "EVENT_COLUMNS",
    "DebtorRow",
    "DebtorState",
    "EventRow",
    "HistoryRow",
    "LoanRow",
    "Locked",
    "PointRow",
    "bump_lock_version",
    "contact_points",
    "debtor_row",
    "event_row",
    "event_with_audit",
    "history_rows",
    "insert_event",
    "loan_and_creditor",
    "loan_row",
    "loans_of_borrower",
    "lock_borrower",
    "lock_borrower_of_loan",
    "lock_debtor",
    "lock_debtor_and_pack",
    "point_rows",
    "state_rows",
]

#: statuses of contact events that are contacts (a blocked attempt never happened)
CONTACT_STATUSES = ("attempted", "completed", "overridden")


class HistoryRow(NamedTuple):
    id: int
    at: datetime
    channel: str
    party: str
    debt_refs: Any
    outcome: str | None
    initiated_by: str
    contact_point_id: int | None
    place: str | None
    purpose: str | None


# -- the hot path: plain rows (no ORM identity map), the fewest round trips -------------------
_DEBTOR_COLS = (
    Borrower.id,
    Borrower.creditor_id,
    Borrower.ref,
    Borrower.timezone,
    Borrower.locale,
    Borrower.inconvenient,
    Borrower.no_contact_places,
    Borrower.channel_opt_outs,
    Borrower.employer_prohibits,
    Borrower.attorney,
    Borrower.cease_received_at,
    Borrower.breathing_space,
    Borrower.vulnerable,
    Borrower.contact_refused,
    Borrower.deceased,
    Borrower.bankruptcy,
    Borrower.lost_contact,
    Borrower.phone_enc,
)


class DebtorRow(NamedTuple):
    id: int
    creditor_id: int
    ref: str
    timezone: str | None
    locale: str
    inconvenient: Any
    no_contact_places: Any
    channel_opt_outs: Any
    employer_prohibits: bool
    attorney: bool
    cease_received_at: datetime | None
    breathing_space: Any
    vulnerable: bool
    contact_refused: bool
    deceased: bool
    bankruptcy: bool
    lost_contact: bool
    phone_enc: str | None


def _owner(ref: Any, creditor_ids: Any | None) -> Any:
    q = select(Loan.borrower_id).where(Loan.ref == ref)
    if creditor_ids is not None:
        q = q.where(Loan.creditor_id.in_(creditor_ids))
    return q.scalar_subquery()


# the pack of the loan's creditor, as seen when the lock statement started: a hint for how far
# back the history goes (re-checked against the loan row read after the lock). PostgreSQL only
# (SQLAlchemy renders RETURNING columns unqualified on SQLite, which breaks the subquery; there
# a round trip costs nothing)
_PC, _PL = aliased(Creditor, name="pc"), aliased(Loan, name="pl")
_PACK_HINT = (
    select(_PC.pack)
    .join(_PL, _PL.creditor_id == _PC.id)
    .where(_PL.ref == bindparam("loan_ref_p"))
    .scalar_subquery()
)


# the id the attempt's event row will have, drawn in the lock statement (PostgreSQL): the
# event row and its audit entry are then written in ONE statement (`event_with_audit`)
_RESERVE_EVENT_ID = func.nextval(
    func.pg_get_serial_sequence(literal_column("'contact_events'"), literal_column("'id'"))
)


def _lock_stmt(owner: Any, *, with_pack: bool = False) -> Any:
    cols = (
        (*_DEBTOR_COLS, _PACK_HINT.label("pack_hint"), _RESERVE_EVENT_ID.label("event_id"))
        if with_pack
        else _DEBTOR_COLS
    )
    return (
        update(Borrower)
        .where(Borrower.id == owner)
        .values(lock_version=Borrower.lock_version + 1)
        .returning(*cols)
    )


# statements built once per shape (plain bind parameters, no "expanding" IN lists: those are
# re-rendered on every execution): this is the hot path of every contact attempt
def _cid(i: int) -> Any:
    return bindparam(f"cid{i}", type_=Loan.__table__.c.creditor_id.type)


@lru_cache(maxsize=64)
def _lock_for(with_pack: bool, n_creditors: int | None) -> Any:
    """The lock statement for a system scope (None) or `n_creditors` creditors (binds
    ``loan_ref_p``, ``cid0`` ...)."""
    cids = None if n_creditors is None else [_cid(i) for i in range(n_creditors)]
    return _lock_stmt(_owner(bindparam("loan_ref_p"), cids), with_pack=with_pack)


def _lock(session: Session, loan_ref: str, scope: Scope, with_pack: bool) -> Any:
    conn = _fast.connection(session)
    if with_pack and conn.dialect.name != "postgresql":
        row = _lock(session, loan_ref, scope, False)
        return None if row is None else (*row, None, None)
    if scope.is_system:
        found = _fast.rows(conn, _lock_for(with_pack, None), {"loan_ref_p": loan_ref})
        return found[0] if found else None
    if scope.borrower_id is None and scope.creditor_ids is not None:
        if not scope.creditor_ids:
            return None
        ids = sorted(scope.creditor_ids)
        params: dict[str, Any] = {f"cid{i}": c for i, c in enumerate(ids)}
        params["loan_ref_p"] = loan_ref
        found = _fast.rows(conn, _lock_for(with_pack, len(ids)), params)
        return found[0] if found else None
    owner = scoped(select(Loan.borrower_id).where(Loan.ref == loan_ref), Loan, scope)
    stmt = _lock_stmt(owner.scalar_subquery(), with_pack=with_pack)
    return conn.execute(stmt, {"loan_ref_p": loan_ref}).first()


def lock_debtor(session: Session, loan_ref: str, *, scope: Scope) -> DebtorRow | None:
    """Lock the borrower of loan `loan_ref` and bump its lock_version, in ONE statement
    (``UPDATE ... RETURNING``: the row lock is held until the transaction ends); None when
    the loan is outside the scope. Reads after it see what the previous holder committed."""
    row = _lock(session, loan_ref, scope, False)
    return None if row is None else DebtorRow(*row)


class Locked(NamedTuple):
    debtor: DebtorRow
    pack_hint: str | None
    event_id: int | None


def lock_debtor_and_pack(session: Session, loan_ref: str, *, scope: Scope) -> Locked | None:
    """`lock_debtor`, plus the pack of the loan's creditor as seen when the statement began
    (a hint for `state_rows`: compare it with the pack of the loan row read after the lock)
    and a new contact event id drawn from its sequence (for `insert_event` /
    `event_with_audit`); both None on SQLite (read `loan_row`; the insert draws the id)."""
    row = _lock(session, loan_ref, scope, True)
    if row is None:
        return None
    return Locked(DebtorRow(*row[:-2]), row[-2], None if row[-1] is None else int(row[-1]))


_DEBTOR_ROW = select(*_DEBTOR_COLS).where(Borrower.id == bindparam("b"))


def debtor_row(session: Session, borrower_id: int) -> DebtorRow | None:
    """The debtor state without locking (read-only checks)."""
    row = session.connection().execute(_DEBTOR_ROW, {"b": borrower_id}).first()
    return None if row is None else DebtorRow(*row)


class EventRow(NamedTuple):
    id: int
    borrower_id: int
    loan_ref: str | None
    channel: str
    party: str
    place: str | None
    purpose: str | None
    contact_point_id: int | None
    status: str


_EVENT_ROW = (
    select(
        ContactEvent.id,
        ContactEvent.borrower_id,
        Loan.ref,
        ContactEvent.channel,
        ContactEvent.party,
        ContactEvent.place,
        ContactEvent.purpose,
        ContactEvent.contact_point_id,
        ContactEvent.status,
    )
    .outerjoin(Loan, Loan.id == ContactEvent.loan_id)
    .where(ContactEvent.id == bindparam("e"))
)


def event_row(session: Session, event_id: int) -> EventRow | None:
    row = session.connection().execute(_EVENT_ROW, {"e": event_id}).first()
    return None if row is None else EventRow(*row)


class LoanRow(NamedTuple):
    id: int
    ref: str
    creditor_id: int
    borrower_id: int
    currency: str
    status: str
    hold_reason: str | None
    dispute_received_at: datetime | None
    verification_sent_at: datetime | None
    time_barred: bool
    first_communication_at: datetime | None
    validation_notice_sent_at: datetime | None
    call_consent_until: datetime | None
    pack: str
    settings: Any


_LOAN_ROW = (
    select(
        Loan.id,
        Loan.ref,
        Loan.creditor_id,
        Loan.borrower_id,
        Loan.currency,
        Loan.status,
        Loan.hold_reason,
        Loan.dispute_received_at,
        Loan.verification_sent_at,
        Loan.time_barred,
        Loan.first_communication_at,
        Loan.validation_notice_sent_at,
        Loan.call_consent_until,
        Creditor.pack,
        Creditor.settings,
    )
    .join(Creditor, Creditor.id == Loan.creditor_id)
    .where(Loan.ref == bindparam("loan_ref_p"))
)


def loan_row(session: Session, loan_ref: str) -> LoanRow | None:
    """The debt state of a loan and its creditor's pack and settings (read it after
    `lock_debtor`)."""
    row = session.connection().execute(_LOAN_ROW, {"loan_ref_p": loan_ref}).first()
    return None if row is None else LoanRow(*row)


class PointRow(NamedTuple):
    id: int
    kind: str
    party: str
    place: str
    source: str
    status: str
    opted_out_channels: Any
    value_enc: str


_POINT_ROWS = (
    select(
        ContactPoint.id,
        ContactPoint.kind,
        ContactPoint.party,
        ContactPoint.place,
        ContactPoint.source,
        ContactPoint.status,
        ContactPoint.opted_out_channels,
        ContactPoint.value_enc,
    )
    .where(ContactPoint.borrower_id == bindparam("b"))
    .order_by(ContactPoint.id)
)
_INSERT_EVENT = insert(ContactEvent).returning(ContactEvent.id)


# the contact gate's event row, written by the audit append's statement (PostgreSQL)
EVENT_COLUMNS = (
    "id",
    "creditor_id",
    "borrower_id",
    "loan_id",
    "debt_refs",
    "at",
    "channel",
    "party",
    "place",
    "purpose",
    "outcome",
    "initiated_by",
    "collector",
    "contact_point_id",
    "status",
    "pack_version",
    "violations",
    "created_at",
)
_EVENT_WITH_AUDIT = audit_repo.linked_statement(
    "ev AS (INSERT INTO contact_events ("
    + ", ".join(EVENT_COLUMNS)
    + ") VALUES ("
    + ", ".join(f":ev_{c}" for c in EVENT_COLUMNS)
    + "))",
    *(bindparam(f"ev_{c}", type_=ContactEvent.__table__.c[c].type) for c in EVENT_COLUMNS),
)


def event_with_audit(values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """`also=` for `audit.append` (PostgreSQL): insert the contact event `values` (exactly
    `EVENT_COLUMNS`, ``id`` from `lock_debtor_and_pack`) in the append's statement."""
    if values.keys() != set(EVENT_COLUMNS):
        raise ValueError(f"event columns must be exactly {EVENT_COLUMNS}")
    return _EVENT_WITH_AUDIT, {f"ev_{k}": v for k, v in values.items()}


def point_rows(session: Session, borrower_id: int) -> list[PointRow]:
    return [PointRow(*r) for r in session.connection().execute(_POINT_ROWS, {"b": borrower_id})]


def insert_event(session: Session, values: dict[str, Any]) -> int:
    """Insert a contact event (columns as in `ContactEvent`) and return its id."""
    found = _fast.rows(_fast.connection(session), _INSERT_EVENT, values, insert_keys=_keys(values))
    return int(found[0][0])


@lru_cache(maxsize=16)
def _sorted_keys(keys: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(keys))


def _keys(values: dict[str, Any]) -> tuple[str, ...]:
    return _sorted_keys(frozenset(values))


def loan_and_creditor(
    session: Session, loan_ref: str, *, scope: Scope
) -> tuple[Loan, Creditor] | None:
    stmt = scoped(
        select(Loan, Creditor)
        .join(Creditor, Creditor.id == Loan.creditor_id)
        .where(Loan.ref == loan_ref),
        Loan,
        scope,
    )
    row = session.execute(stmt.execution_options(populate_existing=True)).first()
    return None if row is None else (row[0], row[1])


def lock_borrower_of_loan(session: Session, loan_ref: str, *, scope: Scope) -> Borrower | None:
    """The borrower of the loan `loan_ref` (None outside the scope), locked (PostgreSQL:
    ``FOR UPDATE OF borrowers``)."""
    stmt = scoped(
        select(Borrower).join(Loan, Loan.borrower_id == Borrower.id).where(Loan.ref == loan_ref),
        Loan,
        scope,
    )
    stmt = stmt.with_for_update(of=Borrower).execution_options(populate_existing=True)
    return session.scalar(stmt)


def lock_borrower(session: Session, borrower_id: int) -> Borrower:
    stmt = (
        select(Borrower)
        .where(Borrower.id == borrower_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = session.scalar(stmt)
    if found is None:
        raise LookupError(f"no borrower with id {borrower_id}")
    return found


def bump_lock_version(session: Session, borrower_id: int, now: datetime) -> None:
    session.execute(
        update(Borrower)
        .where(Borrower.id == borrower_id)
        .values(lock_version=Borrower.lock_version + 1)
        .execution_options(synchronize_session=False)
    )


def contact_points(session: Session, borrower_id: int) -> list[ContactPoint]:
    stmt = (
        select(ContactPoint)
        .where(ContactPoint.borrower_id == borrower_id)
        .order_by(ContactPoint.id)
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(stmt))


def loans_of_borrower(session: Session, borrower_id: int) -> list[Loan]:
    stmt = select(Loan).where(Loan.borrower_id == borrower_id).order_by(Loan.id)
    return list(session.scalars(stmt))


_CE = ContactEvent
_HISTORY_COLS = (
    _CE.id,
    _CE.at,
    _CE.channel,
    _CE.party,
    _CE.debt_refs,
    _CE.outcome,
    _CE.initiated_by,
    _CE.contact_point_id,
    _CE.place,
    _CE.purpose,
)
_LAST_CONSUMER = (
    select(func.max(_CE.at))
    .where(_CE.borrower_id == bindparam("b"), _CE.initiated_by == "consumer")
    .scalar_subquery()
)
_HISTORY_ALL = (
    select(*_HISTORY_COLS)
    .where(
        _CE.borrower_id == bindparam("b"),
        _CE.status.in_([literal(x) for x in CONTACT_STATUSES]),
        _CE.at <= bindparam("now"),
    )
    .order_by(_CE.at, _CE.id)
)
_HISTORY_SINCE = _HISTORY_ALL.where(
    or_(
        _CE.at >= bindparam("since"),
        _CE.outcome.in_(bindparam("sticky", expanding=True)),
        _CE.initiated_by == "consumer",
        _CE.at >= _LAST_CONSUMER,
    )
)


class DebtorState(NamedTuple):
    loan: LoanRow
    points: list[PointRow]
    history: list[HistoryRow]


@lru_cache(maxsize=8)
def _state_stmt(n_sticky: int) -> Any:
    # ONE round trip for everything the gate reads under the debtor lock: the loan row (with
    # its creditor's pack and settings) left-joined to the contact points and the history
    # (tagged rows of one UNION ALL; types come from the history branch)
    sticky = [bindparam(f"sticky{i}", type_=_CE.outcome.type) for i in range(n_sticky)]
    hist = (
        _HISTORY_ALL.where(
            or_(
                _CE.at >= bindparam("since"),
                _CE.outcome.in_(sticky) if sticky else false(),
                _CE.initiated_by == "consumer",
                _CE.at >= _LAST_CONSUMER,
            )
        )
        .with_only_columns(
            literal_column("'h'").label("tag"),
            _CE.id.label("id"),
            _CE.at.label("at"),
            _CE.channel.label("s1"),
            _CE.party.label("s2"),
            _CE.place.label("s3"),
            _CE.purpose.label("s4"),
            _CE.outcome.label("s5"),
            _CE.initiated_by.label("s6"),
            _CE.debt_refs.label("j"),
            _CE.contact_point_id.label("cp"),
        )
        .order_by(None)
    )
    cp = ContactPoint
    pts = select(
        literal_column("'p'"),
        cp.id,
        null(),
        cp.kind,
        cp.party,
        cp.place,
        cp.source,
        cp.status,
        cp.value_enc,
        cp.opted_out_channels,
        null(),
    ).where(cp.borrower_id == bindparam("b"))
    u = union_all(hist, pts).subquery("u")
    loan = _LOAN_ROW.subquery("l")
    return select(loan, *u.c).select_from(loan.outerjoin(u, true()))


_LOAN_WIDTH = len(LoanRow._fields)


def state_rows(
    session: Session,
    borrower_id: int,
    loan_ref: str,
    *,
    now: datetime,
    since: datetime,
    sticky_outcomes: Sequence[str] = (),
) -> DebtorState | None:
    """`loan_row`, `point_rows` and `history_rows` (with `since`) in ONE statement (the gate's
    reads under the debtor lock: read them after `lock_debtor`). None when there is no loan
    `loan_ref`."""
    params: dict[str, Any] = {f"sticky{i}": x for i, x in enumerate(sticky_outcomes)}
    params.update(loan_ref_p=loan_ref, b=borrower_id, now=now, since=since)
    stmt = _state_stmt(len(sticky_outcomes))
    rows = _fast.rows(_fast.connection(session), stmt, params)
    if not rows:
        return None
    w = _LOAN_WIDTH
    points: list[PointRow] = []
    history: list[HistoryRow] = []
    for r in rows:
        tag = r[w]
        if tag == "h":
            # id, at, channel, party, debt_refs, outcome, initiated_by, point, place, purpose
            history.append(
                HistoryRow(r[w + 1], r[w + 2], r[w + 3], r[w + 4], r[w + 9], r[w + 7], r[w + 8],
                           r[w + 10], r[w + 5], r[w + 6])
            )  # fmt: skip
        elif tag == "p":
            # id, kind, party, place, source, status, opted_out_channels, value_enc
            points.append(
                PointRow(r[w + 1], r[w + 3], r[w + 4], r[w + 5], r[w + 6], r[w + 7], r[w + 9],
                         r[w + 8])
            )  # fmt: skip
    points.sort(key=_by_id)
    history.sort(key=_by_time)
    return DebtorState(LoanRow(*rows[0][:w]), points, history)


def _by_id(p: PointRow) -> int:
    return p.id


def _by_time(h: HistoryRow) -> tuple[datetime, int]:
    return (h.at, h.id)


def history_rows(
    session: Session,
    borrower_id: int,
    *,
    now: datetime,
    since: datetime | None,
    sticky_outcomes: Sequence[str] = (),
) -> list[HistoryRow]:
    """A borrower's contacts up to `now`, in time order: every one since `since` (None: all)
    and, before it, those the "ever" rules read: contacts with an outcome in
    `sticky_outcomes`, contacts the consumer initiated, and everything from the consumer's
    latest own contact on (the one-reply exception counts what we sent after it)."""
    conn = session.connection()
    if since is None:
        rows = conn.execute(_HISTORY_ALL, {"b": borrower_id, "now": now})
    else:
        params = {
            "b": borrower_id,
            "now": now,
            "since": since,
            "sticky": list(sticky_outcomes) or ["-"],
        }
        rows = conn.execute(_HISTORY_SINCE, params)
    return [HistoryRow(*r) for r in rows]
