"""Properties that must hold for every scenario (hypothesis drives the random generator of
`faircollect.rules.samples`)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faircollect.rules.engine import _data, evaluate
from faircollect.rules.model import HistoryEntry, Scenario
from faircollect.rules.packs import get_pack
from faircollect.rules.pyeval import Ctx
from faircollect.rules.samples import random_scenario
from tests.rules.reference_eval import ref_eval

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(min_value=0, max_value=2**32 - 1)
packs = st.sampled_from(["CN", "US", "US-MA", "UK"])
sizes = st.sampled_from([0, 1, 5, 20, 50])


def gen(seed: int, pack: str, size: int) -> Scenario:
    return random_scenario(random.Random(seed), pack=pack, history=size)


def known_at_now(s: Scenario) -> Scenario:
    """The same scenario with every fact dated after `now` removed (what `now` knows)."""

    def k(x: datetime | None) -> datetime | None:
        return x if x is not None and x <= s.now else None

    d, b = s.debtor, s.debt
    return s.model_copy(
        update={
            "history": tuple(e for e in s.history if e.at <= s.now),
            "debtor": d.model_copy(
                update={
                    "cease_received_at": k(d.cease_received_at),
                    "dispute_received_at": k(d.dispute_received_at),
                    "verification_sent_at": k(d.verification_sent_at),
                }
            ),
            "debt": b.model_copy(
                update={
                    "first_communication_at": k(b.first_communication_at),
                    "validation_notice_sent_at": k(b.validation_notice_sent_at),
                }
            ),
        }
    )


def at(s: Scenario, t: datetime) -> Scenario:
    return s.model_copy(update={"now": t})


@SETTINGS
@given(seeds, packs, sizes)
def test_optimised_interpreter_equals_the_reference(seed: int, pack: str, size: int) -> None:
    s = gen(seed, pack, size)
    p = get_pack(s.pack)
    snap = p.snapshot(s.now.date())
    data = _data(s, p, __import__("faircollect.rules.engine", fromlist=["_DEFAULT"])._DEFAULT, None)
    ctx = Ctx(data)
    for r in snap.rules:
        assert bool(r.fn(ctx)) == bool(ref_eval(r.bound, data, s.now)), r.rule.id
        for part in r.parts:
            assert bool(part.fn(ctx)) == bool(ref_eval(part_node(r, part), data, s.now))


def part_node(r: object, part: object) -> object:
    from faircollect.rules.vocab import And

    bound = r.bound  # type: ignore[attr-defined]
    parts = r.parts  # type: ignore[attr-defined]
    conj = bound.args if isinstance(bound, And) else (bound,)
    return conj[parts.index(part)]


@SETTINGS
@given(seeds, packs, sizes)
def test_next_allowed_at_is_allowed_and_minimal(seed: int, pack: str, size: int) -> None:
    s = known_at_now(gen(seed, pack, size))
    d = evaluate(s)
    if d.allowed:
        assert d.next_allowed_at is None
        return
    t = d.next_allowed_at
    if t is None:
        return
    assert s.now < t <= s.now + timedelta(days=14)
    assert evaluate(at(s, t)).allowed, (t, [v.rule for v in d.violations])
    before = t - timedelta(seconds=1)
    if before > s.now:
        assert not evaluate(at(s, before)).allowed
    rng = random.Random(seed)
    span = (t - s.now).total_seconds()
    for _ in range(4):
        probe = s.now + timedelta(seconds=rng.uniform(0, span))
        if probe < t:
            assert not evaluate(at(s, probe)).allowed, probe


@SETTINGS
@given(seeds, packs, sizes)
def test_null_next_allowed_means_blocked_throughout_the_horizon(
    seed: int, pack: str, size: int
) -> None:
    s = known_at_now(gen(seed, pack, size))
    d = evaluate(s)
    if d.allowed or d.next_allowed_at is not None:
        return
    rng = random.Random(seed)
    for _ in range(6):
        probe = s.now + timedelta(seconds=rng.uniform(0, 14 * 86400))
        assert not evaluate(at(s, probe)).allowed, probe


FREQUENCY = {
    "US:call-frequency",
    "US:call-after-conversation",
    "US-MA:call-frequency",
    "US-MA:home-visit",
    "CN:daily-connected-calls",
    "CN:daily-attempts-per-number",
}


@SETTINGS
@given(
    seeds,
    packs,
    sizes,
    st.integers(min_value=0, max_value=14 * 24 * 60),
    st.sampled_from(["call", "ai_voice", "sms", "visit"]),
    st.sampled_from(["no_answer", "voicemail", "conversation", "sent", "delivered", "busy"]),
)
def test_adding_a_contact_never_lifts_a_frequency_block(
    seed: int, pack: str, size: int, minutes_ago: int, channel: str, outcome: str
) -> None:
    s = known_at_now(gen(seed, pack, size))
    blocked = {v.rule for v in evaluate(s).violations} & FREQUENCY
    if not blocked:
        return
    rng = random.Random(seed)
    extra = HistoryEntry.model_validate(
        {
            "at": (s.now - timedelta(minutes=minutes_ago)).isoformat(),
            "channel": channel,
            "party": s.action.party,
            "debt_ids": rng.choice([[], [s.action.debt_id] if s.action.debt_id else []]),
            "outcome": outcome,
            "initiated_by": "collector",
            "contact_point": s.action.contact_point,
            "place": s.action.place,
        }
    )
    more = s.model_copy(update={"history": tuple(sorted((*s.history, extra), key=lambda e: e.at))})
    assert blocked <= {v.rule for v in evaluate(more).violations}


@SETTINGS
@given(seeds, packs, sizes)
def test_decision_is_deterministic_and_json_shaped(seed: int, pack: str, size: int) -> None:
    s = gen(seed, pack, size)
    a, b = evaluate(s), evaluate(s)
    assert a.to_json() == b.to_json()
    assert a.allowed == (not a.violations)
    assert a.pack == s.pack
