"""Managing strategies: resolve a reference to a spec, activate a version, list, diff, and
set the capacity (collectors, field teams) from a YAML file.

A reference is a YAML file path, `NAME` (the active version in the database, else the
shipped strategy of that name) or `NAME@VERSION` (a stored version).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from . import spec as S

__all__ = [
    "CapacityError",
    "Resolved",
    "VersionInfo",
    "activate",
    "import_capacity",
    "list_strategies",
    "resolve",
]


@dataclass(frozen=True)
class Resolved:
    spec: S.StrategySpec
    label: str  # how to show it: a path, NAME@VERSION, or NAME (shipped)
    version: int | None  # the stored version, if it is one
    source: str  # the YAML text


@dataclass(frozen=True)
class VersionInfo:
    name: str
    version: int | None  # None: shipped, not stored yet
    active: bool
    digest: str
    title: str
    created_at: datetime | None


def resolve(session: Any, ref: str) -> Resolved:
    """A reference to a spec (raises `spec.SpecError`, or LookupError when not found)."""
    from faircollect.store.repositories import strategies as repo

    path = Path(ref)
    if ref.endswith((".yaml", ".yml")) or path.is_file():
        text = path.read_text(encoding="utf-8")
        return Resolved(S.load_text(text, ref), ref, None, text)
    name, _, ver = ref.partition("@")
    if ver:
        try:
            version = int(ver)
        except ValueError:
            raise LookupError(f"{ref!r}: the version after @ must be a number") from None
        row = repo.get_version(session, name, version) if session is not None else None
        if row is None:
            raise LookupError(f"no version {version} of strategy {name!r}")
        return Resolved(S.from_data(row.spec, ref), f"{name}@{version}", version, row.source)
    row = repo.active_version(session, name) if session is not None else None
    if row is not None:
        return Resolved(S.from_data(row.spec, name), f"{name}@{row.version}", row.version,
                        row.source)  # fmt: skip
    if name in S.shipped_names():
        spec = S.shipped(name)
        return Resolved(spec, f"{name} (shipped)", None, S.canonical_yaml(spec))
    raise LookupError(f"no strategy {ref!r} (not a file, not stored, not shipped)")


def activate(session: Any, ref: str, *, actor: str = "system") -> tuple[str, int, bool]:
    """Store the spec as a new version when it differs from the latest, and make it the
    active one. Returns (name, version, created)."""
    from faircollect import audit
    from faircollect.store.repositories import strategies as repo

    r = resolve(session, ref)
    spec = r.spec
    if r.version is not None:
        row = repo.activate(session, spec.name, r.version)
        created = False
    else:
        row, created = repo.save_version(
            session,
            name=spec.name,
            digest=S.digest(spec),
            spec=spec.to_data(),
            source=r.source,
            title=spec.title.en,
            created_by=actor,
        )
        repo.activate(session, spec.name, row.version)
    audit.append(
        session,
        actor=actor,
        action="strategy.activate",
        entity=f"strategy:{spec.name}",
        payload={"version": row.version, "digest": row.digest, "created": created},
    )
    return spec.name, row.version, created


def list_strategies(session: Any) -> list[VersionInfo]:
    """Stored versions, then shipped strategies never stored."""
    from faircollect.store.repositories import strategies as repo

    out = [
        VersionInfo(v.name, v.version, v.active, v.digest, v.title, v.created_at)
        for v in repo.list_versions(session)
    ]
    stored = {v.name for v in out}
    for name in S.shipped_names():
        if name not in stored:
            spec = S.shipped(name)
            out.append(VersionInfo(name, None, False, S.digest(spec), spec.title.en, None))
    return out


class CapacityError(ValueError):
    pass


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _strs(v: Any, where: str) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise CapacityError(f"{where}: expected a list of text")
    return list(v)


def import_capacity(session: Any, data: Any) -> tuple[int, int]:
    """Create or update collectors and field teams from
    `{collectors: [{name, daily_capacity, creditors?, languages?}], field_teams: [{name,
    daily_capacity, regions?, creditors?, days?}]}`. Returns (collectors, field teams)."""
    from faircollect.store.repositories import capacity as repo

    if isinstance(data, str):
        data = yaml.safe_load(data)
    if not isinstance(data, dict):
        raise CapacityError("expected a mapping with 'collectors' and/or 'field_teams'")
    unknown = set(data) - {"collectors", "field_teams"}
    if unknown:
        raise CapacityError(f"unknown keys: {', '.join(sorted(unknown))}")
    n_c = n_t = 0
    for i, c in enumerate(data.get("collectors") or []):
        where = f"collectors[{i}]"
        cap = _capacity(c, where)
        repo.upsert_collector(
            session,
            repo.NewCollector(
                name=str(c["name"]),
                daily_capacity=cap,
                creditors=_strs(c.get("creditors"), f"{where}.creditors"),
                languages=_strs(c.get("languages"), f"{where}.languages"),
                active=bool(c.get("active", True)),
            ),
        )
        n_c += 1
    for i, t in enumerate(data.get("field_teams") or []):
        where = f"field_teams[{i}]"
        cap = _capacity(t, where)
        days = _strs(t.get("days"), f"{where}.days")
        bad = [d for d in days if d not in _WEEKDAYS]
        if bad:
            raise CapacityError(f"{where}.days: unknown weekdays {bad} (mon .. sun)")
        repo.upsert_field_team(
            session,
            repo.NewFieldTeam(
                name=str(t["name"]),
                daily_capacity=cap,
                regions=_strs(t.get("regions"), f"{where}.regions"),
                creditors=_strs(t.get("creditors"), f"{where}.creditors"),
                days=days,
                active=bool(t.get("active", True)),
            ),
        )
        n_t += 1
    return n_c, n_t


def _capacity(item: Any, where: str) -> int:
    if not isinstance(item, dict) or "name" not in item:
        raise CapacityError(f"{where}: expected a mapping with a name")
    cap = item.get("daily_capacity")
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
        raise CapacityError(f"{where}.daily_capacity: expected a whole number >= 0")
    return cap


def demo_capacity(creditors: Sequence[str], regions: Sequence[str]) -> dict[str, Any]:
    """A small shop for the demo: 12 collectors of 40 calls (a third per creditor), 2
    field teams of 4 visits covering every region on weekdays."""
    collectors = []
    for i in range(12):
        scope = [] if i % 3 == 0 or not creditors else [creditors[i % len(creditors)]]
        language = ["zh"] if i < 10 else ["en"]
        name = f"demo-collector-{i + 1:02d}"
        collectors.append(
            {"name": name, "daily_capacity": 40, "creditors": scope, "languages": language}
        )
    half = (len(regions) + 1) // 2
    teams = [
        {"name": "demo-field-north", "daily_capacity": 4, "regions": list(regions[:half]),
         "days": ["mon", "tue", "wed", "thu", "fri"]},
        {"name": "demo-field-south", "daily_capacity": 4, "regions": list(regions[half:]),
         "days": ["mon", "tue", "wed", "thu", "fri"]},
    ]  # fmt: skip
    return {"collectors": collectors, "field_teams": teams}
