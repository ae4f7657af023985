"""Contact-gate benchmark over HTTP: check-and-record attempts per second and latency.

The product as it is served: `faircollect serve` (the real command: Uvicorn, the app factory,
access log, as many worker processes as `serve` would start on this machine unless
`--server-workers` says otherwise) runs in a subprocess on loopback; this process drives it
with `--clients` concurrent keep-alive HTTP clients, each posting `POST
/api/v1/contact-attempts` (a call to the debtor) with a real bearer token for a random one of
`--debtors` borrowers (CN pack, clock frozen at 10:00 Shanghai so that quiet hours do not
decide everything). Every request is a full gate transaction: lock the debtor, load state and
history, evaluate the pack, record the attempt or the block, append the audit chain. One
JSON line:

    {"database": "postgresql", "database_source": "scratch", "clients": 8, "attempts": N,
     "seconds": ..., "attempts_per_s": ..., "p50_ms": ..., "p90_ms": ..., "p99_ms": ...,
     "allowed": ..., "blocked": ..., "errors": 0, "server_workers": 2,
     "server_workers_from": "serve default", "cpus": 2,
     "cpu_ms_per_attempt": {"server": ..., "clients": ..., "database": ...},
     "load_average": ..., "load_average_before": ..., "debtors": ...}

`cpu_ms_per_attempt.server` is what a request costs the app server (all its worker
processes) whatever else the machine runs (one process is bound to one core by the GIL: one
worker's ceiling is 1000/that per second); `database` is the CPU of the PostgreSQL backends
serving the bench database (when the server runs on this machine; null otherwise, and for
SQLite, which runs inside the app server); `load_average_before` and `load_average`
(1-minute, before and after the measured run) say how busy the machine was.

Database (`database_source`): `--database-url` ("argument"), else
FAIRCOLLECT_BENCH_DATABASE_URL or FAIRCOLLECT_TEST_DATABASE_URL ("environment"; PostgreSQL:
the bench DROPS AND RECREATES its tables there), else a scratch database created on the
PostgreSQL server at FAIRCOLLECT_BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres) and dropped afterwards ("scratch"), else - when
that server cannot be reached - a temporary SQLite file ("sqlite fallback", with the reason in
`database_note`). Goal on a 2-core machine (PostgreSQL, 8 clients): >= 300 attempts/s,
p99 <= 25 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

KEY = "bench-master-key-0123456789abcdefghijklmnop"
CLOCK = "2026-03-04T10:00:00+08:00"
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _scratch_postgres() -> tuple[str | None, str | None]:
    """(URL of a new empty database, None) on the local PostgreSQL server, or (None, why
    not)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(os.environ.get("FAIRCOLLECT_BENCH_POSTGRES_URL") or ADMIN_URL)
    if admin.get_backend_name() != "postgresql":
        return None, "FAIRCOLLECT_BENCH_POSTGRES_URL is not a PostgreSQL URL"
    admin = admin.set(drivername="postgresql+psycopg")
    name = f"fc_gate_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(
            admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
    except Exception as e:  # unreachable, refused, no permission: fall back to SQLite
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return None, f"no scratch PostgreSQL database ({reason[:200]})"
    return admin.set(database=name).render_as_string(hide_password=False), None


