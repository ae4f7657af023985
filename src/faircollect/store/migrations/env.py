"""Alembic environment for faircollect (run through faircollect.store.db.upgrade).

The same revisions run on SQLite and PostgreSQL: `render_as_batch` lets ALTERs work on
SQLite (copy-and-move), and the naming convention in tables.py gives every constraint a
stable name on both.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

from faircollect.store.db import Database
from faircollect.store.tables import Base
from faircollect.store.types import DecimalText, UTCDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our TypeDecorators as their plain implementation type, so revisions never
    import application code (their storage is what matters to the schema)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, DecimalText):
        return "sa.String(length=40)"
    return False


def _configure(**kw: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
        **kw,
    )


def run_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url given to the migrations")
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            _configure(connection=conn)
            with context.begin_transaction():
                context.run_migrations()
            conn.commit()
    finally:
        db.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
