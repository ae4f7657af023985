"""The outbox worker thread that `faircollect serve` can run next to the web app."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import timedelta

from faircollect.store.db import Database
from faircollect.vault import Vault

from .adapters.base import Adapter
from .channels import adapters_from_env
from .dispatcher import Dispatcher

__all__ = ["OutboxWorker"]

log = logging.getLogger("faircollect.outbox")


class OutboxWorker:
    """A daemon thread running `Dispatcher.run` until `stop()`."""

    def __init__(
        self,
        db: Database,
        vault: Vault,
        adapters: Mapping[str, Adapter] | None = None,
        *,
        idle: float = 2.0,
        batch: int = 50,
        max_attempts: int = 8,
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.adapters = dict(adapters) if adapters is not None else adapters_from_env()
        self.dispatcher = Dispatcher(
            db, vault, self.adapters, batch=batch, max_attempts=max_attempts, lease=lease
        )
        self.idle = idle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)

    def _run(self) -> None:
        self.dispatcher.run(stop=self._stop, idle=self.idle)

    def start(self) -> bool:
        """Start the thread; False (and nothing started) when no channel is configured."""
        if not self.adapters:
            log.warning("outbox worker not started: no channel adapter is configured")
            return False
        self._thread.start()
        return True

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
