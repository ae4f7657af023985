"""The compiled plan (DuckDB): lawful, equal to the naive per-account implementation, and
doing what the strategies say (least intrusive first, governed visits, harm budget,
capacity that never escalates, one work item per borrower, explained no-action rows)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import pyarrow as pa
import pytest

from faircollect.strategy import compile as C
from faircollect.strategy import explain
from faircollect.strategy import spec as S
from faircollect.strategy.recheck import recheck
from faircollect.strategy.reference import _arm, plan_python
from faircollect.strategy.run import PlanResult, plan
from faircollect.strategy.snapshot import Snapshot
from faircollect.strategy.treatments import BY_NAME

from .factory import AS_OF, account, contact, snapshot

ITEM_COLUMNS = (
    "loan_ref", "treatment", "window_start", "window_end", "priority", "arm", "reason_code",
    "segment", "assignee", "expected_recovery_minor", "expected_value_minor", "fallback_from",
)  # fmt: skip
NONE_COLUMNS = ("loan_ref", "reason_code", "detail", "arm", "segment")


def _rows(table: pa.Table, cols: tuple[str, ...]) -> list[dict[str, Any]]:
    return sorted(({c: r[c] for c in cols} for r in table.to_pylist()),
                  key=lambda r: r["loan_ref"])  # fmt: skip


@pytest.mark.parametrize("which", ["default_plan", "dpd_plan"])
def test_no_work_item_violates_the_rules(
    which: str, book: Snapshot, request: pytest.FixtureRequest
) -> None:
    """Acceptance: every planned item, re-checked with the real-time engine at the start of
    its window with the debtor's whole history, is allowed."""
    result: PlanResult = request.getfixturevalue(which)
    assert result.work_items.num_rows > 300
    findings = list(recheck(book, result.work_items))
    assert findings == []


@pytest.mark.parametrize(("which", "arms"), [("default_plan", "default_arms"),
                                              ("dpd_plan", "dpd_arms")])  # fmt: skip
def test_equals_the_naive_per_account_implementation(
    which: str, arms: str, book: Snapshot, request: pytest.FixtureRequest
) -> None:
    result: PlanResult = request.getfixturevalue(which)
    items, none = plan_python(book, request.getfixturevalue(arms))
    assert _rows(result.work_items, ITEM_COLUMNS) == sorted(
        ({c: r[c] for c in ITEM_COLUMNS} for r in items), key=lambda r: r["loan_ref"]
    )
    assert _rows(result.no_action, NONE_COLUMNS) == sorted(
        ({c: r[c] for c in NONE_COLUMNS} for r in none), key=lambda r: r["loan_ref"]
    )


@pytest.mark.parametrize("which", ["default_plan", "dpd_plan"])
def test_every_account_is_planned_or_explained_once(
    which: str, book: Snapshot, request: pytest.FixtureRequest
) -> None:
    result: PlanResult = request.getfixturevalue(which)
    planned = result.work_items.column("loan_ref").to_pylist()
    left = result.no_action.column("loan_ref").to_pylist()
    assert len(planned) == len(set(planned)) and len(left) == len(set(left))
    assert set(planned).isdisjoint(left)
    assert set(planned) | set(left) == set(book.table("accounts").column("loan_ref").to_pylist())
    assert result.accounts == len(planned) + len(left)
    # one work item per borrower
    debtors = Counter(result.work_items.column("debtor_key").to_pylist())
    assert max(debtors.values()) == 1
    # priorities are 1..n
    assert sorted(result.work_items.column("priority").to_pylist()) == list(
        range(1, result.work_items.num_rows + 1)
    )


def test_windows_are_the_debtors_local_contact_hours(default_plan: PlanResult) -> None:
    seen = Counter()
    for r in default_plan.work_items.to_pylist():
        z = ZoneInfo(r["timezone"])
        start, end = r["window_start"].astimezone(z), r["window_end"].astimezone(z)
        assert start < end
        assert start.date() == AS_OF
        assert end.date() == AS_OF or end.time().isoformat() == "00:00:00"
        if r["pack"] == "CN":
            assert start.time().hour >= 8
            assert end.time().hour <= 22 or end.time().isoformat() == "00:00:00"
        seen[r["pack"]] += 1
    assert set(seen) == {"CN", "US", "US-MA", "UK"}


