# ruff: noqa: E501  (bilingual rule texts read better unbroken)
"""US-MA pack: every US (Regulation F) rule plus the Massachusetts overlay.

When a US rule and an MA rule both apply, both violations are reported (the stricter limit
blocks first). Parameters (dated) are in us.yaml and us_ma.yaml.
"""

from __future__ import annotations

from faircollect.rules.pack import Pack, Rule, merge_params
from faircollect.rules.packs import us
from faircollect.rules.packs.common import DEBTOR, about_action_debt, action
from faircollect.rules.params import Text, load_parameters
from faircollect.rules.vocab import (
    And,
    Count,
    If,
    In,
    IsNull,
    Node,
    Not,
    Or,
    Param,
    days,
    eq,
    ev,
    ge,
    one_of,
)

PARAMS = merge_params(us.PARAMS, load_parameters("faircollect.rules.packs", "us_ma.yaml"))
T = Text
HOME_MOBILE = ("home", "mobile")


def ma_counted(to_home_or_mobile: bool) -> Node:
    """A call or text the collector initiated to the debtor that reached them or their
    voicemail, to a residence/mobile number (or, for `False`, to any other number). An entry
    with no place is counted in both groups."""
    place = ev("place")
    group = one_of(place, *HOME_MOBILE) if to_home_or_mobile else Not(one_of(place, *HOME_MOBILE))
    return And(
        one_of(ev("channel"), "call", "ai_voice", "sms"),
        eq(ev("initiated_by"), "collector"),
        eq(ev("party"), "debtor"),
        # an attempt whose outcome is not recorded yet may have reached them: count it
        Or(IsNull(ev("outcome")), In(ev("outcome"), Param("ma_counted_outcomes"))),
        Or(IsNull(place), group),
    )


MA_RULES = (
    Rule(
        id="US-MA:call-frequency",
        provision="940 CMR 7.04(1)(f); 209 CMR 18.16(1)(d)",
        title=T("Massachusetts: 2 calls or texts per 7 days", "马萨诸塞州：每 7 天 2 次电话或短信"),
        message=T(
            "Massachusetts limit reached: {ma_calls_7d_home_mobile} calls or texts in 7 days to "
            "a residence or mobile number, {ma_calls_30d_other} in 30 days to other numbers.",
            "已达马萨诸塞州上限：7 天内打到住宅或手机号码 {ma_calls_7d_home_mobile} 次，"
            "30 天内打到其他号码 {ma_calls_30d_other} 次。",
        ),
        when=If(
            one_of(action("place"), *HOME_MOBILE),
            ge(Count(ma_counted(True), days(7)), Param("ma_calls_7d_home_mobile")),
            ge(Count(ma_counted(False), days(30)), Param("ma_calls_30d_other")),
        ),
        channels=frozenset({"call", "ai_voice", "sms"}),
        parties=DEBTOR,
        explain=T(
            "At most {ma_calls_7d_home_mobile} collector-initiated calls or texts in 7 days to "
            "the debtor's residence or mobile number and {ma_calls_30d_other} in 30 days to any "
            "other number, all debts together. Counted outcomes: {ma_counted_outcomes} (a "
            "voicemail reached counts; an attempt whose outcome is not yet recorded counts too). An "
            "action with no place is judged by the 30-day limit.",
            "7 天内打到债务人住宅或手机号码的催收电话或短信最多 {ma_calls_7d_home_mobile} 次，30 天内打到其他号码"
            "最多 {ma_calls_30d_other} 次，所有债务合计。计入的结果：{ma_counted_outcomes}（到达语音信箱计入；"
            "尚未记录结果的呼叫也计入）。"
            "未注明地点的动作按 30 天上限判断。",
        ),
        rights=T(
            "In Massachusetts we call or text you at most {ma_calls_7d_home_mobile} times a "
            "week at home or on your mobile.",
            "在马萨诸塞州，我们每周最多往您的住宅或手机打电话或发短信 {ma_calls_7d_home_mobile} 次。",
        ),
    ),
    Rule(
        id="US-MA:home-visit",
        provision="209 CMR 18.17(6)-(7)",
        title=T("Massachusetts: one home visit per 30 days", "马萨诸塞州：每 30 天一次上门"),
        message=T(
            "A home visit about this debt already took place within 30 days.",
            "30 天内已就此债务上门拜访过。",
        ),
        when=And(
            Not(eq(action("place"), "work")),
            ge(
                Count(
                    And(
                        eq(ev("channel"), "visit"),
                        eq(ev("initiated_by"), "collector"),
                        Not(eq(ev("place"), "work")),
                        about_action_debt(),
                    ),
                    days(30),
                ),
                Param("ma_home_visits_30d"),
            ),
        ),
        channels=frozenset({"visit"}),
        parties=DEBTOR,
        explain=T(
            "At most {ma_home_visits_30d} visit to the debtor's home about a debt in 30 days "
            "(a visit with no place is taken as a home visit).",
            "就一笔债务，30 天内最多上门拜访债务人住所 {ma_home_visits_30d} 次（未注明地点的拜访视为上门）。",
        ),
        rights=T(
            "In Massachusetts we visit your home at most once a month about a debt.",
            "在马萨诸塞州，我们就一笔债务每月最多上门一次。",
        ),
    ),
    Rule(
        id="US-MA:workplace-visit",
        provision="209 CMR 18.17(6)-(7)",
        title=T("Massachusetts: no workplace visits", "马萨诸塞州：不得到工作场所拜访"),
        message=T(
            "No visit at the workplace unless the debtor asked for it.",
            "除非债务人要求，不得到其工作场所拜访。",
        ),
        when=And(eq(action("place"), "work"), Not(action("in_response_to_consumer"))),
        channels=frozenset({"visit"}),
        parties=DEBTOR,
        explain=T(
            "Never visit the debtor's workplace unless the debtor requested it "
            "(action.in_response_to_consumer).",
            "除非债务人要求（action.in_response_to_consumer），绝不到其工作场所拜访。",
        ),
        rights=T(
            "In Massachusetts we never visit you at work unless you ask us to.",
            "在马萨诸塞州，除非您要求，我们绝不会到您的工作场所拜访。",
        ),
    ),
)

PACK = Pack(
    id="US-MA",
    name=T(
        "United States — Regulation F with the Massachusetts overlay",
        "美国 — Regulation F 及马萨诸塞州附加规则",
    ),
    revision=2,
    default_zones=("America/New_York",),
    params=PARAMS,
    rules=us.us_rules() + MA_RULES,
    consumer_parties=us.PACK.consumer_parties,
)

__all__ = ["MA_RULES", "PACK", "PARAMS"]
