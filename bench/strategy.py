"""Benchmark of the nightly strategy. Prints ONE JSON line:

    {"accounts", "seconds", "accounts_per_s", "floor_seconds", "ratio_to_floor",
     "python_loop_accounts_per_s", "peak_rss_mb", ...}

1. A Parquet snapshot of `--accounts` overdue accounts (faircollect.strategy.synth: CN book,
   borrowers with 1-3 loans, ~120 days of contact history — about 5-6 entries per account —
   payments, promises, collectors and field teams sized to the book) is written to `--dir`
   (default var/bench/strategy-<N>-<seed>; reused when it is already there). Generation is
   not timed.
2. `seconds`: the default strategy (faircollect-default) planned on DuckDB from the Parquet
   files, in a fresh child process, until the work items and no-action rows are Arrow tables
   in memory (`plan()`, what `faircollect run strategy --snapshot` runs before writing).
   `peak_rss_mb` is that process's peak resident memory.
3. `floor_seconds`: one DuckDB query (fresh child process) that reads the same input columns
   and aggregates the history once: every account column joined with one group-by of the
   contacts per borrower and one of the payments per loan, materialised as a table.
4. `python_loop_accounts_per_s`: the naive per-account implementation of the same strategy
   (faircollect.strategy.reference: features, arms, segments, conditions, scores, the
   real-time rule engine per candidate, one item per borrower, capacity) on a
   `--python-sample` account book from the same generator.

    python bench/strategy.py [--accounts 1000000] [--seed 7] [--python-sample 50000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

AS_OF = date(2026, 3, 4)
CHUNK = 500_000


def generate(n: int, seed: int, folder: Path) -> None:
    """Write the snapshot in chunks (bounded memory), ids continuing across chunks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from faircollect.strategy.snapshot import (
        ACCOUNTS,
        COLLECTORS,
        CONTACTS,
        FIELD_TEAMS,
        PAYMENTS,
    )
    from faircollect.strategy.synth import synthetic_capacity, synthetic_snapshot

    folder.mkdir(parents=True, exist_ok=True)
    writers = {
        name: pq.ParquetWriter(folder / f"{name}.parquet", schema, compression="zstd")
        for name, schema in (
            ("accounts", ACCOUNTS),
            ("contacts", CONTACTS),
            ("payments", PAYMENTS),
        )
    }
    first_loan = first_borrower = first_seq = 0
    regions: set[str] = set()
    try:
        for i, start in enumerate(range(0, n, CHUNK)):
            size = min(CHUNK, n - start)
            snap = synthetic_snapshot(
                size,
                seed=seed * 1000 + i,
                as_of=AS_OF,
                first_loan=first_loan,
                first_borrower=first_borrower,
                first_seq=first_seq,
            )
            acc, con = snap.table("accounts"), snap.table("contacts")
            writers["accounts"].write_table(acc, row_group_size=1 << 20)
            writers["contacts"].write_table(con, row_group_size=1 << 20)
            writers["payments"].write_table(snap.table("payments"), row_group_size=1 << 20)
            regions |= set(acc.column("region").unique().to_pylist())
            first_loan += size
            first_borrower = int(pa.compute.max(acc.column("debtor_id")).as_py())
            first_seq += con.num_rows
    finally:
        for w in writers.values():
            w.close()
    collectors, teams = synthetic_capacity(n, ("CN",), tuple(sorted(regions)))
    pq.write_table(collectors.cast(COLLECTORS), folder / "collectors.parquet")
    pq.write_table(teams.cast(FIELD_TEAMS), folder / "field_teams.parquet")
    (folder / "snapshot.json").write_text(
        json.dumps({"as_of": AS_OF.isoformat(), "source": f"bench n={n} seed={seed}"}), "utf-8"
    )


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child_plan(folder: Path, memory_limit: str | None, chunk_accounts: int | None) -> None:
    from faircollect.strategy import compile as C
    from faircollect.strategy import run as run_module
    from faircollect.strategy import spec as S
    from faircollect.strategy.engines import DuckDBEngine
    from faircollect.strategy.run import plan
    from faircollect.strategy.snapshot import read_parquet

    snap = read_parquet(folder)
    arms = C.arms_for(S.shipped("faircollect-default"), 1)
    engine = DuckDBEngine(memory_limit=memory_limit)
    t, c = time.perf_counter(), _cpu()
    result = plan(snap, arms, engine=engine, chunk_accounts=chunk_accounts)
    seconds, cpu = time.perf_counter() - t, _cpu() - c
    engine.close()
    print(
        json.dumps(
            {
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu, 3),
                "accounts": result.accounts,
                "work_items": result.work_items.num_rows,
                "no_action": result.no_action.num_rows,
                "by_treatment": result.counts["by_treatment"],
                "rounds": list(result.rounds),
                "chunk_accounts": run_module.CHUNK_ACCOUNTS
                if chunk_accounts is None
                else chunk_accounts,
                "stages": result.timings,
                "peak_rss_mb": _peak_rss_mb(),
            }
        )
    )


