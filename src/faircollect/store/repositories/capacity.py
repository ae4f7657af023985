"""Collectors and field teams: who can make today's calls and visits (the strategy's capacity).

`collectors_arrow` / `field_teams_arrow` return the active ones as Arrow tables in the
strategy snapshot's schema (name, daily_capacity, creditors, languages / regions, days)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from faircollect import clock

from ..tables import Collector, FieldTeam

__all__ = [
    "NewCollector",
    "NewFieldTeam",
    "collectors_arrow",
    "field_teams_arrow",
    "list_collectors",
    "list_field_teams",
    "upsert_collector",
    "upsert_field_team",
]

_STRS = pa.list_(pa.string())


class NewCollector(NamedTuple):
    name: str
    daily_capacity: int
    creditors: Sequence[str] = ()
    languages: Sequence[str] = ()
    user_id: int | None = None
    active: bool = True


class NewFieldTeam(NamedTuple):
    name: str
    daily_capacity: int
    regions: Sequence[str] = ()
    creditors: Sequence[str] = ()
    days: Sequence[str] = ()
    active: bool = True


def upsert_collector(
    session: Session, new: NewCollector, *, now: datetime | None = None
) -> Collector:
    """Create the collector, or update the one with that name."""
    if new.daily_capacity < 0:
        raise ValueError("daily capacity cannot be negative")
    at = now or clock.now()
    row = session.scalar(select(Collector).where(Collector.name == new.name))
    if row is None:
        row = Collector(name=new.name, created_at=at)
        session.add(row)
    row.user_id = new.user_id
    row.daily_capacity = new.daily_capacity
    row.creditors = sorted(set(new.creditors))
    row.languages = sorted(set(new.languages))
    row.active = new.active
    row.updated_at = at
    session.flush()
    return row


def upsert_field_team(
    session: Session, new: NewFieldTeam, *, now: datetime | None = None
) -> FieldTeam:
    if new.daily_capacity < 0:
        raise ValueError("daily capacity cannot be negative")
    at = now or clock.now()
    row = session.scalar(select(FieldTeam).where(FieldTeam.name == new.name))
    if row is None:
        row = FieldTeam(name=new.name, created_at=at)
        session.add(row)
    row.daily_capacity = new.daily_capacity
    row.regions = sorted(set(new.regions))
    row.creditors = sorted(set(new.creditors))
    row.days = list(dict.fromkeys(new.days))
    row.active = new.active
    row.updated_at = at
    session.flush()
    return row


def list_collectors(session: Session, *, active_only: bool = True) -> list[Collector]:
    stmt = select(Collector).order_by(Collector.name)
    if active_only:
        stmt = stmt.where(Collector.active.is_(True))
    return list(session.scalars(stmt))


def list_field_teams(session: Session, *, active_only: bool = True) -> list[FieldTeam]:
    stmt = select(FieldTeam).order_by(FieldTeam.name)
    if active_only:
        stmt = stmt.where(FieldTeam.active.is_(True))
    return list(session.scalars(stmt))


def collectors_arrow(session: Session) -> pa.Table:
    rows = list_collectors(session)
    return pa.table(
        {
            "name": pa.array([r.name for r in rows], pa.string()),
            "daily_capacity": pa.array([int(r.daily_capacity) for r in rows], pa.int64()),
            "creditors": pa.array([list(r.creditors or ()) for r in rows], _STRS),
            "languages": pa.array([list(r.languages or ()) for r in rows], _STRS),
        }
    )


def field_teams_arrow(session: Session) -> pa.Table:
    rows = list_field_teams(session)
    return pa.table(
        {
            "name": pa.array([r.name for r in rows], pa.string()),
            "daily_capacity": pa.array([int(r.daily_capacity) for r in rows], pa.int64()),
            "regions": pa.array([list(r.regions or ()) for r in rows], _STRS),
            "creditors": pa.array([list(r.creditors or ()) for r in rows], _STRS),
            "days": pa.array([list(r.days or ()) for r in rows], _STRS),
        }
    )
