"""The JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json). One module per area, each
with an APIRouter named `router`; `routers()` lists them for create_app."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["PREFIX", "routers"]

PREFIX = "/api/v1"


def routers() -> list[APIRouter]:
    from . import (
        compliance,
        contacts,
        health,
        inbound,
        loans,
        me,
        messages,
        payments,
        reports,
        rules,
        strategies,
        workspace,
    )  # fmt: skip

    return [
        health.router, me.router, loans.router, rules.router,
        contacts.router, messages.router, payments.router, inbound.router,
        workspace.router, strategies.router, reports.router, compliance.router,
    ]  # fmt: skip
