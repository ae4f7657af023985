"""Capacity allocation: nobody works beyond capacity, nothing allocated beyond demand,
eligibility (creditor, language, region, weekday) respected, deterministic."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.strategy.capacity import Worker, collectors_pools, field_team_pools

_workers = st.lists(
    st.builds(
        Worker,
        name=st.text("abcdef", min_size=1, max_size=4),
        capacity=st.integers(0, 30),
        creditors=st.frozensets(st.sampled_from(["A", "B"]), max_size=2),
        languages=st.frozensets(st.sampled_from(["zh", "en"]), max_size=2),
    ),
    max_size=6,
    unique_by=lambda w: w.name,
)
_demand = st.dictionaries(
    st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(["zh", "en"])), st.integers(0, 60)
)


@settings(max_examples=200, deadline=None)
@given(_workers, _demand)
def test_collector_allocation_is_feasible(workers: list[Worker], demand: dict) -> None:  # type: ignore[type-arg]
    pools = collectors_pools(demand, workers)
    if not workers:
        assert not pools.limited
        return
    by_name = {w.name: w for w in workers}
    used: dict[str, int] = defaultdict(int)
    cap = {(r["creditor"], r["language"]): r["cap"] for r in pools.capacity}
    for key, n in demand.items():
        assert 0 <= cap[key] <= n
    per_pool: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for s in pools.slots:
        w = by_name[s["worker"]]
        key = (s["creditor"], s["language"])
        assert not w.creditors or key[0] in w.creditors
        assert not w.languages or key[1] in w.languages
        used[w.name] += s["hi"] - s["lo"]
        per_pool[key].append((s["lo"], s["hi"]))
    assert all(used[n] <= by_name[n].capacity for n in used)
    for key, ranges in per_pool.items():  # the slots tile 0..cap without gaps
        ranges.sort()
        assert ranges[0][0] == 0 and ranges[-1][1] == cap[key]
        assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    # nothing is left unused while an eligible pool still wants work
    for key, n in demand.items():
        if cap[key] < n:
            for w in workers:
                eligible = (not w.creditors or key[0] in w.creditors) and (
                    not w.languages or key[1] in w.languages
                )
                assert not eligible or used[w.name] == w.capacity
    assert collectors_pools(demand, workers) == pools


def test_field_teams_work_only_their_regions_and_days() -> None:
    teams = [
        Worker("north", 3, frozenset(), regions=frozenset({"CN-BJ"}), days=frozenset({"mon"})),
        Worker("south", 2, frozenset({"A"}), regions=frozenset({"CN-GD"})),
    ]
    demand = {("A", "CN-GD"): 5, ("B", "CN-GD"): 1, ("A", "CN-BJ"): 2}
    monday = field_team_pools(demand, teams, date(2026, 3, 2))
    wednesday = field_team_pools(demand, teams, date(2026, 3, 4))
    cap = {(r["creditor"], r["region"]): r["cap"] for r in monday.capacity}
    assert cap == {("A", "CN-GD"): 2, ("B", "CN-GD"): 0, ("A", "CN-BJ"): 2}
    cap = {(r["creditor"], r["region"]): r["cap"] for r in wednesday.capacity}
    assert cap[("A", "CN-BJ")] == 0
