"""The CFPB's official interpretations (Supplement I to part 1006), worked examples reproduced.

Each test names its comment. Dates: 2026 has the same weekdays as the examples (Wednesday
April 1, Thursday August 13, Tuesday October 6, Monday November 9, Monday June 1).

Examples that only describe factors which may REBUT a presumption (comments 14(b)(2)(i)-2,
14(b)(2)(ii)-2) are judgement calls the engine does not make: it applies the presumptions, and
the tests for 14(b)(2)(i)-2.i and 14(b)(2)(ii)-2 say so explicitly.
"""

from __future__ import annotations

from tests.rules.helpers import call, decide, rules

NY = "America/New_York"
LA = "America/Los_Angeles"
DENVER = "America/Denver"
OPT_OUT_SMS = (
    "This message is from a debt collector. Reply STOP to stop texts to this telephone number."
)


# ---------------------------------------------------------------------------------------------
# 6(b)(1) times and places the consumer designated inconvenient
# ---------------------------------------------------------------------------------------------
TUE_THU = {"inconvenient": [{"days": ["tue", "thu"]}]}


def test_comment_6_b_1_1_example_i_tuesdays_and_thursdays() -> None:
    tue = decide(now="2026-04-07T10:00:00-04:00", debtor=TUE_THU)
    assert rules(tue) == {"US:inconvenient-designated"}
    assert tue.violations[0].provision == "12 CFR 1006.6(b)(1)"
    assert decide(now="2026-04-08T10:00:00-04:00", debtor=TUE_THU).allowed  # Wednesday
    assert not decide(now="2026-04-09T19:00:00-04:00", debtor=TUE_THU).allowed  # Thursday
    assert tue.next_allowed_at is not None
    assert tue.next_allowed_at.isoformat() == "2026-04-08T08:00:00-04:00"


WEEKDAYS_3_5 = {
    "inconvenient": [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "15:00", "to": "17:00"},
        {"days": ["sat", "sun"]},
    ]
}


def test_comment_6_b_1_1_example_ii_weekdays_3_to_5_and_weekends() -> None:
    assert not decide(now="2026-04-08T15:30:00-04:00", debtor=WEEKDAYS_3_5).allowed
    assert not decide(now="2026-04-08T15:00:00-04:00", debtor=WEEKDAYS_3_5).allowed
    assert decide(now="2026-04-08T14:59:59-04:00", debtor=WEEKDAYS_3_5).allowed
    assert decide(now="2026-04-08T17:00:00-04:00", debtor=WEEKDAYS_3_5).allowed
    sat = decide(now="2026-04-11T10:00:00-04:00", debtor=WEEKDAYS_3_5)
    assert rules(sat) == {"US:inconvenient-designated"}
    assert sat.next_allowed_at is not None
    assert sat.next_allowed_at.isoformat() == "2026-04-13T08:00:00-04:00"  # Monday
    mid = decide(now="2026-04-08T15:30:00-04:00", debtor=WEEKDAYS_3_5)
    assert mid.next_allowed_at is not None
    assert mid.next_allowed_at.isoformat() == "2026-04-08T17:00:00-04:00"


HOME = {"no_contact_places": ["home"]}


def test_comment_6_b_1_1_example_iii_home_blocks_mail_and_home_landline() -> None:
    letter = decide(action={"channel": "letter", "place": "home"}, debtor=HOME)
    assert rules(letter) == {"US:inconvenient-place"}
    assert letter.violations[0].provision == "12 CFR 1006.6(b)(1)(ii)"
    assert letter.next_allowed_at is None
    assert not decide(action={"channel": "call", "place": "home"}, debtor=HOME).allowed


def test_comment_6_b_1_ii_1_example_i_mobile_and_email_not_tied_to_home() -> None:
    assert decide(action={"channel": "call", "place": "mobile"}, debtor=HOME).allowed
    assert decide(action={"channel": "sms", "place": "mobile"}, debtor=HOME).allowed
    assert decide(action={"channel": "email"}, debtor=HOME).allowed


EMAIL_AT_1530 = {
    "at": "2026-04-08T15:30:00-04:00",
    "channel": "email",
    "initiated_by": "consumer",
    "outcome": "delivered",
}


