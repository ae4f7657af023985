"""`faircollect serve`: migrates first, then serves the app with Uvicorn."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
import uvicorn
from typer.testing import CliRunner

from faircollect.cli import serve as serve_cli
from faircollect.config import load_settings
from faircollect.store.db import current_revision
from faircollect.web import server
from faircollect.web.settings import WebSettings


def _app() -> typer.Typer:
    app = typer.Typer()
    serve_cli.register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps `serve` a sub-command
        pass

    return app


def _head() -> str:
    from alembic.script import ScriptDirectory

    from faircollect.store.db import MIGRATIONS, _alembic_config

    cfg = _alembic_config(None)
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def test_serve_upgrades_then_runs(tmp_var: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[WebSettings, str, int]] = []
    monkeypatch.setattr(
        server, "run", lambda web, host, port, workers: calls.append((web, host, port))
    )
    r = CliRunner().invoke(_app(), ["serve", "--port", "8123"])
    assert r.exit_code == 0, r.output
    url = load_settings().database_url
    assert current_revision(url) == _head()
    ((web, host, port),) = calls
    assert (host, port) == ("127.0.0.1", 8123)
    assert web.cookie_secure is False  # plain http on loopback for development
    assert "serving on http://127.0.0.1:8123/" in r.output

    calls.clear()
    CliRunner().invoke(_app(), ["serve", "--host", "0.0.0.0"])
    assert calls[0][0].cookie_secure is True
    calls.clear()
    CliRunner().invoke(_app(), ["serve", "--secure-cookies"])
    assert calls[0][0].cookie_secure is True
    monkeypatch.setenv("FAIRCOLLECT_COOKIE_SECURE", "1")
    calls.clear()
    CliRunner().invoke(_app(), ["serve"])
    assert calls[0][0].cookie_secure is True


def test_serve_really_serves_http(tmp_var: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the real command; Uvicorn is started on a free loopback port in a thread."""
    seen: dict[str, Any] = {}

    def fake_uvicorn_run(app: Any, **kw: Any) -> None:
        seen.update(kw)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", ws="none", lifespan="on"
        )
        srv = uvicorn.Server(config)
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not srv.started and time.monotonic() < deadline:
            time.sleep(0.02)
        port = srv.servers[0].sockets[0].getsockname()[1]
        try:
            health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5)
            page = httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=5)
            seen["health"] = (health.status_code, health.json())
            seen["page"] = (page.status_code, page.headers.get("set-cookie", ""))
        finally:
            srv.should_exit = True
            thread.join(timeout=10)

    monkeypatch.setattr(uvicorn, "run", fake_uvicorn_run)
    r = CliRunner().invoke(_app(), ["serve", "--port", "8124"])
    assert r.exit_code == 0, r.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8124
    assert seen["health"] == (200, {"status": "ok", "database": "ok"})
    status, cookie = seen["page"]
    assert status == 200 and cookie.startswith("fc_pre=") and "Secure" not in cookie
