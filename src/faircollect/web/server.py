"""Running the app with Uvicorn (used by `faircollect serve` and bench/gate.py).

One Python process serves one request at a time on one core (the GIL), so `faircollect
serve` runs several worker processes (`--workers N`, env FAIRCOLLECT_WEB_WORKERS). The
default (`default_workers`): one worker per usable CPU (at most `MAX_DEFAULT_WORKERS`) on
PostgreSQL, one on SQLite (a single file with one writer at a time: more processes only
wait for its lock).

With one worker the app object is built here and served in this process. With more, Uvicorn
runs a supervisor (this process) that spawns N fresh interpreters, each importing
`served_app` (the app factory); everything the parent decided that a worker needs travels in
environment variables (`WORKER_ENV`), which every worker reads the same way. What lives in a
worker's memory and what does not (docs/web.md, "Several workers"):

- sessions, sign-in rate limiting, TOTP steps, idempotency keys, the audit chain: in the
  database, shared by every worker;
- the bearer-token cache (`auth/cache.py`): per worker, bounded to 5 s;
- the outbox worker thread (`faircollect serve --outbox-worker`): runs once, in the
  supervisor process, never in the web workers.
"""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING, Any

from faircollect.config import Settings, load_settings

from .settings import WebSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "APP_FACTORY",
    "LOOPBACK",
    "MAX_DEFAULT_WORKERS",
    "WORKERS_ENV",
    "default_workers",
    "freeze_startup_objects",
    "resolve_workers",
    "run",
    "served_app",
    "uvicorn_options",
    "web_settings_for",
]

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
#: the app factory Uvicorn imports in every worker process (``--factory``)
APP_FACTORY = "faircollect.web.server:served_app"
WORKERS_ENV = "FAIRCOLLECT_WEB_WORKERS"
#: the default never exceeds this: every worker keeps its own PostgreSQL pool (up to
#: store.db.POOL_SIZE + MAX_OVERFLOW connections), and PostgreSQL's default
#: max_connections is 100
MAX_DEFAULT_WORKERS = 4


def web_settings_for(settings: Settings, host: str, secure_cookies: bool | None) -> WebSettings:
    """Cookies are Secure, except on a loopback host outside production (plain
    http://127.0.0.1 development) unless FAIRCOLLECT_COOKIE_SECURE or `secure_cookies` say
    otherwise."""
    web = WebSettings.from_env(settings)
    if secure_cookies is not None:
        return web.with_(cookie_secure=secure_cookies)
    explicit = os.environ.get("FAIRCOLLECT_COOKIE_SECURE", "").strip() != ""
    if host in LOOPBACK and not settings.is_production and not explicit:
        return web.with_(cookie_secure=False)
    return web


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_workers(database_url: Any) -> int:
    """Worker processes when neither --workers nor FAIRCOLLECT_WEB_WORKERS says: one per
    usable CPU (at most `MAX_DEFAULT_WORKERS`) on PostgreSQL, 1 on SQLite."""
    from faircollect.store.db import normalise_url

    if normalise_url(database_url).get_backend_name() == "sqlite":
        return 1
    return max(1, min(usable_cpus(), MAX_DEFAULT_WORKERS))


def resolve_workers(workers: int | None, database_url: Any) -> int:
    """`workers` if given, else FAIRCOLLECT_WEB_WORKERS, else `default_workers`. Raises
    ValueError for anything but a positive integer."""
    if workers is None:
        raw = os.environ.get(WORKERS_ENV, "").strip()
        if not raw:
            return default_workers(database_url)
        try:
            workers = int(raw)
        except ValueError:
            raise ValueError(f"{WORKERS_ENV} must be a positive integer, not {raw!r}") from None
    if workers < 1:
        raise ValueError(f"the number of workers must be at least 1, not {workers}")
    return workers


def _worker_env(web: WebSettings) -> dict[str, str]:
    """What a spawned worker needs to rebuild `web` with `WebSettings.from_env` (the rest of
    the settings already come from the environment)."""
    return {"FAIRCOLLECT_COOKIE_SECURE": "1" if web.cookie_secure else "0"}


def freeze_startup_objects() -> None:
    """Move everything alive after startup (modules, the app, its routes and models: ~180k
    objects) out of the garbage collector's view (`gc.freeze`). Without it, every full
    collection walks them all: a pause of ~90 ms on the 2-core development VM in the middle
    of a run of the gate benchmark (every request in flight waits); with it, ~4 ms."""
    gc.collect()
    gc.freeze()


def served_app() -> FastAPI:
    """The app factory of a worker process (Uvicorn ``--factory``): settings from the
    environment, as the parent `faircollect serve` left it."""
    from .app import create_app

    app = create_app(WebSettings.from_env(load_settings()))
    freeze_startup_objects()
    return app


def uvicorn_options(*, host: str, port: int, workers: int) -> dict[str, Any]:
    """Keyword arguments of `uvicorn.run` besides the app."""
    opts: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "proxy_headers": True,
    }
    if workers > 1:
        opts.update(factory=True, workers=workers)
    return opts


def run(web: WebSettings, *, host: str, port: int, workers: int = 1) -> None:
    """Serve until interrupted (Ctrl-C): in this process (`workers` = 1) or with a supervisor
    and `workers` spawned processes."""
    import uvicorn

    if workers <= 1:
        from .app import create_app

        app = create_app(web)
        freeze_startup_objects()
        uvicorn.run(app, **uvicorn_options(host=host, port=port, workers=1))
        return
    # the workers are new interpreters (spawned, not forked): they inherit os.environ
    os.environ.update(_worker_env(web))
    uvicorn.run(APP_FACTORY, **uvicorn_options(host=host, port=port, workers=workers))
