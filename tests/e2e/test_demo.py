"""`make demo` on a fresh clone leads to a working sign-in: `faircollect demo` (what the
Makefile runs, here with a small book and a free port) in a fresh var dir prints the URL and
the demo logins; Chromium signs in with a printed login and sees today's queue."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import shot, sign_in

pytestmark = pytest.mark.e2e

URL_LINE = re.compile(r"FAIRCOLLECT_URL=(http://\S+)")
LOGIN = re.compile(r"Collector\s*│\s*(\S+)\s*│\s*(\S+)\s*│")


def _reader(stream: Any, out: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):
        out.put(line)
    out.put("")


def test_demo_serves_the_app_and_a_printed_login_works(tmp_path: Path, browser: Any) -> None:
    from playwright.sync_api import expect

    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRCOLLECT_")}
    env.update(FAIRCOLLECT_VAR_DIR=str(tmp_path / "var"), PYTHONUNBUFFERED="1")
    exe = Path(sys.executable).with_name("faircollect")
    proc = subprocess.Popen(
        [str(exe), "demo", "--loans", "120", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True)
    reader.start()
    output: list[str] = []
    url = None
    try:
        deadline = time.monotonic() + 240
        while url is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail("the demo printed no URL in time:\n" + "".join(output))
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line == "":
                pytest.fail(f"the demo stopped ({proc.wait()}):\n" + "".join(output))
            output.append(line)
            m = URL_LINE.search(line)
            if m:
                url = m.group(1)
        text = "".join(output)
        assert "演示账号 Demo sign-ins" in text and "网页已启动 the web app is at" in text
        login = LOGIN.search(text)
        assert login, text
        username, password = login.groups()
        # the server answers (uvicorn may still be binding right after the line)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        page = ctx.new_page()
        try:
            for _ in range(100):
                try:
                    page.goto(url)
                    break
                except Exception:
                    time.sleep(0.2)
            sign_in(page, url.rstrip("/"), username, password, "/queue")
            expect(page.locator("h1")).to_have_text("Today's queue")
            assert page.locator("table.queue tbody tr").count() > 0
            shot(page, "00-demo-queue")
        finally:
            ctx.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