def test_comment_6_b_1_2_example_i_one_email_reply_in_the_window() -> None:
    reply = {"channel": "email", "in_response_to_consumer": True}
    ok = decide(
        now="2026-04-08T16:00:00-04:00", action=reply, debtor=WEEKDAYS_3_5, history=[EMAIL_AT_1530]
    )
    assert ok.allowed
    # a second reply before 17:00 is not allowed
    sent = {"at": "2026-04-08T15:45:00-04:00", "channel": "email", "outcome": "sent"}
    again = decide(
        now="2026-04-08T16:00:00-04:00",
        action=reply,
        debtor=WEEKDAYS_3_5,
        history=[EMAIL_AT_1530, sent],
    )
    assert rules(again) == {"US:inconvenient-designated"}
    # ... but another consumer email gets its own reply
    second = {**EMAIL_AT_1530, "at": "2026-04-08T15:50:00-04:00"}
    assert decide(
        now="2026-04-08T16:00:00-04:00",
        action=reply,
        debtor=WEEKDAYS_3_5,
        history=[EMAIL_AT_1530, sent, second],
    ).allowed
    # not through another medium, not on a later day's window, not unprompted
    assert not decide(
        now="2026-04-08T16:00:00-04:00",
        action={"channel": "call", "in_response_to_consumer": True},
        debtor=WEEKDAYS_3_5,
        history=[EMAIL_AT_1530],
    ).allowed
    assert not decide(
        now="2026-04-09T15:30:00-04:00", action=reply, debtor=WEEKDAYS_3_5, history=[EMAIL_AT_1530]
    ).allowed
    assert not decide(
        now="2026-04-08T16:00:00-04:00",
        action={"channel": "email"},
        debtor=WEEKDAYS_3_5,
        history=[EMAIL_AT_1530],
    ).allowed


def test_comment_6_b_1_2_example_ii_reply_on_the_home_landline_call() -> None:
    # the consumer calls from the home landline (reaching voicemail, so the reply is a call
    # back: a conversation on the consumer's own call is not an action the engine judges)
    from_home = {
        "at": "2026-04-08T11:00:00-04:00",
        "channel": "call",
        "place": "home",
        "initiated_by": "consumer",
        "outcome": "voicemail",
    }
    reply = {"channel": "call", "place": "home", "in_response_to_consumer": True}
    assert decide(
        now="2026-04-08T11:01:00-04:00", action=reply, debtor=HOME, history=[from_home]
    ).allowed
    # later calls to the home line are prohibited again
    later = decide(
        now="2026-04-09T11:00:00-04:00",
        action={"channel": "call", "place": "home"},
        debtor=HOME,
        history=[
            from_home,
            {
                "at": "2026-04-08T11:05:00-04:00",
                "channel": "call",
                "place": "home",
                "outcome": "conversation",
            },
        ],
    )
    assert rules(later) >= {"US:inconvenient-place"}


FRIDAYS = {"inconvenient": [{"days": ["fri"]}]}
APP_USE = {"at": "2026-04-10T12:00:00-04:00", "channel": "app", "initiated_by": "consumer"}


def test_comment_6_b_1_2_example_iii_website_and_app_use_on_friday() -> None:
    app = {"channel": "app", "in_response_to_consumer": True}
    assert decide(
        now="2026-04-10T12:01:00-04:00", action=app, debtor=FRIDAYS, history=[APP_USE]
    ).allowed
    # once the consumer stops, no further communication that day
    shown = {"at": "2026-04-10T12:02:00-04:00", "channel": "app", "outcome": "delivered"}
    after = decide(
        now="2026-04-10T14:00:00-04:00",
        action={"channel": "app"},
        debtor=FRIDAYS,
        history=[APP_USE, shown],
    )
    assert rules(after) == {"US:inconvenient-designated"}
    # and on later Fridays
    assert not decide(
        now="2026-04-17T10:00:00-04:00", debtor=FRIDAYS, history=[APP_USE, shown]
    ).allowed


def test_comment_6_b_1_2_example_iv_automated_reply_to_an_email_at_8_30_pm_friday() -> None:
    email = {"at": "2026-04-10T20:30:00-04:00", "channel": "email", "initiated_by": "consumer"}
    reply = {"channel": "email", "in_response_to_consumer": True}
    assert decide(
        now="2026-04-10T20:31:00-04:00", action=reply, debtor=FRIDAYS, history=[APP_USE, email]
    ).allowed


# ---------------------------------------------------------------------------------------------
# 6(b)(1)(i) default hours in every candidate zone; electronic messages count when sent
# ---------------------------------------------------------------------------------------------
def test_comment_6_b_1_i_1_email_and_sms_judged_when_sent() -> None:
    sms = {"channel": "sms"}
    assert decide(now="2026-04-08T20:59:59-04:00", action=sms).allowed
    late = decide(now="2026-04-08T21:00:00-04:00", action=sms)
    assert rules(late) == {"US:inconvenient-time"}
    assert late.violations[0].provision == "12 CFR 1006.6(b)(1)(i)"