def _drop_scratch(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    u = make_url(url)
    engine = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _reset(url: str) -> None:
    from sqlalchemy import inspect, text

    from faircollect.store.db import Database, upgrade

    db = Database(url)
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            names = inspect(conn).get_table_names()
            if names:
                conn.execute(
                    text("DROP TABLE IF EXISTS " + ", ".join(f'"{n}"' for n in names) + " CASCADE")
                )
    db.dispose()
    upgrade(url)


def _seed(url: str, debtors: int) -> tuple[str, list[tuple[str, int]]]:
    """A CN creditor with `debtors` borrowers (one overdue loan and one phone each) and a
    collector's bearer token."""
    from faircollect.money import Money
    from faircollect.store.db import Database
    from faircollect.store.repositories import (
        api_tokens,
        borrowers,
        contact_points,
        creditors,
        loans,
        users,
    )
    from faircollect.vault import Vault
    from faircollect.web.auth.tokens import new_token, token_hash

    db = Database(url)
    vault = Vault([KEY])
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    out: list[tuple[str, int]] = []
    with db.transaction() as s:
        c = creditors.get_or_create(s, "BENCH", name="Bench Lending", pack="CN", now=t0)
        for i in range(debtors):
            phone = f"138{i:08d}"
            b = borrowers.insert(
                s,
                vault,
                borrowers.NewBorrower(
                    creditor_id=c.id,
                    ref=f"B{i}",
                    name="张三",
                    phone=phone,
                    timezone="Asia/Shanghai",
                ),
                now=t0,
            )
            loan = loans.add(
                s,
                loans.NewLoan(
                    ref=f"L{i}",
                    creditor_id=c.id,
                    borrower_id=b.id,
                    principal=Money.parse("1000.00", "CNY"),
                    apr=Decimal(18),
                    originated_on=date(2025, 12, 1),
                    term_months=3,
                    repayment="equal_installment",
                    first_due_on=date(2026, 1, 1),
                ),
                now=t0,
            )
            loan.outstanding_minor, loan.overdue_since = 100000, date(2026, 1, 1)
            cp = contact_points.add(
                s,
                vault,
                contact_points.NewContactPoint(
                    borrower_id=b.id, kind="phone", value=phone, party="debtor", status="verified"
                ),
                now=t0,
            )
            out.append((loan.ref, cp.id))
        token = new_token()
        uid = users.add(
            s, username="bench", password_hash="!", role="collector", creditor_ids=[c.id]
        ).id
        api_tokens.add(s, user_id=uid, name="bench", token_hash=token_hash(vault, token), now=t0)
    db.dispose()
    return token, out


def _client_loop(
    port: int,
    token: str,
    targets: list[tuple[str, int]],
    n: int,
    seed: int,
    lat: list[float],
    codes: list[int],
) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for _ in range(n):
        loan_ref, point = targets[rng.randrange(len(targets))]
        body = json.dumps(
            {
                "loan_ref": loan_ref,
                "channel": "call",
                "party": "debtor",
                "place": "mobile",
                "purpose": "demand",
                "contact_point": str(point),
            }
        )
        t = time.perf_counter()
        conn.request("POST", "/api/v1/contact-attempts", body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        lat.append(time.perf_counter() - t)
        codes.append(r.status)
    conn.close()


def _drive(
    port: int, token: str, targets: list[tuple[str, int]], clients: int, per_client: int, seed: int
) -> tuple[float, list[float], list[int]]:
    lats: list[list[float]] = [[] for _ in range(clients)]
    codes: list[list[int]] = [[] for _ in range(clients)]
    threads = [
        threading.Thread(
            target=_client_loop,
            args=(port, token, targets, per_client, seed + i, lats[i], codes[i]),
        )
        for i in range(clients)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, [x for L in lats for x in L], [x for L in codes for x in L]


def _cpu_seconds(pids: list[int]) -> float:
    """utime + stime of processes (Linux /proc), 0 for those that are gone."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def _descendants(pid: int) -> list[int]:
    out = [pid]
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for k in kids:
        out += _descendants(int(k))
    return out


def _db_backends(url: str) -> list[int]:
    """PIDs of the PostgreSQL backends connected to the bench database (local server only)."""
    from sqlalchemy import text

    from faircollect.store.db import Database

    db = Database(url)
    try:
        if db.dialect != "postgresql":
            return []
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            )
            pids = [int(r[0]) for r in rows]
    finally:
        db.dispose()
    return [p for p in pids if _is_local_postgres(p)]


def _is_local_postgres(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip().startswith("postgres")
    except OSError:
        return False


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))] * 1000


def _database(arg: str | None, tmp: str) -> tuple[str, str, str | None, bool]:
    """(url, source, note, scratch) - see the module docstring."""
    if arg:
        return arg, "argument", None, False
    env = os.environ.get("FAIRCOLLECT_BENCH_DATABASE_URL") or os.environ.get(
        "FAIRCOLLECT_TEST_DATABASE_URL"
    )
    if env:
        return env, "environment", None, False
    url, why = _scratch_postgres()
    if url is not None:
        return url, "scratch", None, True
    return f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite fallback", why, False


def _start_server(url: str, port: int, workers: int, tmp: str, log: Any) -> subprocess.Popen[bytes]:
    """`faircollect serve` exactly as a deployment runs it (the command's own Uvicorn
    options, access log included), on loopback."""
    env = {
        **os.environ,
        "FAIRCOLLECT_DATABASE_URL": url,
        "FAIRCOLLECT_SECRET_KEY": KEY,
        "FAIRCOLLECT_VAR_DIR": tmp,
        "FAIRCOLLECT_CLOCK": CLOCK,
    }
    for name in ("FAIRCOLLECT_ENV", "FAIRCOLLECT_WEB_WORKERS", "FAIRCOLLECT_OUTBOX_WORKER"):
        env.pop(name, None)
    cmd = [sys.executable, "-c", "from faircollect.cli import main; main()", "serve"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=log)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--attempts", type=int, default=4000, help="measured requests in total")
    ap.add_argument("--warmup", type=int, default=400)
    ap.add_argument("--debtors", type=int, default=1000)
    ap.add_argument(
        "--server-workers",
        type=int,
        default=None,
        help="worker processes (default: what `faircollect serve` would start here)",
    )
    args = ap.parse_args(argv)

    from faircollect.store.db import normalise_url
    from faircollect.web.server import resolve_workers, usable_cpus

    with tempfile.TemporaryDirectory(prefix="faircollect-gate-bench-") as tmp:
        url, source, note, scratch = _database(args.database_url, tmp)
        try:
            backend = normalise_url(url).get_backend_name()
            if args.server_workers is None:
                workers, workers_from = resolve_workers(None, url), "serve default"
            else:
                workers, workers_from = args.server_workers, "argument"
            _reset(url)
            token, targets = _seed(url, args.debtors)
            result = _measure(args, url, workers, tmp, token, targets)
        finally:
            if scratch:
                _drop_scratch(url)
    if result is None:
        return 1
    seconds, lat, codes, cpu, db_cpu, load_before, shares = result
    n = len(lat)
    out: dict[str, Any] = {
        "database": backend,
        "database_source": source,
        "clients": args.clients,
        "attempts": n,
        "seconds": round(seconds, 2),
        "attempts_per_s": round(n / seconds, 1),
        "p50_ms": round(_pct(lat, 50), 2),
        "p90_ms": round(_pct(lat, 90), 2),
        "p99_ms": round(_pct(lat, 99), 2),
        "allowed": codes.count(201),
        "blocked": codes.count(409),
        "errors": n - codes.count(201) - codes.count(409),
        "server_workers": workers,
        "server_workers_from": workers_from,
        "worker_cpu_shares": shares,
        "cpus": usable_cpus(),
        # CPU per attempt (ms) of the app server and of the load generator: capacity
        # apart from whatever else runs on the machine (see load_average)
        "cpu_ms_per_attempt": {
            "server": round(cpu[0] / n * 1000, 2),
            "clients": round(cpu[1] / n * 1000, 2),
            "database": None if db_cpu is None else round(db_cpu / n * 1000, 2),
        },
        "load_average": round(os.getloadavg()[0], 2),
        "load_average_before": round(load_before, 2),
        "debtors": args.debtors,
    }
    if note:
        out["database_note"] = note
    print(json.dumps(out))
    return 0


def _measure(
    args: argparse.Namespace,
    url: str,
    workers: int,
    tmp: str,
    token: str,
    targets: list[tuple[str, int]],
) -> (
    tuple[float, list[float], list[int], tuple[float, float], float | None, float, list[float]]
    | None
):
    port = _free_port()
    log_path = Path(tmp) / "server.log"
    with log_path.open("wb") as log:
        server = _start_server(url, port, workers, tmp, log)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    c.request("GET", "/api/v1/health")
                    if c.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    err = log_path.read_text(errors="replace")
                    print(f"server did not start: {err[-2000:]}", file=sys.stderr)
                    return None
                time.sleep(0.1)
            while len(_descendants(server.pid)) < 1 + workers and time.monotonic() < deadline:
                time.sleep(0.1)  # every worker process is up
            per = max(1, args.warmup // args.clients)
            _drive(port, token, targets, args.clients, per, 1)
            per = max(1, args.attempts // args.clients)
            procs = _descendants(server.pid)
            backends = _db_backends(url)
            load_before = os.getloadavg()[0]
            each0 = [_cpu_seconds([p]) for p in procs]
            cpu0 = (_cpu_seconds(procs), time.process_time(), _cpu_seconds(backends))
            seconds, lat, codes = _drive(port, token, targets, args.clients, per, 1000)
            cpu1 = (_cpu_seconds(procs), time.process_time(), _cpu_seconds(backends))
            each = [_cpu_seconds([p]) - c for p, c in zip(procs, each0, strict=True)]
            # backends started during the run (pool growth) count from 0
            late = sorted(set(_db_backends(url)) - set(backends))
            db_cpu = cpu1[2] - cpu0[2] + _cpu_seconds(late) if backends or late else None
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
    # the busy processes' shares of the server CPU (the supervisor and helpers do ~nothing):
    # how evenly the kernel spread the clients' connections over the workers
    total = sum(each) or 1.0
    shares = sorted((round(c / total, 2) for c in each if c / total >= 0.02), reverse=True)
    cpu = (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1])
    return seconds, lat, codes, cpu, db_cpu, load_before, shares


if __name__ == "__main__":
    sys.exit(main())
