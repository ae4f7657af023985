from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from faircollect import clock


def test_frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRCOLLECT_CLOCK", "2026-03-04T23:30:00-05:00")
    monkeypatch.delenv("FAIRCOLLECT_ENV", raising=False)
    assert clock.now() == datetime(2026, 3, 5, 4, 30, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    assert clock.today() == date(2026, 3, 5)  # 12:30 in Shanghai
    assert clock.today("America/New_York") == date(2026, 3, 4)


def test_frozen_clock_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRCOLLECT_CLOCK", "2026-03-04T10:00:00+08:00")
    monkeypatch.setenv("FAIRCOLLECT_ENV", "Production")
    with pytest.raises(clock.ClockError, match="production"):
        clock.now()
    with pytest.raises(clock.ClockError):
        clock.today()


def test_frozen_clock_must_have_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAIRCOLLECT_ENV", raising=False)
    monkeypatch.setenv("FAIRCOLLECT_CLOCK", "2026-03-04T10:00:00")
    with pytest.raises(clock.ClockError, match="offset"):
        clock.now()
    monkeypatch.setenv("FAIRCOLLECT_CLOCK", "yesterday")
    with pytest.raises(clock.ClockError):
        clock.now()


def test_real_clock_when_not_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAIRCOLLECT_CLOCK", raising=False)
    before = datetime.now(UTC)
    n = clock.now()
    assert before <= n <= datetime.now(UTC)
    assert n.utcoffset() == timedelta(0)


def test_parse_aware_and_ensure_aware() -> None:
    dt = clock.parse_aware("2026-01-01T08:00:00Z")
    assert clock.to_utc(dt) == datetime(2026, 1, 1, 8, tzinfo=UTC)
    with pytest.raises(clock.ClockError):
        clock.parse_aware("2026-01-01T08:00:00")
    with pytest.raises(clock.ClockError):
        clock.ensure_aware(datetime(2026, 1, 1))
    with pytest.raises(clock.ClockError):
        clock.local(datetime(2026, 1, 1), "Asia/Shanghai")


def test_local_date_depends_on_zone() -> None:
    dt = datetime(2026, 1, 1, 17, 0, tzinfo=UTC)
    assert clock.local_date(dt, "Asia/Shanghai") == date(2026, 1, 2)
    assert clock.local_date(dt, "America/Los_Angeles") == date(2026, 1, 1)
    assert clock.local(dt, "Asia/Shanghai").utcoffset() == timedelta(hours=8)


def test_unknown_zone() -> None:
    with pytest.raises(clock.ClockError):
        clock.zone("Mars/Olympus_Mons")
    with pytest.raises(clock.ClockError):
        clock.zone("../etc/passwd")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+8613812345678", ("Asia/Shanghai",)),
        ("13812345678", ("Asia/Shanghai",)),  # default region CN
        ("+12125551234", ("America/New_York",)),
        ("+61 2 9999 9999", ("Australia/Sydney",)),
        ("not a number", ()),
        ("", ()),
    ],
)
def test_zones_for_phone(number: str, expected: tuple[str, ...]) -> None:
    assert clock.zones_for_phone(number) == expected


def test_zones_for_phone_toll_free_spans_many_zones() -> None:
    zones = clock.zones_for_phone("+1 800 555 1234")
    assert {"America/New_York", "America/Los_Angeles", "Pacific/Honolulu"} <= set(zones)
    assert "Etc/Unknown" not in zones


def test_zones_for_phone_default_region() -> None:
    assert clock.zones_for_phone("2125551234", default_region="US") == ("America/New_York",)


# -- at_local across DST --------------------------------------------------------------------
def test_at_local_plain() -> None:
    dt = clock.at_local(date(2026, 3, 29), time(12, 0), "Asia/Shanghai")
    assert dt == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)


def test_at_local_spring_forward_gap_moves_forward() -> None:
    # 2026-03-08 02:30 does not exist in New York (02:00 EST -> 03:00 EDT)
    dt = clock.at_local(date(2026, 3, 8), time(2, 30), "America/New_York")
    assert dt.replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)
    assert dt.utcoffset() == timedelta(hours=-4)
    assert dt == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_at_local_half_hour_gap() -> None:
    # Lord Howe Island springs forward by 30 minutes (02:00 -> 02:30)
    dt = clock.at_local(date(2026, 10, 4), time(2, 15), "Australia/Lord_Howe")
    assert dt.replace(tzinfo=None) == datetime(2026, 10, 4, 2, 45)
    assert dt.utcoffset() == timedelta(hours=11)


def test_at_local_fall_back_fold_takes_first_occurrence() -> None:
    # 2026-11-01 01:30 happens twice in New York: first at EDT (-04:00)
    dt = clock.at_local(date(2026, 11, 1), time(1, 30), "America/New_York")
    assert dt.utcoffset() == timedelta(hours=-4)
    # PEP 495: an ambiguous local time never compares == to another zone's datetime, so
    # compare the UTC instants
    assert dt.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    after = clock.at_local(date(2026, 11, 1), time(2, 30), "America/New_York")
    assert after.utcoffset() == timedelta(hours=-5)


def test_at_local_london_and_fixed_offsets_agree() -> None:
    summer = clock.at_local(date(2026, 7, 1), time(8, 0), "Europe/London")
    assert summer == datetime(2026, 7, 1, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    winter = clock.at_local(date(2026, 1, 1), time(8, 0), "Europe/London")
    assert winter == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