def test_comment_6_b_1_i_2_example_i_eastern_mobile_pacific_address() -> None:
    zones = [NY, LA]
    assert not decide(now="2026-04-08T10:59:59-04:00", zones=zones).allowed
    assert decide(now="2026-04-08T11:00:00-04:00", zones=zones).allowed
    assert decide(now="2026-04-08T20:59:59-04:00", zones=zones).allowed
    assert not decide(now="2026-04-08T21:00:00-04:00", zones=zones).allowed
    d = decide(now="2026-04-08T09:00:00-04:00", zones=zones)
    assert d.next_allowed_at is not None
    assert d.next_allowed_at.isoformat() == "2026-04-08T11:00:00-04:00"


def test_comment_6_b_1_i_2_example_ii_eastern_mobile_mountain_landline() -> None:
    zones = [NY, DENVER]
    assert not decide(now="2026-04-08T09:59:00-04:00", zones=zones).allowed
    assert decide(now="2026-04-08T10:00:00-04:00", zones=zones).allowed
    assert not decide(now="2026-04-08T21:00:00-04:00", zones=zones).allowed
    d = decide(now="2026-04-08T21:30:00-04:00", zones=zones)
    assert d.next_allowed_at is not None
    assert d.next_allowed_at.isoformat() == "2026-04-09T10:00:00-04:00"


# ---------------------------------------------------------------------------------------------
# 6(b)(2) attorney, 6(b)(3) workplace
# ---------------------------------------------------------------------------------------------
def test_comment_6_b_2_1_consumer_initiated_contact_gets_one_response() -> None:
    rep = {"attorney": True}
    assert rules(decide(debtor=rep)) == {"US:attorney"}
    assert decide(debtor=rep).violations[0].provision == "12 CFR 1006.6(b)(2)"
    called = {
        "at": "2026-04-08T09:00:00-04:00",
        "channel": "call",
        "initiated_by": "consumer",
        "outcome": "voicemail",
    }
    reply = {"channel": "call", "in_response_to_consumer": True}
    assert decide(action=reply, debtor=rep, history=[called]).allowed
    answered = {"at": "2026-04-08T09:30:00-04:00", "channel": "call", "outcome": "conversation"}
    after = decide(
        now="2026-04-08T11:00:00-04:00", action=reply, debtor=rep, history=[called, answered]
    )
    assert "US:attorney" in rules(after)
    assert after.next_allowed_at is None
    # the attorney is the one to talk to; location inquiries to others stop (1006.10(b)(5))
    assert decide(action={"party": "attorney"}, debtor=rep).allowed
    assert "US:third-party-attorney" in rules(
        decide(action={"party": "third_party", "purpose": "location"}, debtor=rep)
    )


def test_comment_6_b_3_1_no_personal_calls_at_work() -> None:
    emp = {"employer_prohibits": True}
    at_work = decide(action={"channel": "call", "place": "work"}, debtor=emp)
    assert rules(at_work) == {"US:workplace"}
    assert at_work.violations[0].provision == "12 CFR 1006.6(b)(3)"
    assert decide(action={"channel": "call", "place": "mobile"}, debtor=emp).allowed
    assert not decide(action={"channel": "visit", "place": "work"}, debtor=emp).allowed
    assert decide(action={"channel": "call", "place": "work"}).allowed  # employer allows


# ---------------------------------------------------------------------------------------------
# 6(c) cease
# ---------------------------------------------------------------------------------------------
def test_comment_6_c_1_1_example_i_notification_complete_on_receipt() -> None:
    cease = {"cease_received_at": "2026-08-06T10:00:00-04:00"}
    email = {"channel": "email"}
    # August 4: the letter is in the mail; not yet received -> not a violation
    assert decide(now="2026-08-04T10:00:00-04:00", action=email, debtor=cease).allowed
    after = decide(now="2026-08-07T10:00:00-04:00", action=email, debtor=cease)
    assert rules(after) == {"US:cease"}
    assert after.violations[0].provision == "12 CFR 1006.6(c)"
    assert after.next_allowed_at is None


def test_comment_6_c_2_exceptions_notice_of_termination_or_remedy() -> None:
    cease = {"cease_received_at": "2026-08-06T10:00:00-04:00"}
    now = "2026-08-07T10:00:00-04:00"
    assert decide(
        now=now, action={"channel": "letter", "purpose": "notice_end"}, debtor=cease
    ).allowed
    assert decide(
        now=now, action={"channel": "letter", "purpose": "remedy_notice"}, debtor=cease
    ).allowed
    assert not decide(
        now=now, action={"channel": "letter", "purpose": "reminder"}, debtor=cease
    ).allowed


