"""Shared books and plans for the strategy tests (session-scoped: a plan takes seconds)."""

from __future__ import annotations

from datetime import date

import pytest

from faircollect.strategy import compile as C
from faircollect.strategy import spec as S
from faircollect.strategy.run import PlanResult, plan
from faircollect.strategy.snapshot import Snapshot
from faircollect.strategy.synth import synthetic_snapshot

AS_OF = date(2026, 3, 4)  # a Wednesday
MIXED = {"CN": 0.4, "US": 0.2, "US-MA": 0.2, "UK": 0.2}


@pytest.fixture(scope="session")
def book() -> Snapshot:
    """600 overdue accounts across the four packs."""
    return synthetic_snapshot(600, seed=21, as_of=AS_OF, packs=MIXED)


@pytest.fixture(scope="session")
def default_arms() -> tuple[C.ArmSpec, ...]:
    return C.arms_for(S.shipped("faircollect-default"), 1)


@pytest.fixture(scope="session")
def dpd_arms() -> tuple[C.ArmSpec, ...]:
    return C.arms_for(S.shipped("dpd-escalation"), 1)


@pytest.fixture(scope="session")
def default_plan(book: Snapshot, default_arms: tuple[C.ArmSpec, ...]) -> PlanResult:
    return plan(book, default_arms)


@pytest.fixture(scope="session")
def dpd_plan(book: Snapshot, dpd_arms: tuple[C.ArmSpec, ...]) -> PlanResult:
    return plan(book, dpd_arms)


# Ibis 12 fetches results with DuckDB 2's deprecated `fetch_arrow_table`; PySpark warns that
# it does not fully support pandas 3 (neither is ours to fix; both work here).
_IGNORED = (
    "ignore:fetch_arrow_table:DeprecationWarning",
    "ignore:PySpark does not yet fully support pandas:FutureWarning",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/strategy/" in item.nodeid.replace("\\", "/") or item.nodeid.startswith(
            "tests/strategy/"
        ):
            for f in _IGNORED:
                item.add_marker(pytest.mark.filterwarnings(f))
