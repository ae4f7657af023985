"""Browser tests (Playwright on the Debian Chromium at /usr/bin/chromium; never
`playwright install`).

- Every test here is marked ``e2e``. Without /usr/bin/chromium (``FAIRCOLLECT_E2E_CHROMIUM``
  names another binary) or the playwright package they are skipped - unless
  ``FAIRCOLLECT_REQUIRE_E2E=1``, then they fail.
- ``live``: a real Uvicorn server (the app `faircollect serve` runs) on a free loopback port,
  in a thread of this process, over a temporary SQLite database seeded by seed.py (a
  generated portfolio, tonight's strategy run, users per role, a US debtor with 7 calls this
  week). ``FAIRCOLLECT_CLOCK`` is frozen at 2026-03-04 07:45 Beijing (``live.set_clock`` moves
  it: the server reads it on every request).
- ``browser``: Chromium, headless; ``page``: a fresh context (cookies) per test.
  ``live`` and ``browser`` are module-scoped: the frozen clock and the browser's event loop
  are gone before the rest of the suite runs.
- Screenshots go to test-artifacts/screenshots/; at the end of the session
  test-artifacts/e2e-tests.json gets {"passed", "failed", "skipped", "enabled"}.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ..conftest import TEST_SECRET_KEYS

CHROMIUM = Path(os.environ.get("FAIRCOLLECT_E2E_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_ENV = "FAIRCOLLECT_REQUIRE_E2E"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START = "2026-03-04T07:45:00+08:00"  # before the CN quiet hours end (08:00)
AS_OF = date(2026, 3, 4)
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def _why_unavailable() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def require_browser() -> None:
    """Skip (or, with FAIRCOLLECT_REQUIRE_E2E=1, fail) when the browser is not available."""
    why = _why_unavailable()
    if why is None:
        return
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {why}", pytrace=False)
    pytest.skip(why)


@pytest.fixture(autouse=True)
def _need_chromium(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("e2e") is not None:
        require_browser()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Live:
    def __init__(self, url: str, env: pytest.MonkeyPatch, seeded: Any) -> None:
        self.url = url
        self._env = env
        self.seeded = seeded

    def set_clock(self, iso: str) -> None:
        self._env.setenv("FAIRCOLLECT_CLOCK", iso)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    require_browser()
    import uvicorn

    from faircollect.config import Settings
    from faircollect.store.db import Database, upgrade
    from faircollect.vault import Vault
    from faircollect.web.app import create_app
    from faircollect.web.auth.passwords import Passwords
    from faircollect.web.settings import PasswordParams, WebSettings

    from .seed import seed

    tmp = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{tmp / 'faircollect.db'}"
    env = pytest.MonkeyPatch()
    env.delenv("FAIRCOLLECT_ENV", raising=False)
    env.setenv("FAIRCOLLECT_CLOCK", START)
    upgrade(url)
    base = Settings(tmp, url, TEST_SECRET_KEYS[:1], "test", None)
    fast = PasswordParams(time_cost=1, memory_cost=8, parallelism=1)
    web = WebSettings(
        base=base,
        cookie_secure=False,  # plain http on loopback, as `faircollect serve` does
        password=fast,
        session_idle=timedelta(days=2),  # the tests move the frozen clock
        session_absolute=timedelta(days=2),
    )
    db = Database(url)
    seeded = seed(db, Vault(base.secret_keys), Passwords(fast), tmp / "portfolio",
                  as_of=AS_OF, loans_n=150)  # fmt: skip
    port = free_port()
    config = uvicorn.Config(
        create_app(web, database=db),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", env, seeded)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        db.dispose()
        env.undo()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    ctx.close()


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, base: str, username: str, password: str, next_: str = "/") -> None:
    page.goto(f"{base}/sign-in?next={next_}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[action='/sign-in'] button[type=submit]")
    page.wait_for_load_state()


# ---------------------------------------------------------------------------------------
# outcome counts (like tests/conftest.py does for PostgreSQL)
# ---------------------------------------------------------------------------------------
_OUTCOMES: dict[str, str] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "e2e" not in report.keywords:
        return
    current = _OUTCOMES.get(report.nodeid)
    if report.failed:
        _OUTCOMES[report.nodeid] = "failed"
    elif report.skipped and current != "failed":
        _OUTCOMES[report.nodeid] = "skipped"
    elif report.when == "call" and report.passed and current is None:
        _OUTCOMES[report.nodeid] = "passed"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return
    counts: dict[str, Any] = {"passed": 0, "failed": 0, "skipped": 0}
    for outcome in _OUTCOMES.values():
        counts[outcome] += 1
    counts["enabled"] = _why_unavailable() is None
    out = session.config.rootpath / "test-artifacts" / "e2e-tests.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
