"""The JSON contract (DESIGN 4.3): validation, defaults, exact decision keys."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from faircollect.rules.engine import evaluate
from faircollect.rules.model import Scenario

BASE: dict[str, Any] = {
    "pack": "US-MA",
    "now": "2026-03-04T14:05:00-05:00",
    "action": {
        "channel": "call",
        "party": "debtor",
        "debt_id": "L1",
        "place": "mobile",
        "purpose": "demand",
        "content": None,
        "in_response_to_consumer": False,
    },
    "debtor": {
        "timezones": ["America/New_York"],
        "inconvenient": [],
        "no_contact_places": [],
        "employer_prohibits": False,
        "attorney": False,
        "cease_received_at": None,
        "channel_opt_outs": [],
        "dispute_received_at": None,
        "verification_sent_at": None,
        "breathing_space": None,
        "vulnerable": False,
        "reachable": True,
        "contact_refused": False,
        "deceased": False,
        "bankruptcy": False,
    },
    "debt": {
        "time_barred": False,
        "first_communication_at": None,
        "validation_notice_sent_at": None,
        "call_consent_until": None,
    },
    "history": [
        {
            "at": "2026-03-02T10:00:00-05:00",
            "channel": "call",
            "party": "debtor",
            "debt_ids": ["L1"],
            "outcome": "no_answer",
            "initiated_by": "collector",
        }
    ],
}


def with_(path: str, value: Any) -> dict[str, Any]:
    d = json.loads(json.dumps(BASE))
    *parents, last = path.split(".")
    node: Any = d
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return d


def locs(d: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as e:
        Scenario.model_validate(d)
    return [tuple(x["loc"]) for x in e.value.errors()]


def test_design_example_parses_and_decides_with_exact_keys() -> None:
    d = evaluate(Scenario.model_validate_json(json.dumps(BASE)))
    out = json.loads(d.to_json())
    assert set(out) == {"allowed", "pack", "pack_version", "violations", "next_allowed_at"}
    assert out["allowed"] is True and out["pack"] == "US-MA"
    assert out["pack_version"] == "US-MA-2021.11.30-2"
    blocked = json.loads(
        evaluate(Scenario.model_validate(with_("debtor.attorney", True))).to_json()
    )
    assert set(blocked["violations"][0]) == {"rule", "provision", "message"}


def test_minimal_scenario_takes_the_defaults() -> None:
    s = Scenario.model_validate(
        {"pack": "CN", "now": "2026-03-04T10:00:00+08:00", "action": {"channel": "sms"}}
    )
    assert s.action.party == "debtor" and s.action.purpose == "demand" and s.action.place is None
    assert s.debtor.reachable is True and s.debtor.timezones == () and s.history == ()
    assert evaluate(s).allowed


@pytest.mark.parametrize(
    ("path", "value", "loc"),
    [
        ("now", "2026-03-04T14:05:00", ("now",)),
        ("now", 1772651100, ("now",)),
        ("debtor.cease_received_at", "2026-03-01T10:00:00", ("debtor", "cease_received_at")),
        ("history.0.at", "2026-03-02 10:00", ("history", 0, "at")),
        ("action.channel", "fax", ("action", "channel")),
        ("action.party", "neighbour", ("action", "party")),
        ("action.place", "car", ("action", "place")),
        ("action.purpose", "threaten", ("action", "purpose")),
        ("history.0.outcome", "hung_up", ("history", 0, "outcome")),
        ("history.0.initiated_by", "robot", ("history", 0, "initiated_by")),
        ("debtor.attorney", "yes", ("debtor", "attorney")),
        ("debtor.timezones", ["Mars/Olympus"], ("debtor", "timezones")),
        (
            "debtor.inconvenient",
            [{"from": "25:00", "to": "26:00"}],
            ("debtor", "inconvenient", 0, "from"),
        ),
        ("debtor.inconvenient", [{"from": "8:00"}], ("debtor", "inconvenient", 0, "from")),
        ("debtor.inconvenient", [{"days": ["monday"]}], ("debtor", "inconvenient", 0, "days", 0)),
        ("debtor.breathing_space", {"start": "2026-13-01"}, ("debtor", "breathing_space", "start")),
        (
            "debtor.breathing_space",
            {"start": "2026-03-01", "kind": "long"},
            ("debtor", "breathing_space", "kind"),
        ),
        ("pack", "FR", ("pack",)),
        ("action.colour", "red", ("action", "colour")),
        ("debtor.nickname", "x", ("debtor", "nickname")),
    ],
)
def test_invalid_input_names_the_field(path: str, value: Any, loc: tuple[Any, ...]) -> None:
    assert loc in locs(with_(path, value))


def test_unknown_top_level_field_and_missing_required() -> None:
    assert ("extra",) in locs({**BASE, "extra": 1})
    d = json.loads(json.dumps(BASE))
    del d["action"]["channel"]
    assert ("action", "channel") in locs(d)


def test_instants_are_utc_and_history_is_time_ordered() -> None:
    d = with_(
        "history",
        [
            {"at": "2026-03-03T10:00:00+08:00", "channel": "sms"},
            {"at": "2026-03-01T10:00:00Z", "channel": "sms"},
        ],
    )
    s = Scenario.model_validate(d)
    assert [e.at.isoformat() for e in s.history] == [
        "2026-03-01T10:00:00+00:00",
        "2026-03-03T02:00:00+00:00",
    ]
    assert s.now.isoformat() == "2026-03-04T19:05:00+00:00"


def test_next_allowed_at_is_rendered_in_the_debtors_first_zone() -> None:
    d = evaluate(Scenario.model_validate(with_("now", "2026-03-05T03:00:00Z")))  # 22:00 New York
    assert json.loads(d.to_json())["next_allowed_at"] == "2026-03-05T08:00:00-05:00"


def test_violation_carries_chinese_text_outside_the_json() -> None:
    d = evaluate(Scenario.model_validate(with_("debtor.attorney", True)))
    assert d.violations[0].message_zh
    assert "message_zh" not in d.to_json()