# ---------------------------------------------------------------------------------------------
# 6(e) opt-out notice in electronic messages
# ---------------------------------------------------------------------------------------------
def test_comment_6_e_1_example_i_reply_stop_in_a_text() -> None:
    d = decide(action={"channel": "sms", "content": OPT_OUT_SMS})
    assert "US:electronic-opt-out-notice" not in rules(d)
    assert d.allowed


def test_comment_6_e_1_example_ii_hyperlink_to_opt_out_of_emails() -> None:
    text = (
        "This is a communication from a debt collector. "
        "Click here to opt out of further emails to this email address."
    )
    assert "US:electronic-opt-out-notice" not in rules(
        decide(action={"channel": "email", "content": text})
    )


def test_comment_6_e_1_example_iii_reply_stop_in_subject_line() -> None:
    text = (
        "This message is from a debt collector. To opt out of receiving further emails at this "
        "address, reply with the word stop in the subject line."
    )
    assert "US:electronic-opt-out-notice" not in rules(
        decide(action={"channel": "email", "content": text})
    )


def test_comment_6_e_1_text_without_opt_out_is_blocked_template_is_not() -> None:
    d = decide(
        action={
            "channel": "sms",
            "content": "This message is from a debt collector: please call us.",
        }
    )
    assert rules(d) == {"US:electronic-opt-out-notice"}
    assert d.violations[0].provision == "12 CFR 1006.6(e)"
    assert d.next_allowed_at is None
    assert decide(action={"channel": "sms", "content": None}).allowed  # the template adds it


# ---------------------------------------------------------------------------------------------
# 14(b)(2) call frequencies
# ---------------------------------------------------------------------------------------------
APRIL_7_CALLS = [call("2026-04-01T10:00:00-04:00", "voicemail")] + [
    call(f"2026-04-0{d}T10:00:00-04:00") for d in range(2, 8)
]


def test_comment_14_b_2_i_1_example_i_seven_calls_then_wednesday() -> None:
    d = decide(now="2026-04-08T09:00:00-04:00", action={"debt_id": "CC"}, history=APRIL_7_CALLS)
    assert d.allowed
    eighth = decide(
        now="2026-04-07T15:00:00-04:00", action={"debt_id": "CC"}, history=APRIL_7_CALLS
    )
    assert rules(eighth) == {"US:call-frequency"}
    assert eighth.violations[0].provision == "12 CFR 1006.14(b)(2)(i)(A)"
    assert eighth.next_allowed_at is not None
    assert eighth.next_allowed_at.isoformat() == "2026-04-08T08:00:00-04:00"


def test_comment_14_b_2_i_1_example_ii_consumer_initiated_conversation() -> None:
    conv = call("2026-08-13T10:00:00-04:00", "conversation", initiated_by="consumer")
    assert decide(now="2026-08-20T08:00:00-04:00", action={"debt_id": "CC"}, history=[conv]).allowed
    before = decide(now="2026-08-19T20:00:00-04:00", action={"debt_id": "CC"}, history=[conv])
    assert rules(before) == {"US:call-after-conversation"}
    assert before.next_allowed_at is not None
    assert before.next_allowed_at.isoformat() == "2026-08-20T08:00:00-04:00"


def test_comment_14_b_2_i_1_example_iii_third_party_location_calls() -> None:
    tp = {"party": "third_party", "purpose": "location", "contact_point": "friend", "debt_id": "CC"}
    hist = [
        call(
            f"2026-10-{d:02d}T10:00:00-04:00",
            party="third_party",
            contact_point="friend",
            purpose="location",
        )
        for d in range(6, 12)
    ]
    assert decide(now="2026-10-12T10:00:00-04:00", action=tp, history=hist).allowed  # 7th
    hist.append(call("2026-10-12T10:00:00-04:00", party="third_party", contact_point="friend"))
    assert rules(decide(now="2026-10-12T15:00:00-04:00", action=tp, history=hist)) == {
        "US:call-frequency"
    }
    # another person is another count
    other = {**tp, "contact_point": "neighbour"}
    assert decide(now="2026-10-12T15:00:00-04:00", action=other, history=hist).allowed


