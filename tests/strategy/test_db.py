"""The nightly run against the operational database (SQLite and PostgreSQL): snapshot from
the store, work items written, re-runs replace their own output, versions, audit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from faircollect import audit
from faircollect.portfolio.generator import generate_portfolio
from faircollect.portfolio.importer import import_portfolio
from faircollect.store.db import Database
from faircollect.store.repositories import capacity as cap_repo
from faircollect.store.repositories import strategies as repo
from faircollect.store.scope import Scope
from faircollect.store.tables import AuditEvent, NoActionItem, StrategyRun, WorkItem
from faircollect.strategy import manage, report
from faircollect.strategy.recheck import recheck
from faircollect.strategy.run import plan, resolve_arms, run_nightly
from faircollect.strategy.snapshot import from_db
from faircollect.vault import Vault

pytestmark = pytest.mark.slow  # a database, an import and several runs

AS_OF = date(2026, 3, 4)


@pytest.fixture
def loaded(db: Database, vault: Vault, tmp_path: Path) -> Database:
    folder = tmp_path / "book"
    generate_portfolio(folder, accounts=400, seed=9, as_of=AS_OF)
    result = import_portfolio(db, folder, vault=vault, today=AS_OF, workers=0)
    assert result.ok
    return db


def test_run_writes_the_plan_and_a_rerun_replaces_it(
    loaded: Database, vault: Vault, tmp_path: Path
) -> None:
    db = loaded
    with db.transaction() as s:
        manage.import_capacity(
            s,
            {"collectors": [{"name": "desk-1", "daily_capacity": 5, "languages": ["zh"]}],
             "field_teams": [{"name": "field", "daily_capacity": 1, "regions": []}]},
        )  # fmt: skip
    out = tmp_path / "out" / "items.parquet"
    first = run_nightly(db, as_of=AS_OF, vault=vault, out=out)
    assert first.accounts > 50 and first.counts["work_items"] > 0 and not first.replaced
    assert out.exists() and out.with_name("items.no_action.parquet").exists()
    with db.transaction() as s:
        items = repo.work_items_for_run(s, first.run_id, scope=Scope.system())
        none = repo.no_action_for_run(s, first.run_id, scope=Scope.system())
        run = repo.run_by_id(s, first.run_id)
        assert run is not None and run.status == "completed"
        assert run.work_items == len(items) and run.no_action == len(none)
        assert len(items) + len(none) == first.accounts
        assert all(i.loan_id is not None and i.creditor_id is not None for i in items)
        assert sum(run.counts["by_treatment"].values()) == len(items)
        assert run.counts["amounts"]["by_bucket"]
        assert sum(1 for i in items if i.assignee == "desk-1") <= 5
        v = repo.active_version(s, "faircollect-default")
        assert v is not None and (v.version, run.strategy_version) == (1, 1)
        # the plan is the engine's plan of the same snapshot
        snapshot = from_db(s, as_of=AS_OF, vault=vault)
        arms = resolve_arms(s, "faircollect-default")
    again = plan(snapshot, arms)
    assert sorted((i.loan_ref, i.treatment) for i in items) == sorted(
        zip(
            again.work_items.column("loan_ref").to_pylist(),
            again.work_items.column("treatment").to_pylist(),
            strict=True,
        )
    )
    assert list(recheck(snapshot, again.work_items)) == []
    second = run_nightly(db, as_of=AS_OF, vault=vault)
    assert second.replaced and second.run_id != first.run_id
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(WorkItem)) == len(items)
        assert s.scalar(select(func.count()).select_from(NoActionItem)) == len(none)
        statuses = dict(s.execute(select(StrategyRun.id, StrategyRun.status)).all())
        assert statuses == {first.run_id: "superseded", second.run_id: "completed"}
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions.count("strategy.run") == 2
        assert audit.verify(s).ok
        data = report.from_db(s, strategy="faircollect-default")
    assert [r["run_id"] for r in data["runs"]] == [second.run_id]
    assert data["latest"]["by_treatment"] == second.counts["by_treatment"]


def test_versions_activate_and_scope(loaded: Database, vault: Vault, tmp_path: Path) -> None:
    db = loaded
    spec_file = tmp_path / "mine.yaml"
    text = (Path(__file__).parents[2] / "src/faircollect/strategy/strategies/dpd-escalation.yaml"
            ).read_text("utf-8")  # fmt: skip
    spec_file.write_text(text.replace("name: dpd-escalation", "name: my-dpd"), "utf-8")
    with db.transaction() as s:
        assert manage.activate(s, str(spec_file)) == ("my-dpd", 1, True)
        assert manage.activate(s, str(spec_file)) == ("my-dpd", 1, False)  # same meaning
        spec_file.write_text(
            spec_file.read_text("utf-8").replace('"3000.00"', '"3500.00"'), "utf-8"
        )
        assert manage.activate(s, str(spec_file)) == ("my-dpd", 2, True)
        assert manage.activate(s, "my-dpd@1") == ("my-dpd", 1, False)
        listed = {(v.name, v.version): v.active for v in manage.list_strategies(s)}
        assert listed[("my-dpd", 1)] and not listed[("my-dpd", 2)]
        assert ("dpd-escalation", None) in listed  # shipped, not stored
    summary = run_nightly(db, as_of=AS_OF, strategy="my-dpd", vault=vault)
    assert summary.version == 1
    with db.transaction() as s:
        creditors = dict(s.execute(select(WorkItem.creditor_id, func.count()).group_by(
            WorkItem.creditor_id)).all())  # fmt: skip
        some = next(iter(creditors))
        mine = repo.work_items_for_run(s, summary.run_id, scope=Scope.for_creditors({some}))
        assert {i.creditor_id for i in mine} == {some} and len(mine) == creditors[some]
        assert repo.work_items_for_run(s, summary.run_id, scope=Scope.for_creditors(set())) == []


def test_capacity_import_is_validated(db: Database) -> None:
    with db.transaction() as s:
        with pytest.raises(manage.CapacityError, match="daily_capacity"):
            manage.import_capacity(s, {"collectors": [{"name": "x", "daily_capacity": -1}]})
        with pytest.raises(manage.CapacityError, match="weekdays"):
            manage.import_capacity(
                s, {"field_teams": [{"name": "t", "daily_capacity": 1, "days": ["mon", "xyz"]}]}
            )
        assert manage.import_capacity(s, "collectors:\n  - {name: a, daily_capacity: 3}\n") == (
            1,
            0,
        )
        manage.import_capacity(s, {"collectors": [{"name": "a", "daily_capacity": 7}]})
        (c,) = cap_repo.list_collectors(s)
        assert (c.name, c.daily_capacity) == ("a", 7)
