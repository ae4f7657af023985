"""Strategy versions, runs, work items and no-action rows (faircollect.strategy).

- versions: `save_version` adds a version when the spec's digest differs from the latest
  one of that name (the same meaning is never stored twice); `activate` makes one version
  the active one (at most one per name);
- runs: `replace_run` writes a run record with its work items and no-action rows in the
  caller's transaction, after deleting what earlier runs of the same strategy wrote for the
  same as-of date (they are marked superseded): re-running a night replaces its output;
- reads for the web app and the reports, scoped by creditor.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from faircollect import clock

from ..scope import Scope
from ..tables import Creditor, Loan, NoActionItem, StrategyRun, StrategyVersion, WorkItem

__all__ = [
    "NewRun",
    "activate",
    "active_version",
    "get_version",
    "latest_version",
    "list_runs",
    "list_versions",
    "loan_index",
    "no_action_for_run",
    "replace_run",
    "run_by_id",
    "save_version",
    "work_items_for_run",
]

BATCH = 5000


# ---------------------------------------------------------------------------------------
# versions
# ---------------------------------------------------------------------------------------
def latest_version(session: Session, name: str) -> StrategyVersion | None:
    stmt = (
        select(StrategyVersion)
        .where(StrategyVersion.name == name)
        .order_by(StrategyVersion.version.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def active_version(session: Session, name: str) -> StrategyVersion | None:
    stmt = select(StrategyVersion).where(
        StrategyVersion.name == name, StrategyVersion.active.is_(True)
    )
    return session.scalar(stmt)


def get_version(session: Session, name: str, version: int) -> StrategyVersion | None:
    stmt = select(StrategyVersion).where(
        StrategyVersion.name == name, StrategyVersion.version == version
    )
    return session.scalar(stmt)


def list_versions(session: Session, name: str | None = None) -> list[StrategyVersion]:
    stmt = select(StrategyVersion).order_by(StrategyVersion.name, StrategyVersion.version)
    if name is not None:
        stmt = stmt.where(StrategyVersion.name == name)
    return list(session.scalars(stmt))


def save_version(
    session: Session,
    *,
    name: str,
    digest: str,
    spec: Mapping[str, Any],
    source: str,
    title: str = "",
    created_by: str = "system",
    now: datetime | None = None,
) -> tuple[StrategyVersion, bool]:
    """(version, created): a new version unless the latest one has the same digest."""
    latest = latest_version(session, name)
    if latest is not None and latest.digest == digest:
        return latest, False
    row = StrategyVersion(
        name=name,
        version=1 if latest is None else latest.version + 1,
        digest=digest,
        title=title[:200],
        spec=dict(spec),
        source=source,
        active=False,
        created_by=created_by,
        created_at=now or clock.now(),
    )
    session.add(row)
    session.flush()
    return row, True


def activate(
    session: Session, name: str, version: int, *, now: datetime | None = None
) -> StrategyVersion:
    row = get_version(session, name, version)
    if row is None:
        raise LookupError(f"no version {version} of strategy {name!r}")
    session.execute(
        update(StrategyVersion)
        .where(StrategyVersion.name == name, StrategyVersion.id != row.id)
        .values(active=False)
    )
    row.active = True
    row.activated_at = now or clock.now()
    session.flush()
    return row


# ---------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------
class NewRun(NamedTuple):
    strategy: str
    strategy_version: int
    as_of: date
    engine: str
    source: str
    accounts: int
    counts: Mapping[str, Any]
    arms: Sequence[Sequence[Any]]
    pack_versions: Mapping[str, str]
    capacity: Mapping[str, Any]
    timings: Mapping[str, float]
    started_at: datetime


def loan_index(session: Session, refs: Iterable[str]) -> dict[str, tuple[int, int]]:
    """loan_ref -> (loan id, creditor id) for the refs that exist."""
    out: dict[str, tuple[int, int]] = {}
    refs = list(dict.fromkeys(refs))
    for i in range(0, len(refs), BATCH):
        chunk = refs[i : i + BATCH]
        stmt = select(Loan.ref, Loan.id, Loan.creditor_id).where(Loan.ref.in_(chunk))
        for ref, lid, cid in session.execute(stmt):
            out[ref] = (int(lid), int(cid))
    return out


def replace_run(
    session: Session,
    run: NewRun,
    work_items: Iterable[Mapping[str, Any]],
    no_action: Iterable[Mapping[str, Any]],
    *,
    now: datetime | None = None,
) -> StrategyRun:
    """Record a completed run and its rows, replacing the output of earlier runs of the
    same strategy for the same date (those runs stay, marked superseded)."""
    at = now or clock.now()
    old = select(StrategyRun.id).where(
        StrategyRun.strategy == run.strategy,
        StrategyRun.as_of == run.as_of,
        StrategyRun.status == "completed",
    )
    old_ids = [int(x) for x in session.scalars(old)]
    if old_ids:
        session.execute(delete(WorkItem).where(WorkItem.run_id.in_(old_ids)))
        session.execute(delete(NoActionItem).where(NoActionItem.run_id.in_(old_ids)))
        session.execute(
            update(StrategyRun).where(StrategyRun.id.in_(old_ids)).values(status="superseded")
        )
    row = StrategyRun(
        strategy=run.strategy,
        strategy_version=run.strategy_version,
        as_of=run.as_of,
        engine=run.engine,
        status="completed",
        source=run.source,
        accounts=run.accounts,
        work_items=int(run.counts.get("work_items", 0)),
        no_action=int(run.counts.get("no_action", 0)),
        counts=dict(run.counts),
        arms=[list(a) for a in run.arms],
        pack_versions=dict(run.pack_versions),
        capacity=dict(run.capacity),
        timings=dict(run.timings),
        started_at=run.started_at,
        finished_at=at,
    )
    session.add(row)
    session.flush()
    _insert(session, WorkItem, work_items, {"run_id": row.id, "created_at": at})
    _insert(session, NoActionItem, no_action, {"run_id": row.id, "created_at": at})
    return row


def _insert(
    session: Session, model: Any, rows: Iterable[Mapping[str, Any]], extra: Mapping[str, Any]
) -> None:
    batch: list[dict[str, Any]] = []
    for r in rows:
        batch.append({**r, **extra})
        if len(batch) >= BATCH:
            session.execute(insert(model), batch)
            batch = []
    if batch:
        session.execute(insert(model), batch)


# ---------------------------------------------------------------------------------------
# reads
# ---------------------------------------------------------------------------------------
def _scoped(stmt: Any, model: Any, scope: Scope) -> Any:
    if scope.creditor_ids is None:
        return stmt
    return stmt.where(model.creditor_id.in_(sorted(scope.creditor_ids)))


def run_by_id(session: Session, run_id: int) -> StrategyRun | None:
    return session.get(StrategyRun, run_id)


def list_runs(
    session: Session, *, strategy: str | None = None, status: str | None = "completed"
) -> list[StrategyRun]:
    """Runs in date order (by default only the completed ones: one per strategy and date)."""
    stmt = select(StrategyRun).order_by(StrategyRun.as_of, StrategyRun.id)
    if strategy is not None:
        stmt = stmt.where(StrategyRun.strategy == strategy)
    if status is not None:
        stmt = stmt.where(StrategyRun.status == status)
    return list(session.scalars(stmt))


def work_items_for_run(
    session: Session, run_id: int, *, scope: Scope, limit: int | None = None, offset: int = 0
) -> list[WorkItem]:
    stmt = select(WorkItem).where(WorkItem.run_id == run_id).order_by(WorkItem.priority)
    stmt = _scoped(stmt, WorkItem, scope).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def no_action_for_run(
    session: Session, run_id: int, *, scope: Scope, limit: int | None = None, offset: int = 0
) -> list[NoActionItem]:
    stmt = select(NoActionItem).where(NoActionItem.run_id == run_id).order_by(NoActionItem.loan_ref)
    stmt = _scoped(stmt, NoActionItem, scope).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def work_item_for_loan(
    session: Session, loan_ref: str, as_of: date, *, scope: Scope
) -> list[WorkItem]:
    """Today's work items for one loan (one per strategy that ran)."""
    stmt = select(WorkItem).where(WorkItem.loan_ref == loan_ref, WorkItem.as_of == as_of)
    return list(session.scalars(_scoped(stmt, WorkItem, scope)))


