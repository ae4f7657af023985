"""The columnar form (`faircollect.rules.columnar`, Ibis on DuckDB) and the real-time engine
(`faircollect.rules.engine.evaluate`) agree: same `allowed`, same violated rules in the same
order, same first provision — on random debtor states and histories, thousands of cases per
DuckDB query.

The generator starts from `faircollect.rules.samples.random_scenario_dict` and aims at the
edges: contact-hour boundaries to the second in every candidate zone, DST days (US, UK), two-zone
debtors, prior-consent windows, wrong numbers, conversations about several debts, disputes
around the validation period, breathing spaces, consumer-initiated contacts answered once,
designated windows across midnight, credit reporting after messages and bounces, message
content, creditor contact windows and harvested contact points.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from unittest.mock import patch

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faircollect.clock import at_local
from faircollect.rules.columnar import build_cases, decide, decide_arrow
from faircollect.rules.engine import EngineConfig, evaluate
from faircollect.rules.model import Scenario
from faircollect.rules.packs import get_pack
from faircollect.rules.samples import random_scenario_dict
from tests.rules.content.corpus import CLEAN_EN, CLEAN_ZH, FLAGGED_EN, FLAGGED_ZH

PACKS = ("CN", "US", "US-MA", "UK")
#: scenarios per pack per hypothesis example; two examples: 2,000 per pack per run
BATCH = 1000
SETTINGS = settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
seeds = st.integers(min_value=0, max_value=2**32 - 1)

DST_DAYS = {
    "CN": [],
    "US": [date(2026, 3, 8), date(2026, 11, 1)],
    "US-MA": [date(2026, 3, 8), date(2026, 11, 1)],
    "UK": [date(2026, 3, 29), date(2026, 10, 25)],
}
BOUNDARIES = [
    "08:00:00",
    "07:59:59",
    "21:00:00",
    "20:59:59",
    "22:00:00",
    "21:59:59",
    "00:00:00",
    "23:59:59",
    "12:00:00",
    "13:59:59",
    "14:00:00",
    "01:30:00",
    "02:30:00",
    "03:00:00",
]
TEXTS = [c[0] for c in FLAGGED_ZH + CLEAN_ZH + FLAGGED_EN + CLEAN_EN]
SOURCES = ["application", "borrower_provided", "skip_trace", "address_book", "call_log"]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _iso(t: datetime) -> str:
    return t.isoformat()


def _shift_history(d: dict[str, Any], old: datetime, new: datetime) -> None:
    for e in d["history"]:
        e["at"] = _iso(datetime.fromisoformat(e["at"]) - old + new)


def rich_scenario(rng: random.Random, pack: str) -> tuple[Scenario, EngineConfig]:
    """A random scenario of `pack` pushed towards the edges, and the engine configuration."""
    d = random_scenario_dict(rng, pack=pack, history=rng.choice([0, 1, 3, 8, 20, 50]))
    now = datetime.fromisoformat(d["now"])
    zones = d["debtor"]["timezones"]
    if rng.random() < 0.1:
        d["debtor"]["timezones"] = zones = []
    candidates = zones or list(get_pack(pack).default_zones)
    if rng.random() < 0.45:  # a boundary instant, often on a DST day
        zone = rng.choice(candidates)
        days = DST_DAYS[pack]
        day = rng.choice(days) if days and rng.random() < 0.5 else now.date()
        t = time.fromisoformat(rng.choice(BOUNDARIES))
        new = at_local(day, t, zone).astimezone(UTC)
        if rng.random() < 0.1:
            new += timedelta(microseconds=rng.choice([1, 500_000, 999_999]))
        _shift_history(d, now, new)
        now = new
        d["now"] = _iso(now)
    hist = d["history"]
    debts = sorted({x for e in hist for x in e["debt_ids"]} | {"L1"})
    points = ["p1", "p2", "p3", "p4"]
    a, debtor, debt = d["action"], d["debtor"], d["debt"]
    if rng.random() < 0.15:  # prior consent around now
        debt["call_consent_until"] = _iso(now + timedelta(minutes=rng.randint(-12000, 12000)))
    if rng.random() < 0.3:  # a busy day: calls to this person / number around today
        outcomes = rng.choice(
            [
                ["conversation", "conversation", "no_answer"],
                ["no_answer", "busy", "voicemail", "not_in_service"],
                ["conversation", "no_answer", "busy", "voicemail", "not_in_service", "delivered"],
            ]
        )
        hours = rng.choice([6, 12, 30])
        for _ in range(rng.randint(2, 12)):
            hist.append(
                {
                    "at": _iso(now - timedelta(minutes=rng.randint(1, hours * 60))),
                    "channel": rng.choice(["call", "call", "ai_voice", "sms"]),
                    "party": a["party"] if rng.random() < 0.8 else "debtor",
                    "debt_ids": rng.choice([[], [a["debt_id"]] if a["debt_id"] else [], debts]),
                    "outcome": rng.choice(outcomes),
                    "initiated_by": "collector" if rng.random() < 0.9 else "consumer",
                    "contact_point": a["contact_point"]
                    if rng.random() < 0.7
                    else rng.choice(points),
                    "place": rng.choice([a["place"], "home", "mobile", "work", None]),
                }
            )
    if hist and rng.random() < 0.25:  # a number found wrong, also used by other calls
        e = rng.choice(hist)
        e["outcome"], e["channel"] = "wrong_number", "call"
        e["contact_point"] = rng.choice(points)
        for other in rng.sample(hist, min(3, len(hist))):
            other["contact_point"] = e["contact_point"]
    if hist and rng.random() < 0.25:  # a conversation about several debts
        e = rng.choice(hist)
        e.update(
            channel="call",
            outcome="conversation",
            initiated_by=rng.choice(["collector", "consumer"]),
        )
        e["debt_ids"] = rng.sample(debts, rng.randint(1, len(debts)))
        e["party"] = a["party"] if rng.random() < 0.7 else e["party"]
    if rng.random() < 0.15:  # a dispute around the validation period
        sent = now - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23))
        debt["validation_notice_sent_at"] = _iso(sent) if rng.random() < 0.7 else None
        debt["first_communication_at"] = _iso(sent - timedelta(days=rng.randint(0, 5)))
        debtor["dispute_received_at"] = _iso(sent + timedelta(days=rng.randint(0, 45)))
        debtor["verification_sent_at"] = (
            _iso(now - timedelta(days=rng.randint(-3, 10))) if rng.random() < 0.3 else None
        )
    if pack == "UK" and rng.random() < 0.3:  # breathing space
        start = now.date() - timedelta(days=rng.randint(-5, 120))
        kind = rng.choice(["standard", "crisis"])
        end = None
        if rng.random() < 0.6:
            end = start + timedelta(days=rng.randint(0, 70))
        debtor["breathing_space"] = {
            "start": start.isoformat(),
            "end": None if end is None else end.isoformat(),
            "kind": kind,
        }
    if rng.random() < 0.25:  # designated windows, some across midnight or to 24:00
        windows = []
        for _ in range(rng.randint(1, 3)):
            frm, to = rng.choice(
                [
                    ("12:00", "14:00"),
                    ("22:00", "07:00"),
                    ("00:00", "24:00"),
                    ("18:30", "24:00"),
                    ("06:00", "09:15"),
                ]
            )
            w: dict[str, Any] = {"from": frm, "to": to}
            if rng.random() < 0.6:
                w["days"] = rng.sample(WEEKDAYS, rng.randint(1, 4))
            windows.append(w)
        debtor["inconvenient"] = windows
    if hist and rng.random() < 0.3:  # the party's own contact, answered once
        e = max(hist, key=lambda x: x["at"])
        e.update(initiated_by="consumer", party=a["party"], channel=a["channel"])
        if rng.random() < 0.5:
            e["at"] = _iso(now - timedelta(minutes=rng.randint(1, 300)))
        if rng.random() < 0.5:
            e["place"] = a["place"] or "home"
        a["in_response_to_consumer"] = True
    if rng.random() < 0.08:  # credit reporting after messages (and bounces)
        a["channel"] = "credit_report"
        for e in rng.sample(hist, min(len(hist), rng.randint(0, 4))):
            e.update(
                channel=rng.choice(["letter", "email", "sms"]),
                outcome=rng.choice(["sent", "delivered", "bounced"]),
                party="debtor",
                initiated_by="collector",
            )
            e["at"] = _iso(now - timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 23)))
    if rng.random() < 0.1:
        a["channel"] = rng.choice(["legal", "visit", "credit_report"])
    if rng.random() < 0.12:
        a["content"] = rng.choice(TEXTS)
    if rng.random() < 0.1:
        debtor["channel_opt_outs"] = rng.sample(["call", "sms", "email", "app", "visit"], 2)
    if rng.random() < 0.1:
        debtor["no_contact_places"] = rng.sample(["mobile", "home", "work", "other"], 2)
    window = None
    if rng.random() < 0.25:
        window = rng.choice(
            [(time(8), time(21)), (time(9), time(20)), (time(8, 30), time(0)), (time(7), time(23))]
        )
    sources: dict[str, str] = {}
    if rng.random() < 0.3:
        sources = {p: rng.choice(SOURCES) for p in points}
    return Scenario.model_validate(d), EngineConfig(
        contact_window=window, contact_point_sources=sources
    )


def _expected(s: Scenario, cfg: EngineConfig) -> tuple[bool, list[str], str | None]:
    d = evaluate(s, config=cfg)
    rules = [v.rule for v in d.violations]
    return d.allowed, rules, d.violations[0].provision if d.violations else None


def _compare(scenarios: Sequence[Scenario], configs: Sequence[EngineConfig], out: pa.Table) -> None:
    assert out.num_rows == len(scenarios)
    assert out.column("case_id").to_pylist() == list(range(len(scenarios)))
    bad = []
    rows = out.to_pylist()
    for s, cfg, row in zip(scenarios, configs, rows, strict=True):
        want = _expected(s, cfg)
        got = (row["allowed"], row["violations"], row["first_provision"])
        if got != want:
            bad.append((row["case_id"], want, got, s.model_dump_json()))
    assert not bad, f"{len(bad)} of {len(rows)} cases disagree; first: {bad[:3]}"


@SETTINGS
@given(seeds)
def test_columnar_agrees_with_realtime_on_random_scenarios(seed: int) -> None:
    rng = random.Random(seed)
    pairs = [rich_scenario(rng, pack) for pack in PACKS for _ in range(BATCH)]
    rng.shuffle(pairs)  # packs interleaved in one table
    scenarios = [p[0] for p in pairs]
    configs = [p[1] for p in pairs]
    cases, history = build_cases(scenarios, config=configs)
    out = decide_arrow(cases, history)
    _compare(scenarios, configs, out)
    for pack in PACKS:
        assert sum(s.pack == pack for s in scenarios) == BATCH


@SETTINGS
@given(seeds)
def test_debtors_with_many_actions_do_not_see_each_others_history(seed: int) -> None:
    """Accounts x candidate actions in one table: several actions (and instants) per debtor
    sharing one history, interleaved with other debtors, rows shuffled."""
    rng = random.Random(seed)
    scenarios: list[Scenario] = []
    configs: list[EngineConfig] = []
    keys: list[int] = []
    for debtor in range(300):
        base, cfg = rich_scenario(rng, rng.choice(PACKS))
        for _ in range(rng.randint(1, 5)):
            action = dict(base.action.model_dump(by_alias=True))
            action.update(
                channel=rng.choice(["call", "call", "sms", "email", "visit", "ai_voice", "letter"]),
                party=rng.choice(
                    ["debtor", "debtor", "debtor", "spouse", "third_party", "emergency_contact"]
                ),
                contact_point=rng.choice(["p1", "p2", "p3", None]),
                debt_id=rng.choice(["L1", "L2", "L3", None]),
            )
            now = base.now + timedelta(minutes=rng.choice([0, 0, 0, 61, -600, 1440]))
            scenarios.append(
                base.model_copy(update={"action": base.action.model_validate(action), "now": now})
            )
            configs.append(cfg)
            keys.append(debtor)
    order = list(range(len(scenarios)))
    rng.shuffle(order)
    scenarios = [scenarios[i] for i in order]
    configs = [configs[i] for i in order]
    keys = [keys[i] for i in order]
    cases, history = build_cases(scenarios, config=configs, debtor_keys=keys)
    once = {k: len(s.history) for k, s in zip(keys, scenarios, strict=True)}
    assert history.num_rows == sum(once.values())  # history written once per debtor
    history = history.take(pa.array(rng.sample(range(history.num_rows), history.num_rows)))
    out = decide_arrow(cases, history)
    _compare(scenarios, configs, out)


def _grid() -> tuple[list[Scenario], list[EngineConfig]]:
    """Every pack, one- and two-zone debtors, every boundary second on DST days and ordinary
    days, calls made in the last days crossing the DST change."""
    out: list[Scenario] = []
    cfgs: list[EngineConfig] = []
    zone_sets = {
        "CN": [["Asia/Shanghai"], ["Asia/Shanghai", "Asia/Urumqi"], []],
        "US": [["America/New_York"], ["America/New_York", "America/Los_Angeles"], []],
        "US-MA": [["America/New_York"], ["America/New_York", "America/Chicago"]],
        "UK": [["Europe/London"], ["Europe/London", "America/New_York"]],
    }
    for pack, sets in zone_sets.items():
        days = DST_DAYS[pack] + [date(2026, 6, 10)]
        for zones in sets:
            zone = (zones or list(get_pack(pack).default_zones))[0]
            for day in days:
                for hhmmss in BOUNDARIES:
                    now = at_local(day, time.fromisoformat(hhmmss), zone).astimezone(UTC)
                    history = [
                        {
                            "at": _iso(now - timedelta(hours=h)),
                            "channel": "call",
                            "debt_ids": ["L1"],
                            "outcome": "conversation" if h == 150 else "no_answer",
                        }
                        for h in (1, 20, 23, 25, 47, 70, 150, 160, 166, 167, 168, 169)
                    ]
                    for window in (None, (time(9), time(20))):
                        out.append(
                            Scenario.model_validate(
                                {
                                    "pack": pack,
                                    "now": _iso(now),
                                    "action": {"channel": "call", "debt_id": "L1"},
                                    "debtor": {"timezones": zones},
                                    "history": history,
                                }
                            )
                        )
                        cfgs.append(EngineConfig(contact_window=window))
    return out, cfgs


def test_boundary_grid_agrees() -> None:
    scenarios, configs = _grid()
    cases, history = build_cases(scenarios, config=configs)
    _compare(scenarios, configs, decide_arrow(cases, history))


# Ibis 12 fetches results with DuckDB's deprecated `fetch_arrow_table` (DuckDB 2)
@pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")
def test_lazy_ibis_expression_agrees_with_the_compiled_sql() -> None:
    """`decide` (a lazy Ibis table, any DuckDB-backed inputs) = `decide_arrow` (cached SQL)."""
    rng = random.Random(11)
    pairs = [rich_scenario(rng, "UK") for _ in range(60)]
    scenarios = [p[0] for p in pairs]
    configs = [p[1] for p in pairs]
    cases, history = build_cases(scenarios, config=configs)
    con = ibis.duckdb.connect()
    lazy = decide(con.create_table("c", cases), con.create_table("h", history), packs=["UK"])
    got = con.to_pyarrow(lazy.order_by("case_id"))
    want = decide_arrow(cases, history, packs=["UK"])
    assert got.column_names == want.column_names
    assert got.to_pylist() == want.to_pylist()
    _compare(scenarios, configs, got)


def test_as_of_snapshot_equals_per_case_snapshots() -> None:
    rng = random.Random(5)
    day = date(2026, 4, 2)
    scenarios = []
    for _ in range(200):
        s, _cfg = rich_scenario(rng, rng.choice(PACKS))
        now = datetime.combine(day, time(rng.randrange(24), rng.randrange(60)), UTC)
        scenarios.append(s.model_copy(update={"now": now}))
    cases, history = build_cases(scenarios)
    a = decide_arrow(cases, history)
    b = decide_arrow(cases, history, as_of=day)
    assert a.to_pylist() == b.to_pylist()


def test_rows_of_other_packs_are_left_out_and_versions_are_reported() -> None:
    rng = random.Random(8)
    scenarios = [rich_scenario(rng, p)[0] for p in PACKS for _ in range(5)]
    cases, history = build_cases(scenarios)
    out = decide_arrow(cases, history, packs=["CN", "UK"])
    ids = out.column("case_id").to_pylist()
    assert ids == [i for i, s in enumerate(scenarios) if s.pack in ("CN", "UK")]
    versions = set(out.column("pack_version").to_pylist())
    assert versions == {get_pack("CN").version, get_pack("UK").version}
    allowed = pc.equal(pc.list_value_length(out.column("violations")), 0)
    assert allowed.to_pylist() == out.column("allowed").to_pylist()


# ---------------------------------------------------------------------------------------
# the oracle: the real-time engine's closed-form releases (pyeval.release_of) must give the
# very `next_allowed_at` of its generic candidate search
# ---------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seeds, st.sampled_from(PACKS))
def test_closed_form_releases_equal_the_generic_search(seed: int, pack: str) -> None:
    from faircollect.rules import engine

    rng = random.Random(seed)
    pairs = [rich_scenario(rng, pack) for _ in range(40)]
    fast = [evaluate(s, config=c).to_json() for s, c in pairs]
    with patch.object(engine, "release_of", lambda fn: None):
        slow = [evaluate(s, config=c).to_json() for s, c in pairs]
    assert fast == slow