def test_comment_14_b_2_i_2_example_i_concentrated_calls_keep_the_presumption() -> None:
    # six calls on Friday April 3 after one on April 1: presumed compliant; the concentration
    # is a factor that MAY rebut it, which is a judgement the engine leaves to people.
    hist = [call("2026-04-01T10:00:00-04:00")] + [
        call(f"2026-04-03T{h:02d}:00:00-04:00") for h in range(9, 14)
    ]
    assert decide(now="2026-04-03T15:00:00-04:00", action={"debt_id": "CC"}, history=hist).allowed


def test_comment_14_b_2_i_3_example_i_calls_to_a_wrong_number_do_not_count() -> None:
    wrong = [
        call("2026-04-06T10:00:00-04:00", contact_point="555-0100"),
        call("2026-04-08T10:00:00-04:00", contact_point="555-0100"),
    ]
    mine = [call(f"2026-04-{d:02d}T12:00:00-04:00", contact_point="555-0199") for d in range(3, 9)]
    learned = {
        "at": "2026-04-09T09:00:00-04:00",
        "channel": "call",
        "contact_point": "555-0100",
        "outcome": "wrong_number",
    }
    act = {"debt_id": "CC", "contact_point": "555-0199"}
    # before learning it, the 8 calls in 7 days block the next one
    assert not decide(now="2026-04-08T15:00:00-04:00", action=act, history=wrong + mine).allowed
    # once learned, the calls to that number were not calls to the consumer
    assert decide(
        now="2026-04-09T10:00:00-04:00", action=act, history=[*wrong, *mine, learned]
    ).allowed


def test_comment_14_b_2_ii_1_example_i_eighth_call_presumed_violation() -> None:
    hist = [call("2026-04-01T09:00:00-04:00", "voicemail", debts=["MORTGAGE"])]
    for day in ("02", "03", "06"):
        hist += [call(f"2026-04-{day}T{h:02d}:00:00-04:00", debts=["MORTGAGE"]) for h in (10, 14)]
    # seven calls placed since Wednesday April 1: the example's 8th call, on Tuesday April 7,
    # is the one presumed to violate
    eighth = decide(now="2026-04-07T10:00:00-04:00", action={"debt_id": "MORTGAGE"}, history=hist)
    assert rules(eighth) == {"US:call-frequency"}
    assert eighth.violations[0].provision == "12 CFR 1006.14(b)(2)(i)(A)"
    # on Wednesday April 8 the April 1 call has left the 7-day window
    assert eighth.next_allowed_at is not None
    assert eighth.next_allowed_at.isoformat() == "2026-04-08T08:00:00-04:00"


def test_comment_14_b_2_ii_1_example_i_the_seventh_is_allowed_the_eighth_is_not() -> None:
    # the example's arithmetic: with 7 counted calls, the 8th is the one in excess
    hist = [call("2026-04-01T09:00:00-04:00", "voicemail", debts=["M"])]
    for day in ("02", "03", "06"):
        hist += [call(f"2026-04-{day}T{h:02d}:00:00-04:00", debts=["M"]) for h in (10, 14)]
    assert len(hist) == 7
    six = hist[:-1]
    assert decide(now="2026-04-07T10:00:00-04:00", action={"debt_id": "M"}, history=six).allowed
    assert not decide(
        now="2026-04-07T10:00:00-04:00", action={"debt_id": "M"}, history=hist
    ).allowed


def test_comment_14_b_2_ii_1_example_ii_no_call_before_friday_august_21() -> None:
    hist = [call("2026-08-11T10:00:00-04:00"), call("2026-08-14T10:00:00-04:00", "conversation")]
    before = decide(now="2026-08-20T12:00:00-04:00", action={"debt_id": "CC"}, history=hist)
    assert rules(before) == {"US:call-after-conversation"}
    assert before.violations[0].provision == "12 CFR 1006.14(b)(2)(i)(B)"
    assert before.next_allowed_at is not None
    assert before.next_allowed_at.isoformat() == "2026-08-21T08:00:00-04:00"
    assert decide(now="2026-08-21T08:00:00-04:00", action={"debt_id": "CC"}, history=hist).allowed


def test_comment_14_b_2_ii_2_rebuttal_factors_are_not_decided_by_the_engine() -> None:
    # e.g. a call completing a dropped settlement conversation (-2.iv.A): still presumed a
    # violation here; rebutting it is for a person reviewing the override.
    hist = [call("2026-08-14T10:00:00-04:00", "conversation")]
    assert not decide(
        now="2026-08-14T10:05:00-04:00", action={"debt_id": "CC"}, history=hist
    ).allowed


