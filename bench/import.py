"""Import benchmark: generate N loans (default 1,000,000) into a temp dir, import them into a
fresh SQLite database, print one JSON line:

    {"loans": N, "seconds": ..., "loans_per_s": ..., "cpu_seconds": ...,
     "generate_seconds": ..., "rows": {...}, "stages": {...}, "writer_cpu": {...},
     "load_average": [...], "max_rss_mib": ...}

`seconds` covers the whole import (read, validate, derive, insert, commit, checkpoint), not the
generation. `cpu_seconds`: CPU seconds of the import (this process and the worker jobs; a
steadier figure than `seconds` when the machine is shared). `stages` breaks it down in wall
seconds, `writer_cpu` in CPU seconds of the process that holds the transaction (plus
`workers`: the worker processes' CPU seconds); see faircollect.portfolio.importer. The
machine may be shared: `load_average` is printed with the figures. Options: --loans N,
--seed S, --keep DIR (keep the files and database there), --reuse (with --keep: import the
files generated there before instead of generating them again), --workers W (worker
processes; default automatic, 0 = none), --page-size BYTES (create the database with this
SQLite page size; default: the store's), --cache-mib M (the import transaction's SQLite page
cache), --profile FILE (cProfile stats of the import).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--profile", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=None, help="worker processes (0: none)")
    ap.add_argument(
        "--page-size",
        type=int,
        default=None,
        help="create the database with this SQLite page size (default: SQLite's)",
    )
    ap.add_argument(
        "--cache-mib",
        type=int,
        default=None,
        help="SQLite page cache of the import transaction in MiB (default: sized by the importer)",
    )
    ap.add_argument(
        "--reuse", action="store_true", help="with --keep: reuse the files generated there before"
    )
    args = ap.parse_args(argv)

    from faircollect.portfolio import importer
    from faircollect.portfolio.generator import generate_portfolio
    from faircollect.portfolio.importer import import_portfolio
    from faircollect.store.db import Database, upgrade
    from faircollect.vault import Vault

    as_of = date(2026, 3, 4)
    now = datetime.combine(as_of, dtime(12, 0), UTC)
    with tempfile.TemporaryDirectory(prefix="faircollect-bench-") as tmp:
        base = args.keep or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        folder = base / "portfolio"
        t0 = time.perf_counter()
        if not (args.reuse and (folder / "loans.csv").is_file()):
            generate_portfolio(folder, accounts=args.loans, seed=args.seed, as_of=as_of)
        gen_s = time.perf_counter() - t0
        db_path = base / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db_path}"
        if args.page_size:
            import sqlite3

            with sqlite3.connect(db_path) as raw:
                raw.execute(f"PRAGMA page_size={int(args.page_size)}")
                raw.execute("VACUUM")  # writes the empty file with that page size
        if args.cache_mib:
            importer.CACHE_KIB = args.cache_mib * 1024
        upgrade(url)
        db = Database(url)
        keys = ("bench-master-key-0123456789abcdefghijklmnop",)
        vault = Vault(keys)
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        t1, c1 = time.perf_counter(), time.process_time()
        result = import_portfolio(
            db, folder, vault=vault, vault_keys=keys, today=as_of, now=now, workers=args.workers
        )
        seconds = time.perf_counter() - t1
        cpu = time.process_time() - c1
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(args.profile))
        db.dispose()
        if not result.ok:
            for issue in result.issues[:20]:
                print(issue.format(), file=sys.stderr)
            return 1
        print(
            json.dumps(
                {
                    "loans": args.loans,
                    "seconds": round(seconds, 2),
                    "loans_per_s": round(args.loans / seconds),
                    "generate_seconds": round(gen_s, 2),
                    # CPU seconds of the import: this process (all threads) plus the workers'
                    # jobs; less noisy than `seconds` on a shared machine
                    "cpu_seconds": round(cpu + result.cpu.get("workers", 0.0), 2),
                    "rows": result.inserted,
                    "stages": {k: round(v, 2) for k, v in result.timings.items()},
                    "writer_cpu": {k: round(v, 2) for k, v in result.cpu.items()},
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                    "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
