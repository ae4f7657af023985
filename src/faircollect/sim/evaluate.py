"""Run strategies through the simulated world and compare them (the service behind
`faircollect simulate`). No database: the book is synthetic and everything stays in memory.

    simulate(strategies, accounts=N, days=D, seed=S, replicates=K) -> Evaluation

Every strategy runs on the same books (one per replicate, the same for every strategy) with
the same daily random numbers, so differences come from the strategies.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from faircollect.strategy import spec as S

from .metrics import summarize
from .params import Params, load_params
from .planners import EnginePlanner, Planner, resolve_spec
from .population import build_population
from .world import RunResult, World, seed_rng

__all__ = ["Evaluation", "simulate"]

Progress = Callable[[str, int, int], None]


@dataclass
class Evaluation:
    accounts: int
    days: int
    seed: int
    replicates: int
    start: date
    currency: str
    results: dict[str, RunResult]
    summary: dict[str, dict[str, Any]]
    seconds: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON object of `faircollect simulate --json` (deterministic per seed)."""
        return {
            "accounts": self.accounts,
            "days": self.days,
            "seed": self.seed,
            "replicates": self.replicates,
            "start": self.start.isoformat(),
            "currency": self.currency,
            "strategies": self.summary,
        }


def _planner(s: str | S.StrategySpec | Planner, engine: str, lookup: Any) -> Any:
    if isinstance(s, str):
        return EnginePlanner(resolve_spec(s, lookup=lookup), engine=engine)
    if isinstance(s, S.StrategySpec):
        return EnginePlanner(s, engine=engine)
    return s


def simulate(
    strategies: Sequence[str | S.StrategySpec | Planner],
    *,
    accounts: int,
    days: int,
    seed: int,
    replicates: int = 1,
    params: Params | None = None,
    params_file: Path | None = None,
    engine: str = "duckdb",
    check_sample: int = 20,
    gate_rules: bool = True,
    lookup: Any = None,
    progress: Progress | None = None,
) -> Evaluation:
    """Simulate each strategy (a shipped name, a YAML file, a spec, or any planner) for `days`
    days on `replicates` books of `accounts` overdue loans. `check_sample` contacts a day are
    also judged by the real-time rule engine (agreement is reported). `gate_rules=False` is
    an ungated what-if (contacts are executed even when a rule forbids them, and counted as
    executed violations): never what the platform does."""
    if accounts < 1 or days < 1 or replicates < 1:
        raise ValueError("accounts, days and replicates must be at least 1")
    p = params or load_params(params_file)
    start = date.fromisoformat(str(p.world["start"]))
    planners = [_planner(s, engine, lookup) for s in strategies]
    names = [pl.name for pl in planners]
    if len(set(names)) != len(names):
        raise ValueError(f"strategies given twice: {names}")
    seeds = [seed_rng_seq(seed, r) for r in range(replicates)]
    pop = build_population(accounts, replicates, seeds, start, p)
    results: dict[str, RunResult] = {}
    summary: dict[str, dict[str, Any]] = {}
    seconds: dict[str, dict[str, float]] = {}
    currency = "CNY"
    for pl in planners:
        t0 = time.perf_counter()

        def tick(done: int, total: int, name: str = pl.name) -> None:
            if progress is not None:
                progress(name, done, total)

        world = World(pop, p, pl, seed=seed, start=start, days=days, gate_rules=gate_rules,
                      check_sample=check_sample, progress=tick)  # fmt: skip
        res = world.run()
        results[pl.name] = res
        summary[pl.name], currency = summarize(res, p)
        seconds[pl.name] = {**res.seconds, "total": round(time.perf_counter() - t0, 3)}
    return Evaluation(
        accounts=accounts,
        days=days,
        seed=seed,
        replicates=replicates,
        start=start,
        currency=currency,
        results=results,
        summary=summary,
        seconds=seconds,
    )


def seed_rng_seq(seed: int, replicate: int) -> Any:
    """The SeedSequence of a replicate's book (the world's own streams use `seed_rng`)."""
    import numpy as np

    return np.random.SeedSequence(entropy=seed, spawn_key=(replicate, 99))


__all__ += ["seed_rng"]