# ---------------------------------------------------------------------------------------------
# 14(b)(3) exclusions
# ---------------------------------------------------------------------------------------------
def test_comment_14_b_3_i_3_example_i_call_back_on_monday() -> None:
    hist = [call("2026-04-03T10:00:00-04:00", "conversation")]
    consent = {"call_consent_until": "2026-04-06T23:59:59-04:00"}
    assert decide(
        now="2026-04-06T10:00:00-04:00", action={"debt_id": "CC"}, debt=consent, history=hist
    ).allowed
    # without the consent, Monday is within 7 days of Friday's conversation
    assert not decide(
        now="2026-04-06T10:00:00-04:00", action={"debt_id": "CC"}, history=hist
    ).allowed


def test_comment_14_b_3_i_3_example_ii_conversation_ends_the_consent() -> None:
    # consent given Friday April 3; the Monday April 6 conversation ends it (comment
    # 14(b)(3)(i)-2(3)): the recorder stores the end of consent at that conversation.
    hist = [
        call("2026-04-03T10:00:00-04:00", "conversation"),
        call("2026-04-06T10:00:00-04:00", "conversation"),
    ]
    consent = {"call_consent_until": "2026-04-06T10:00:00-04:00"}
    wed = decide(
        now="2026-04-08T10:00:00-04:00", action={"debt_id": "CC"}, debt=consent, history=hist
    )
    assert rules(wed) == {"US:call-after-conversation"}
    assert wed.next_allowed_at is not None
    assert wed.next_allowed_at.isoformat() == "2026-04-13T08:00:00-04:00"


def test_comment_14_b_3_i_3_example_iii_consent_by_email_excludes_eight_calls() -> None:
    hist = [call(f"2026-06-0{d}T10:00:00-04:00") for d in (1, 2, 3)]
    hist += [
        call(f"2026-06-{d:02d}T{h:02d}:00:00-04:00")
        for d in (8, 9, 10)
        for h in (9, 12, 15)
        if (d, h) != (10, 15)
    ]
    assert len(hist) == 11
    consent = {"call_consent_until": "2026-06-10T23:59:59-04:00"}
    # within the consent period, further calls are excluded
    assert decide(
        now="2026-06-10T16:00:00-04:00", action={"debt_id": "CC"}, debt=consent, history=hist
    ).allowed
    # from June 11 calls count again; the eight consented calls do not
    assert decide(
        now="2026-06-11T09:00:00-04:00", action={"debt_id": "CC"}, debt=consent, history=hist
    ).allowed
    # without the consent those eight calls would block
    assert not decide(
        now="2026-06-11T09:00:00-04:00", action={"debt_id": "CC"}, history=hist
    ).allowed


def test_comment_14_b_3_ii_1_unconnected_calls_do_not_count_connected_ones_do() -> None:
    days = range(2, 9)
    unconnected = [
        call(f"2026-04-0{d}T10:00:00-04:00", "busy" if d % 2 else "not_in_service") for d in days
    ]
    assert decide(
        now="2026-04-08T15:00:00-04:00", action={"debt_id": "CC"}, history=unconnected
    ).allowed
    for outcome in ("no_answer", "voicemail"):
        connected = [call(f"2026-04-0{d}T10:00:00-04:00", outcome) for d in days]
        assert not decide(
            now="2026-04-08T15:00:00-04:00", action={"debt_id": "CC"}, history=connected
        ).allowed


def test_comment_14_b_3_iii_calls_to_the_attorney_do_not_count() -> None:
    hist = [call(f"2026-04-0{d}T10:00:00-04:00", party="attorney") for d in range(2, 9)]
    assert decide(now="2026-04-08T15:00:00-04:00", action={"debt_id": "CC"}, history=hist).allowed
    assert decide(
        now="2026-04-08T15:00:00-04:00", action={"debt_id": "CC", "party": "attorney"}, history=hist
    ).allowed


def test_comment_14_b_1_sms_and_email_are_not_calls_consumer_calls_are_not_placed() -> None:
    texts = [
        {
            "at": f"2026-04-0{d}T10:00:00-04:00",
            "channel": "sms",
            "debt_ids": ["CC"],
            "outcome": "sent",
        }
        for d in range(2, 9)
    ]
    theirs = [call(f"2026-04-0{d}T11:00:00-04:00", initiated_by="consumer") for d in range(2, 9)]
    assert decide(
        now="2026-04-08T15:00:00-04:00", action={"debt_id": "CC"}, history=texts + theirs
    ).allowed
    robo = [{**call(f"2026-04-0{d}T10:00:00-04:00"), "channel": "ai_voice"} for d in range(2, 9)]
    assert not decide(
        now="2026-04-08T15:00:00-04:00", action={"debt_id": "CC"}, history=robo
    ).allowed


