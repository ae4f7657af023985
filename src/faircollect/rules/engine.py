"""The real-time rule engine: `evaluate(scenario) -> Decision`.

    >>> from faircollect.rules.engine import evaluate
    >>> from faircollect.rules.model import Scenario
    >>> d = evaluate(Scenario.model_validate({"pack": "US", "now": "2026-03-04T22:00:00-05:00",
    ...     "action": {"channel": "call"}, "debtor": {"timezones": ["America/New_York"]}}))
    >>> d.allowed, d.violations[0].rule, d.next_allowed_at.isoformat()
    (False, 'US:inconvenient-time', '2026-03-05T08:00:00-05:00')

Steps: pick the pack snapshot in force at `now` (dated parameters, plus a creditor's stricter
contact window from `EngineConfig`), run the content lint once when the action carries text,
precompute the scenario's facts, evaluate the rules that constrain the action's channel and
party, report every violation (the most protective outcome wins: any violation blocks).

`next_allowed_at`: the earliest instant in [now, now + 14 days] at which the SAME action would
be allowed, given what is known at `now`; null when a violated rule does not depend on time
(cease, holds, content, ...) or nothing within the horizon. It is found by evaluating the
time-dependent rules at the instants where they can change value (zone-local hour boundaries,
local midnights, inconvenient windows, consent ends ...), never by scanning minutes, and is
rendered in the debtor's first time zone. Parameters in force at `now` are used for the whole
horizon.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple, Protocol

from faircollect.rules.content import LintContext, has_mini_miranda, has_opt_out, lint
from faircollect.rules.model import Decision, Scenario, Violation
from faircollect.rules.pack import CompiledRule, Pack, Part, Snapshot
from faircollect.rules.packs import get_pack
from faircollect.rules.params import Text
from faircollect.rules.pyeval import Ctx, ScenarioData, release_of

__all__ = [
    "FORBIDDEN_CONTACT_SOURCES",
    "ContentFinding",
    "ContentLinter",
    "ContentResult",
    "EngineConfig",
    "Evaluation",
    "evaluate",
    "explain",
    "next_allowed_at",
]

#: contact-point sources the CN pack refuses (PIPL; 2021 rule on necessary app data)
FORBIDDEN_CONTACT_SOURCES = frozenset({"address_book", "call_log"})


class ContentFinding(NamedTuple):
    code: str
    excerpt: str
    message_en: str
    message_zh: str


class ContentResult(NamedTuple):
    findings: tuple[ContentFinding, ...]
    has_opt_out: bool
    has_mini_miranda: bool


class ContentLinter(Protocol):
    def __call__(
        self, text: str, *, audience: str, channel: str, time_barred: bool
    ) -> ContentResult: ...


def default_linter(text: str, *, audience: str, channel: str, time_barred: bool) -> ContentResult:
    """The content lint of `faircollect.rules.content` (disclosures are checked by the packs
    through `has_opt_out` / `has_mini_miranda`, so none is required here)."""
    ctx = LintContext(
        lang=None,
        audience="third_party" if audience == "third_party" else "debtor",
        channel=channel,
        time_barred=time_barred,
    )
    found = tuple(
        ContentFinding(f.code, f.excerpt, f.message_en, f.message_zh) for f in lint(text, ctx)
    )
    return ContentResult(found, has_opt_out(text), has_mini_miranda(text))


@dataclass(frozen=True)
class EngineConfig:
    """Engine inputs that are not part of the JSON scenario (DESIGN 4.3 lists only its fields).

    - `contact_window`: a creditor's own contact window (e.g. 08:00-21:00 in CN practice). It
      only narrows the pack's hours (`contact_start`/`contact_end`): the later start and the
      earlier end win. `time(0)` as end means midnight (24:00).
    - `contact_point_sources`: contact_point id -> where it came from (`application`,
      `borrower_provided`, `skip_trace`, `address_book`, `call_log`, ...), passed by the contact
      gate from its contact_points table; read by the CN address-book rule.
    - `horizon`: how far `next_allowed_at` looks ahead (14 days).
    - `content_linter`: replaces the content lint (tests, or a stricter house lint).
    """

    contact_window: tuple[time, time] | None = None
    contact_point_sources: Mapping[str, str] = field(default_factory=dict)
    horizon: timedelta = timedelta(days=14)
    content_linter: ContentLinter | None = None


_DEFAULT = EngineConfig()


@dataclass(frozen=True)
class Evaluation:
    """A decision with what produced it (for audit and explanations)."""

    decision: Decision
    snapshot: Snapshot
    failed: tuple[CompiledRule, ...]
    content: ContentResult | None


def evaluate(scenario: Scenario, *, config: EngineConfig | None = None) -> Decision:
    """Judge one scenario: allowed or not, every violation, and when the same action would be
    allowed."""
    return explain(scenario, config=config).decision


def explain(scenario: Scenario, *, config: EngineConfig | None = None) -> Evaluation:
    cfg = config or _DEFAULT
    pack = get_pack(scenario.pack)
    snap = pack.snapshot(scenario.now.date(), cfg.contact_window)
    a = scenario.action
    rules = snap.applicable(a.channel, a.party)
    content = _content(scenario, pack, cfg) if a.content is not None else None
    data = _data(scenario, pack, cfg, content)
    ctx = data.at(data.now)
    failed = tuple(r for r in rules if r.fn(ctx))
    nxt = None
    if failed:
        t = _next_allowed(rules, failed, ctx, cfg.horizon)
        nxt = None if t is None else t.astimezone(data.first_zone)
    decision = Decision.model_construct(
        allowed=not failed,
        pack=scenario.pack,
        pack_version=pack.version,
        violations=tuple(_violation(r, content) for r in failed),
        next_allowed_at=nxt,
    )
    return Evaluation(decision, snap, failed, content)


def next_allowed_at(scenario: Scenario, *, config: EngineConfig | None = None) -> datetime | None:
    """The earliest instant in [now, now + horizon] at which the scenario's action is allowed
    (now itself when it is allowed now); None when there is none."""
    d = evaluate(scenario, config=config)
    return scenario.now if d.allowed else d.next_allowed_at


# ---------------------------------------------------------------------------------------
def _content(s: Scenario, pack: Pack, cfg: EngineConfig) -> ContentResult:
    a = s.action
    assert a.content is not None
    consumer = a.party in pack.consumer_parties or a.party == "attorney"
    linter = cfg.content_linter or default_linter
    return linter(
        a.content,
        audience="debtor" if consumer else "third_party",
        channel=a.channel,
        time_barred=s.debt.time_barred,
    )


def _data(
    s: Scenario, pack: Pack, cfg: EngineConfig, content: ContentResult | None
) -> ScenarioData:
    extra: dict[str, Any] = {}
    if content is not None:
        extra["content.findings"] = frozenset(f.code for f in content.findings)
        extra["content.has_opt_out"] = content.has_opt_out
        extra["content.has_mini_miranda"] = content.has_mini_miranda
    cp = s.action.contact_point
    if cp is not None and cfg.contact_point_sources:
        extra["config.contact_point_source"] = cfg.contact_point_sources.get(cp)
    zones = s.debtor.timezones or pack.default_zones
    return ScenarioData(s, zones, extra)


def _violation(r: CompiledRule, content: ContentResult | None) -> Violation:
    msg: Text = r.message
    if r.rule.findings and content is not None:
        quotes = [f.excerpt for f in content.findings if f.code in r.rule.findings and f.excerpt]
        if quotes:
            q = "; ".join(f"“{x}”" for x in dict.fromkeys(quotes))
            msg = Text(f"{msg.en} {q}", f"{msg.zh} {q}")
    return Violation.model_construct(
        rule=r.rule.id, provision=r.rule.provision, message=msg.en, message_zh=msg.zh
    )


def _next_allowed(
    rules: Sequence[CompiledRule],
    failed: Sequence[CompiledRule],
    ctx: Ctx,
    horizon: timedelta,
) -> datetime | None:
    """Earliest t in (now, now + horizon] at which every rule passes. A rule's value only
    changes at its own boundary instants, so: take a failing rule, jump to the first of its
    boundaries where it passes, check the others there; if one fails, continue from there
    with that one. No allowed instant is skipped; t only grows, so this ends."""
    if any(not r.time_dependent for r in failed):
        return None
    data, now = ctx.data, ctx.now
    # rules that pass now because a conjunct is false that can never turn true again
    # (e.g. a count under its limit) pass for the whole horizon: no need to re-check them
    failing_ids = {id(r) for r in failed}
    dep = [
        r
        for r in rules
        if r.time_dependent
        and (id(r) in failing_ids or not any(p.monotone and not p.fn(ctx) for p in r.parts))
    ]
    end = now + horizon
    t = now
    failing = failed[0]
    while True:
        found = _first_pass(failing, data, t, end)
        if found is None:
            return None
        t, ctx = found
        bad = next((r for r in dep if r is not failing and r.fn(ctx)), None)
        if bad is None:
            return t
        failing = bad


def _first_pass(
    rule: CompiledRule, data: ScenarioData, after: datetime, end: datetime
) -> tuple[datetime, Ctx] | None:
    """The first instant in (after, end] at which `rule` passes: the earliest instant at which
    one of its conjuncts is false (conjuncts that do not depend on time are true: the rule
    fails at `after`)."""
    best: datetime | None = None
    for part in _search_order(rule):
        t = _first_false(part, data, after, best or end)
        if t is not None and (best is None or t < best):
            best = t
    return None if best is None else (best, data.at(best))


_ORDER: dict[int, tuple[CompiledRule, tuple[Part, ...]]] = {}


def _search_order(rule: CompiledRule) -> tuple[Part, ...]:
    """The rule's time-dependent conjuncts, monotone ones first: their release (a binary
    search) bounds the scan of the others, which then stops early."""
    hit = _ORDER.get(id(rule))
    if hit is None or hit[0] is not rule:
        parts = tuple(p for p in rule.parts if p.time_dependent)
        hit = _ORDER[id(rule)] = (rule, tuple(sorted(parts, key=lambda p: not p.monotone)))
    return hit[1]


def _first_false(part: Part, data: ScenarioData, after: datetime, end: datetime) -> datetime | None:
    fn, at = part.fn, data.at
    release = release_of(fn)
    if release is not None:
        done, t = release(data, after, end)
        if done:
            return t
    if part.monotone:
        cands = part.spec.candidates(data, after, end)
        if not cands or fn(at(cands[-1])):
            return None
        lo, hi = 0, len(cands) - 1  # cands[hi] is false; find the first false
        while lo < hi:
            mid = (lo + hi) // 2
            if fn(at(cands[mid])):
                lo = mid + 1
            else:
                hi = mid
        return cands[lo]
    lo_t = after
    step = _DAY if part.spec.day_seconds else end - after  # hour boundaries: a day at a time
    while lo_t < end:
        hi_t = min(lo_t + step, end)
        for t in part.spec.candidates(data, lo_t, hi_t):
            if not fn(at(t)):
                return t
        lo_t = hi_t
    return None


_DAY = timedelta(days=1)
