"""Random scenarios (stdlib `random`, seeded): for the benchmark, for property tests of the
two interpreters, and for load tests. Not used by the engine itself.

The distributions aim at boundaries: times near the contact-hour edges, histories dense
enough that call limits bind, parties and channels across the whole vocabulary.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from faircollect.rules.model import CHANNELS, OUTCOMES, PARTIES, PLACES, PURPOSES, Scenario

__all__ = ["random_scenario", "random_scenario_dict"]

_ZONES = {
    "CN": [["Asia/Shanghai"], ["Asia/Shanghai", "Asia/Urumqi"]],
    "US": [
        ["America/New_York"],
        ["America/New_York", "America/Los_Angeles"],
        ["America/Chicago"],
        ["America/Denver", "America/New_York"],
    ],
    "US-MA": [["America/New_York"], ["America/New_York", "America/Chicago"]],
    "UK": [["Europe/London"], ["Europe/London", "Europe/Dublin"]],
}
_CALLISH = ["call", "call", "call", "ai_voice", "sms", "email", "letter", "visit"]


def _iso(dt: datetime) -> str:
    return dt.isoformat()


def random_scenario_dict(
    rng: random.Random, *, pack: str | None = None, history: int = 50
) -> dict[str, Any]:
    """A JSON-ready scenario (DESIGN 4.3) with `history` entries before `now`."""
    pack = pack or rng.choice(["CN", "US", "US-MA", "UK"])
    base = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=rng.randrange(0, 300))
    now = base + timedelta(minutes=rng.randrange(0, 24 * 60))
    debts = ["L1", "L2", "L3"][: rng.randint(1, 3)]
    points = ["p1", "p2", "p3", "p4"]
    hist: list[dict[str, Any]] = []
    span = rng.choice([3, 7, 14, 30, 60])
    for _ in range(history):
        at = now - timedelta(minutes=rng.randrange(1, span * 24 * 60))
        ch = rng.choice(_CALLISH) if rng.random() < 0.9 else rng.choice(CHANNELS)
        outcome = (
            rng.choice(OUTCOMES)
            if rng.random() < 0.3
            else rng.choice(["no_answer", "voicemail", "conversation", "sent", "delivered"])
        )
        e: dict[str, Any] = {
            "at": _iso(at),
            "channel": ch,
            "party": "debtor" if rng.random() < 0.8 else rng.choice(PARTIES),
            "debt_ids": rng.sample(debts, rng.randint(0, len(debts))),
            "outcome": outcome,
            "initiated_by": "collector" if rng.random() < 0.85 else "consumer",
        }
        if rng.random() < 0.7:
            e["contact_point"] = rng.choice(points)
        if rng.random() < 0.7:
            e["place"] = rng.choice(PLACES)
        if rng.random() < 0.3:
            e["purpose"] = rng.choice(PURPOSES)
        hist.append(e)
    rng.shuffle(hist)
    action: dict[str, Any] = {
        "channel": rng.choice(_CALLISH) if rng.random() < 0.9 else rng.choice(CHANNELS),
        "party": "debtor" if rng.random() < 0.75 else rng.choice(PARTIES),
        "debt_id": rng.choice([*debts, None]),
        "place": rng.choice([*PLACES, None]),
        "purpose": rng.choice(["demand", "reminder"])
        if rng.random() < 0.8
        else rng.choice(PURPOSES),
        "content": None,
        "in_response_to_consumer": rng.random() < 0.1,
        "contact_point": rng.choice([*points, None]),
    }

    def maybe_time(p: float) -> str | None:
        if rng.random() < p:
            return _iso(now + timedelta(hours=rng.randrange(-24 * 40, 24 * 3)))
        return None

    debtor: dict[str, Any] = {
        "timezones": rng.choice(_ZONES[pack]),
        "inconvenient": (
            [
                {
                    "days": rng.sample(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], 2),
                    "from": "12:00",
                    "to": "14:00",
                }
            ]
            if rng.random() < 0.2
            else []
        ),
        "no_contact_places": rng.sample(PLACES, 1) if rng.random() < 0.15 else [],
        "employer_prohibits": rng.random() < 0.1,
        "attorney": rng.random() < 0.05,
        "cease_received_at": maybe_time(0.05),
        "channel_opt_outs": rng.sample(["call", "sms", "email"], 1) if rng.random() < 0.1 else [],
        "dispute_received_at": maybe_time(0.05),
        "verification_sent_at": maybe_time(0.02),
        "breathing_space": (
            {
                "start": (now.date() - timedelta(days=rng.randrange(0, 90))).isoformat(),
                "end": None,
                "kind": rng.choice(["standard", "crisis"]),
            }
            if pack == "UK" and rng.random() < 0.1
            else None
        ),
        "vulnerable": rng.random() < 0.05,
        "reachable": rng.random() < 0.8,
        "contact_refused": rng.random() < 0.05,
        "deceased": rng.random() < 0.01,
        "bankruptcy": rng.random() < 0.01,
    }
    debt = {
        "time_barred": rng.random() < 0.05,
        "first_communication_at": maybe_time(0.5),
        "validation_notice_sent_at": maybe_time(0.5),
        "call_consent_until": maybe_time(0.1),
    }
    return {
        "pack": pack,
        "now": _iso(now),
        "action": action,
        "debtor": debtor,
        "debt": debt,
        "history": hist,
    }


def random_scenario(rng: random.Random, *, pack: str | None = None, history: int = 50) -> Scenario:
    return Scenario.model_validate(random_scenario_dict(rng, pack=pack, history=history))