def child_floor(folder: Path) -> None:
    import duckdb

    con = duckdb.connect()
    f = {name: str(folder / f"{name}.parquet") for name in ("accounts", "contacts", "payments")}
    sql = f"""
    CREATE TEMP TABLE floor AS
    WITH h AS (
        SELECT debtor_id,
               count(*) FILTER (WHERE initiated_by = 'collector') AS n_collector,
               count(*) FILTER (WHERE channel IN ('call', 'ai_voice')) AS n_calls,
               count(*) FILTER (WHERE channel IN ('app', 'email', 'sms')) AS n_digital,
               count(*) FILTER (WHERE party <> 'debtor') AS n_third,
               count(*) FILTER (WHERE outcome = 'conversation') AS n_conversations,
               max("at") AS last_at
        FROM read_parquet('{f["contacts"]}') GROUP BY debtor_id),
    p AS (SELECT loan_ref, sum(amount_minor) AS paid, max(paid_at) AS last_paid
          FROM read_parquet('{f["payments"]}') GROUP BY loan_ref)
    SELECT a.*, h.* EXCLUDE (debtor_id), p.* EXCLUDE (loan_ref)
    FROM read_parquet('{f["accounts"]}') a
    LEFT JOIN h USING (debtor_id) LEFT JOIN p USING (loan_ref)
    """
    t, c = time.perf_counter(), _cpu()
    con.execute(sql)
    seconds, cpu = time.perf_counter() - t, _cpu() - c
    print(json.dumps({"floor_seconds": round(seconds, 3), "floor_cpu_seconds": round(cpu, 3),
                      "peak_rss_mb": _peak_rss_mb()}))  # fmt: skip


def python_loop(n: int, seed: int) -> float:
    from faircollect.strategy import compile as C
    from faircollect.strategy import spec as S
    from faircollect.strategy.reference import plan_python
    from faircollect.strategy.synth import synthetic_snapshot

    snap = synthetic_snapshot(n, seed=seed, as_of=AS_OF)
    arms = C.arms_for(S.shipped("faircollect-default"), 1)
    t = time.perf_counter()
    plan_python(snap, arms)
    return n / (time.perf_counter() - t)


def _child(args: list[str]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--python-sample", type=int, default=50_000)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--memory-limit", default="6GB", help="DuckDB memory limit")
    ap.add_argument(
        "--chunk-accounts", type=int, default=None,
        help="borrower chunk size of the plan (default: run.CHUNK_ACCOUNTS; 0: one chunk)",
    )  # fmt: skip
    ap.add_argument("--child", choices=["plan", "floor"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    folder = args.dir or Path("var/bench") / f"strategy-{args.accounts}-{args.seed}"
    if args.child == "plan":
        child_plan(folder, args.memory_limit, args.chunk_accounts)
        return
    if args.child == "floor":
        child_floor(folder)
        return
    if not (folder / "snapshot.json").exists():
        generate(args.accounts, args.seed, folder)
    common = ["--accounts", str(args.accounts), "--seed", str(args.seed), "--dir", str(folder)]
    floor = _child([*common, "--child", "floor"])
    chunking = [] if args.chunk_accounts is None else ["--chunk-accounts", str(args.chunk_accounts)]
    run = _child([*common, "--child", "plan", "--memory-limit", args.memory_limit, *chunking])
    loop = python_loop(args.python_sample, args.seed) if args.python_sample else None
    seconds = float(run["seconds"])  # type: ignore[arg-type]
    accounts = int(run["accounts"])  # type: ignore[call-overload]
    floor_s = float(floor["floor_seconds"])  # type: ignore[arg-type]
    print(
        json.dumps(
            {
                "accounts": accounts,
                "seconds": round(seconds, 2),
                "accounts_per_s": round(accounts / seconds),
                "floor_seconds": round(floor_s, 2),
                "ratio_to_floor": round(seconds / floor_s, 2),
                "python_loop_accounts_per_s": None if loop is None else round(loop),
                "peak_rss_mb": run["peak_rss_mb"],
                "speedup_vs_python_loop": None
                if loop is None
                else round(accounts / seconds / loop),
                "cpu_seconds": run["cpu_seconds"],
                "floor_cpu_seconds": floor["floor_cpu_seconds"],
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "work_items": run["work_items"],
                "no_action": run["no_action"],
                "rule_cases_per_round": run["rounds"],
                "stages": run["stages"],
                "python_sample": args.python_sample,
                "chunk_accounts": run["chunk_accounts"],
            }
        )
    )


if __name__ == "__main__":
    main()
