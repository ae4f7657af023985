"""Server-side sessions and CSRF tokens (no FastAPI here).

- A session id is 256 random bits (``secrets.token_urlsafe(32)``) and lives only in the
  cookie; the database keeps ``vault.token_mac("session\\0" + id)`` (lookups use the MAC under
  every key of the ring, so sessions survive a key rotation).
- Expiry: idle (`WebSettings.session_idle` since the last request) and absolute
  (`session_absolute` since sign-in; `mfa_window` for a session waiting for its TOTP code).
  An expired session is deleted when it is next presented.
- CSRF (synchronizer token bound to the session): ``token_mac("csrf\\0session\\0" + id)``.
  Anonymous forms (sign-in, language) are bound the same way to a random pre-session cookie
  (``"csrf\\0pre\\0" + value``). Nothing to store; a token from another session never matches.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import NamedTuple

from faircollect.store.db import Session
from faircollect.store.repositories import web_sessions as repo
from faircollect.store.tables import WebSession
from faircollect.vault import Vault

from ..settings import WebSettings

__all__ = [
    "ACTIVE",
    "MFA",
    "csrf_ok",
    "csrf_token",
    "end",
    "new_id",
    "purge",
    "resolve",
    "start",
    "touch",
]

ACTIVE = "active"
MFA = "mfa"  # password accepted, TOTP code pending


def new_id() -> str:
    return secrets.token_urlsafe(32)


def _hashes(vault: Vault, sid: str) -> tuple[str, ...]:
    if not sid or len(sid) > 128:
        return ()
    return vault.token_macs("session\x00" + sid)


def start(
    s: Session,
    vault: Vault,
    settings: WebSettings,
    *,
    now: datetime,
    user_id: int | None = None,
    borrower_id: int | None = None,
    stage: str = ACTIVE,
) -> str:
    """A new session; returns the id for the cookie (never stored)."""
    sid = new_id()
    lifetime = settings.mfa_window if stage == MFA else settings.session_absolute
    repo.add(
        s,
        id_hash=vault.token_mac("session\x00" + sid),
        user_id=user_id,
        borrower_id=borrower_id,
        stage=stage,
        now=now,
        expires_at=now + lifetime,
    )
    return sid


class Resolved(NamedTuple):
    row: WebSession | None  # the live session, or None
    stale: bool  # expired: delete it (`end`)
    touch: bool  # live and last_seen_at is older than `touch_every`: call `touch`


def resolve(
    s: Session, vault: Vault, settings: WebSettings, sid: str | None, *, now: datetime
) -> Resolved:
    """Look a cookie value up (read-only: the caller writes `touch`/`end` in a write
    transaction, so that reads never upgrade to writes under SQLite's lock)."""
    if not sid:
        return Resolved(None, False, False)
    row = repo.find(s, _hashes(vault, sid))
    if row is None:
        return Resolved(None, False, False)
    if row.expires_at <= now or now - row.last_seen_at > settings.session_idle:
        return Resolved(None, True, False)
    return Resolved(row, False, now - row.last_seen_at >= settings.touch_every)


def touch(s: Session, vault: Vault, sid: str, *, now: datetime) -> None:
    row = repo.find(s, _hashes(vault, sid))
    if row is not None:
        repo.touch(s, row, now)


def end(s: Session, vault: Vault, sid: str | None) -> None:
    if sid:
        repo.delete_by_hash(s, _hashes(vault, sid))


def purge(s: Session, settings: WebSettings, *, now: datetime) -> int:
    return repo.delete_expired(s, now, idle_before=now - settings.session_idle)


def csrf_token(vault: Vault, kind: str, value: str) -> str:
    """The CSRF token bound to a session ("session") or a pre-session cookie ("pre")."""
    return vault.token_mac(f"csrf\x00{kind}\x00{value}")


def csrf_ok(vault: Vault, kind: str, value: str, token: str | None) -> bool:
    if not token or len(token) != 64:
        return False
    return vault.verify_token_mac(f"csrf\x00{kind}\x00{value}", token)
