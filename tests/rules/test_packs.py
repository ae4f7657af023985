"""CN, US-MA and UK rules from the catalog, US rules beyond the worked examples, and the
boundaries: 08:00:00 / 21:00:00 / 22:00:00, DST changes, several zones, the local calendar."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from faircollect.rules.engine import EngineConfig
from faircollect.rules.model import Decision
from tests.rules.helpers import call, decide, rules

SH = "Asia/Shanghai"
LDN = "Europe/London"
NY = "America/New_York"


def cn(now: str, **kw: Any) -> Decision:
    kw.setdefault("zones", [SH])
    return decide("CN", now, **kw)


def uk(now: str, **kw: Any) -> Decision:
    kw.setdefault("zones", [LDN])
    return decide("UK", now, **kw)


# ---------------------------------------------------------------------------------------------
# boundaries of the contact hours
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        ("2026-03-04T07:59:59-05:00", False),
        ("2026-03-04T08:00:00-05:00", True),
        ("2026-03-04T20:59:59-05:00", True),
        ("2026-03-04T21:00:00-05:00", False),
        ("2026-03-04T23:30:00-05:00", False),
    ],
)
def test_us_hours_boundaries(now: str, allowed: bool) -> None:
    assert decide(now=now).allowed is allowed


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        ("2026-03-04T07:59:59+08:00", False),
        ("2026-03-04T08:00:00+08:00", True),
        ("2026-03-04T21:59:59+08:00", True),
        ("2026-03-04T22:00:00+08:00", False),
    ],
)
def test_cn_quiet_hours_boundaries(now: str, allowed: bool) -> None:
    d = cn(now)
    assert d.allowed is allowed
    if not allowed:
        assert rules(d) == {"CN:quiet-hours"}


def test_cn_quiet_hours_next_allowed_and_creditor_window() -> None:
    d = cn("2026-03-04T22:30:00+08:00")
    assert d.next_allowed_at.isoformat() == "2026-03-05T08:00:00+08:00"
    strict = EngineConfig(contact_window=(time(9, 0), time(21, 0)))
    assert not cn("2026-03-04T21:00:00+08:00", config=strict).allowed
    assert cn("2026-03-04T20:59:00+08:00", config=strict).allowed
    late = cn("2026-03-04T08:30:00+08:00", config=strict)
    assert late.next_allowed_at.isoformat() == "2026-03-04T09:00:00+08:00"
    # a looser creditor window never widens the pack's hours
    loose = EngineConfig(contact_window=(time(6, 0), time(0, 0)))
    assert not cn("2026-03-04T23:00:00+08:00", config=loose).allowed


def test_uk_reasonable_hours_boundaries() -> None:
    assert uk("2026-03-04T08:00:00+00:00").allowed
    assert not uk("2026-03-04T21:00:00+00:00").allowed
    # British Summer Time: 08:00 BST is 07:00 UTC
    assert uk("2026-07-01T07:00:00+00:00").allowed
    assert not uk("2026-07-01T06:59:59+00:00").allowed


def test_dst_spring_forward_new_york() -> None:
    # 2026-03-08: clocks jump from 02:00 to 03:00; 08:00 EDT is 12:00 UTC (not 13:00)
    assert not decide(now="2026-03-08T11:59:59+00:00").allowed
    assert decide(now="2026-03-08T12:00:00+00:00").allowed
    d = decide(now="2026-03-08T01:00:00-05:00")
    assert d.next_allowed_at is not None
    assert d.next_allowed_at.isoformat() == "2026-03-08T08:00:00-04:00"
    # the evening before the change: 21:00 EST
    assert not decide(now="2026-03-07T21:00:00-05:00").allowed


def test_dst_fall_back_new_york() -> None:
    # 2026-11-01: clocks go back from 02:00 to 01:00; 08:00 EST is 13:00 UTC
    assert not decide(now="2026-11-01T12:59:59+00:00").allowed
    assert decide(now="2026-11-01T13:00:00+00:00").allowed
    d = decide(now="2026-11-01T01:30:00-04:00")
    assert d.next_allowed_at is not None
    assert d.next_allowed_at.isoformat() == "2026-11-01T08:00:00-05:00"
    assert not decide(now="2026-11-01T21:00:00-05:00").allowed
    assert decide(now="2026-11-01T20:59:59-05:00").allowed


def test_two_zones_every_zone_must_be_convenient() -> None:
    zones = [NY, "America/Los_Angeles"]
    d = decide(now="2026-03-04T07:00:00-08:00", zones=zones)  # 10:00 New York, 07:00 LA
    assert rules(d) == {"US:inconvenient-time"}
    assert d.next_allowed_at is not None
    assert d.next_allowed_at.isoformat() == "2026-03-04T11:00:00-05:00"


def test_two_zones_new_york_and_london() -> None:
    both = [NY, LDN]
    # 2026-03-10: New York on EDT (UTC-4), London on GMT (UTC+0)
    assert not decide(now="2026-03-10T07:59:00-04:00", zones=both).allowed
    assert decide(now="2026-03-10T08:00:00-04:00", zones=both).allowed  # 12:00 London
    assert decide(now="2026-03-10T16:59:59-04:00", zones=both).allowed  # 20:59:59 London
    assert not decide(now="2026-03-10T17:00:00-04:00", zones=both).allowed  # 21:00 London


def test_seven_day_window_uses_the_debtors_local_calendar() -> None:
    # a call at 23:30 New York time on April 1 is April 2 in UTC; the window that starts on
    # April 2 (local) does not contain it
    hist = [call("2026-04-01T23:30:00-04:00")] + [
        call(f"2026-04-0{d}T10:00:00-04:00") for d in range(2, 8)
    ]
    assert len(hist) == 7
    assert decide(now="2026-04-08T08:00:00-04:00", action={"debt_id": "CC"}, history=hist).allowed
    assert not decide(
        now="2026-04-07T20:00:00-04:00", action={"debt_id": "CC"}, history=hist
    ).allowed
    # for a debtor in Los Angeles the same instant is still April 1 (20:30): same answer
    la = ["America/Los_Angeles"]
    assert decide(
        now="2026-04-08T08:00:00-07:00", action={"debt_id": "CC"}, history=hist, zones=la
    ).allowed
    # in Shanghai the first call falls on April 2 local: the window starting April 2 keeps it
    sh_hist = [call("2026-04-01T23:30:00+08:00")] + [
        call(f"2026-04-0{d}T10:00:00+08:00") for d in range(2, 8)
    ]
    assert decide(
        now="2026-04-08T09:00:00+08:00", action={"debt_id": "CC"}, history=sh_hist, zones=[SH]
    ).allowed


def test_facts_after_now_are_ignored() -> None:
    later = [call("2026-04-08T11:00:00-04:00", "conversation")]
    assert decide(now="2026-04-08T10:00:00-04:00", action={"debt_id": "CC"}, history=later).allowed
    dispute = {"dispute_received_at": "2026-04-09T10:00:00-04:00"}
    assert decide(now="2026-04-08T10:00:00-04:00", debtor=dispute).allowed


# ---------------------------------------------------------------------------------------------
# US beyond the examples
# ---------------------------------------------------------------------------------------------
def test_us_dispute_in_validation_period_until_verification() -> None:
    debt = {"validation_notice_sent_at": "2026-03-02T10:00:00-05:00"}
    disputed = {"dispute_received_at": "2026-03-20T10:00:00-04:00"}
    d = decide(now="2026-03-25T10:00:00-04:00", debtor=disputed, debt=debt)
    assert rules(d) == {"US:dispute"}
    assert d.violations[0].provision == "12 CFR 1006.34, 1006.38"
    assert d.next_allowed_at is None
    for purpose in ("verification", "response", "notice_end"):
        assert decide(
            now="2026-03-25T10:00:00-04:00",
            action={"channel": "letter", "purpose": purpose},
            debtor=disputed,
            debt=debt,
        ).allowed
    # verification sent: collection resumes; sent "later than now" does not count yet
    resumed = {**disputed, "verification_sent_at": "2026-03-24T10:00:00-04:00"}
    assert decide(now="2026-03-25T10:00:00-04:00", debtor=resumed, debt=debt).allowed
    pending = {**disputed, "verification_sent_at": "2026-03-26T10:00:00-04:00"}
    assert not decide(now="2026-03-25T10:00:00-04:00", debtor=pending, debt=debt).allowed


def test_us_validation_period_end_counts_business_days_and_holidays() -> None:
    # sent Fri 2026-05-22; business days skip the weekend and Memorial Day (May 25): May 26,
    # 27, 28, 29, June 1 -> assumed receipt Mon June 1; the period ends 30 days later, July 1
    debt = {"validation_notice_sent_at": "2026-05-22T10:00:00-04:00"}
    inside = {"dispute_received_at": "2026-07-01T20:00:00-04:00"}
    outside = {"dispute_received_at": "2026-07-02T09:00:00-04:00"}
    assert "US:dispute" in rules(decide(now="2026-07-03T10:00:00-04:00", debtor=inside, debt=debt))
    late = decide(now="2026-07-03T10:00:00-04:00", debtor=outside, debt=debt)
    assert "US:dispute" not in rules(late)
    assert late.allowed
    # a dispute outside the period still withholds credit reporting until verified
    cr = decide(
        now="2026-07-03T10:00:00-04:00",
        action={"channel": "credit_report"},
        debtor=outside,
        debt=debt,
        history=[call("2026-06-01T10:00:00-04:00", "conversation")],
    )
    assert rules(cr) == {"US:credit-report-disputed"}


def test_us_time_barred_debt_no_suit_and_no_threat() -> None:
    tb = {"time_barred": True}
    d = decide(action={"channel": "legal"}, debt=tb)
    assert rules(d) == {"US:time-barred-suit"}
    assert d.violations[0].provision == "12 CFR 1006.26(b)"
    assert decide(action={"channel": "legal"}).allowed
    threat = decide(
        action={
            "channel": "letter",
            "content": "This letter is from a debt collector. If you do not pay we will sue you.",
        },
        debt=tb,
    )
    assert "US:time-barred-threat" in rules(threat)


def test_us_holds_for_bankruptcy_and_death() -> None:
    b = decide(debtor={"bankruptcy": True})
    assert rules(b) == {"US:bankruptcy-stay"}
    assert b.violations[0].provision == "11 U.S.C. 362(a)"
    assert b.next_allowed_at is None
    assert decide(
        action={"channel": "letter", "purpose": "notice_end"}, debtor={"bankruptcy": True}
    ).allowed
    dead = decide(action={"channel": "credit_report"}, debtor={"deceased": True})
    assert "US:deceased-hold" in rules(dead)
    assert dead.violations[0].provision.startswith("faircollect policy")


def test_us_third_parties_location_only_once_per_person() -> None:
    demand = decide(action={"party": "emergency_contact", "purpose": "demand"})
    assert rules(demand) == {"US:third-party"}
    assert demand.violations[0].provision == "12 CFR 1006.6(d), 1006.10"
    loc = {"party": "third_party", "purpose": "location", "contact_point": "n1"}
    assert decide(action=loc).allowed
    spoke = call("2026-04-07T10:00:00-04:00", "voicemail", party="third_party", contact_point="n1")
    assert rules(decide(action=loc, history=[spoke])) == {"US:location-once"}
    talked = call(
        "2026-04-07T10:00:00-04:00", "conversation", party="third_party", contact_point="n1"
    )
    # a conversation also starts the 7-day pause for calls to that person (1006.14(b)(2)(i)(B))
    assert rules(decide(action=loc, history=[talked])) == {
        "US:location-once",
        "US:call-after-conversation",
    }
    # unanswered attempts do not use up the one communication; another person is fresh
    rang = call("2026-04-07T10:00:00-04:00", party="third_party", contact_point="n1")
    assert decide(action=loc, history=[rang]).allowed
    assert decide(action={**loc, "contact_point": "n2"}, history=[spoke]).allowed
    # unless the person asked to be called back
    assert decide(action={**loc, "in_response_to_consumer": True}, history=[spoke]).allowed
    # the spouse is "the consumer" for 1006.6 in the US
    assert decide(action={"party": "spouse"}).allowed


def test_us_location_message_never_mentions_the_debt() -> None:
    d = decide(
        action={
            "channel": "sms",
            "party": "third_party",
            "purpose": "location",
            "content": "Please ask John to call us about his overdue loan balance. "
            "Reply STOP to opt out.",
        }
    )
    assert "US:third-party-disclosure" in rules(d)


def test_us_content_findings_map_to_provisions() -> None:
    d = decide(
        action={
            "channel": "letter",
            "content": "This letter is from a debt collector. "
            "Pay today or the police will arrest you.",
        }
    )
    assert "US:false-representation" in rules(d)
    v = next(v for v in d.violations if v.rule == "US:false-representation")
    assert v.provision == "12 CFR 1006.18"
    assert "“" in v.message  # quotes the offending excerpt
    assert d.next_allowed_at is None


def test_us_mini_miranda_required_in_written_messages() -> None:
    d = decide(
        action={"channel": "letter", "content": "Please pay your balance of $120 by Friday."}
    )
    assert "US:mini-miranda" in rules(d)


# ---------------------------------------------------------------------------------------------
# US-MA
# ---------------------------------------------------------------------------------------------
def ma(now: str, **kw: Any) -> Decision:
    return decide("US-MA", now, **kw)


def test_ma_two_calls_or_texts_per_seven_days_to_mobile() -> None:
    hist = [
        call("2026-04-02T10:00:00-04:00", "voicemail", place="mobile"),
        {
            "at": "2026-04-03T10:00:00-04:00",
            "channel": "sms",
            "place": "mobile",
            "outcome": "delivered",
        },
    ]
    d = ma("2026-04-06T10:00:00-04:00", action={"place": "mobile", "debt_id": "CC"}, history=hist)
    assert rules(d) == {"US-MA:call-frequency"}
    assert d.violations[0].provision == "940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)"
    assert d.next_allowed_at.isoformat() == "2026-04-09T08:00:00-04:00"
    # the US rule alone would allow it
    assert decide(
        now="2026-04-06T10:00:00-04:00", action={"place": "mobile", "debt_id": "CC"}, history=hist
    ).allowed
    # unanswered rings and busy signals are not communications
    rings = [
        call(f"2026-04-0{d}T10:00:00-04:00", o, place="mobile")
        for d, o in ((2, "no_answer"), (3, "busy"))
    ]
    assert ma("2026-04-06T10:00:00-04:00", action={"place": "mobile"}, history=rings).allowed


def test_ma_two_per_thirty_days_to_other_numbers_and_most_protective_wins() -> None:
    hist = [
        call("2026-04-01T10:00:00-04:00", "conversation", place="work", debts=["A"]),
        call("2026-04-20T10:00:00-04:00", "voicemail", place="work", debts=["A"]),
    ]
    d = ma("2026-04-25T10:00:00-04:00", action={"place": "work", "debt_id": "A"}, history=hist)
    assert rules(d) == {"US-MA:call-frequency"}
    assert d.next_allowed_at.isoformat() == "2026-05-01T08:00:00-04:00"
    # the residence/mobile limit is separate
    assert ma(
        "2026-04-25T10:00:00-04:00", action={"place": "mobile", "debt_id": "A"}, history=hist
    ).allowed
    both = ma(
        "2026-04-21T10:00:00-04:00",
        action={"place": "work", "debt_id": "A"},
        history=[
            *hist,
            call("2026-04-21T09:00:00-04:00", "conversation", place="work", debts=["A"]),
        ],
    )
    assert rules(both) == {"US-MA:call-frequency", "US:call-after-conversation"}


def test_ma_home_visit_once_per_thirty_days_per_debt_and_no_workplace_visit() -> None:
    visit = {
        "at": "2026-04-01T11:00:00-04:00",
        "channel": "visit",
        "place": "home",
        "debt_ids": ["A"],
        "outcome": "conversation",
    }
    d = ma(
        "2026-04-20T11:00:00-04:00",
        action={"channel": "visit", "place": "home", "debt_id": "A"},
        history=[visit],
    )
    assert rules(d) == {"US-MA:home-visit"}
    assert d.violations[0].provision == "209 CMR 18.17(6)-(7)"
    assert d.next_allowed_at.isoformat() == "2026-05-01T08:00:00-04:00"
    assert ma(
        "2026-04-20T11:00:00-04:00",
        action={"channel": "visit", "place": "home", "debt_id": "B"},
        history=[visit],
    ).allowed
    work = ma(
        "2026-04-20T11:00:00-04:00", action={"channel": "visit", "place": "work", "debt_id": "B"}
    )
    assert rules(work) == {"US-MA:workplace-visit"}
    assert ma(
        "2026-04-20T11:00:00-04:00",
        action={
            "channel": "visit",
            "place": "work",
            "debt_id": "B",
            "in_response_to_consumer": True,
        },
    ).allowed


# ---------------------------------------------------------------------------------------------
# CN
# ---------------------------------------------------------------------------------------------
def test_cn_three_connected_calls_per_day() -> None:
    conv = [
        call(f"2026-03-04T{h:02d}:00:00+08:00", "conversation", debts=["L1"]) for h in (9, 11, 14)
    ]
    d = cn("2026-03-04T16:00:00+08:00", history=conv)
    assert rules(d) == {"CN:daily-connected-calls"}
    assert d.next_allowed_at.isoformat() == "2026-03-05T08:00:00+08:00"
    assert cn("2026-03-04T16:00:00+08:00", history=conv[:2]).allowed
    ai = [{**c, "channel": "ai_voice"} for c in conv]
    assert not cn("2026-03-04T16:00:00+08:00", action={"channel": "ai_voice"}, history=ai).allowed
    # lender and agencies counted together: the history is one, whoever placed the calls
    assert cn("2026-03-04T16:00:00+08:00", action={"channel": "sms"}, history=conv).allowed


def test_cn_six_unanswered_attempts_per_number_per_day() -> None:
    rang = [
        call(f"2026-03-04T{h:02d}:00:00+08:00", "no_answer", contact_point="138")
        for h in range(9, 15)
    ]
    d = cn("2026-03-04T16:00:00+08:00", action={"contact_point": "138"}, history=rang)
    assert rules(d) == {"CN:daily-attempts-per-number"}
    assert d.violations[0].provision == "China Banking Association guideline (2026)"
    assert cn("2026-03-04T16:00:00+08:00", action={"contact_point": "139"}, history=rang).allowed
    assert cn(
        "2026-03-04T16:00:00+08:00", action={"contact_point": "138"}, history=rang[:5]
    ).allowed


def test_cn_third_parties_only_when_unreachable_never_the_debt_stop_after_refusal() -> None:
    loc = {"party": "emergency_contact", "purpose": "location", "contact_point": "mom"}
    d = cn("2026-03-04T10:00:00+08:00", action=loc)
    assert rules(d) == {"CN:third-party-reachable"}
    lost = {"reachable": False}
    assert cn("2026-03-04T10:00:00+08:00", action=loc, debtor=lost).allowed
    demand = cn("2026-03-04T10:00:00+08:00", action={**loc, "purpose": "demand"}, debtor=lost)
    assert rules(demand) == {"CN:third-party-no-collection"}
    refused = call(
        "2026-03-03T10:00:00+08:00", "refused", party="emergency_contact", contact_point="mom"
    )
    r = cn("2026-03-04T10:00:00+08:00", action=loc, debtor=lost, history=[refused])
    assert rules(r) == {"CN:third-party-refused"}
    assert not cn(
        "2026-03-04T10:00:00+08:00", action=loc, debtor={**lost, "contact_refused": True}
    ).allowed
    # the spouse is a third party in China
    assert not cn(
        "2026-03-04T10:00:00+08:00", action={"party": "spouse", "purpose": "location"}
    ).allowed
    tell = cn(
        "2026-03-04T10:00:00+08:00",
        action={
            **loc,
            "channel": "sms",
            "content": "请转告张三，他在我司的借款已逾期，请尽快还款。",
        },
        debtor=lost,
    )
    assert "CN:third-party-disclosure" in rules(tell)


def test_cn_contacts_from_address_book_or_call_log_never_used() -> None:
    cfg = EngineConfig(
        contact_point_sources={"c1": "address_book", "c2": "call_log", "c3": "application"}
    )
    act = {"party": "emergency_contact", "purpose": "location"}
    for cp in ("c1", "c2"):
        d = cn(
            "2026-03-04T10:00:00+08:00",
            action={**act, "contact_point": cp},
            debtor={"reachable": False},
            config=cfg,
        )
        assert rules(d) == {"CN:harvested-contacts"}
        assert (
            d.violations[0].provision
            == "PIPL arts. 5, 6, 13, 28-29; 2021 rule on necessary app data"
        )
    ok = cn(
        "2026-03-04T10:00:00+08:00",
        action={**act, "contact_point": "c3"},
        debtor={"reachable": False},
        config=cfg,
    )
    assert ok.allowed


def test_cn_conduct_in_content() -> None:
    d = cn(
        "2026-03-04T10:00:00+08:00", action={"channel": "sms", "content": "再不还钱就爆你通讯录！"}
    )
    assert rules(d) == {"CN:conduct"}
    assert "Criminal Law art. 293-1" in d.violations[0].provision
    assert d.violations[0].message_zh.startswith("消息含有")


def test_cn_holds_and_preferences() -> None:
    assert rules(cn("2026-03-04T10:00:00+08:00", debtor={"deceased": True})) == {"CN:deceased-hold"}
    assert rules(cn("2026-03-04T10:00:00+08:00", debtor={"channel_opt_outs": ["call"]})) == {
        "CN:channel-opt-out"
    }


# ---------------------------------------------------------------------------------------------
# UK
# ---------------------------------------------------------------------------------------------
def test_uk_standard_breathing_space_sixty_days() -> None:
    bs = {"breathing_space": {"start": "2026-03-01", "kind": "standard"}}
    d = uk("2026-04-29T10:00:00+01:00", debtor=bs)  # day 60
    assert rules(d) == {"UK:breathing-space"}
    assert d.violations[0].provision == "SI 2020/1311 regs 7, 11, 26"
    assert d.next_allowed_at.isoformat() == "2026-04-30T08:00:00+01:00"
    assert uk("2026-04-30T08:00:00+01:00", debtor=bs).allowed
    assert uk("2026-02-28T10:00:00+00:00", debtor=bs).allowed
    # exceptions: at the customer's request, replies, via the debt adviser
    for action in (
        {"channel": "email", "purpose": "response"},
        {"channel": "email", "in_response_to_consumer": True},
        {"channel": "letter", "party": "attorney"},
    ):
        assert uk("2026-03-10T10:00:00+00:00", action=action, debtor=bs).allowed
    assert not uk("2026-03-10T10:00:00+00:00", action={"channel": "legal"}, debtor=bs).allowed


def test_uk_crisis_breathing_space_until_treatment_end_plus_thirty_days() -> None:
    open_ended = {"breathing_space": {"start": "2026-01-01", "kind": "crisis"}}
    assert not uk("2026-09-01T10:00:00+01:00", debtor=open_ended).allowed
    ended = {"breathing_space": {"start": "2026-01-01", "end": "2026-03-01", "kind": "crisis"}}
    assert not uk("2026-03-31T10:00:00+01:00", debtor=ended).allowed
    assert uk("2026-04-01T08:00:00+01:00", debtor=ended).allowed
    d = uk("2026-03-31T10:00:00+01:00", debtor=ended)
    assert d.next_allowed_at.isoformat() == "2026-04-01T08:00:00+01:00"


def test_uk_vulnerable_never_visited_stated_preferences_honoured() -> None:
    v = uk(
        "2026-03-04T10:00:00+00:00",
        action={"channel": "visit", "place": "home"},
        debtor={"vulnerable": True},
    )
    assert rules(v) == {"UK:vulnerable-visit"}
    assert v.violations[0].provision == "CONC 7.2.1R, 7.10"
    assert uk("2026-03-04T10:00:00+00:00", debtor={"vulnerable": True}).allowed
    eve = {"inconvenient": [{"from": "09:00", "to": "12:00"}]}
    assert rules(uk("2026-03-04T10:00:00+00:00", debtor=eve)) == {"UK:stated-times"}
    assert rules(uk("2026-03-04T10:00:00+00:00", debtor={"channel_opt_outs": ["call"]})) == {
        "UK:stated-channels"
    }
    assert rules(
        uk(
            "2026-03-04T10:00:00+00:00",
            action={"place": "home"},
            debtor={"no_contact_places": ["home"]},
        )
    ) == {"UK:stated-places"}
    work = uk("2026-03-04T10:00:00+00:00", action={"channel": "visit", "place": "work"})
    assert rules(work) == {"UK:visit-place"}


def test_uk_third_parties_and_content() -> None:
    assert rules(uk("2026-03-04T10:00:00+00:00", action={"party": "spouse"})) == {"UK:third-party"}
    assert uk(
        "2026-03-04T10:00:00+00:00", action={"party": "spouse", "purpose": "location"}
    ).allowed
    d = uk(
        "2026-03-04T10:00:00+00:00",
        action={
            "channel": "letter",
            "content": "Bailiffs from the court will seize your home tomorrow unless you pay.",
        },
    )
    assert {"UK:misrepresentation", "UK:pressure"} & rules(d)


def test_overnight_inconvenient_window_belongs_to_its_start_day() -> None:
    night = {"inconvenient": [{"days": ["fri"], "from": "19:00", "to": "09:00"}]}
    assert not decide(now="2026-04-10T19:30:00-04:00", debtor=night).allowed  # Friday evening
    assert not decide(now="2026-04-11T08:30:00-04:00", debtor=night).allowed  # Saturday morning
    assert decide(now="2026-04-11T09:00:00-04:00", debtor=night).allowed
    assert decide(now="2026-04-09T19:30:00-04:00", debtor=night).allowed  # Thursday evening
    d = decide(now="2026-04-10T20:00:00-04:00", debtor=night)
    assert d.next_allowed_at is not None
    assert d.next_allowed_at.isoformat() == "2026-04-11T09:00:00-04:00"
