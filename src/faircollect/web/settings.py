"""Settings of the web app (on top of `faircollect.config.Settings`).

Environment (all optional):
- FAIRCOLLECT_COOKIE_SECURE: "1" (default) marks cookies Secure and uses the __Host- prefix;
  "0" for plain http://localhost development (`faircollect serve` on a loopback host turns
  it off by itself outside production).
- FAIRCOLLECT_SESSION_IDLE_MINUTES (default 30), FAIRCOLLECT_SESSION_MAX_HOURS (default 12)
- FAIRCOLLECT_TOTP_ENFORCE: "1" makes the roles in `totp_required_roles` (supervisor,
  compliance) enrol before they can use the app (default "0": TOTP is optional, and
  required at sign-in for every user who has enrolled).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import timedelta

from faircollect.config import Settings, load_settings

__all__ = ["PasswordParams", "WebSettings"]


@dataclass(frozen=True)
class PasswordParams:
    """argon2id parameters (argon2-cffi defaults = RFC 9106 low-memory profile). Hashes made
    with other parameters are upgraded at the next successful sign-in."""

    time_cost: int = 3
    memory_cost: int = 65536  # KiB
    parallelism: int = 4


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _number(name: str, default: int) -> int:
    raw = os.environ.get(name)
    try:
        return int(raw) if raw and raw.strip() else default
    except ValueError:
        return default


@dataclass(frozen=True)
class WebSettings:
    base: Settings
    cookie_secure: bool = True
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    mfa_window: timedelta = timedelta(minutes=5)  # password accepted, TOTP code pending
    touch_every: timedelta = timedelta(seconds=60)  # last_seen_at is written at most this often
    sign_in_window: timedelta = timedelta(minutes=15)
    max_failures_per_user: int = 5
    max_failures_per_ip: int = 20
    totp_enforce: bool = False
    totp_required_roles: frozenset[str] = frozenset({"supervisor", "compliance"})
    password: PasswordParams = field(default_factory=PasswordParams)
    idempotency_retention: timedelta = timedelta(hours=24)

    @classmethod
    def from_env(cls, base: Settings | None = None) -> WebSettings:
        b = base or load_settings()
        return cls(
            base=b,
            cookie_secure=_flag("FAIRCOLLECT_COOKIE_SECURE", True),
            session_idle=timedelta(minutes=_number("FAIRCOLLECT_SESSION_IDLE_MINUTES", 30)),
            session_absolute=timedelta(hours=_number("FAIRCOLLECT_SESSION_MAX_HOURS", 12)),
            totp_enforce=_flag("FAIRCOLLECT_TOTP_ENFORCE", False),
        )

    @classmethod
    def coerce(cls, settings: WebSettings | Settings | None) -> WebSettings:
        if isinstance(settings, WebSettings):
            return settings
        return cls.from_env(settings)

    def with_(self, **changes: object) -> WebSettings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def session_cookie(self) -> str:
        return "__Host-fc_session" if self.cookie_secure else "fc_session"

    @property
    def pre_session_cookie(self) -> str:
        """Anonymous visitors' CSRF binding (the sign-in form, the language switch)."""
        return "__Host-fc_pre" if self.cookie_secure else "fc_pre"

    @property
    def lang_cookie(self) -> str:
        """The language preference (not a secret)."""
        return "fc_lang"
