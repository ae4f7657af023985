"""Read-only queries behind the staff web app's pages (queue, account, supervisor and
compliance views). Every query on tenant data is restricted to the caller's `Scope`; nothing
here writes.

- queue: the work items of a strategy run, filtered and paged; loans contacted since a time;
- runs: per-run counts restricted to a scope, a run's breakdown by treatment, arm, bucket and
  the reasons accounts were left alone;
- contacts: blocked attempts (list, counts by rule), contact rows for the dashboards, the
  overrides of a set of attempts, decided overrides;
- audit: a page of the audit log restricted to entries about the scope's creditors (or about
  no creditor at all: strategies, users, tokens, keys, imports).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from ..scope import Scope, scoped
from ..tables import (
    AuditEvent,
    Borrower,
    ContactEvent,
    ContactOverride,
    Loan,
    NoActionItem,
    OutboxMessage,
    StrategyRun,
    User,
    WorkItem,
)

__all__ = [
    "BlockCount",
    "ContactRow",
    "audit_page",
    "blocked_by_rule",
    "blocked_events",
    "collection_accounts",
    "contact_rows",
    "contacted_since",
    "decided_overrides",
    "events_by_id",
    "latest_run",
    "loan_refs",
    "overrides_for_events",
    "queue_facets",
    "queue_page",
    "run_breakdown",
    "run_item_counts",
    "runs",
    "usernames",
]

#: audit entities that belong to no creditor (shown to every reader of the audit log)
SYSTEM_ENTITIES = ("strategy:", "user:", "token:", "key:", "import_batch:", "capacity:", "audit:")
CONTACTED = ("attempted", "completed", "overridden")


def _creditor_ids(col: Any, scope: Scope) -> ColumnElement[bool]:
    """`col` (a creditor_id column) within the scope; staff scopes only (a borrower sees
    none of these views)."""
    if scope.borrower_id is not None:
        return false()
    if scope.creditor_ids is None:
        return true()
    if not scope.creditor_ids:
        return false()
    return col.in_(sorted(scope.creditor_ids))  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------
# runs and the queue
# ---------------------------------------------------------------------------------------
def runs(session: Session, *, limit: int = 60) -> list[StrategyRun]:
    """Strategy runs, newest first (run records carry no borrower data)."""
    stmt = select(StrategyRun).order_by(StrategyRun.as_of.desc(), StrategyRun.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def latest_run(session: Session, *, strategy: str | None = None) -> StrategyRun | None:
    """The newest completed run (of one strategy, or of any)."""
    stmt = select(StrategyRun).where(StrategyRun.status == "completed")
    if strategy is not None:
        stmt = stmt.where(StrategyRun.strategy == strategy)
    stmt = stmt.order_by(StrategyRun.as_of.desc(), StrategyRun.id.desc()).limit(1)
    return session.scalar(stmt)


def _queue_filter(
    run_id: int,
    scope: Scope,
    treatment: str | None,
    bucket: str | None,
    assignee: str | None,
    loan_ref: str | None = None,
) -> ColumnElement[bool]:
    clause = and_(WorkItem.run_id == run_id, _creditor_ids(WorkItem.creditor_id, scope))
    if treatment:
        clause = and_(clause, WorkItem.treatment == treatment)
    if bucket:
        clause = and_(clause, WorkItem.bucket == bucket)
    if assignee:
        clause = and_(clause, WorkItem.assignee == assignee)
    if loan_ref:
        clause = and_(clause, WorkItem.loan_ref == loan_ref)
    return clause


def queue_page(
    session: Session,
    run_id: int,
    *,
    scope: Scope,
    treatment: str | None = None,
    bucket: str | None = None,
    assignee: str | None = None,
    loan_ref: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[WorkItem], int]:
    """(one page of the run's work items by priority, how many match in total)."""
    where = _queue_filter(run_id, scope, treatment, bucket, assignee, loan_ref)
    total = int(session.scalar(select(func.count()).select_from(WorkItem).where(where)) or 0)
    stmt = (
        select(WorkItem)
        .where(where)
        .order_by(WorkItem.priority, WorkItem.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(stmt)), total


def queue_facets(session: Session, run_id: int, *, scope: Scope) -> dict[str, dict[str, int]]:
    """Counts of the run's work items in scope by treatment, bucket and assignee."""
    where = _queue_filter(run_id, scope, None, None, None)
    out: dict[str, dict[str, int]] = {}
    for name, col in (
        ("treatment", WorkItem.treatment),
        ("bucket", WorkItem.bucket),
        ("assignee", WorkItem.assignee),
    ):
        stmt = select(col, func.count()).where(where).group_by(col)
        out[name] = {str(k) if k is not None else "": int(n) for k, n in session.execute(stmt)}
    return out


def contacted_since(
    session: Session, loan_ids: Iterable[int], since: datetime, *, scope: Scope
) -> set[int]:
    """Which of these loans had a contact (attempted, completed or overridden) since `since`."""
    ids = sorted(set(loan_ids))
    if not ids:
        return set()
    stmt = select(ContactEvent.loan_id).where(
        ContactEvent.loan_id.in_(ids),
        ContactEvent.at >= since,
        ContactEvent.status.in_(CONTACTED),
    )
    return {int(x) for x in session.scalars(scoped(stmt, ContactEvent, scope)) if x is not None}


def run_item_counts(
    session: Session, run_ids: Sequence[int], *, scope: Scope
) -> dict[int, tuple[int, int]]:
    """run id -> (work items, accounts without action) within the scope."""
    out: dict[int, list[int]] = {int(r): [0, 0] for r in run_ids}
    if not out:
        return {}
    for i, model in enumerate((WorkItem, NoActionItem)):
        stmt = (
            select(model.run_id, func.count())
            .where(model.run_id.in_(list(out)), _creditor_ids(model.creditor_id, scope))
            .group_by(model.run_id)
        )
        for rid, n in session.execute(stmt):
            out[int(rid)][i] = int(n)
    return {k: (v[0], v[1]) for k, v in out.items()}


def run_breakdown(session: Session, run_id: int, *, scope: Scope) -> dict[str, Any]:
    """A run's output within the scope: work items and amounts (minor units) by treatment,
    arm and bucket per currency; accounts left alone by reason (with one example text)."""
    where = and_(WorkItem.run_id == run_id, _creditor_ids(WorkItem.creditor_id, scope))
    out: dict[str, Any] = {}
    for name, col in (
        ("by_treatment", WorkItem.treatment),
        ("by_arm", WorkItem.arm),
        ("by_bucket", WorkItem.bucket),
    ):
        stmt = (
            select(
                col,
                WorkItem.currency,
                func.count(),
                func.coalesce(func.sum(WorkItem.balance_minor), 0),
                func.coalesce(func.sum(WorkItem.expected_recovery_minor), 0),
            )
            .where(where)
            .group_by(col, WorkItem.currency)
            .order_by(col, WorkItem.currency)
        )
        out[name] = [
            {
                "key": str(k),
                "currency": str(cur),
                "items": int(n),
                "balance_minor": int(bal),
                "expected_recovery_minor": int(er),
            }
            for k, cur, n, bal, er in session.execute(stmt)
        ]
    nwhere = and_(NoActionItem.run_id == run_id, _creditor_ids(NoActionItem.creditor_id, scope))
    stmt_n = (
        select(
            NoActionItem.reason_code,
            func.count(),
            func.min(NoActionItem.reason),
            func.min(NoActionItem.reason_zh),
        )
        .where(nwhere)
        .group_by(NoActionItem.reason_code)
        .order_by(func.count().desc())
    )
    out["no_action"] = [
        {"reason_code": str(code), "accounts": int(n), "example": str(en), "example_zh": str(zh)}
        for code, n, en, zh in session.execute(stmt_n)
    ]
    return out


# ---------------------------------------------------------------------------------------
# contacts
# ---------------------------------------------------------------------------------------
def loan_refs(session: Session, loan_ids: Iterable[int], *, scope: Scope) -> dict[int, str]:
    ids = sorted({int(i) for i in loan_ids if i is not None})
    if not ids:
        return {}
    stmt = scoped(select(Loan.id, Loan.ref).where(Loan.id.in_(ids)), Loan, scope)
    return {int(i): str(r) for i, r in session.execute(stmt)}


def events_by_id(
    session: Session, event_ids: Iterable[int], *, scope: Scope
) -> dict[int, ContactEvent]:
    ids = sorted({int(i) for i in event_ids})
    if not ids:
        return {}
    stmt = scoped(select(ContactEvent).where(ContactEvent.id.in_(ids)), ContactEvent, scope)
    return {e.id: e for e in session.scalars(stmt)}


def overrides_for_events(
    session: Session, event_ids: Iterable[int], *, scope: Scope
) -> dict[int, list[ContactOverride]]:
    ids = sorted({int(i) for i in event_ids})
    out: dict[int, list[ContactOverride]] = {}
    if not ids:
        return out
    stmt = (
        select(ContactOverride)
        .where(
            ContactOverride.blocked_event_id.in_(ids),
            _creditor_ids(ContactOverride.creditor_id, scope),
        )
        .order_by(ContactOverride.id)
    )
    for o in session.scalars(stmt):
        out.setdefault(o.blocked_event_id, []).append(o)
    return out


def decided_overrides(session: Session, *, scope: Scope, limit: int = 20) -> list[ContactOverride]:
    stmt = (
        select(ContactOverride)
        .where(
            ContactOverride.status != "requested",
            _creditor_ids(ContactOverride.creditor_id, scope),
        )
        .order_by(ContactOverride.decided_at.desc(), ContactOverride.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def blocked_events(
    session: Session,
    *,
    scope: Scope,
    since: datetime,
    rule: str | None = None,
    limit: int = 50,
) -> list[ContactEvent]:
    """The most recent blocked attempts since `since` (optionally violating `rule`)."""
    stmt = select(ContactEvent).where(ContactEvent.status == "blocked", ContactEvent.at >= since)
    stmt = scoped(stmt, ContactEvent, scope).order_by(
        ContactEvent.at.desc(), ContactEvent.id.desc()
    )
    if rule is None:
        return list(session.scalars(stmt.limit(limit)))
    out = []
    for e in session.scalars(stmt.execution_options(yield_per=1000)):
        if any(v.get("rule") == rule for v in e.violations or ()):
            out.append(e)
            if len(out) >= limit:
                break
    return out


class BlockCount(NamedTuple):
    rule: str
    provision: str
    attempts: int


def blocked_by_rule(session: Session, *, scope: Scope, since: datetime) -> list[BlockCount]:
    """How many blocked attempts since `since` violated each rule (an attempt blocked by two
    rules counts for both), most frequent first."""
    stmt = select(ContactEvent.violations).where(
        ContactEvent.status == "blocked", ContactEvent.at >= since
    )
    counts: Counter[tuple[str, str]] = Counter()
    for violations in session.scalars(
        scoped(stmt, ContactEvent, scope).execution_options(yield_per=2000)
    ):
        seen = set()
        for v in violations or ():
            key = (str(v.get("rule", "")), str(v.get("provision", "")))
            if key not in seen:
                seen.add(key)
                counts[key] += 1
    rows = [BlockCount(r, p, n) for (r, p), n in counts.items()]
    rows.sort(key=lambda b: (-b.attempts, b.rule))
    return rows


class ContactRow(NamedTuple):
    at: datetime
    channel: str
    party: str
    status: str
    loan_id: int | None
    initiated_by: str


def contact_rows(session: Session, *, scope: Scope, since: datetime) -> list[ContactRow]:
    """Every contact event since `since` (for the dashboards' counts)."""
    stmt = select(
        ContactEvent.at,
        ContactEvent.channel,
        ContactEvent.party,
        ContactEvent.status,
        ContactEvent.loan_id,
        ContactEvent.initiated_by,
    ).where(ContactEvent.at >= since)
    stmt = scoped(stmt, ContactEvent, scope)
    return [
        ContactRow(r[0], str(r[1]), str(r[2]), str(r[3]), r[4], str(r[5]))
        for r in session.execute(stmt.execution_options(yield_per=5000))
    ]


def collection_accounts(session: Session, *, scope: Scope) -> int:
    """Active loans that are overdue (in collection)."""
    stmt = (
        select(func.count())
        .select_from(Loan)
        .where(Loan.status == "active", Loan.overdue_since.is_not(None))
    )
    return int(session.scalar(scoped(stmt, Loan, scope)) or 0)


def usernames(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return {}
    stmt = select(User.id, User.username).where(User.id.in_(ids))
    return {int(i): str(n) for i, n in session.execute(stmt)}


# ---------------------------------------------------------------------------------------
# audit log
# ---------------------------------------------------------------------------------------
def _audit_scope(scope: Scope) -> ColumnElement[bool]:
    system = or_(*(AuditEvent.entity.startswith(p) for p in SYSTEM_ENTITIES))
    if scope.borrower_id is not None:
        return false()
    if scope.creditor_ids is None:
        return true()
    ids = sorted(scope.creditor_ids)
    if not ids:
        return system
    loans = select(literal("loan:") + Loan.ref).where(Loan.creditor_id.in_(ids))
    borrowers = select(literal("borrower:") + Borrower.ref).where(Borrower.creditor_id.in_(ids))
    events = select(literal("contact_event:") + cast(ContactEvent.id, String)).where(
        ContactEvent.creditor_id.in_(ids)
    )
    messages = select(literal("message:") + cast(OutboxMessage.id, String)).where(
        OutboxMessage.creditor_id.in_(ids)
    )
    templates = [AuditEvent.entity.startswith(f"template:{i}:") for i in ids]
    creditors = [AuditEvent.entity == f"creditor:{i}" for i in ids]
    complaints = [AuditEvent.entity.startswith(f"complaint:{i}:") for i in ids]
    return or_(
        system,
        AuditEvent.entity.in_(loans),
        AuditEvent.entity.in_(borrowers),
        AuditEvent.entity.in_(events),
        AuditEvent.entity.in_(messages),
        *templates,
        *creditors,
        *complaints,
    )


def audit_page(
    session: Session,
    *,
    scope: Scope,
    action: str | None = None,
    entity: str | None = None,
    before_seq: int | None = None,
    limit: int = 50,
) -> list[AuditEvent]:
    """Newest first: entries (optionally whose action starts with `action` and whose entity
    is `entity`) older than `before_seq`, within the scope."""
    stmt = select(AuditEvent).where(_audit_scope(scope))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action))
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    if before_seq is not None:
        stmt = stmt.where(AuditEvent.seq < before_seq)
    stmt = stmt.order_by(AuditEvent.seq.desc()).limit(limit)
    return list(session.scalars(stmt))
