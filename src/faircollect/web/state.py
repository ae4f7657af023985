"""What the app keeps on `app.state.web` (no module globals): settings, database, vault,
password hasher, templates and the route policy registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from faircollect.store.db import Database
from faircollect.vault import Vault

from .auth.passwords import Passwords
from .auth.policy import Policy
from .settings import WebSettings

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = ["RouteKey", "WebState", "web_state"]

RouteKey = tuple[str, str]  # (METHOD, path template), e.g. ("GET", "/api/v1/loans/{loan_ref}")


@dataclass(frozen=True)
class WebState:
    settings: WebSettings
    db: Database
    vault: Vault
    passwords: Passwords
    templates: Environment
    #: every route's policy, filled by create_app (the home page and OpenAPI read it)
    policies: dict[RouteKey, Policy] = field(default_factory=dict)


def web_state(conn: HTTPConnection) -> WebState:
    state: WebState = conn.app.state.web
    return state
