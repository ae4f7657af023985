"""Contact windows: from the rules' hours and the debtor's inconvenient times."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.rules.engine import EngineConfig, evaluate
from faircollect.rules.model import Scenario
from faircollect.strategy.windows import WindowKey, contact_window, parse_hours

DAY = date(2026, 3, 4)  # Wednesday


def _local(w, key):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    z = ZoneInfo(w.zone)
    return w.start.astimezone(z).time(), w.end.astimezone(z).time()


def test_pack_hours_and_the_creditors_stricter_window() -> None:
    w = contact_window(WindowKey("CN", (), "", ""), DAY)
    assert (w.zone, _local(w, None)) == ("Asia/Shanghai", (time(8), time(22)))
    w = contact_window(WindowKey("CN", ("Asia/Urumqi",), "", "08:30-21:00"), DAY)
    assert (w.zone, _local(w, None)) == ("Asia/Urumqi", (time(8, 30), time(21)))
    w = contact_window(WindowKey("UK", (), "", ""), DAY)
    assert _local(w, None) == (time(8), time(21))
    # no zone known in the US: every principal zone must be within hours (comment 6(b)(1)(i)-2)
    w = contact_window(WindowKey("US", (), "", ""), DAY)
    assert w.zone == "America/New_York"
    assert _local(w, None) == (time(13), time(21))


def test_inconvenient_times_leave_the_longest_free_interval() -> None:
    morning = json.dumps([{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00",
                           "to": "12:00"}])  # fmt: skip
    w = contact_window(WindowKey("UK", (), morning, ""), DAY)
    assert _local(w, None) == (time(12), time(21))
    weekend = json.dumps([{"days": ["sat", "sun"], "from": "09:00", "to": "12:00"}])
    assert _local(contact_window(WindowKey("UK", (), weekend, ""), DAY), None) == (
        time(8),
        time(21),
    )
    all_day = json.dumps([{"from": "00:00", "to": "24:00"}])
    w = contact_window(WindowKey("CN", (), all_day, ""), DAY)
    assert w.start is None and w.end is None


def test_parse_hours() -> None:
    assert parse_hours("08:00-21:00") == (time(8), time(21))
    assert parse_hours("08:00-24:00") == (time(8), time(0))
    assert parse_hours("") is None and parse_hours("soon") is None


_window = st.fixed_dictionaries(
    {
        "from": st.sampled_from(["07:00", "08:30", "11:00", "12:15", "19:45", "21:00"]),
        "to": st.sampled_from(["09:00", "12:00", "13:30", "20:00", "22:00", "24:00"]),
    },
    optional={"days": st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat",
                                                "sun"]), min_size=1, max_size=3, unique=True)},
).filter(lambda w: w["from"] != w["to"])  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    pack=st.sampled_from(["CN", "US", "US-MA", "UK"]),
    zones=st.sampled_from([(), ("Asia/Shanghai",), ("America/Chicago",), ("Europe/London",),
                           ("America/New_York", "America/Los_Angeles")]),
    windows=st.lists(_window, max_size=2),
    hours=st.sampled_from(["", "09:00-20:00"]),
    day=st.dates(date(2026, 1, 1), date(2026, 12, 31)),
)  # fmt: skip
def test_a_window_is_allowed_throughout_and_closed_just_after(
    pack: str, zones: tuple[str, ...], windows: list[dict[str, object]], hours: str, day: date
) -> None:
    incon = json.dumps(windows, sort_keys=True) if windows else ""
    w = contact_window(WindowKey(pack, zones, incon, hours), day)
    if w.start is None:
        return
    assert w.start < w.end
    config = EngineConfig(contact_window=parse_hours(hours))

    def allowed(at):  # type: ignore[no-untyped-def]
        s = Scenario.model_validate(
            {
                "pack": pack,
                "now": at.isoformat(),
                "action": {"channel": "call"},
                "debtor": {"timezones": list(zones), "inconvenient": windows},
            }
        )
        return evaluate(s, config=config).allowed

    step = (w.end - w.start) / 7
    for i in range(7):
        assert allowed(w.start + step * i)
    assert allowed(w.end - timedelta(minutes=1))
    from zoneinfo import ZoneInfo

    local_end = w.end.astimezone(ZoneInfo(w.zone))
    if local_end.date() == day:  # the window ends before midnight: closed at its end
        assert not allowed(w.end)
