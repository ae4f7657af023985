"""The world loop with stand-in planners (fast) and with the real strategy engine (shared
session run): the gate, conservation of money, promises, determinism."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from faircollect.sim.evaluate import Evaluation, simulate
from faircollect.sim.params import load_params

from .conftest import ScriptedPlanner, vulnerable

UK = load_params(overrides={"world": {"packs": {"UK": 1.0}}})


def test_forbidden_contacts_are_blocked_counted_and_never_executed() -> None:
    night = ScriptedPlanner("night-calls", "call", 23)
    door = ScriptedPlanner("visit-vulnerable", "visit", 14, where=vulnerable)
    ev = simulate([night, door], accounts=300, days=2, seed=3, params=UK, check_sample=10)
    for name in ("night-calls", "visit-vulnerable"):
        s = ev.summary[name]
        res = ev.results[name]
        assert s["violations_executed"] == 0
        assert s["violations_blocked"] > 0
        assert s["violations_attempted"] == s["violations_blocked"]
        assert res.executed.sum() == 0  # every one of them was forbidden
        assert s["gate_check"]["sampled"] > 0
        assert s["gate_check"]["agreed"] == s["gate_check"]["sampled"]
    assert "UK:reasonable-hours" in ev.summary["night-calls"]["blocked_by_rule"]
    assert "UK:vulnerable-visit" in ev.summary["visit-vulnerable"]["blocked_by_rule"]


def test_without_the_gate_the_same_plan_executes_violations_and_draws_complaints() -> None:
    night = ScriptedPlanner("night-calls", "call", 23)
    gated = simulate([night], accounts=300, days=2, seed=3, params=UK, check_sample=0)
    night2 = ScriptedPlanner("night-calls", "call", 23)
    ungated = simulate([night2], accounts=300, days=2, seed=3, params=UK, check_sample=0,
                       gate_rules=False)  # fmt: skip
    g, u = gated.summary["night-calls"], ungated.summary["night-calls"]
    assert g["violations_executed"] == 0
    assert u["violations_executed"] > 0
    assert u["complaints_per_1000"] > g["complaints_per_1000"]


def test_lawful_contacts_pass_the_gate_and_move_money() -> None:
    day_calls = ScriptedPlanner("day-calls", "call", 14)
    ev = simulate([day_calls], accounts=300, days=3, seed=9, params=UK, check_sample=10)
    s, res = ev.summary["day-calls"], ev.results["day-calls"]
    assert res.executed.sum() > 0
    assert s["violations_executed"] == 0
    assert s["gate_check"]["agreed"] == s["gate_check"]["sampled"] > 0
    _conserved(ev)


def _conserved(ev: Evaluation) -> None:
    for res in ev.results.values():
        assert (res.collected <= res.overdue).all()
        assert (res.collected >= 0).all()
        np.testing.assert_array_equal(res.payments_total, res.collected)


def test_promises_kept_or_broken_as_the_parameters_say() -> None:
    def run(keep: float) -> dict[str, float]:
        arch = {a: {"keep": keep, "keep_nocash": keep, "promise": 1.0}
                for a in load_params().raw["archetypes"]}  # fmt: skip
        p = load_params(overrides={"world": {"packs": {"UK": 1.0}}, "archetypes": arch})
        ev = simulate([ScriptedPlanner("calls", "call", 14)], accounts=200, days=6, seed=2,
                      params=p, check_sample=0)  # fmt: skip
        _conserved(ev)
        return ev.summary["calls"]

    always, never = run(1.0), run(0.0)
    assert always["promises_per_1000"] > 0 and never["promises_per_1000"] > 0
    assert always["promise_kept_rate"] == 1.0
    assert never["promise_kept_rate"] == 0.0


def test_payments_in_the_history_reach_the_next_snapshot() -> None:
    from faircollect.sim.population import build_population
    from faircollect.sim.world import World, seed_rng  # noqa: F401

    p = UK
    seeds = [np.random.SeedSequence(entropy=1, spawn_key=(0, 99))]
    from datetime import date

    pop = build_population(200, 1, seeds, date(2026, 3, 4), p)
    w = World(pop, p, ScriptedPlanner("calls", "call", 14), seed=1, start=date(2026, 3, 4),
              days=3, check_sample=0)  # fmt: skip
    w.step(0)
    w.step(1)
    paid = pc.sum(w.payments_table(2).column("amount_minor")).as_py()
    before = pc.sum(pop.payments.column("amount_minor")).as_py() or 0
    assert paid - before == int(w.collected.sum())
    acc = w.accounts_table(2)
    np.testing.assert_array_equal(acc.column("outstanding_minor").to_numpy(), w.balance)
    assert (w.arrears >= 0).all() and (w.balance >= w.arrears).all()
