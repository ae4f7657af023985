"""Attempts whose outcome is not recorded yet (history outcome null) count conservatively:
the contact gate records an attempt before the call ends, so racing collectors must not slip
past a cap while outcomes are pending."""

from __future__ import annotations

from typing import Any

from faircollect.rules.engine import evaluate
from faircollect.rules.model import Scenario


def scenario(
    pack: str, now: str, zone: str, history: list[dict[str, Any]], place: str = "mobile"
) -> Scenario:
    return Scenario.model_validate(
        {
            "pack": pack,
            "now": now,
            "action": {
                "channel": "call",
                "party": "debtor",
                "debt_id": "L1",
                "place": place,
                "purpose": "demand",
                "contact_point": "cp1",
            },
            "debtor": {"timezones": [zone]},
            "history": history,
        }
    )


def pending_calls(n: int, day: str, offset: str) -> list[dict[str, Any]]:
    return [
        {
            "at": f"{day}T{9 + i:02d}:00:00{offset}",
            "channel": "call",
            "party": "debtor",
            "debt_ids": ["L1"],
            "outcome": None,
            "initiated_by": "collector",
            "contact_point": "cp1",
            "place": "mobile",
        }
        for i in range(n)
    ]


def rules_of(s: Scenario) -> set[str]:
    return {v.rule for v in evaluate(s).violations}


def test_cn_three_pending_calls_fill_the_connected_cap() -> None:
    two = scenario(
        "CN", "2026-03-04T15:00:00+08:00", "Asia/Shanghai", pending_calls(2, "2026-03-04", "+08:00")
    )
    three = scenario(
        "CN", "2026-03-04T15:00:00+08:00", "Asia/Shanghai", pending_calls(3, "2026-03-04", "+08:00")
    )
    assert "CN:daily-connected-calls" not in rules_of(two)
    assert "CN:daily-connected-calls" in rules_of(three)


def test_cn_pending_calls_count_as_unanswered_attempts_per_number() -> None:
    # six pending attempts to the same number: both the connected cap and the per-number cap bind
    s = scenario(
        "CN", "2026-03-04T16:00:00+08:00", "Asia/Shanghai", pending_calls(6, "2026-03-04", "+08:00")
    )
    assert {"CN:daily-connected-calls", "CN:daily-attempts-per-number"} <= rules_of(s)


def test_cn_recorded_no_answer_does_not_count_as_connected() -> None:
    hist = pending_calls(3, "2026-03-04", "+08:00")
    for h in hist:
        h["outcome"] = "no_answer"
    s = scenario("CN", "2026-03-04T15:00:00+08:00", "Asia/Shanghai", hist)
    assert "CN:daily-connected-calls" not in rules_of(s)


def test_ma_pending_calls_count_toward_two_per_seven_days() -> None:
    one = scenario(
        "US-MA",
        "2026-03-04T15:00:00-05:00",
        "America/New_York",
        pending_calls(1, "2026-03-04", "-05:00"),
    )
    two = scenario(
        "US-MA",
        "2026-03-04T15:00:00-05:00",
        "America/New_York",
        pending_calls(2, "2026-03-04", "-05:00"),
    )
    assert "US-MA:call-frequency" not in rules_of(one)
    assert "US-MA:call-frequency" in rules_of(two)
