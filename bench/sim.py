"""Benchmark of the borrower simulator. Prints ONE JSON line:

    {"accounts", "days", "seconds", "account_days_per_s", "peak_rss_mb", "part",
     "goal_seconds", "full_loop": {"accounts", "days", "seconds", "account_days_per_s",
     "plan_seconds_per_day", "stages": {...}, "peak_rss_mb"}}

1. The top-level figures are the BEHAVIOUR part of the world loop on `--accounts` x `--days`
   (default 1M x 180, the goal: <= 120 s): every overdue account gets one contact a day
   (SMS up to 30 days past due, a call after that: the heaviest realistic load), borrowers
   respond (reach, conversations, payments, promises, disputes, stress), and the end of each
   day runs (promises due, unprompted payments, complaints, income shocks, stale numbers,
   instalments, re-defaults). No planning and no rule gate: contacts are given.
   The population (the synthetic book) is built before the clock starts.
2. `full_loop`: the whole loop with the real strategy engine planning every day and the
   real rule engine gating every contact (`faircollect-default`), on `--full-accounts` x
   `--full-days` (default 100k x 5), in a child process (its own peak RSS). Planning costs
   seconds per call whatever the book size (see docs/simulator.md), so this part does not
   scale to the behaviour part's figure.

    python bench/sim.py [--accounts 1000000] [--days 180] [--full-accounts 100000]
                        [--full-days 5] [--seed 1] [--skip-full]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def behaviour(accounts: int, days: int, seed: int) -> dict[str, object]:
    import numpy as np

    from faircollect.sim.evaluate import seed_rng_seq
    from faircollect.sim.params import load_params
    from faircollect.sim.population import build_population
    from faircollect.sim.world import US_HOUR, World, _ts_us

    class _Fixed:
        name = "fixed"

    p = load_params()
    from datetime import date

    start = date.fromisoformat(str(p.world["start"]))
    pop = build_population(accounts, 1, [seed_rng_seq(seed, 0)], start, p)
    w = World(pop, p, _Fixed(), seed=seed, start=start, days=days, keep_history=False)
    rng = np.random.default_rng(seed)
    sms, call = 2, 3  # TREATMENT_NAMES indices
    t0 = time.perf_counter()
    for d in range(days):
        li = np.nonzero(w.in_coll)[0]
        t = np.where(w.dpd[li] <= 30, sms, call)
        day = start + timedelta(days=d)
        local10 = _ts_us(day, 10) - w._offsets_us(day)[li]
        at = local10 + (rng.random(len(li)) * 10 * US_HOUR).astype(np.int64)
        w.step_fixed(d, li, t, at)
    seconds = time.perf_counter() - t0
    return {
        "accounts": accounts,
        "days": days,
        "seconds": round(seconds, 2),
        "account_days_per_s": round(accounts * days / seconds),
        "peak_rss_mb": _rss_mb(),
        "stages": {k: round(v, 2) for k, v in w.timers.items()},
        "collected_share": round(float(w.collected.sum() / max(w.overdue.sum(), 1)), 4),
    }


def full(accounts: int, days: int, seed: int) -> dict[str, object]:
    from faircollect.sim.evaluate import simulate

    t0 = time.perf_counter()
    ev = simulate(["faircollect-default"], accounts=accounts, days=days, seed=seed,
                  check_sample=0)  # fmt: skip
    seconds = time.perf_counter() - t0
    stages = ev.seconds["faircollect-default"]
    return {
        "accounts": accounts,
        "days": days,
        "seconds": round(seconds, 2),
        "account_days_per_s": round(accounts * days / seconds),
        "plan_seconds_per_day": round(stages.get("plan", 0.0) / days, 2),
        "stages": stages,
        "peak_rss_mb": _rss_mb(),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--full-accounts", type=int, default=100_000)
    ap.add_argument("--full-days", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-full", action="store_true")
    ap.add_argument("--part", choices=["behaviour", "full"], default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.part == "full":
        print(json.dumps(full(a.full_accounts, a.full_days, a.seed)))
        return
    if a.part == "behaviour":
        print(json.dumps(behaviour(a.accounts, a.days, a.seed)))
        return
    out: dict[str, object] = {}
    res = subprocess.run([sys.executable, __file__, "--part", "behaviour", "--accounts",
                          str(a.accounts), "--days", str(a.days), "--seed", str(a.seed)],
                         check=True, capture_output=True, text=True)  # fmt: skip
    out.update(json.loads(res.stdout.strip().splitlines()[-1]))
    out["part"] = "behaviour (contacts given; no planning, no rule gate)"
    out["goal_seconds"] = 120
    if not a.skip_full:
        res = subprocess.run([sys.executable, __file__, "--part", "full", "--full-accounts",
                              str(a.full_accounts), "--full-days", str(a.full_days),
                              "--seed", str(a.seed)], check=True, capture_output=True,
                             text=True)  # fmt: skip
        out["full_loop"] = json.loads(res.stdout.strip().splitlines()[-1])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
