"""Who is calling, and the ONE rule that turns a caller into a tenant `Scope`.

`scope_for_user` is the only place that decides which creditors a staff user sees: the
creditors assigned to them in `user_creditors` - for every role, admin included (nobody sees
every creditor's portfolio through the web app; jobs and the CLI use `Scope.system()`).
Borrowers (portal) get `Scope.for_borrower(...)`: their own rows only. Anonymous callers get
an empty scope (they see nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from faircollect.store.db import Session
from faircollect.store.repositories import users as users_repo
from faircollect.store.scope import Scope
from faircollect.store.tables import Borrower, User

from .policy import permissions_of

__all__ = [
    "ANONYMOUS",
    "Caller",
    "borrower_caller",
    "scope_for_borrower",
    "scope_for_user",
    "staff_caller",
]

Kind = Literal["anonymous", "staff", "borrower"]
AuthMethod = Literal["none", "session", "token"]
_NOBODY = Scope.for_creditors(())


def scope_for_user(s: Session, user: User) -> Scope:
    """The tenant scope of a staff user (see the module docstring)."""
    return users_repo.scope_of(s, user.id)


def scope_for_borrower(borrower: Borrower) -> Scope:
    return Scope.for_borrower(borrower.id, borrower.creditor_id)


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated principal of a request (immutable; no secrets)."""

    kind: Kind = "anonymous"
    auth: AuthMethod = "none"
    scope: Scope = _NOBODY
    user_id: int | None = None
    username: str = ""
    display_name: str = ""
    role: str | None = None
    locale: str | None = None
    creditor_ids: frozenset[int] = field(default_factory=frozenset)
    totp_enrolled: bool = False
    borrower_id: int | None = None
    token_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def actor(self) -> str:
        """The audit actor: "user:<id>", "borrower:<id>" or "anonymous"."""
        if self.kind == "staff":
            return f"user:{self.user_id}"
        if self.kind == "borrower":
            return f"borrower:{self.borrower_id}"
        return "anonymous"

    @property
    def permissions(self) -> frozenset[str]:
        return permissions_of(self.role) if self.kind == "staff" else frozenset()

    def can(self, permission: str) -> bool:
        return permission in self.permissions


ANONYMOUS = Caller()


def staff_caller(
    s: Session, user: User, *, auth: AuthMethod, token_id: int | None = None
) -> Caller:
    scope = scope_for_user(s, user)
    return Caller(
        kind="staff",
        auth=auth,
        scope=scope,
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        locale=user.locale,
        creditor_ids=scope.creditor_ids or frozenset(),
        totp_enrolled=user.totp_secret_enc is not None,
        token_id=token_id,
    )


def borrower_caller(borrower: Borrower, *, auth: AuthMethod) -> Caller:
    return Caller(
        kind="borrower",
        auth=auth,
        scope=scope_for_borrower(borrower),
        locale=borrower.locale,
        borrower_id=borrower.id,
        creditor_ids=frozenset({borrower.creditor_id}),
    )
