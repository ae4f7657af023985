"""Crash test: `faircollect outbox run` as a real process against a real aiosmtpd server and a
local HTTP SMS provider; kill -9 it mid-batch, restart, and every message reaches the
providers exactly once (by idempotency key), none lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from faircollect.contacts import gate, messages
from faircollect.store.db import Database
from faircollect.store.tables import OutboxMessage
from faircollect.vault import Vault
from tests.conftest import TEST_SECRET_KEYS
from tests.contacts.conftest import SYSTEM, make_debtor, midday_zone
from tests.contacts.servers import HttpProvider, SmtpServer

FAIRCOLLECT = str(Path(sys.executable).with_name("faircollect"))
N_SMS, N_EMAIL = 40, 20
LEASE = 1.0


def _queue(db: Database, vault: Vault) -> list[str]:
    # the dispatcher runs on the real clock: the debtor lives where it is about noon now
    d = make_debtor(db, vault, timezone=midday_zone())
    with gate.transaction(db) as s:
        for i in range(N_SMS + N_EMAIL):
            r = messages.send(
                s,
                vault,
                scope=SYSTEM,
                actor="t",
                loan_ref=d.loan_ref,
                channel="sms" if i < N_SMS else "email",
                template="reminder",
            )
            assert r.allowed, r.attempt.violations
    with db.transaction() as s:
        return [m.idempotency_key for m in s.scalars(select(OutboxMessage))]


def _start(env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            FAIRCOLLECT,
            "outbox",
            "run",
            "--batch",
            "10",
            "--lease-seconds",
            str(LEASE),
            "--idle",
            "0.05",
            *extra,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for(pred, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.005)


def test_kill_9_mid_batch_then_restart_delivers_everything_once(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url)
    vault = Vault(TEST_SECRET_KEYS[:1])
    keys = _queue(db, vault)
    with SmtpServer() as smtp, HttpProvider(delay=0.01) as sms:
        env = {
            **os.environ,
            "FAIRCOLLECT_DATABASE_URL": database_url,
            "FAIRCOLLECT_SECRET_KEY": TEST_SECRET_KEYS[0],
            "FAIRCOLLECT_VAR_DIR": str(tmp_path),
            "FAIRCOLLECT_SMS_URL": sms.url,
            "FAIRCOLLECT_SMTP_HOST": "127.0.0.1",
            "FAIRCOLLECT_SMTP_PORT": str(smtp.port),
        }
        env.pop("FAIRCOLLECT_CLOCK", None)

        def received() -> int:
            return len(sms.raw) + len(smtp.raw)

        kills = 0
        for threshold in (12, 33):  # two crashes, each in the middle of a batch of 10
            proc = _start(env)
            _wait_for(lambda t=threshold: received() >= t)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            proc.stdout.close()  # type: ignore[union-attr]
            proc.stderr.close()  # type: ignore[union-attr]
            kills += 1
            with db.transaction() as s:
                in_flight = s.scalars(
                    select(OutboxMessage).where(OutboxMessage.status == "in_flight")
                ).all()
            assert in_flight, "the kill should leave claimed messages in flight"
        time.sleep(LEASE + 0.2)  # the dead dispatchers' leases expire
        done = subprocess.run(
            [FAIRCOLLECT, "outbox", "run", "--once", "--lease-seconds", str(LEASE)],
            env=env,
            capture_output=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr.decode()
        stats = json.loads(done.stdout.decode().strip().splitlines()[-1])
        delivered = set(sms.by_key) | set(smtp.by_key)
        raw_duplicates = sms.duplicates + smtp.duplicates
    with db.transaction() as s:
        states = [m.status for m in s.scalars(select(OutboxMessage))]
    db.dispose()
    assert kills == 2 and stats["sent"] > 0
    assert delivered == set(keys), "every message reached a provider"
    assert len(sms.by_key) == N_SMS and len(smtp.by_key) == N_EMAIL
    assert states == ["sent"] * (N_SMS + N_EMAIL)
    # a message accepted by the provider but not yet recorded when the process died is sent
    # again with the same key (the provider deduplicates): at most one per crash
    assert raw_duplicates <= kills
    print(f"raw duplicate receipts before provider dedupe: {raw_duplicates}")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_status_and_no_channel(database_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FAIRCOLLECT_DATABASE_URL": database_url,
        "FAIRCOLLECT_SECRET_KEY": TEST_SECRET_KEYS[0],
        "FAIRCOLLECT_VAR_DIR": str(tmp_path),
    }
    for k in (
        "FAIRCOLLECT_SMS_URL",
        "FAIRCOLLECT_SMTP_HOST",
        "FAIRCOLLECT_PUSH_URL",
        "FAIRCOLLECT_OUTBOX_SINK_DIR",
    ):
        env.pop(k, None)
    r = subprocess.run([FAIRCOLLECT, "outbox", "run", "--once"], env=env, capture_output=True)
    assert r.returncode == 2 and b"no channel configured" in r.stderr
    r = subprocess.run([FAIRCOLLECT, "outbox", "status"], env=env, capture_output=True)
    assert r.returncode == 0 and json.loads(r.stdout) == {}