def iter_work_items(session: Session, run_id: int) -> Iterator[WorkItem]:
    stmt = select(WorkItem).where(WorkItem.run_id == run_id).order_by(WorkItem.priority)
    yield from session.scalars(stmt.execution_options(yield_per=BATCH))


def creditor_codes(session: Session) -> dict[int, str]:
    return {int(i): c for i, c in session.execute(select(Creditor.id, Creditor.code))}


def counts_by(session: Session, run_id: int, column: str) -> dict[str, int]:
    col = getattr(WorkItem, column)
    stmt = select(col, func.count()).where(WorkItem.run_id == run_id).group_by(col)
    return {str(k): int(n) for k, n in session.execute(stmt)}


def account_rows(session: Session, run_ids: Sequence[int], *, scope: Scope) -> Any:
    """Every account of the given runs (planned or not) as an Arrow table: run_id, as_of,
    loan_ref, arm, bucket, balance_minor, currency, treatment (null: no action) — the input
    of the cross-run reports (roll rates, recovery curves)."""
    import pyarrow as pa

    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "run_id",
            "as_of",
            "loan_ref",
            "arm",
            "bucket",
            "balance_minor",
            "currency",
            "treatment",
        )
    }
    for model, treated in ((WorkItem, True), (NoActionItem, False)):
        stmt = select(
            model.run_id, model.as_of, model.loan_ref, model.arm, model.bucket,
            model.balance_minor, model.currency,
            model.treatment if treated else model.reason_code,
        ).where(model.run_id.in_(list(run_ids)))  # fmt: skip
        for r in session.execute(_scoped(stmt, model, scope).execution_options(yield_per=BATCH)):
            cols["run_id"].append(int(r[0]))
            cols["as_of"].append(r[1])
            cols["loan_ref"].append(r[2])
            cols["arm"].append(r[3])
            cols["bucket"].append(r[4])
            cols["balance_minor"].append(int(r[5]))
            cols["currency"].append(r[6])
            cols["treatment"].append(r[7] if treated else None)
    return pa.table(
        {
            "run_id": pa.array(cols["run_id"], pa.int64()),
            "as_of": pa.array(cols["as_of"], pa.date32()),
            "loan_ref": pa.array(cols["loan_ref"], pa.string()),
            "arm": pa.array(cols["arm"], pa.string()),
            "bucket": pa.array(cols["bucket"], pa.string()),
            "balance_minor": pa.array(cols["balance_minor"], pa.int64()),
            "currency": pa.array(cols["currency"], pa.string()),
            "treatment": pa.array(cols["treatment"], pa.string()),
        }
    )
