"""From a run's counters to the reported metrics: per replicate, then the mean and a 95%
interval over replicates (Student t; a single replicate has a zero-width interval).

JSON shape (`faircollect simulate --json`), one object:

    {"accounts": N, "days": D, "seed": S, "replicates": K, "start": "YYYY-MM-DD",
     "currency": "CNY",
     "strategies": {NAME: {
         "recovery_rate", "contacts_per_account", "visits_per_1000",
         "third_party_contacts_per_1000", "complaints_per_1000", "violations_executed",
         "cost_per_unit_recovered",                       # the contract keys (DESIGN 4.1)
         "violations_attempted", "violations_blocked", "mean_stress", "cure_rate",
         "redefault_rate", "cost_per_account", "legal_actions_per_1000",
         "promises_per_1000", "promise_kept_rate", "disputes_per_1000",
         "collected", "overdue", "cost",                  # totals per replicate (major units)
         "cost_by_channel": {treatment: amount},          # per replicate, major units
         "contacts_by_channel": {treatment: per account},
         "blocked_by_rule": {rule: count},                # per replicate
         "recovery_curve": [rate at the end of day 1, ...],
         "gate_check": {"sampled", "agreed"},             # real-time vs columnar
         "ci95": {metric: [lo, hi]}}}}                     # every scalar metric

Every number is the mean over replicates; amounts are in the book's currency (`currency`;
a mixed book is converted to CNY with `world.fx_to_cny`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from faircollect.strategy.treatments import TREATMENT_NAMES

from .params import CURRENCIES, Params
from .world import CONTACT, THIRD_PARTY, RunResult, T

__all__ = ["CONTRACT_KEYS", "ci95", "summarize"]

CONTRACT_KEYS = (
    "recovery_rate", "contacts_per_account", "visits_per_1000", "third_party_contacts_per_1000",
    "complaints_per_1000", "violations_executed", "cost_per_unit_recovered",
)  # fmt: skip
#: two-sided 97.5% quantiles of Student's t by degrees of freedom
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
         9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042}  # fmt: skip


def _t975(df: int) -> float:
    if df in _T975:
        return _T975[df]
    if df > 30:
        return 1.96
    return _T975[max(k for k in _T975 if k <= df)]


def _r(x: float) -> float:
    """Rounded for stable JSON (12 significant digits)."""
    if not math.isfinite(x):
        return 0.0
    return float(f"{x:.12g}")


def ci95(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, lo, hi) of the per-replicate values."""
    v = np.asarray(values, dtype=np.float64)
    m = float(v.mean())
    if len(v) < 2:
        return m, m, m
    half = _t975(len(v) - 1) * float(v.std(ddof=1)) / math.sqrt(len(v))
    return m, m - half, m + half


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(b > 0, a / np.maximum(b, 1e-300), 0.0)


def per_replicate(res: RunResult, params: Params) -> tuple[dict[str, np.ndarray], str]:
    """Scalar metrics per replicate, and the currency amounts are reported in."""
    used = [c for k, c in enumerate(CURRENCIES) if res.overdue[:, k].sum() > 0]
    currency = used[0] if len(used) == 1 else "CNY"
    k = CURRENCIES.index(currency)
    fx = np.array([float(params.fx(c)) for c in CURRENCIES]) / float(params.fx(currency))
    exp = 100.0  # every supported currency has 2 decimals

    def major(x: np.ndarray) -> np.ndarray:  # (R, C) minor -> (R,) major in `currency`
        return (x * fx).sum(axis=-1) / exp

    _ = k
    n = float(res.accounts)
    collected = major(res.collected)
    overdue = major(res.overdue)
    cost = major(res.cost.sum(axis=1))
    contacts = res.executed[:, CONTACT].sum(axis=1)
    blocked = res.blocked.sum(axis=1)
    m: dict[str, np.ndarray] = {
        "recovery_rate": _ratio(collected, overdue),
        "contacts_per_account": contacts / n,
        "visits_per_1000": res.executed[:, T["visit"]] * 1000 / n,
        "third_party_contacts_per_1000": res.executed[:, THIRD_PARTY].sum(axis=1) * 1000 / n,
        "complaints_per_1000": res.complaints * 1000 / n,
        "violations_executed": res.violations_executed.astype(np.float64),
        "cost_per_unit_recovered": _ratio(cost, collected),
        "violations_attempted": (blocked + res.violations_executed).astype(np.float64),
        "violations_blocked": blocked.astype(np.float64),
        "mean_stress": res.stress_mean,
        "cure_rate": res.cured / n,
        "redefault_rate": _ratio(res.redefaulted.astype(np.float64), res.cured),
        "cost_per_account": cost / n,
        "legal_actions_per_1000": res.executed[:, T["legal"]] * 1000 / n,
        "promises_per_1000": res.promises[:, 0] * 1000 / n,
        "promise_kept_rate": _ratio(
            res.promises[:, 1].astype(np.float64), res.promises[:, 1] + res.promises[:, 2]
        ),
        "disputes_per_1000": res.disputes * 1000 / n,
        "collected": collected,
        "overdue": overdue,
        "cost": cost,
    }
    for t, name in enumerate(TREATMENT_NAMES):
        m[f"cost:{name}"] = major(res.cost[:, t, :])
        m[f"contacts:{name}"] = res.executed[:, t] / n
    return m, currency


def summarize(res: RunResult, params: Params) -> tuple[dict[str, Any], str]:
    """One strategy's JSON object (see the module docstring) and its currency."""
    m, currency = per_replicate(res, params)
    out: dict[str, Any] = {}
    ci: dict[str, list[float]] = {}
    by_cost: dict[str, float] = {}
    by_contacts: dict[str, float] = {}
    for key, values in m.items():
        mean, lo, hi = ci95(values)
        if key.startswith("cost:"):
            by_cost[key[5:]] = _r(mean)
        elif key.startswith("contacts:"):
            by_contacts[key[9:]] = _r(mean)
        else:
            out[key] = _r(mean)
            ci[key] = [_r(lo), _r(hi)]
    out["cost_by_channel"] = by_cost
    out["contacts_by_channel"] = by_contacts
    out["blocked_by_rule"] = {
        rule: _r(float(v.mean())) for rule, v in sorted(res.blocked_by_rule.items())
    }
    out["recovery_curve"] = [_r(x) for x in res.curve.mean(axis=1)]
    out["gate_check"] = dict(res.check)
    out["ci95"] = ci
    return out, currency
