"""The outbox worker thread that `faircollect serve --outbox-worker` runs."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from faircollect.contacts.adapters.sms_http import SmsHttpAdapter
from faircollect.contacts.worker import OutboxWorker
from tests.contacts.conftest import midday_zone
from tests.contacts.servers import HttpProvider
from tests.contacts.test_dispatcher import queue, statuses


def test_worker_delivers_in_the_background_and_stops(db, vault, make):
    d = make(timezone=midday_zone())  # the worker runs on the real clock
    with HttpProvider() as sms:
        queue(db, vault, d, n=3, now=datetime.now(UTC))
        w = OutboxWorker(db, vault, {"sms": SmsHttpAdapter(sms.url)}, idle=0.05)
        assert w.start()
        deadline = time.monotonic() + 20
        while set(statuses(db).values()) != {"sent"}:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        w.stop()
        assert not w._thread.is_alive() and len(sms.by_key) == 3


def test_worker_without_channels_does_not_start(db, vault):
    assert not OutboxWorker(db, vault, {}).start()
