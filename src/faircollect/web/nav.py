"""The staff navigation, as data. A page appears in the nav of a user whose role its route's
policy allows (the policy registry decides; nothing is duplicated here). Add one line per
page: its path, its label (a message id, marked with N_) and the route that serves it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from faircollect.i18n import N_

from .auth.caller import Caller
from .auth.policy import Policy
from .state import RouteKey

__all__ = ["NAV", "ROLE_LABELS", "NavItem", "visible_nav"]


class NavItem(NamedTuple):
    path: str
    label: str  # message id
    route: RouteKey


NAV: tuple[NavItem, ...] = (
    NavItem("/", N_("Home"), ("GET", "/")),
    NavItem("/queue", N_("Queue"), ("GET", "/queue")),
    NavItem("/strategies", N_("Strategies"), ("GET", "/strategies")),
    NavItem("/runs", N_("Run results"), ("GET", "/runs")),
    NavItem("/capacity", N_("Capacity"), ("GET", "/capacity")),
    NavItem("/dashboards", N_("Dashboards"), ("GET", "/dashboards")),
    NavItem("/compliance/blocks", N_("Blocked attempts"), ("GET", "/compliance/blocks")),
    NavItem("/compliance/overrides", N_("Overrides"), ("GET", "/compliance/overrides")),
    NavItem("/compliance/complaints", N_("Complaints"), ("GET", "/compliance/complaints")),
    NavItem("/compliance/audit", N_("Audit log"), ("GET", "/compliance/audit")),
    NavItem("/compliance/rules", N_("Rule packs"), ("GET", "/compliance/rules")),
    NavItem("/compliance/retention", N_("Retention"), ("GET", "/compliance/retention")),
    NavItem("/account/totp", N_("Two-step sign-in"), ("GET", "/account/totp")),
)

ROLE_LABELS: Mapping[str, str] = {
    "admin": N_("Administrator"),
    "supervisor": N_("Supervisor"),
    "collector": N_("Collector"),
    "field_agent": N_("Field agent"),
    "compliance": N_("Compliance officer"),
    "auditor": N_("Auditor"),
}


def visible_nav(caller: Caller, policies: Mapping[RouteKey, Policy]) -> list[NavItem]:
    if not caller.is_staff:
        return []
    out = []
    for item in NAV:
        p = policies.get(item.route)
        if p is not None and p.allows_role(caller.role):
            out.append(item)
    return out
