"""Capacity: how many calls and visits fit today, and who makes them.

Calls go to collectors (daily capacity, the creditors they may work — none listed: all —, the
languages they speak); visits to field teams (daily capacity, regions, creditors, the
weekdays they work). Work is grouped in pools of items that the same workers can take: calls
by (creditor, language), visits by (creditor, region).

`allocate(demand, workers, ...)` splits the workers' capacity over the pools: pools with the
fewest eligible workers first (they have the least choice), each pool drawing from its
eligible workers with the most capacity left (then by name). The result says how many items
of each pool fit and which worker takes which ranks (items are ranked by expected value in
the compiled plan). Deterministic: the same demand and workers give the same allocation.

A pool kind with no worker configured at all is not limited (`PoolSlots.limited` False): a
small lender that has not set up its collectors still gets a plan; the run record says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from .compile import PoolSlots

__all__ = ["Worker", "allocate", "collectors_pools", "field_team_pools", "workers_from_arrow"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Worker(NamedTuple):
    name: str
    capacity: int
    creditors: frozenset[str]  # empty: every creditor
    languages: frozenset[str] = frozenset()  # collectors; empty: any
    regions: frozenset[str] = frozenset()  # field teams; empty: any
    days: frozenset[str] = frozenset()  # field teams; empty: every day


def workers_from_arrow(table: Any) -> list[Worker]:
    out = []
    for r in table.to_pylist():
        out.append(
            Worker(
                name=str(r["name"]),
                capacity=max(int(r.get("daily_capacity") or 0), 0),
                creditors=frozenset(r.get("creditors") or ()),
                languages=frozenset(r.get("languages") or ()),
                regions=frozenset(r.get("regions") or ()),
                days=frozenset(r.get("days") or ()),
            )
        )
    return out


def allocate(
    demand: Mapping[tuple[str, ...], int],
    workers: Sequence[Worker],
    eligible: Any,
    keys: tuple[str, ...],
) -> PoolSlots:
    """`demand`: items per pool key; `eligible(worker, key) -> bool`."""
    left = {w.name: w.capacity for w in workers}
    by_name = {w.name: w for w in workers}
    pools = sorted(
        demand,
        key=lambda k: (sum(1 for w in workers if eligible(w, k)), k),
    )
    capacity: list[dict[str, Any]] = []
    slots: list[dict[str, Any]] = []
    for k in pools:
        want = int(demand[k])
        got = 0
        names = sorted(
            (w.name for w in workers if eligible(w, k) and left[w.name] > 0),
            key=lambda n: (-left[n], n),
        )
        for n in names:
            if got >= want:
                break
            take = min(left[n], want - got)
            if take <= 0:
                continue
            slots.append({**dict(zip(keys, k, strict=True)), "worker": by_name[n].name,
                          "lo": got, "hi": got + take})  # fmt: skip
            left[n] -= take
            got += take
        capacity.append({**dict(zip(keys, k, strict=True)), "cap": got})
    return PoolSlots(keys=keys, capacity=capacity, slots=slots, limited=True)


def collectors_pools(
    demand: Mapping[tuple[str, str], int], collectors: Iterable[Worker]
) -> PoolSlots:
    """Calls: pools (creditor, language)."""
    ws = list(collectors)
    keys = ("creditor", "language")
    if not ws:
        return PoolSlots(keys=keys, limited=False)

    def eligible(w: Worker, k: tuple[str, ...]) -> bool:
        creditor, language = k
        return (not w.creditors or creditor in w.creditors) and (
            not w.languages or language in w.languages
        )

    return allocate(demand, ws, eligible, keys)


def field_team_pools(
    demand: Mapping[tuple[str, str], int], teams: Iterable[Worker], day: date
) -> PoolSlots:
    """Visits: pools (creditor, region); a team works only on its weekdays."""
    ws = list(teams)
    keys = ("creditor", "region")
    if not ws:
        return PoolSlots(keys=keys, limited=False)
    weekday = WEEKDAYS[day.weekday()]

    def eligible(w: Worker, k: tuple[str, ...]) -> bool:
        creditor, region = k
        return (
            (not w.creditors or creditor in w.creditors)
            and (not w.regions or region in w.regions)
            and (not w.days or weekday in w.days)
        )

    return allocate(demand, ws, eligible, keys)
