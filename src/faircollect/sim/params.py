"""Behaviour parameters: `params.yaml` (shipped) merged with an optional override file, as
numpy arrays indexed by archetype and by treatment. See docs/simulator.md for every value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from faircollect.money import Money, MoneyError
from faircollect.strategy.treatments import TREATMENT_NAMES

__all__ = [
    "ARCHETYPES",
    "ARCHETYPE_FIELDS",
    "CHANNEL_FIELDS",
    "CURRENCIES",
    "TOD_BINS",
    "Params",
    "load_params",
]

ARCHETYPES: tuple[str, ...] = (
    "short_of_cash", "forgetful", "strategic", "over_indebted", "lost_contact", "vulnerable",
    "not_my_debt",
)  # fmt: skip
ARCHETYPE_FIELDS: tuple[str, ...] = (
    "share", "cash0", "cash_gain", "cash_loss", "self_pay", "reach", "pay", "pay_nocash",
    "pressure", "full", "promise", "keep", "keep_nocash", "dispute", "hardship", "refuse",
    "complaint", "complaint_stress", "sensitivity", "redefault",
)  # fmt: skip
CHANNEL_FIELDS: tuple[str, ...] = (
    "reach", "engage", "pay_effect", "stress_attempt", "stress_reached",
)  # fmt: skip
#: local-hour bins of `tod`: [08-12), [12-14), [14-18), [18-21), other
TOD_BINS = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4])
TOD_BINS[:8] = 4


class ParamsError(ValueError):
    pass


#: mappings that an override replaces whole (a book mix is not merged with the default mix)
_REPLACE = frozenset({"packs", "preferred"})


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, Mapping):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base and k not in _REPLACE else v
        return out
    return over


@dataclass(frozen=True)
class Params:
    """The merged parameter tree (`raw`) and its arrays."""

    raw: dict[str, Any]
    arch: dict[str, np.ndarray]  # field -> float array over ARCHETYPES
    chan: dict[str, np.ndarray]  # field -> float array over TREATMENT_NAMES; "tod": (T, 5)
    costs_minor: dict[str, np.ndarray]  # currency -> int64 minor units per treatment

    @property
    def world(self) -> dict[str, Any]:
        return dict(self.raw["world"])

    @property
    def response(self) -> dict[str, Any]:
        return dict(self.raw["response"])

    @property
    def stress(self) -> dict[str, Any]:
        return dict(self.raw["stress"])

    def fx(self, currency: str) -> Decimal:
        return Decimal(str(self.raw["world"]["fx_to_cny"][currency]))


CURRENCIES = ("CNY", "USD", "GBP")


def _build(raw: dict[str, Any]) -> Params:
    arch_raw = raw.get("archetypes") or {}
    missing = [a for a in ARCHETYPES if a not in arch_raw]
    if missing:
        raise ParamsError(f"archetypes missing: {', '.join(missing)}")
    arch: dict[str, np.ndarray] = {}
    for f in ARCHETYPE_FIELDS:
        try:
            arch[f] = np.array([float(arch_raw[a][f]) for a in ARCHETYPES], dtype=np.float64)
        except KeyError as e:
            raise ParamsError(f"archetype parameter missing: {e}") from None
    if not np.isclose(arch["share"].sum(), 1.0):
        raise ParamsError(f"archetype shares add up to {arch['share'].sum():.4f}, not 1")
    ch_raw = raw.get("channels") or {}
    chan: dict[str, np.ndarray] = {}
    for f in CHANNEL_FIELDS:
        try:
            chan[f] = np.array([float(ch_raw[t][f]) for t in TREATMENT_NAMES], dtype=np.float64)
        except KeyError as e:
            raise ParamsError(f"channel parameter missing: {e}") from None
    chan["tod"] = np.array([[float(x) for x in ch_raw[t]["tod"]] for t in TREATMENT_NAMES])
    if chan["tod"].shape != (len(TREATMENT_NAMES), 5):
        raise ParamsError("channels.*.tod: expected 5 numbers per channel")
    costs: dict[str, np.ndarray] = {}
    for cur in CURRENCIES:
        vals = []
        for t in TREATMENT_NAMES:
            text = str((raw.get("costs") or {}).get(t, {}).get(cur, "0"))
            try:
                vals.append(Money.parse(text, cur).minor)
            except MoneyError as e:
                raise ParamsError(f"costs.{t}.{cur}: {e}") from None
        costs[cur] = np.array(vals, dtype=np.int64)
    for name, p in (("response", raw.get("response")), ("stress", raw.get("stress")),
                    ("world", raw.get("world"))):  # fmt: skip
        if not isinstance(p, dict):
            raise ParamsError(f"section {name!r} missing")
    return Params(raw=raw, arch=arch, chan=chan, costs_minor=costs)


def default_text() -> str:
    return resources.files("faircollect.sim").joinpath("params.yaml").read_text("utf-8")


def load_params(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Params:
    """The shipped parameters, with `path` (a YAML file of the same shape, partial is fine)
    and then `overrides` merged over them."""
    raw = yaml.safe_load(default_text())
    if path is not None:
        try:
            over = yaml.safe_load(path.read_text("utf-8")) or {}
        except (OSError, yaml.YAMLError) as e:
            raise ParamsError(f"{path}: {e}") from None
        raw = _merge(raw, over)
    if overrides:
        raw = _merge(raw, overrides)
    return _build(raw)
