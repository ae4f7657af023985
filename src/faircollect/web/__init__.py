"""faircollect.web: the FastAPI application (JSON API under /api/v1, staff pages under /,
borrower portal under /me). Start with `faircollect.web.app.create_app`; see docs/web.md.

Kept import-light on purpose: `faircollect.web.services` is used by the CLI without
loading FastAPI."""
