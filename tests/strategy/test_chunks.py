"""A big snapshot is planned in chunks of borrowers (DuckDB): the features, arms, rules and
the one-item-per-borrower selection per chunk; capacity, priorities and the outputs over the
whole run. The plan is the same as in one chunk, row for row."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from faircollect.strategy import compile as C
from faircollect.strategy import run
from faircollect.strategy.engines import DuckDBEngine
from faircollect.strategy.recheck import recheck
from faircollect.strategy.run import PlanResult, plan
from faircollect.strategy.snapshot import Snapshot


def _chunked(book: Snapshot, arms: tuple[C.ArmSpec, ...], size: int) -> tuple[PlanResult, int]:
    """The plan in chunks of about `size` accounts, and how many chunks it took."""
    engine = DuckDBEngine()
    try:
        result = plan(book, arms, engine=engine, chunk_accounts=size)
        acc = engine.table("chunk_probe", book.table("accounts"))
        parts = run._borrower_chunks(engine, acc, book.table("accounts").num_rows, size)
    finally:
        engine.close()
    return result, len(parts)


def _assert_same(chunked: PlanResult, whole: PlanResult) -> None:
    assert chunked.work_items.schema == whole.work_items.schema
    assert chunked.work_items.to_pylist() == whole.work_items.to_pylist()
    assert chunked.work_items.equals(whole.work_items)
    assert chunked.no_action.equals(whole.no_action)
    assert chunked.counts == whole.counts
    assert chunked.capacity == whole.capacity
    assert chunked.rounds == whole.rounds
    assert chunked.accounts == whole.accounts


@pytest.mark.parametrize(("which", "arms"), [("default_plan", "default_arms"),
                                              ("dpd_plan", "dpd_arms")])  # fmt: skip
def test_a_chunked_plan_is_the_same_row_for_row(
    which: str, arms: str, book: Snapshot, request: pytest.FixtureRequest
) -> None:
    whole: PlanResult = request.getfixturevalue(which)
    chunked, n = _chunked(book, request.getfixturevalue(arms), 60)
    assert n >= 8  # 600 accounts in chunks of about 60
    _assert_same(chunked, whole)
    assert list(recheck(book, chunked.work_items)) == []


def test_chunks_keep_capacity_overflow_fallbacks_and_priorities(
    book: Snapshot, dpd_arms: tuple[C.ArmSpec, ...], dpd_plan: PlanResult
) -> None:
    """dpd-escalation on the synthetic shop is capacity-bound: the calls that do not fit
    fall back (or get nothing) across chunks exactly as in one plan; priorities rank the
    whole run."""
    chunked, n = _chunked(book, dpd_arms, 25)
    assert n >= 20
    items = chunked.work_items
    fallbacks = pc.sum(pc.is_valid(items.column("fallback_from"))).as_py()
    assert fallbacks and fallbacks > 5
    assert "capacity" in chunked.counts["no_action_by_reason"]
    assert items.column("priority").to_pylist() == list(range(1, items.num_rows + 1))
    assert chunked.capacity["calls"]["limited"]
    _assert_same(chunked, dpd_plan)


def test_compressed_chunks_plan_the_same(
    book: Snapshot, default_arms: tuple[C.ArmSpec, ...], default_plan: PlanResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Chunks added to the compressed stages (the millions case) give the same plan."""
    monkeypatch.setattr(run, "COMPRESS_FROM", 1)
    chunked, n = _chunked(book, default_arms, 150)
    assert n >= 4
    _assert_same(chunked, default_plan)


def test_chunks_partition_the_borrowers(book: Snapshot) -> None:
    """Every account is in exactly one chunk, and all loans of a borrower in the same one;
    small runs (and size 0) are one chunk."""
    accounts = book.table("accounts")
    engine = DuckDBEngine()
    try:
        acc = engine.table("accounts_probe", accounts)
        assert run._borrower_chunks(engine, acc, accounts.num_rows, 0) == [None]
        assert run._borrower_chunks(engine, acc, accounts.num_rows, 10_000) == [None]
        parts = run._borrower_chunks(engine, acc, accounts.num_rows, 100)
        assert len(parts) >= 5
        seen: dict[str, int] = {}
        chunk_of: dict[Any, set[int]] = {}
        for i, part in enumerate(parts):
            assert part is not None
            got = engine.to_arrow(acc.filter(part(acc)).select("loan_ref", "debtor_id"))
            assert 0 < got.num_rows <= 200
            for r in got.to_pylist():
                assert r["loan_ref"] not in seen
                seen[r["loan_ref"]] = i
                chunk_of.setdefault(r["debtor_id"], set()).add(i)
    finally:
        engine.close()
    assert set(seen) == set(accounts.column("loan_ref").to_pylist())
    assert all(len(c) == 1 for c in chunk_of.values())
    assert len(chunk_of) < accounts.num_rows  # some borrowers have several loans


def test_spark_is_never_chunked() -> None:
    from faircollect.strategy.engines import Engine

    assert not Engine.chunks and DuckDBEngine.chunks
    assert run._borrower_chunks(Engine(), pa.table({"debtor_id": [1]}), 10, 1) == [None]
