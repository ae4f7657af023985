"""The borrower behaviour model: pure, vectorised functions of numpy arrays (one element per
borrower or per contact). The world loop (world.py) draws the random numbers and calls these;
they hold no state and draw nothing, so each is unit-tested on its own.

Indices: `arch` indexes `params.ARCHETYPES`, `t` indexes `strategy.treatments.TREATMENT_NAMES`.
"""

from __future__ import annotations

import numpy as np

from .params import TOD_BINS, Params

__all__ = [
    "cash_step",
    "complaint_probability",
    "decay",
    "keep_probability",
    "pay_probability",
    "reach_probability",
    "stress_increment",
]

#: stress at which the "pressure" effect on willingness to pay saturates
PRESSURE_SCALE = 10.0


def decay(stress: np.ndarray, half_life_days: float, days: float = 1.0) -> np.ndarray:
    """Stress after `days` without new contact: exponential decay with the given half-life."""
    return stress * np.float64(0.5) ** (days / half_life_days)


def stress_increment(t: np.ndarray, reached: np.ndarray, arch: np.ndarray, p: Params) -> np.ndarray:
    """Stress a contact adds to the debtor: the channel's `stress_reached` when it reached
    them (a conversation, a message read, someone at the door), else `stress_attempt`, times
    the archetype's sensitivity."""
    base = np.where(reached, p.chan["stress_reached"][t], p.chan["stress_attempt"][t])
    return base * p.arch["sensitivity"][arch]


def complaint_probability(
    stress: np.ndarray, arch: np.ndarray, violations: np.ndarray, p: Params
) -> np.ndarray:
    """Daily probability of a complaint: the archetype's base hazard, plus its slope times
    the stress above the threshold, plus a fixed amount per executed violation; capped."""
    s = p.stress
    above = np.maximum(stress - float(s["complaint_threshold"]), 0.0)
    prob = (
        p.arch["complaint"][arch]
        + p.arch["complaint_stress"][arch] * above
        + float(s["violation_complaint"]) * violations
    )
    return np.clip(prob, 0.0, float(s["max_daily_complaint"]))


def reach_probability(
    t: np.ndarray,
    arch: np.ndarray,
    local_hour: np.ndarray,
    dpd: np.ndarray,
    preferred: np.ndarray,
    p: Params,
) -> np.ndarray:
    """P(the contact reaches the person): channel base x archetype x time of day x
    exp(-days past due / scale) x the preferred-channel boost."""
    r = p.response
    tod = p.chan["tod"][t, TOD_BINS[np.clip(local_hour, 0, 23)]]
    boost = np.where(preferred, float(r["preferred_boost"]), 1.0)
    prob = (
        p.chan["reach"][t]
        * p.arch["reach"][arch]
        * tod
        * np.exp(-np.maximum(dpd, 0) / float(r["dpd_scale"]))
        * boost
    )
    return np.clip(prob, 0.0, 1.0)


def pay_probability(
    arch: np.ndarray, t: np.ndarray, stress: np.ndarray, cash: np.ndarray, p: Params
) -> np.ndarray:
    """P(pays now | engaged through treatment t): willingness x channel effect x
    (1 + pressure x saturating stress), times `pay_nocash` without money; capped at 0.95."""
    a = p.arch
    pressure = 1.0 + a["pressure"][arch] * np.minimum(stress / PRESSURE_SCALE, 1.0)
    prob = a["pay"][arch] * p.chan["pay_effect"][t] * pressure
    prob = np.where(cash, prob, prob * a["pay_nocash"][arch])
    return np.clip(prob, 0.0, 0.95)


def keep_probability(arch: np.ndarray, cash: np.ndarray, p: Params) -> np.ndarray:
    """P(a promise falling due today is kept)."""
    return np.where(cash, p.arch["keep"][arch], p.arch["keep_nocash"][arch])


def cash_step(cash: np.ndarray, arch: np.ndarray, u: np.ndarray, p: Params) -> np.ndarray:
    """One day of income shocks: without money, gain it with `cash_gain`; with money, lose it
    with `cash_loss` (u: uniforms)."""
    gain = ~cash & (u < p.arch["cash_gain"][arch])
    loss = cash & (u < p.arch["cash_loss"][arch])
    return (cash | gain) & ~loss
