"""Rule and Pack: what a jurisdiction's pack is made of, and its compiled snapshots.

A `Rule` is data: an id, the provision it enforces (cited as in the rule catalog), texts in
English and Chinese, the channels and parties it constrains, and `when`: a vocabulary tree
(`faircollect.rules.vocab`) that is true when the action is BLOCKED. Its full condition, for
any interpreter, is `rule.condition()`:

    action.channel in rule.channels AND action.party in rule.parties AND rule.when

A `Pack` holds rules and dated parameters. `Pack.snapshot(day, window)` binds the parameters in
force on `day` (and a creditor's stricter contact window) and compiles every rule once; the
snapshot is cached.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from threading import Lock
from typing import Any

from faircollect.rules.model import CHANNELS, PARTIES
from faircollect.rules.params import Parameter, Text, snapshot_dates, values_at
from faircollect.rules.pyeval import (
    BoundarySpec,
    Compiler,
    Fn,
    boundary_spec,
    depends_on_now,
    monotone_release,
)
from faircollect.rules.vocab import (
    And,
    Const,
    Fact,
    In,
    Node,
    Param,
    Value,
    bind_params,
    walk,
)

__all__ = ["CompiledRule", "Pack", "Part", "Rule", "Snapshot"]


@dataclass(frozen=True)
class Rule:
    id: str
    provision: str
    title: Text
    message: Text  # may use {parameter} placeholders
    when: Node  # true when the action is blocked
    channels: frozenset[str]
    parties: frozenset[str]
    explain: Text  # what the rule does (reference docs)
    rights: Text | None = None  # borrower-facing sentence ("your rights" page)
    findings: frozenset[str] = frozenset()  # content rules: the lint finding codes

    def __post_init__(self) -> None:
        bad = (self.channels - set(CHANNELS)) | (self.parties - set(PARTIES))
        if bad:
            raise ValueError(f"{self.id}: unknown channels/parties {sorted(bad)}")

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(sorted({n.name for n in walk(self.when) if isinstance(n, Param)}))

    def condition(self) -> Node:
        """The rule's whole blocking condition as one tree (for the columnar interpreter)."""
        return And(
            In(Fact("action.channel"), Const(self.channels)),
            In(Fact("action.party"), Const(self.parties)),
            self.when,
        )


@dataclass(frozen=True)
class Part:
    """A conjunct of a rule's bound condition, for the `next_allowed_at` search: the rule
    passes as soon as any of its conjuncts is false."""

    fn: Fn
    time_dependent: bool
    monotone: bool  # can only turn from true to false as `now` moves (binary search)
    spec: BoundarySpec  # where its value may change as `now` moves


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    bound: Node
    fn: Fn
    time_dependent: bool
    parts: tuple[Part, ...]
    message: Text


@dataclass(frozen=True)
class Snapshot:
    """A pack with its parameters bound for one period: rules compiled, indexed by action."""

    pack: Pack
    values: Mapping[str, Value]
    rules: tuple[CompiledRule, ...]
    by_action: Mapping[tuple[str, str], tuple[CompiledRule, ...]]

    def applicable(self, channel: str, party: str) -> tuple[CompiledRule, ...]:
        return self.by_action.get((channel, party), ())


@dataclass(eq=False)
class Pack:
    id: str
    name: Text
    revision: int
    default_zones: tuple[str, ...]
    params: Mapping[str, Parameter]
    rules: tuple[Rule, ...]
    #: parties that are "the debtor side" for the content lint's audience
    consumer_parties: frozenset[str] = frozenset({"debtor"})
    #: parameters narrowed by a creditor's stricter contact window (EngineConfig)
    hours_params: tuple[str, str] = ("contact_start", "contact_end")
    notes: Text | None = None
    _cache: dict[Any, Snapshot] = field(default_factory=dict, repr=False)
    _lock: Lock = field(default_factory=Lock, repr=False)
    _dates: tuple[date, ...] = field(default=(), repr=False)
    _version: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.id}: duplicate rule ids")
        for r in self.rules:
            missing = set(r.params) - set(self.params)
            if missing:
                raise ValueError(f"{r.id}: unknown parameters {sorted(missing)}")
        self._dates = snapshot_dates(dict(self.params))
        self._version = f"{self.id}-{self._dates[-1]:%Y.%m.%d}-{self.revision}"

    @property
    def version(self) -> str:
        """e.g. "US-2021.11.30-1": pack id, date of the latest parameter change, revision."""
        return self._version

    def snapshot(self, day: date, window: tuple[time, time] | None = None) -> Snapshot:
        dates = self._dates
        i = bisect_right(dates, day) - 1
        key = (dates[max(i, 0)], window)
        snap = self._cache.get(key)
        if snap is None:
            with self._lock:
                snap = self._cache.get(key)
                if snap is None:
                    snap = self._cache[key] = self._compile(key[0], window)
        return snap

    def _compile(self, day: date, window: tuple[time, time] | None) -> Snapshot:
        values: dict[str, Value] = dict(values_at(dict(self.params), day))
        if window is not None:
            lo, hi = self.hours_params
            if lo in values and hi in values:
                values[lo] = max(str(values[lo]), f"{window[0]:%H:%M}")
                end = "24:00" if window[1] == time(0) else f"{window[1]:%H:%M}"
                values[hi] = min(str(values[hi]), end)
        comp = Compiler()
        fmt = {k: _fmt(v) for k, v in values.items()}
        compiled = []
        for r in self.rules:
            bound = bind_params(r.when, values)
            dep = depends_on_now(bound)
            conj = bound.args if isinstance(bound, And) else (bound,)
            parts = tuple(
                Part(
                    fn=comp.compile(x),
                    time_dependent=depends_on_now(x),
                    monotone=monotone_release(x),
                    spec=boundary_spec(x, comp) if depends_on_now(x) else BoundarySpec(),
                )
                for x in conj
            )
            compiled.append(
                CompiledRule(
                    rule=r,
                    bound=bound,
                    fn=comp.compile(bound),
                    time_dependent=dep,
                    parts=parts,
                    message=r.message.format(**fmt),
                )
            )
        by_action: dict[tuple[str, str], tuple[CompiledRule, ...]] = {}
        for ch in CHANNELS:
            for pa in PARTIES:
                by_action[(ch, pa)] = tuple(
                    c for c in compiled if ch in c.rule.channels and pa in c.rule.parties
                )
        return Snapshot(pack=self, values=values, rules=tuple(compiled), by_action=by_action)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def _fmt(v: Value) -> str:
    if isinstance(v, frozenset | tuple):
        return ", ".join(sorted(str(x) for x in v))
    return str(v)


def merge_params(*groups: Mapping[str, Parameter]) -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    for g in groups:
        for k, v in g.items():
            if k in out:
                raise ValueError(f"parameter {k!r} defined twice")
            out[k] = v
    return out


def rules_by_id(rules: Iterable[Rule]) -> dict[str, Rule]:
    return {r.id: r for r in rules}
