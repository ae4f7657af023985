"""Staff accounts and API tokens (used by `faircollect users ...` / `faircollect tokens ...`
and, later, the admin pages). Each function is one transaction and one audit event.

Errors are `AccountError`s carrying a message id and parameters (translate with
``faircollect.i18n.translate(e.msgid, locale, **e.params)``; ``str(e)`` is English).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from faircollect import audit, clock
from faircollect.i18n import LOCALES, N_, translate
from faircollect.store.db import Database, Session
from faircollect.store.repositories import accounts as accounts_repo
from faircollect.store.repositories import api_tokens as tokens_repo
from faircollect.store.repositories import creditors as creditors_repo
from faircollect.store.repositories import users as users_repo
from faircollect.store.repositories import web_sessions as sessions_repo
from faircollect.store.scope import Scope
from faircollect.store.tables import User
from faircollect.vault import Vault

from ..auth.passwords import MIN_PASSWORD_LEN, Passwords, password_problem
from ..auth.policy import ROLES
from ..auth.tokens import new_token, token_hash

__all__ = [
    "AccountError",
    "TokenInfo",
    "UserInfo",
    "add_user",
    "create_token",
    "list_tokens",
    "list_users",
    "reset_totp",
    "revoke_token",
    "set_active",
    "set_password",
]

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountError(ValueError):
    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(translate(msgid, "en", **params))


class UserInfo(NamedTuple):
    id: int
    username: str
    display_name: str
    role: str
    locale: str
    active: bool
    totp_enrolled: bool
    creditors: tuple[str, ...]


class TokenInfo(NamedTuple):
    id: int
    username: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


def _info(s: Session, u: User) -> UserInfo:
    return UserInfo(
        u.id,
        u.username,
        u.display_name,
        u.role,
        u.locale,
        u.active,
        u.totp_secret_enc is not None,
        tuple(accounts_repo.creditor_codes(s, u.id)),
    )


def _user(s: Session, username: str) -> User:
    user = users_repo.get_by_username(s, username.strip().lower())
    if user is None:
        raise AccountError(N_("No user named %(name)s."), name=username)
    return user


def add_user(
    db: Database,
    passwords: Passwords,
    *,
    username: str,
    role: str,
    password: str,
    creditors: Iterable[str] = (),
    display_name: str = "",
    locale: str = "zh_CN",
    actor: str,
) -> UserInfo:
    """Create a staff user assigned to the creditors with these codes (they must exist)."""
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        raise AccountError(
            N_(
                "A user name has 2 to 64 characters: lower-case letters, digits, dot, "
                "hyphen or underscore, starting with a letter or digit."
            )
        )
    if role not in ROLES:
        raise AccountError(
            N_("Unknown role %(role)s (one of %(roles)s)."), role=role, roles=", ".join(ROLES)
        )
    if locale not in LOCALES:
        raise AccountError(
            N_("Unknown language %(locale)s (one of %(locales)s)."),
            locale=locale,
            locales=", ".join(LOCALES),
        )
    problem = password_problem(password)
    if problem:
        raise AccountError(problem, min=MIN_PASSWORD_LEN)
    hashed = passwords.hash(password)
    codes = sorted(set(creditors))
    with db.transaction(immediate=True) as s:
        if users_repo.get_by_username(s, name) is not None:
            raise AccountError(N_("A user named %(name)s already exists."), name=name)
        ids = []
        for code in codes:
            c = creditors_repo.get_by_code(s, code, scope=Scope.system())
            if c is None:
                raise AccountError(N_("No creditor with code %(code)s."), code=code)
            ids.append(c.id)
        user = users_repo.add(
            s,
            username=name,
            password_hash=hashed,
            role=role,
            display_name=display_name.strip(),
            locale=locale,
            creditor_ids=ids,
        )
        audit.append(
            s,
            actor=actor,
            action="users.created",
            entity=f"user:{user.id}",
            payload={"role": role, "creditors": codes},
        )
        return _info(s, user)


def set_password(
    db: Database, passwords: Passwords, *, username: str, password: str, actor: str
) -> None:
    """Set a new password and end the user's sessions."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem, min=MIN_PASSWORD_LEN)
    hashed = passwords.hash(password)
    with db.transaction(immediate=True) as s:
        user = _user(s, username)
        accounts_repo.set_password_hash(s, user.id, hashed)
        sessions_repo.delete_for_user(s, user.id)
        audit.append(
            s, actor=actor, action="users.password_changed", entity=f"user:{user.id}", payload={}
        )


def set_active(db: Database, *, username: str, active: bool, actor: str) -> None:
    """Enable or disable a user (disabling ends their sessions; their tokens stop working)."""
    with db.transaction(immediate=True) as s:
        user = _user(s, username)
        accounts_repo.set_active(s, user.id, active)
        if not active:
            sessions_repo.delete_for_user(s, user.id)
        audit.append(
            s,
            actor=actor,
            action="users.enabled" if active else "users.disabled",
            entity=f"user:{user.id}",
            payload={},
        )


def reset_totp(db: Database, *, username: str, actor: str) -> None:
    """Remove a user's TOTP enrolment (lost phone); they may enrol again after sign-in."""
    with db.transaction(immediate=True) as s:
        user = _user(s, username)
        accounts_repo.set_totp(s, user.id, None)
        sessions_repo.delete_for_user(s, user.id)
        audit.append(
            s, actor=actor, action="users.totp_reset", entity=f"user:{user.id}", payload={}
        )


def list_users(db: Database) -> list[UserInfo]:
    with db.transaction() as s:
        return [_info(s, u) for u in accounts_repo.list_users(s)]


def create_token(
    db: Database, vault: Vault, *, username: str, name: str | None = None, actor: str
) -> tuple[TokenInfo, str]:
    """A new bearer token for an active user; returns it once (only its HMAC is stored)."""
    token = new_token()
    now = clock.now()
    label = (name or f"{username.strip().lower()}-{now:%Y%m%dT%H%M%SZ}").strip()[:100]
    with db.transaction(immediate=True) as s:
        user = _user(s, username)
        if not user.active:
            raise AccountError(N_("User %(name)s is disabled."), name=user.username)
        row = tokens_repo.add(
            s, user_id=user.id, name=label, token_hash=token_hash(vault, token), now=now
        )
        audit.append(
            s,
            actor=actor,
            action="tokens.created",
            entity=f"token:{row.id}",
            payload={"user_id": user.id, "name": label},
        )
        return TokenInfo(row.id, user.username, label, row.created_at, None), token


def revoke_token(db: Database, *, token_id: int, actor: str) -> TokenInfo:
    now = clock.now()
    with db.transaction(immediate=True) as s:
        row = tokens_repo.revoke(s, token_id, now)
        if row is None:
            raise AccountError(N_("No token with id %(id)s."), id=token_id)
        user = users_repo.get(s, row.user_id)
        audit.append(
            s,
            actor=actor,
            action="tokens.revoked",
            entity=f"token:{row.id}",
            payload={"user_id": row.user_id},
        )
        return TokenInfo(
            row.id, user.username if user else "?", row.name, row.created_at, row.revoked_at
        )


def list_tokens(db: Database, *, username: str | None = None) -> Sequence[TokenInfo]:
    with db.transaction() as s:
        uid = _user(s, username).id if username else None
        return [
            TokenInfo(t.id, uname, t.name, t.created_at, t.revoked_at)
            for t, uname in tokens_repo.list_for_user(s, uid)
        ]
