"""A short-lived, per-process cache of bearer token -> `Caller`.

Resolving a bearer token costs a database transaction (token, user, creditor assignments) on
every API call; the contact gate's clients call many times a second with the same token. The
cache keeps a resolved staff caller for at most `TOKEN_CACHE_SECONDS` (5 s) after it was
read from the database, so:

- a revoked token, a disabled user, a changed role or changed creditor assignments take
  effect on the JSON API within 5 seconds in every worker process (immediately in the process
  that made the change when it calls `CallerCache.clear`), and at once for session cookies
  (sessions are never cached);
- entries are keyed by the token's MACs (never the token itself); unknown or revoked tokens
  are not cached (every bad token is looked up: no cache flooding); the cache holds at most
  `max_entries` callers (least recently used first out).

It lives on the app (``app.state``), created on first use (`for_app`): one per app and
process. Thread-safe (resolution runs in the thread pool, lookups on the event loop).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .caller import Caller

__all__ = ["TOKEN_CACHE_SECONDS", "CallerCache", "for_app", "install"]

#: the longest a revoked token / disabled user keeps working on the JSON API (seconds)
TOKEN_CACHE_SECONDS = 5.0
_ATTR = "faircollect_caller_cache"
_CREATE = threading.Lock()

Key = tuple[str, ...]


class CallerCache:
    def __init__(
        self,
        ttl: float = TOKEN_CACHE_SECONDS,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl < 0 or max_entries < 1:
            raise ValueError("ttl must be >= 0 and max_entries >= 1")
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, tuple[Caller, float]] = OrderedDict()

    def get(self, key: Key) -> Caller | None:
        """The cached caller for these token MACs, None when absent or expired."""
        if not key or self.ttl == 0:
            return None
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            if now >= hit[1]:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def put(self, key: Key, caller: Caller, *, read_at: float | None = None) -> None:
        """Remember `caller` (read from the database at `read_at`, a value of the cache's
        clock taken BEFORE the read: the bound counts from the read, not from now)."""
        if not key or self.ttl == 0 or caller.kind != "staff":
            return
        expires = (self._clock() if read_at is None else read_at) + self.ttl
        with self._lock:
            self._entries[key] = (caller, expires)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def now(self) -> float:
        return self._clock()

    def clear(self) -> None:
        """Forget every caller (after revoking tokens, disabling users, changing roles or
        creditor assignments in this process)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def for_app(app: Any) -> CallerCache:
    """The app's cache (created on first use)."""
    state = app.state
    cache = getattr(state, _ATTR, None)
    if cache is None:
        with _CREATE:
            cache = getattr(state, _ATTR, None)
            if cache is None:
                cache = CallerCache()
                setattr(state, _ATTR, cache)
    return cache  # type: ignore[no-any-return]


def install(app: Any, cache: CallerCache) -> CallerCache:
    """Use `cache` for `app` (tests: a fake clock; a deployment: another bound)."""
    with _CREATE:
        setattr(app.state, _ATTR, cache)
    return cache