def test_default_prefers_cheap_channels_and_dpd_escalation_does_not(
    default_plan: PlanResult, dpd_plan: PlanResult
) -> None:
    def level(result: PlanResult) -> Decimal:
        ts = result.work_items.column("treatment").to_pylist()
        return Decimal(sum(BY_NAME[t].level for t in ts)) / len(ts)

    assert level(default_plan) < level(dpd_plan)
    assert default_plan.counts["by_treatment"].get("app", 0) > 0
    assert (
        "most_intrusive" in dpd_plan.counts.get("by_treatment", {})
        or dpd_plan.work_items.filter(
            pa.compute.equal(dpd_plan.work_items.column("reason_code"), "most_intrusive")
        ).num_rows
        > 0
    )


def test_reasons_are_rendered_in_both_languages(
    default_plan: PlanResult, dpd_plan: PlanResult
) -> None:
    for result in (default_plan, dpd_plan):
        for r in result.work_items.to_pylist():
            t = BY_NAME[r["treatment"]]
            assert "{" not in r["reason"] and "{" not in r["reason_zh"]
            if r["reason_code"] != "capacity_fallback":
                assert t.title_en in r["reason"] and t.title_zh in r["reason_zh"]
            assert re.search(r"[\u4e00-\u9fff]", r["reason_zh"])
        for r in result.no_action.to_pylist():
            assert r["reason"] and r["reason_zh"] and "{" not in r["reason"]
            values = _none_values(r)
            if values is not None:
                assert r["reason"] == explain.render(r["reason_code"], values, "en")
                assert r["reason_zh"] == explain.render(r["reason_code"], values, "zh_CN")


def _none_values(r: dict[str, Any]) -> dict[str, Any] | None:
    code, detail = r["reason_code"], r["detail"]
    if code == "harm_budget":
        return {"contacts": detail}
    if code == "debtor_covered":
        return {"covered_by": detail}
    if code in ("no_window", "holdout_none", "excluded", "no_segment"):
        return {}
    if code in ("no_channel", "conditions"):
        return {"segment": r["segment"]}
    return None


