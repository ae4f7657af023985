"""The behaviour model's functions on their own (no world, no engine)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.sim import behaviour as B
from faircollect.sim.params import ARCHETYPES, load_params
from faircollect.strategy.treatments import TREATMENT_NAMES

P = load_params()
T = {n: i for i, n in enumerate(TREATMENT_NAMES)}
A = {n: i for i, n in enumerate(ARCHETYPES)}
arch_ix = st.integers(0, len(ARCHETYPES) - 1)


def test_stress_decays_by_half_in_the_half_life() -> None:
    s = np.array([8.0, 1.0, 0.0])
    hl = float(P.stress["half_life_days"])
    np.testing.assert_allclose(B.decay(s, hl, days=hl), s / 2)
    day = B.decay(s, hl)
    assert (day[:2] < s[:2]).all() and day[2] == 0


def test_stress_builds_more_for_visits_and_third_parties_than_messages() -> None:
    arch = np.full(4, A["short_of_cash"])
    t = np.array([T["sms"], T["call"], T["call_emergency_contact"], T["visit"]])
    reached = B.stress_increment(t, np.ones(4, bool), arch, P)
    missed = B.stress_increment(t, np.zeros(4, bool), arch, P)
    assert reached[0] < reached[1] < reached[2] < reached[3]
    assert (missed <= reached).all()
    # repeated contacts accumulate, a quiet week lets it fall back
    s = np.zeros(1)
    for _ in range(5):
        s = s + B.stress_increment(np.array([T["call"]]), np.array([True]), arch[:1], P)
    assert s[0] > 4
    assert B.decay(s, float(P.stress["half_life_days"]), days=7)[0] < s[0] / 1.9


def test_vulnerable_borrowers_feel_contacts_more() -> None:
    t = np.array([T["call"], T["call"]])
    inc = B.stress_increment(t, np.ones(2, bool), np.array([A["forgetful"], A["vulnerable"]]), P)
    assert inc[1] > inc[0]


@given(arch=arch_ix, s1=st.floats(0, 50), s2=st.floats(0, 50), v=st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_complaints_rise_with_stress_and_with_violations(arch: int, s1: float, s2: float,
                                                         v: int) -> None:  # fmt: skip
    lo, hi = sorted((s1, s2))
    a = np.array([arch])
    p_lo = B.complaint_probability(np.array([lo]), a, np.array([v]), P)[0]
    p_hi = B.complaint_probability(np.array([hi]), a, np.array([v]), P)[0]
    assert p_lo <= p_hi
    p_more = B.complaint_probability(np.array([lo]), a, np.array([v + 1]), P)[0]
    assert p_more >= p_lo
    assert 0 <= p_lo <= float(P.stress["max_daily_complaint"])


def test_a_violation_raises_the_complaint_probability_strictly() -> None:
    a = np.array([A["short_of_cash"]])
    none = B.complaint_probability(np.zeros(1), a, np.zeros(1), P)[0]
    one = B.complaint_probability(np.zeros(1), a, np.ones(1), P)[0]
    assert one > none * 10


def test_promises_are_kept_more_often_with_money() -> None:
    a = np.arange(len(ARCHETYPES))
    with_cash = B.keep_probability(a, np.ones(len(a), bool), P)
    without = B.keep_probability(a, np.zeros(len(a), bool), P)
    assert (with_cash >= without).all() and (with_cash > without).any()
    assert with_cash[A["forgetful"]] > with_cash[A["strategic"]]


@given(arch=arch_ix, t=st.integers(0, len(TREATMENT_NAMES) - 1), s=st.floats(0, 30))
@settings(max_examples=200, deadline=None)
def test_pressure_never_lowers_willingness_and_money_helps(arch: int, t: int, s: float) -> None:
    a, tt = np.array([arch]), np.array([t])
    base = B.pay_probability(a, tt, np.zeros(1), np.ones(1, bool), P)[0]
    pressed = B.pay_probability(a, tt, np.array([s]), np.ones(1, bool), P)[0]
    broke = B.pay_probability(a, tt, np.array([s]), np.zeros(1, bool), P)[0]
    assert base <= pressed <= 0.95
    assert broke <= pressed


def test_pressure_moves_strategic_defaulters_more_than_forgetful_ones() -> None:
    a = np.array([A["strategic"], A["forgetful"]])
    t = np.full(2, T["call"])
    calm = B.pay_probability(a, t, np.zeros(2), np.ones(2, bool), P)
    stressed = B.pay_probability(a, t, np.full(2, 10.0), np.ones(2, bool), P)
    assert stressed[0] / calm[0] > stressed[1] / calm[1]


def test_reach_falls_with_days_past_due_and_rises_on_the_preferred_channel() -> None:
    t = np.full(3, T["call"])
    a = np.full(3, A["short_of_cash"])
    hour = np.full(3, 19)
    r = B.reach_probability(t, a, hour, np.array([5, 200, 5]), np.array([False, False, True]), P)
    assert r[1] < r[0] < r[2]
    night = B.reach_probability(t[:1], a[:1], np.array([23]), np.array([5]), np.zeros(1, bool), P)
    assert night[0] < r[0]


def test_income_shocks() -> None:
    a = np.full(4, A["short_of_cash"])
    cash = np.array([False, False, True, True])
    u = np.array([0.0, 0.99, 0.0, 0.99])
    assert B.cash_step(cash, a, u, P).tolist() == [True, False, False, True]
