"""Signing in and out (password, then TOTP when enrolled), with rate limiting, session
rotation and audit events. No FastAPI here: the pages in web/ui/auth_pages.py call these and
turn the outcome into a response.

Audit events (no PII, no secrets: user ids, a pseudonymous client tag, reasons):
``auth.sign_in`` {method, client}, ``auth.sign_in_failed`` {reason, client, user_id?},
``auth.lockout`` {scope: user|ip, client, user_id?, minutes}, ``auth.sign_out``,
``auth.totp_enrolled``.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from faircollect import audit, clock
from faircollect.store.db import Session
from faircollect.store.pii import USER_TOTP_SECRET
from faircollect.store.repositories import accounts as accounts_repo
from faircollect.store.repositories import users as users_repo
from faircollect.store.tables import User

from ..auth import sessions, throttle, totp
from ..state import WebState

__all__ = ["Outcome", "enrol_totp", "password_sign_in", "sign_out", "totp_sign_in"]

Status = Literal["ok", "mfa", "failed", "locked", "expired"]


class Outcome(NamedTuple):
    status: Status
    session_id: str | None = None  # the new session's id (ok / mfa): set it as the cookie
    user_id: int | None = None
    retry_after: int = 0  # seconds (locked)


def _lockout_minutes(st: WebState) -> int:
    return max(1, int(st.settings.sign_in_window.total_seconds() // 60))


def _fail(
    s: Session,
    st: WebState,
    keys: throttle.Keys,
    *,
    reason: str,
    client: str,
    user: User | None,
) -> Outcome:
    now = clock.now()
    started = throttle.record_failure(s, st.settings, keys, now=now)
    uid = user.id if user is not None else None
    entity = f"user:{uid}" if uid is not None else "user:unknown"
    payload: dict[str, object] = {"reason": reason, "client": client}
    if uid is not None:
        payload["user_id"] = uid
    audit.append(s, actor="anonymous", action="auth.sign_in_failed", entity=entity, payload=payload)
    if started is not None:
        audit.append(
            s,
            actor="system",
            action="auth.lockout",
            entity=entity if started == "user" else f"client:{client}",
            payload={**payload, "scope": started, "minutes": _lockout_minutes(st)},
        )
        lock = throttle.status(s, st.settings, keys, now=now)
        return Outcome("locked", user_id=uid, retry_after=lock.retry_after)
    return Outcome("failed", user_id=uid)


def _locked(
    s: Session, st: WebState, keys: throttle.Keys, client: str, user: User | None
) -> Outcome | None:
    lock = throttle.status(s, st.settings, keys, now=clock.now())
    if not lock.locked:
        return None
    uid = user.id if user is not None else None
    payload: dict[str, object] = {"reason": "locked", "client": client}
    if uid is not None:
        payload["user_id"] = uid
    audit.append(
        s,
        actor="anonymous",
        action="auth.sign_in_failed",
        entity=f"user:{uid}" if uid is not None else "user:unknown",
        payload=payload,
    )
    return Outcome("locked", user_id=uid, retry_after=lock.retry_after)


def password_sign_in(
    st: WebState, *, username: str, password: str, ip: str, old_session_id: str | None
) -> Outcome:
    """Check a user name and password. On success the old session (if any) is deleted and a
    new one started: "ok" (signed in) or "mfa" (TOTP code pending)."""
    name = username.strip().lower()[:64]
    keys = throttle.keys_for(st.vault, name, ip)
    client = throttle.client_tag(st.vault, ip)
    # 1. read: lock status and the user (no write lock held during the slow hash check)
    with st.db.transaction() as s:
        locked = throttle.status(s, st.settings, keys, now=clock.now()).locked
        user = users_repo.get_by_username(s, name) if name else None
        stored = user.password_hash if user is not None and user.active else None
    ok = False if locked else st.passwords.verify(stored, password)
    rehash = st.passwords.hash(password) if ok and st.passwords.needs_rehash(stored or "") else None
    # 2. write: failure count and audit, or the new session
    with st.db.transaction(immediate=True) as s:
        user = users_repo.get_by_username(s, name) if name else None
        blocked = _locked(s, st, keys, client, user)
        if blocked is not None:
            return blocked
        if not ok or user is None or not user.active:
            reason = (
                "unknown_user"
                if user is None
                else "inactive"
                if not user.active
                else "bad_password"
            )
            return _fail(s, st, keys, reason=reason, client=client, user=user)
        now = clock.now()
        if rehash is not None:
            accounts_repo.set_password_hash(s, user.id, rehash)
        throttle.record_success(s, st.settings, keys, now=now)
        sessions.end(s, st.vault, old_session_id)
        sessions.purge(s, st.settings, now=now)
        if user.totp_secret_enc is not None:
            sid = sessions.start(
                s, st.vault, st.settings, now=now, user_id=user.id, stage=sessions.MFA
            )
            return Outcome("mfa", sid, user.id)
        sid = sessions.start(s, st.vault, st.settings, now=now, user_id=user.id)
        audit.append(
            s,
            actor=f"user:{user.id}",
            action="auth.sign_in",
            entity=f"user:{user.id}",
            payload={"method": "password", "client": client, "rehashed": rehash is not None},
        )
        return Outcome("ok", sid, user.id)


def totp_sign_in(st: WebState, *, mfa_session_id: str | None, code: str, ip: str) -> Outcome:
    """Second step: the TOTP code of the user whose password was accepted. Success ends the
    pending session and starts a new one (rotation)."""
    client = throttle.client_tag(st.vault, ip)
    with st.db.transaction(immediate=True) as s:
        now = clock.now()
        r = sessions.resolve(s, st.vault, st.settings, mfa_session_id, now=now)
        row = r.row
        if row is None or row.stage != sessions.MFA or row.user_id is None:
            sessions.end(s, st.vault, mfa_session_id)
            return Outcome("expired")
        user = users_repo.get(s, row.user_id)
        if user is None or not user.active or user.totp_secret_enc is None:
            sessions.end(s, st.vault, mfa_session_id)
            return Outcome("expired")
        keys = throttle.keys_for(st.vault, user.username, ip)
        blocked = _locked(s, st, keys, client, user)
        if blocked is not None:
            sessions.end(s, st.vault, mfa_session_id)
            return blocked
        secret = st.vault.decrypt(user.totp_secret_enc, field=USER_TOTP_SECRET)
        step = totp.verify(secret, code, now, last_step=user.totp_last_step)
        if step is None or not accounts_repo.set_totp_last_step(s, user.id, step):
            out = _fail(s, st, keys, reason="bad_totp", client=client, user=user)
            if out.status == "locked":
                sessions.end(s, st.vault, mfa_session_id)
            return out
        throttle.record_success(s, st.settings, keys, now=now)
        sessions.end(s, st.vault, mfa_session_id)
        sid = sessions.start(s, st.vault, st.settings, now=now, user_id=user.id)
        audit.append(
            s,
            actor=f"user:{user.id}",
            action="auth.sign_in",
            entity=f"user:{user.id}",
            payload={"method": "password+totp", "client": client},
        )
        return Outcome("ok", sid, user.id)


def sign_out(st: WebState, *, session_id: str | None, user_id: int | None) -> None:
    with st.db.transaction(immediate=True) as s:
        sessions.end(s, st.vault, session_id)
        if user_id is not None:
            audit.append(
                s,
                actor=f"user:{user_id}",
                action="auth.sign_out",
                entity=f"user:{user_id}",
                payload={},
            )


def enrol_totp(st: WebState, *, user_id: int, secret: str, code: str) -> bool:
    """Store a user's TOTP secret (encrypted) once they proved their app shows the right
    code. False when the code does not match."""
    now = clock.now()
    step = totp.verify(secret, code, now)
    if step is None:
        return False
    with st.db.transaction(immediate=True) as s:
        accounts_repo.set_totp(s, user_id, st.vault.encrypt(secret, field=USER_TOTP_SECRET))
        accounts_repo.set_totp_last_step(s, user_id, step)
        audit.append(
            s,
            actor=f"user:{user_id}",
            action="auth.totp_enrolled",
            entity=f"user:{user_id}",
            payload={},
        )
    return True