# ---------------------------------------------------------------------------------------------
# 14(b)(4) particular debt
# ---------------------------------------------------------------------------------------------
def test_comment_14_b_4_2_example_i_seven_unanswered_calls_per_debt() -> None:
    hist = []
    for debt, hour in (("MED", 9), ("A", 12), ("B", 15)):
        hist += [
            call(f"2026-11-{d:02d}T{hour:02d}:00:00-05:00", debts=[debt]) for d in range(9, 16)
        ]
    hist = [h for h in hist if not (h["debt_ids"] == ["B"] and h["at"].startswith("2026-11-15"))]
    now = "2026-11-15T16:00:00-05:00"
    assert decide(now=now, action={"debt_id": "B"}, history=hist).allowed  # B's 7th
    assert rules(decide(now=now, action={"debt_id": "MED"}, history=hist)) == {"US:call-frequency"}


def test_comment_14_b_4_2_example_ii_limited_content_message_counted_to_one_debt() -> None:
    hist = [
        call(f"2026-11-{d:02d}T10:00:00-05:00", "voicemail", debts=["MED"]) for d in range(9, 16)
    ]
    now = "2026-11-15T15:00:00-05:00"
    assert not decide(now=now, action={"debt_id": "MED"}, history=hist).allowed
    assert decide(now=now, action={"debt_id": "CARD"}, history=hist).allowed


def test_comment_14_b_4_2_example_iii_conversation_about_the_medical_debt_only() -> None:
    hist = [call("2026-11-09T10:00:00-05:00", "conversation", debts=["MED"])]
    now = "2026-11-10T10:00:00-05:00"
    assert rules(decide(now=now, action={"debt_id": "MED"}, history=hist)) == {
        "US:call-after-conversation"
    }
    assert decide(now=now, action={"debt_id": "CARD"}, history=hist).allowed


def test_comment_14_b_4_2_example_iv_conversation_about_both_debts() -> None:
    hist = [call("2026-11-09T10:00:00-05:00", "conversation", debts=["MED", "CARD"])]
    now = "2026-11-10T10:00:00-05:00"
    assert not decide(now=now, action={"debt_id": "MED"}, history=hist).allowed
    assert not decide(now=now, action={"debt_id": "CARD"}, history=hist).allowed


def test_comment_14_b_4_2_example_v_general_conversation_counted_to_medical() -> None:
    hist = [call(f"2026-11-{d:02d}T09:00:00-05:00", debts=["MED"]) for d in (9, 10)]
    hist += [
        call(f"2026-11-{d:02d}T{h:02d}:00:00-05:00", debts=["CARD"])
        for d, h in ((9, 12), (10, 12), (11, 12), (11, 15))
    ]
    hist.append(call("2026-11-12T10:00:00-05:00", "conversation", debts=["MED"]))
    now = "2026-11-13T10:00:00-05:00"
    assert not decide(now=now, action={"debt_id": "MED"}, history=hist).allowed
    assert decide(now=now, action={"debt_id": "CARD"}, history=hist).allowed


def test_comment_14_b_4_2_example_vi_consumer_raises_the_credit_card_debt() -> None:
    hist = [call("2026-11-09T10:00:00-05:00", "conversation", debts=["MED", "CARD"])]
    assert "US:call-after-conversation" in rules(
        decide(now="2026-11-12T10:00:00-05:00", action={"debt_id": "CARD"}, history=hist)
    )


def test_comment_14_b_4_2_example_vii_student_loans_under_one_account_number() -> None:
    hist = [call(f"2026-11-{d:02d}T10:00:00-05:00", debts=["SL-ACCT-1"]) for d in range(9, 16)]
    assert not decide(
        now="2026-11-15T15:00:00-05:00", action={"debt_id": "SL-ACCT-1"}, history=hist
    ).allowed
    conv = [call("2026-11-09T10:00:00-05:00", "conversation", debts=["SL-ACCT-1"])]
    assert not decide(
        now="2026-11-12T10:00:00-05:00", action={"debt_id": "SL-ACCT-1"}, history=conv
    ).allowed


def test_unattributed_calls_count_toward_every_debt() -> None:
    hist = [call(f"2026-11-{d:02d}T10:00:00-05:00", debts=[]) for d in range(9, 16)]
    assert not decide(
        now="2026-11-15T15:00:00-05:00", action={"debt_id": "ANY"}, history=hist
    ).allowed


