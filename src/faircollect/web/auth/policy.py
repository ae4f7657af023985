"""Roles, permissions and route policies as data (no FastAPI here).

Every route of the app declares exactly one `Policy` through `faircollect.web.deps`
(`require(...)`, `public()`, `require_borrower(...)`); `create_app` refuses to start when a
route has none, and tests/web/test_authz_matrix.py checks every route x role x own/other
creditor against an explicit expectation table.

Roles
- admin: accounts and settings; sees only the creditors assigned to it, like everyone else
  (no role sees every creditor's portfolio: tenancy has no exceptions).
- supervisor, collector, field_agent, compliance: staff who work the portfolio.
- auditor: read-only. A "write" policy can never include it (enforced here).

Actions
- "read": changes nothing (GET pages and API reads, also side-effect-free POSTs such as
  `POST /api/v1/rules/check`).
- "write": changes business data (contacts, plans, settings ...). Never the auditor.
- "self": changes only the caller's own account (TOTP enrolment, language). Every role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ACTIONS",
    "ALL_STAFF",
    "PERMISSIONS",
    "ROLES",
    "ROLE_PERMISSIONS",
    "WRITERS",
    "Action",
    "Audience",
    "Policy",
    "permissions_of",
]

ROLES: tuple[str, ...] = (
    "admin",
    "supervisor",
    "collector",
    "field_agent",
    "compliance",
    "auditor",
)
ALL_STAFF: frozenset[str] = frozenset(ROLES)
WRITERS: frozenset[str] = ALL_STAFF - {"auditor"}

Action = Literal["read", "write", "self"]
Audience = Literal["public", "staff", "borrower"]
ACTIONS: tuple[str, ...] = ("read", "write", "self")

#: permission -> what it allows (checked inside routes with `caller.can(...)`)
PERMISSIONS: Mapping[str, str] = {
    "pii.reveal": "see a borrower's full phone number, id number or address (audited)",
    "users.manage": "create and disable staff accounts, tokens and creditor assignments",
    "audit.read": "browse the audit log",
    "rules.override": "approve an override of a blocked contact",
    "strategy.manage": "edit and activate strategy versions",
}

ROLE_PERMISSIONS: Mapping[str, frozenset[str]] = {
    "admin": frozenset({"users.manage", "audit.read"}),
    "supervisor": frozenset({"pii.reveal", "strategy.manage"}),
    "collector": frozenset({"pii.reveal"}),
    "field_agent": frozenset({"pii.reveal"}),
    "compliance": frozenset({"pii.reveal", "audit.read", "rules.override"}),
    "auditor": frozenset({"audit.read"}),
}


def permissions_of(role: str | None) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role or "", frozenset())


@dataclass(frozen=True, slots=True)
class Policy:
    """Who may call a route and what it does.

    - audience: "public" (anyone, signed in or not), "staff" (a signed-in user whose role is
      in `roles`) or "borrower" (a signed-in borrower, portal);
    - action: read / write / self (see the module docstring);
    - tenant: the route reads or writes creditor data through `caller.scope` (a row outside
      the caller's creditors answers 404, never 403);
    - permission: an extra permission the caller needs (e.g. "pii.reveal"), or None.
    """

    audience: Audience
    roles: frozenset[str]
    action: Action
    tenant: bool
    permission: str | None = None
    #: False only for provider webhooks (`deps.webhook()`): no browser session is involved,
    #: the route authenticates the request itself (an HMAC signature over the body)
    csrf: bool = True

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r} (one of {ACTIONS})")
        unknown = self.roles - ALL_STAFF
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)} (known: {ROLES})")
        if self.audience == "staff" and not self.roles:
            raise ValueError("a staff policy needs at least one role")
        if self.audience != "staff" and self.roles:
            raise ValueError(f"a {self.audience} policy takes no roles")
        if self.action == "write" and "auditor" in self.roles:
            raise ValueError("the auditor role is read-only: it cannot be given a write policy")
        if self.permission is not None and self.permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {self.permission!r}")
        if self.audience == "public" and self.tenant:
            raise ValueError("a public route cannot read tenant data")
        if not self.csrf and self.audience != "public":
            raise ValueError("only a public (webhook) route may skip the CSRF check")

    @classmethod
    def staff(
        cls,
        roles: Iterable[str] | None = None,
        *,
        action: Action = "read",
        tenant: bool = True,
        permission: str | None = None,
    ) -> Policy:
        default = ALL_STAFF if action in ("read", "self") else WRITERS
        return cls(
            "staff", frozenset(default if roles is None else roles), action, tenant, permission
        )

    def allows_role(self, role: str | None) -> bool:
        if self.audience != "staff":
            return False
        if role not in self.roles:
            return False
        return self.permission is None or self.permission in permissions_of(role)

    def describe(self) -> dict[str, object]:
        """For OpenAPI (`x-faircollect-policy`) and the home page."""
        return {
            "audience": self.audience,
            "roles": sorted(self.roles),
            "action": self.action,
            "tenant": self.tenant,
            "permission": self.permission,
        }
