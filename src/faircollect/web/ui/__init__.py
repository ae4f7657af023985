"""Server-rendered pages (Jinja2 + HTMX, working without JavaScript): staff under /,
borrower portal under /me (later). One module per area with an APIRouter named `router`."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["routers"]


def routers() -> list[APIRouter]:
    from . import auth_pages, compliance, home, lang, supervisor, vendor, workspace

    return [
        auth_pages.router, home.router, lang.router, vendor.router,
        workspace.router, supervisor.router, compliance.router,
    ]  # fmt: skip