# ---------------------------------------------------------------------------------------------
# 14(h) prohibited media
# ---------------------------------------------------------------------------------------------
def test_comment_14_h_3_example_i_stop_calling_binds_calls_only() -> None:
    stop = {"channel_opt_outs": ["call"]}
    d = decide(debtor=stop)
    assert rules(d) == {"US:media-opt-out"}
    assert d.violations[0].provision == "12 CFR 1006.14(h)"
    assert d.next_allowed_at is None
    assert not decide(action={"channel": "ai_voice"}, debtor=stop).allowed
    assert decide(action={"channel": "sms"}, debtor=stop).allowed
    assert decide(action={"channel": "letter"}, debtor=stop).allowed


def test_comment_14_h_3_example_ii_email_opt_out() -> None:
    stop = {"channel_opt_outs": ["email"]}
    assert not decide(action={"channel": "email"}, debtor=stop).allowed
    assert decide(action={"channel": "call"}, debtor=stop).allowed


def test_comment_14_h_2_ii_consumer_uses_the_medium_one_response() -> None:
    stop = {"channel_opt_outs": ["call"]}
    theirs = {
        "at": "2026-04-08T09:00:00-04:00",
        "channel": "call",
        "initiated_by": "consumer",
        "outcome": "voicemail",
    }
    reply = {"channel": "call", "in_response_to_consumer": True}
    assert decide(action=reply, debtor=stop, history=[theirs]).allowed
    done = {"at": "2026-04-08T09:10:00-04:00", "channel": "call", "outcome": "conversation"}
    assert not decide(action=reply, debtor=stop, history=[theirs, done]).allowed


# ---------------------------------------------------------------------------------------------
# 30(a) passive collection
# ---------------------------------------------------------------------------------------------
CR = {"channel": "credit_report", "debt_id": "CC"}


def letter(at: str, outcome: str = "sent", **kw: object) -> dict[str, object]:
    return {"at": at, "channel": "letter", "debt_ids": ["CC"], "outcome": outcome, **kw}


def test_comment_30_a_1_2_fourteen_consecutive_days_after_mailing() -> None:
    hist = [letter("2026-05-01T10:00:00-04:00")]
    early = decide(now="2026-05-14T12:00:00-04:00", action=CR, history=hist)
    assert rules(early) == {"US:passive-collection"}
    assert early.violations[0].provision == "12 CFR 1006.30(a)"
    assert early.next_allowed_at is not None
    assert early.next_allowed_at.isoformat() == "2026-05-15T00:00:00-04:00"
    assert decide(now="2026-05-15T00:00:00-04:00", action=CR, history=hist).allowed
    assert not decide(now="2026-05-15T10:00:00-04:00", action=CR).allowed  # nothing sent


def test_comment_30_a_1_3_example_i_undeliverable_within_the_period() -> None:
    hist = [letter("2026-05-01T10:00:00-04:00"), letter("2026-05-10T10:00:00-04:00", "bounced")]
    d = decide(now="2026-05-20T10:00:00-04:00", action=CR, history=hist)
    assert rules(d) == {"US:passive-collection"}
    assert d.next_allowed_at is None


def test_comment_30_a_1_3_example_ii_second_notice_mailed_may_11() -> None:
    hist = [
        letter("2026-05-01T10:00:00-04:00"),
        letter("2026-05-10T10:00:00-04:00", "bounced"),
        letter("2026-05-11T10:00:00-04:00"),
    ]
    assert not decide(now="2026-05-24T23:00:00-04:00", action=CR, history=hist).allowed
    assert decide(now="2026-05-25T00:00:00-04:00", action=CR, history=hist).allowed


def test_comment_30_a_1_3_example_iii_bounce_after_the_period() -> None:
    hist = [letter("2026-05-01T10:00:00-04:00"), letter("2026-05-20T10:00:00-04:00", "bounced")]
    assert decide(now="2026-05-21T10:00:00-04:00", action=CR, history=hist).allowed


def test_comment_30_a_1_speaking_with_the_consumer_suffices() -> None:
    hist = [call("2026-05-01T10:00:00-04:00", "conversation")]
    assert decide(now="2026-05-02T10:00:00-04:00", action=CR, history=hist).allowed
    electronic = [
        {
            "at": "2026-05-01T10:00:00-04:00",
            "channel": "email",
            "debt_ids": ["CC"],
            "outcome": "delivered",
        }
    ]
    assert decide(now="2026-05-15T10:00:00-04:00", action=CR, history=electronic).allowed
