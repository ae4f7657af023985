"""Who plans the simulated collectors' day.

`EnginePlanner` is the real thing: `faircollect.strategy.run.plan` on the day's snapshot,
with the strategy as its only arm (no holdout: the simulator measures the strategy itself).
Anything else with a `plan(snapshot) -> pa.Table` (the work-item columns below) can stand in
— the tests use one that plans forbidden contacts on purpose, to show the gate blocks them.

Work-item columns read by the world: loan_ref, treatment, window_start, window_end (UTC),
channel, party, place, purpose, contact_point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from faircollect.strategy import spec as S
from faircollect.strategy.compile import ArmSpec
from faircollect.strategy.run import plan
from faircollect.strategy.snapshot import Snapshot

__all__ = ["EnginePlanner", "Planner", "StrategyNotFound", "resolve_spec"]

WORK_COLUMNS = ("loan_ref", "treatment", "window_start", "window_end", "channel", "party",
                "place", "purpose", "contact_point")  # fmt: skip


class Planner(Protocol):
    name: str

    def plan(self, snapshot: Snapshot) -> pa.Table: ...


class StrategyNotFound(LookupError):
    pass


def resolve_spec(name: str, *, lookup: Any = None) -> S.StrategySpec:
    """A strategy by file (a path to a YAML spec), shipped name, or — through `lookup(name)
    -> spec | None`, e.g. a read-only query of the database — a stored strategy."""
    path = Path(name)
    if name.endswith((".yaml", ".yml")) or path.is_file():
        if not path.is_file():
            raise StrategyNotFound(f"no such file: {name}")
        return S.load_file(path)
    if name in S.shipped_names():
        return S.shipped(name)
    if lookup is not None:
        found = lookup(name)
        if found is not None:
            return found  # type: ignore[no-any-return]
    raise StrategyNotFound(
        f"unknown strategy {name!r} (shipped: {', '.join(S.shipped_names())}; or a YAML file)"
    )


class EnginePlanner:
    """The real strategy engine, one `plan` per simulated day (a fresh DuckDB engine each
    time: the engine object keeps per-run state)."""

    def __init__(self, spec: S.StrategySpec, *, version: int = 1, engine: str = "duckdb",
                 label: str | None = None) -> None:  # fmt: skip
        self.spec = spec
        self.name = label or spec.name
        self.arms = (ArmSpec("champion", spec, version),)
        self.engine = engine
        self.timings: dict[str, float] = {}

    def plan(self, snapshot: Snapshot) -> pa.Table:
        result = plan(snapshot, self.arms, engine=self.engine)
        for k, v in result.timings.items():
            self.timings[k] = self.timings.get(k, 0.0) + v
        return result.work_items.select(list(WORK_COLUMNS))