# ---------------------------------------------------------------------------------------
# targeted books
# ---------------------------------------------------------------------------------------
def _visit_candidate(n: int, **kw: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A late, large, unreachable account whose cheaper channels have failed: 4 SMS and 3
    calls 8-13 days ago, 3 letters and 4 emergency-contact calls within 30 days, nothing in
    the last 7 days, no app or e-mail."""
    base: dict[str, Any] = {
        "overdue_since": AS_OF - timedelta(days=100),
        "reachable": False,
        "has_app": False,
        "has_email": False,
    }
    acc = account(n, **{**base, **kw})
    cs = [contact(n, 8 + i, "sms") for i in range(4)]
    cs += [contact(n, 9 + i, "call") for i in range(3)]
    cs += [contact(n, 10 + 6 * i, "letter", place="home") for i in range(3)]
    cs += [contact(n, 8 + i, "call", party="emergency_contact", contact_point=f"ec{n}",
                   purpose="location") for i in range(4)]  # fmt: skip
    return acc, cs


TEAM = {"name": "field-gd", "daily_capacity": 5, "regions": ["CN-GD"], "creditors": [],
        "days": ["mon", "tue", "wed", "thu", "fri"]}  # fmt: skip
DESK = {"name": "desk", "daily_capacity": 50, "creditors": [], "languages": []}


@pytest.fixture(scope="module")
def visit_book() -> Snapshot:
    accounts, contacts = [], []
    variants: dict[int, dict[str, Any]] = {
        1: {},
        2: {"vulnerable": True},
        3: {"dispute_received_at": None},  # set below: a dispute 5 days ago
        4: {"reachable": True},  # reachable, and a conversation 5 days ago
        5: {"outstanding_minor": 300_000},  # below the visit threshold
        6: {},  # a visit 20 days ago (harm budget: one visit in 90 days)
        7: {},  # only 2 digital attempts in 14 days
    }
    for n, kw in variants.items():
        acc, cs = _visit_candidate(n, **kw)
        if n == 3:
            acc["dispute_received_at"] = cs[0]["at"] - timedelta(days=1)
        if n == 4:
            cs.append(contact(4, 5, "call", outcome="conversation"))
        if n == 6:
            cs.append(contact(6, 20, "visit", outcome="no_answer", place="home"))
        if n == 7:
            cs = [c for c in cs if not (c["channel"] == "sms" and c["at"] < cs[1]["at"])]
        accounts.append(acc)
        contacts += cs
    return snapshot(accounts, contacts, field_teams=[TEAM], collectors=[DESK])


def test_a_visit_is_a_governed_last_resort(
    visit_book: Snapshot, default_arms: tuple[C.ArmSpec, ...]
) -> None:
    digital = Counter(
        c["debtor_id"]
        for c in visit_book.table("contacts").to_pylist()
        if c["channel"] in ("sms", "app", "email")
    )
    assert digital[7] == 2
    result = plan(visit_book, default_arms)
    by_ref = {r["loan_ref"]: r for r in result.work_items.to_pylist()}
    visits = {ref for ref, r in by_ref.items() if r["treatment"] == "visit"}
    assert visits == {"T00001"}
    item = by_ref["T00001"]
    assert item["reason_code"] == "visit_lost_contact"
    assert item["assignee"] == "field-gd"
    assert "上门" in item["reason_zh"]
    assert list(recheck(visit_book, result.work_items)) == []
    # the vulnerable borrower is in the gentle segment; the others got no visit
    assert by_ref.get("T00002", {}).get("segment") in (None, "hardship")


def test_visit_overflow_falls_back_to_a_less_intrusive_treatment(
    visit_book: Snapshot, default_arms: tuple[C.ArmSpec, ...]
) -> None:
    closed = {**TEAM, "days": ["sat", "sun"]}  # the team does not work on Wednesdays
    book = visit_book.with_tables(
        field_teams=pa.Table.from_pylist([closed], schema=visit_book.table("field_teams").schema)
    )
    result = plan(book, default_arms)
    item = next(r for r in result.work_items.to_pylist() if r["loan_ref"] == "T00001")
    assert item["fallback_from"] == "visit"
    assert BY_NAME[item["treatment"]].level < BY_NAME["visit"].level
    assert item["reason_code"] == "capacity_fallback"
    assert item["treatment"] == "call_emergency_contact"  # the next permitted one down
    assert list(recheck(book, result.work_items)) == []


def test_capacity_is_respected_and_never_escalates(book: Snapshot, dpd_plan: PlanResult) -> None:
    caps = {r["name"]: r["daily_capacity"] for r in book.table("collectors").to_pylist()}
    caps |= {r["name"]: r["daily_capacity"] for r in book.table("field_teams").to_pylist()}
    used = Counter(r["assignee"] for r in dpd_plan.work_items.to_pylist() if r["assignee"])
    assert used and all(used[w] <= caps[w] for w in used)
    fallbacks = [r for r in dpd_plan.work_items.to_pylist() if r["fallback_from"]]
    assert fallbacks, "the synthetic shop is capacity-bound: some calls fall back"
    for r in fallbacks:
        assert BY_NAME[r["treatment"]].level < BY_NAME[r["fallback_from"]].level
    calls = [r for r in dpd_plan.work_items.to_pylist()
             if r["treatment"] in ("call", "call_emergency_contact")]  # fmt: skip
    assert all(r["assignee"] for r in calls)


def test_harm_budget_and_holds() -> None:
    accounts = [
        account(1),  # 3 contacts this week: the default's budget is spent
        account(2, deceased=True),
        account(3),
    ]
    contacts = [contact(1, d, "sms") for d in (1, 2, 3)]
    book = snapshot(accounts, contacts, collectors=[DESK])
    default = plan(book, C.arms_for(S.shipped("faircollect-default"), 1))
    reasons = {r["loan_ref"]: r for r in default.no_action.to_pylist()}
    assert reasons["T00001"]["reason_code"] == "harm_budget"
    assert reasons["T00001"]["detail"] == "3"
    assert reasons["T00002"]["reason_code"] == "rules_blocked"
    assert reasons["T00002"]["detail"].startswith("CN:deceased-hold")
    assert "CN:deceased-hold" in reasons["T00002"]["reason"]
    assert [r["loan_ref"] for r in default.work_items.to_pylist()] == ["T00003"]
    # the industry baseline has no harm budget beyond the law
    dpd = plan(book, C.arms_for(S.shipped("dpd-escalation"), 1))
    assert {r["loan_ref"] for r in dpd.work_items.to_pylist()} == {"T00001", "T00003"}


# ---------------------------------------------------------------------------------------
# experiment arms
# ---------------------------------------------------------------------------------------
def _arms_in_engine(spec: S.StrategySpec, keys: list[str]) -> list[str]:
    t = ibis.memtable(pa.table({"debtor_key": keys}))
    out = ibis.duckdb.connect().to_pyarrow(C.with_arms(t, spec).select("debtor_key", "arm"))
    arm_of = dict(zip(out.column(0).to_pylist(), out.column(1).to_pylist(), strict=True))
    return [arm_of[k] for k in keys]


def test_arms_are_a_stable_hash_split_with_a_permanent_holdout() -> None:
    keys = [f"XY-CFC/B{i:06d}" for i in range(20_000)]
    base = S.shipped("faircollect-default")
    with_challenger = S.from_data(
        {**base.to_data(), "challengers": [
            {"arm": "dpd", "strategy": "dpd-escalation", "share": "0.25"}]}
    )  # fmt: skip
    a = _arms_in_engine(base, keys)
    b = _arms_in_engine(with_challenger, keys)
    assert a == [_arm(base, k) for k in keys]  # engine == hashlib
    assert b == [_arm(with_challenger, k) for k in keys]
    holdout_a = {k for k, x in zip(keys, a, strict=True) if x == "holdout"}
    holdout_b = {k for k, x in zip(keys, b, strict=True) if x == "holdout"}
    assert holdout_a == holdout_b  # adding a challenger never moves the holdout
    assert 0.015 < len(holdout_a) / len(keys) < 0.025
    share = Counter(b)["dpd"] / (len(keys) - len(holdout_b))
    assert 0.23 < share < 0.27


@pytest.mark.slow
def test_challenger_arm_runs_its_own_strategy(book: Snapshot) -> None:
    base = S.shipped("faircollect-default")
    champion = S.from_data(
        {**base.to_data(), "challengers": [
            {"arm": "dpd", "strategy": "dpd-escalation", "share": "0.3"}]}
    )  # fmt: skip
    arms = C.arms_for(champion, 7, {"dpd": (S.shipped("dpd-escalation"), 3)})
    result = plan(book, arms)
    rows = result.work_items.to_pylist()
    by_arm = Counter(r["arm"] for r in rows)
    assert set(by_arm) == {"champion", "dpd", "holdout"}
    for r in rows:
        expected = {"champion": ("faircollect-default", 7), "holdout": ("faircollect-default", 7),
                    "dpd": ("dpd-escalation", 3)}[r["arm"]]  # fmt: skip
        assert (r["strategy"], r["strategy_version"]) == expected
        if r["arm"] == "holdout":
            assert r["reason_code"] == "holdout_baseline"
    items, _none = plan_python(book, arms)
    assert _rows(result.work_items, ITEM_COLUMNS) == sorted(
        ({c: r[c] for c in ITEM_COLUMNS} for r in items), key=lambda r: r["loan_ref"]
    )
    assert list(recheck(book, result.work_items)) == []


def test_an_empty_book_plans_nothing(default_arms: tuple[C.ArmSpec, ...]) -> None:
    result = plan(snapshot([]), default_arms)
    assert (result.accounts, result.work_items.num_rows, result.no_action.num_rows) == (0, 0, 0)
    assert result.counts["by_treatment"] == {}


@pytest.mark.parametrize(("which", "arms"), [("default_plan", "default_arms"),
                                              ("dpd_plan", "dpd_arms")])  # fmt: skip
def test_compressed_stages_plan_the_same(
    which: str, arms: str, book: Snapshot, request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """From `COMPRESS_FROM` accounts on (millions), DuckDB keeps the per-account stages in
    a compressed in-memory database: the plan is the same, row for row."""
    from faircollect.strategy import run
    from faircollect.strategy.engines import DuckDBEngine

    expected: PlanResult = request.getfixturevalue(which)
    monkeypatch.setattr(run, "COMPRESS_FROM", 1)
    engine = DuckDBEngine()
    try:
        result = plan(book, request.getfixturevalue(arms), engine=engine)
        stored = engine.con.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'fc_store'"
        ).fetchone()
        assert stored is not None and stored[0] >= 1  # the compressed store was used
    finally:
        engine.close()
    assert result.work_items.equals(expected.work_items)
    assert result.no_action.equals(expected.no_action)
