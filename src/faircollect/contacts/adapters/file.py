"""Development sink: append each message as one JSON line to a file (deduplicated by key like
a real provider). Never for production: the file holds recipients and texts in clear."""

from __future__ import annotations

import json
import os
from pathlib import Path
from threading import Lock

from .base import OutboundMessage, SendOutcome

__all__ = ["FileSinkAdapter"]


class FileSinkAdapter:
    def __init__(self, path: Path, channel: str) -> None:
        self.path, self.channel = path, channel
        self._lock = Lock()

    def _seen(self) -> set[str]:
        if not self.path.exists():
            return set()
        keys = set()
        for line in self.path.read_text("utf-8").splitlines():
            try:
                keys.add(json.loads(line)["key"])
            except (ValueError, KeyError):
                continue
        return keys

    def send(self, msg: OutboundMessage) -> SendOutcome:
        with self._lock:
            if msg.key in self._seen():
                return SendOutcome(True, msg.key)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            line = json.dumps(
                {
                    "key": msg.key,
                    "channel": msg.channel,
                    "to": msg.recipient,
                    "subject": msg.subject,
                    "body": msg.body,
                },
                ensure_ascii=False,
            )
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
                f.flush()
                os.fsync(f.fileno())
        return SendOutcome(True, msg.key)

    def close(self) -> None:
        return None
