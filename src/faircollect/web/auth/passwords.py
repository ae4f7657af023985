"""Password hashing with argon2id (argon2-cffi); hashes made with other parameters are
upgraded at the next successful sign-in (`needs_rehash`)."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from faircollect.i18n import N_

from ..settings import PasswordParams

__all__ = ["MAX_PASSWORD_LEN", "MIN_PASSWORD_LEN", "Passwords", "password_problem"]

MIN_PASSWORD_LEN = 8  # NIST SP 800-63B minimum for memorised secrets
MAX_PASSWORD_LEN = 1024


def password_problem(password: str) -> str | None:
    """A message id (translate it) when a new password is not acceptable, else None."""
    if len(password) < MIN_PASSWORD_LEN:
        return N_("The password must have at least %(min)s characters.")
    if len(password) > MAX_PASSWORD_LEN:
        return N_("The password is too long.")
    if password.strip() != password or not password.isprintable():
        return N_("The password must not start or end with blanks or contain control characters.")
    return None


class Passwords:
    def __init__(self, params: PasswordParams | None = None) -> None:
        p = params or PasswordParams()
        self._hasher = PasswordHasher(
            time_cost=p.time_cost,
            memory_cost=p.memory_cost,
            parallelism=p.parallelism,
            type=Type.ID,
        )
        self._dummy: str | None = None  # made on first use (CLI commands never need it)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Constant work whether or not the user exists (a dummy hash is checked instead)."""
        if len(password) > MAX_PASSWORD_LEN:
            password = password[:MAX_PASSWORD_LEN]
        if stored_hash is None and self._dummy is None:
            self._dummy = self._hasher.hash("faircollect-dummy-password")
        target = stored_hash or self._dummy or ""
        try:
            ok = self._hasher.verify(target, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return bool(ok) and stored_hash is not None

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
