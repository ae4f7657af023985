"""Benchmark of the rule engine. Prints ONE JSON line.

Real time: random scenarios (faircollect.rules.samples, 50 history entries each, all packs),
each parsed once (timed separately: `parse_*`) and evaluated once, cold (no state carried
between evaluations except the compiled packs and the cache of local-time instants). An
evaluation is the whole `evaluate()`: the decision AND `next_allowed_at`. `decision_*` times
the same scenarios with the search for `next_allowed_at` left out, for comparison.

    python bench/rules.py [--n 3000] [--seed 7]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from faircollect.rules import engine
from faircollect.rules.model import Scenario
from faircollect.rules.samples import random_scenario_dict


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return round(s[min(len(s) - 1, int(len(s) * p))] * 1e6, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--history", type=int, default=50)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    payloads = [json.dumps(random_scenario_dict(rng, history=args.history)) for _ in range(args.n)]
    # warm-up: compile every pack snapshot, load the zones
    for p in payloads[:200]:
        engine.evaluate(Scenario.model_validate_json(p))

    parse: list[float] = []
    scenarios: list[Scenario] = []
    for p in payloads:
        t0 = time.perf_counter()
        s = Scenario.model_validate_json(p)
        parse.append(time.perf_counter() - t0)
        scenarios.append(s)

    gc.collect()
    gc.disable()
    full: list[float] = []
    blocked = 0
    for s in scenarios:
        t0 = time.perf_counter()
        d = engine.evaluate(s)
        full.append(time.perf_counter() - t0)
        blocked += not d.allowed

    decision: list[float] = []
    search = engine._next_allowed
    engine._next_allowed = lambda *a, **k: None  # type: ignore[assignment]
    try:
        for s in scenarios:
            t0 = time.perf_counter()
            engine.evaluate(s)
            decision.append(time.perf_counter() - t0)
    finally:
        engine._next_allowed = search  # type: ignore[assignment]
        gc.enable()

    out = {
        "scenarios": args.n,
        "history_events": args.history,
        "blocked_share": round(blocked / args.n, 3),
        "realtime_p50_us": _pct(full, 0.50),
        "realtime_p99_us": _pct(full, 0.99),
        "realtime_mean_us": round(statistics.fmean(full) * 1e6, 1),
        "decision_p50_us": _pct(decision, 0.50),
        "decision_p99_us": _pct(decision, 0.99),
        "parse_p50_us": _pct(parse, 0.50),
        "parse_p99_us": _pct(parse, 0.99),
        # --- columnar (batch) figures: to be added by the rules/columnar.py engineer ---------
        # "columnar_account_actions_per_s": ...,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
