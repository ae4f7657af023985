"""Sign-in rate limiting, per user name and per client address, stored in the database so
that it holds across workers. A key is locked while it has `limit` failures within the
sliding window; successful sign-ins clear the user-name key (never the address key)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from faircollect.store.db import Session
from faircollect.store.repositories import sign_in_failures as repo
from faircollect.vault import Vault

from ..settings import WebSettings

__all__ = ["Keys", "Status", "client_tag", "keys_for", "record_failure", "record_success", "status"]


class Keys(NamedTuple):
    user: str
    ip: str


class Status(NamedTuple):
    locked: bool
    retry_after: int  # seconds until the lock lifts (0 when not locked)
    which: str | None  # "user" or "ip"


def keys_for(vault: Vault, username: str, ip: str) -> Keys:
    return Keys(
        vault.token_mac("throttle\x00user\x00" + username.strip().lower()),
        vault.token_mac("throttle\x00ip\x00" + ip),
    )


def client_tag(vault: Vault, ip: str) -> str:
    """A pseudonymous tag of a client address for audit payloads (not reversible)."""
    return vault.token_mac("client\x00" + ip)[:16]


def _limits(settings: WebSettings, keys: Keys) -> Sequence[tuple[str, str, int]]:
    return (
        ("user", keys.user, settings.max_failures_per_user),
        ("ip", keys.ip, settings.max_failures_per_ip),
    )


def status(s: Session, settings: WebSettings, keys: Keys, *, now: datetime) -> Status:
    since = now - settings.sign_in_window
    worst = Status(False, 0, None)
    for which, key, limit in _limits(settings, keys):
        if repo.count_since(s, key, since) >= limit:
            oldest = repo.oldest_since(s, key, since, newest=limit)
            wait = (
                1
                if oldest is None
                else int((oldest + settings.sign_in_window - now).total_seconds()) + 1
            )
            if wait > worst.retry_after:
                worst = Status(True, max(wait, 1), which)
    return worst


def record_failure(s: Session, settings: WebSettings, keys: Keys, *, now: datetime) -> str | None:
    """Count a failure; returns "user"/"ip" when this failure starts a lockout."""
    repo.add(s, [keys.user, keys.ip], now)
    since = now - settings.sign_in_window
    for which, key, limit in _limits(settings, keys):
        if repo.count_since(s, key, since) == limit:
            return which
    return None


def record_success(s: Session, settings: WebSettings, keys: Keys, *, now: datetime) -> None:
    repo.clear(s, keys.user)
    repo.purge_before(s, now - settings.sign_in_window)
