"""`faircollect serve --workers N`: how many processes, what Uvicorn is told, what runs once."""

from __future__ import annotations

import gc
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from faircollect.web import server

from .test_serve import _app

PG = "postgresql+psycopg://u@127.0.0.1:5432/x"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """`server.run` writes the workers' environment into os.environ: restore it after."""
    for name in (server.WORKERS_ENV, "FAIRCOLLECT_COOKIE_SECURE", "FAIRCOLLECT_OUTBOX_SINK_DIR"):
        monkeypatch.setenv(name, "-")
        monkeypatch.delenv(name)
    return monkeypatch


def test_default_workers_follow_the_database_and_the_cpus(clean_env: pytest.MonkeyPatch) -> None:
    assert server.default_workers("sqlite:///var/x.db") == 1
    cpus = server.usable_cpus()
    assert server.default_workers(PG) == max(1, min(cpus, server.MAX_DEFAULT_WORKERS))
    clean_env.setattr(server, "usable_cpus", lambda: 64)
    assert server.default_workers(PG) == server.MAX_DEFAULT_WORKERS
    clean_env.setattr(server, "usable_cpus", lambda: 1)
    assert server.default_workers(PG) == 1
    # explicit > environment > default
    clean_env.setenv(server.WORKERS_ENV, "3")
    assert server.resolve_workers(None, "sqlite:///x.db") == 3
    assert server.resolve_workers(2, "sqlite:///x.db") == 2
    for bad in ("zero", "0", "-2"):
        clean_env.setenv(server.WORKERS_ENV, bad)
        with pytest.raises(ValueError, match=r"positive integer|at least 1"):
            server.resolve_workers(None, PG)


def test_cli_builds_the_uvicorn_config(tmp_var: Path, clean_env: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Any, dict[str, Any]]] = []
    clean_env.setattr(uvicorn, "run", lambda app, **kw: seen.append((app, kw)))

    r = CliRunner().invoke(_app(), ["serve", "--port", "8125", "--workers", "3"])
    assert r.exit_code == 0, r.output
    assert "with 3 workers" in r.output
    ((app, kw),) = seen
    # several workers: an import string and the factory, so that each process builds its app
    assert app == server.APP_FACTORY == "faircollect.web.server:served_app"
    assert kw == {
        "host": "127.0.0.1",
        "port": 8125,
        "log_level": "info",
        "proxy_headers": True,
        "factory": True,
        "workers": 3,
    }
    # the parent's cookie decision (plain http on loopback) reaches the workers
    assert os.environ["FAIRCOLLECT_COOKIE_SECURE"] == "0"
    built = server.served_app()
    assert isinstance(built, FastAPI) and built.state.web.settings.cookie_secure is False
    built.state.web.db.dispose()

    # the environment variable, and 1 worker: the app object served in this process
    seen.clear()
    clean_env.setenv(server.WORKERS_ENV, "1")
    r = CliRunner().invoke(_app(), ["serve"])
    assert r.exit_code == 0, r.output
    ((app, kw),) = seen
    assert isinstance(app, FastAPI) and "workers" not in kw and "factory" not in kw
    assert "with 1 worker " in r.output
    app.state.web.db.dispose()

    # SQLite default: one worker
    seen.clear()
    clean_env.delenv(server.WORKERS_ENV)
    r = CliRunner().invoke(_app(), ["serve"])
    assert isinstance(seen[0][0], FastAPI)
    seen[0][0].state.web.db.dispose()

    r = CliRunner().invoke(_app(), ["serve", "--workers", "0"])
    assert r.exit_code == 2 and "--workers" in r.output


def test_a_worker_freezes_its_startup_objects(tmp_var: Path, clean_env: pytest.MonkeyPatch) -> None:
    """Full garbage collections must not walk the app's ~180k startup objects (a pause of
    tens of milliseconds for every request in flight)."""
    gc.unfreeze()
    try:
        built = server.served_app()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000
        # the app and its routes are frozen: out of the generations a collection walks
        walked = {id(o) for o in gc.get_objects()}
        assert id(built) not in walked and id(built.router.routes) not in walked
        built.state.web.db.dispose()
    finally:
        gc.unfreeze()


def _outbox_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "outbox-worker" and t.is_alive()]


def test_the_outbox_worker_runs_once_in_the_supervisor(
    tmp_var: Path, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("FAIRCOLLECT_OUTBOX_SINK_DIR", str(tmp_var / "sink"))
    during: dict[str, Any] = {}

    def fake_run(app: Any, **kw: Any) -> None:
        during["threads"] = len(_outbox_threads())
        # what a spawned worker process runs: the factory starts no outbox worker
        built = server.served_app()
        during["after_factory"] = len(_outbox_threads())
        built.state.web.db.dispose()

    clean_env.setattr(uvicorn, "run", fake_run)
    before = len(_outbox_threads())
    r = CliRunner().invoke(_app(), ["serve", "--workers", "4", "--outbox-worker"])
    assert r.exit_code == 0, r.output
    assert during == {"threads": before + 1, "after_factory": before + 1}
    deadline = time.monotonic() + 10
    while len(_outbox_threads()) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_outbox_threads()) == before  # stopped when the server returned


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_two_worker_processes_really_serve(tmp_var: Path) -> None:
    port = _free_port()
    env = {**os.environ, "FAIRCOLLECT_WEB_WORKERS": "2"}
    env.pop("FAIRCOLLECT_COOKIE_SECURE", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from faircollect.cli import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/api/v1/health")
                status = c.getresponse().status
                c.close()
                if status == 200 and len(_children(proc.pid)) >= 2:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        assert status == 200
        workers = [p for p in _children(proc.pid) if b"spawn_main" in _cmdline(p)]
        assert len(workers) == 2
        # every new connection is answered, whichever worker accepts it
        for _ in range(10):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/sign-in")
            resp = c.getresponse()
            assert resp.status == 200 and "Secure" not in (resp.getheader("set-cookie") or "")
            c.close()
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            _, err = proc.communicate()
    assert b"with 2 workers" in err
    assert proc.returncode == 0, err.decode()[-2000:]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
