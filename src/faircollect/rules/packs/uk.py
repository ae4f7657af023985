# ruff: noqa: E501  (bilingual rule texts read better unbroken)
"""UK pack: FCA CONC 7 and the Debt Respite Scheme (breathing space, SI 2020/1311).

Parameters (dated) are in uk.yaml. Plans and forbearance (CONC 7.3) are judged where plans are
made; the contact rules are here.
"""

from __future__ import annotations

from faircollect.rules.pack import Pack, Rule
from faircollect.rules.packs.common import (
    ALL_CHANNELS,
    ALL_PARTIES,
    CN_UK_THIRD,
    COMMUNICATION,
    DEBTOR,
    HOLD_BANKRUPT,
    HOLD_DECEASED,
    NOT_ATTORNEY,
    action,
    breathing_space_in_force,
    debtor,
    hold,
    in_designated_window,
    outside_hours,
    reply_once,
)
from faircollect.rules.packs.content_rules import content_rules
from faircollect.rules.params import Text, load_parameters
from faircollect.rules.vocab import And, Not, Or, contains, eq, one_of

PARAMS = load_parameters("faircollect.rules.packs", "uk.yaml")
T = Text
STATED = "CONC 7.9.4R"

RULES = (
    Rule(
        id="UK:deceased-hold",
        provision="faircollect policy: collection hold (deceased)",
        title=T("Deceased customer: collection hold", "客户身故：停催"),
        message=HOLD_DECEASED,
        when=hold("deceased"),
        channels=ALL_CHANNELS,
        parties=ALL_PARTIES,
        explain=T(
            "faircollect policy (no catalog source): collection stops when the customer has "
            "died; the estate is handled outside the automated flow.",
            "faircollect 政策（规则目录无对应出处）：客户身故后停止催收，遗产事宜在自动流程之外处理。",
        ),
    ),
    Rule(
        id="UK:bankruptcy-hold",
        provision="faircollect policy: collection hold (bankruptcy)",
        title=T("Bankrupt customer: collection hold", "客户破产：停催"),
        message=HOLD_BANKRUPT,
        when=hold("bankruptcy"),
        channels=ALL_CHANNELS,
        parties=ALL_PARTIES,
        explain=T(
            "faircollect policy (no catalog source): collection stops while the customer is "
            "bankrupt or in a formal insolvency procedure.",
            "faircollect 政策（规则目录无对应出处）：客户破产或处于正式破产程序期间停止催收。",
        ),
        rights=T("If you are bankrupt, we stop collection.", "如您已破产，我们将停止催收。"),
    ),
    Rule(
        id="UK:breathing-space",
        provision="SI 2020/1311 regs 7, 11, 26",
        title=T("Breathing space", "喘息期"),
        message=T(
            "The customer is in a breathing space: no contact about the debt except at their "
            "request, through their debt adviser, or to respond.",
            "客户处于喘息期：除应其要求、通过其债务顾问或答复外，不得就债务联系。",
        ),
        when=And(
            breathing_space_in_force(),
            Not(
                Or(
                    one_of(action("purpose"), "response", "notice_end"),
                    action("in_response_to_consumer"),
                    eq(action("party"), "attorney"),
                )
            ),
        ),
        channels=ALL_CHANNELS - {"credit_report"},
        parties=ALL_PARTIES,
        explain=T(
            "During a breathing space (standard: 60 days from the start; mental-health crisis: "
            "until {uk_crisis_extra_days} days after the crisis treatment ends) interest, fees "
            "and enforcement are frozen and there is no contact about the debt, except at the "
            "customer's request, replies (purpose response), a notice that collection ends, or "
            "through the debt adviser (party attorney).",
            "喘息期内（标准：自开始起 60 天；精神健康危机：至危机治疗结束后 {uk_crisis_extra_days} 天）冻结利息、"
            "费用和强制执行，且不得就债务联系，但应客户要求、答复（purpose response）、终止催收通知或通过债务顾问"
            "（party attorney）除外。",
        ),
        rights=T(
            "In a breathing space we do not contact you about the debt unless you ask us to.",
            "喘息期内，除非您要求，我们不会就债务联系您。",
        ),
    ),
    Rule(
        id="UK:reasonable-hours",
        provision=STATED,
        title=T("Reasonable hours", "合理时间"),
        message=T(
            "Outside {contact_start}-{contact_end} local time.",
            "不在当地时间 {contact_start}-{contact_end} 之内。",
        ),
        when=outside_hours(),
        channels=COMMUNICATION,
        parties=NOT_ATTORNEY,
        explain=T(
            "No contact at unreasonable times: {contact_start}-{contact_end} local time "
            "(Europe/London unless the customer may be elsewhere: then in every candidate zone).",
            "不得在不合理时间联系：当地时间 {contact_start}-{contact_end}（默认 Europe/London；客户可能在别处时须在"
            "每个可能时区都满足）。",
        ),
        rights=T(
            "We contact you only between {contact_start} and {contact_end}.",
            "我们只在 {contact_start} 至 {contact_end} 之间联系您。",
        ),
    ),
    Rule(
        id="UK:stated-times",
        provision=STATED,
        title=T("Times the customer asked us to avoid", "客户要求避开的时间"),
        message=T("The customer said this time is not suitable.", "客户已表示此时间不合适。"),
        when=And(in_designated_window(), Not(reply_once(same_slot=True))),
        channels=COMMUNICATION,
        parties=DEBTOR,
        explain=T(
            "Times the customer said are unsuitable are honoured; one reply in the same medium "
            "when the customer contacts us at such a time.",
            "遵守客户表示不合适的时间；客户在该时间主动联系时可通过同一渠道回复一次。",
        ),
        rights=T("Tell us when not to contact you.", "告诉我们何时不要联系您。"),
    ),
    Rule(
        id="UK:stated-places",
        provision=STATED,
        title=T("Places the customer asked us to avoid", "客户要求避开的地点"),
        message=T("The customer said this place is not suitable.", "客户已表示此地点不合适。"),
        when=And(
            contains(debtor("no_contact_places"), action("place")),
            Not(reply_once(same_place=True)),
        ),
        channels=COMMUNICATION,
        parties=DEBTOR,
        explain=T(
            "Places the customer said are unsuitable are honoured.",
            "遵守客户表示不合适的地点。",
        ),
        rights=T("Tell us where not to contact you.", "告诉我们不要在哪里联系您。"),
    ),
    Rule(
        id="UK:stated-channels",
        provision=STATED,
        title=T("Channels the customer asked us not to use", "客户要求不使用的渠道"),
        message=T("The customer asked us not to use this channel.", "客户已要求不使用此渠道。"),
        when=And(
            Or(
                contains(debtor("channel_opt_outs"), action("channel")),
                And(
                    eq(action("channel"), "ai_voice"), contains(debtor("channel_opt_outs"), "call")
                ),
            ),
            Not(reply_once()),
        ),
        channels=COMMUNICATION,
        parties=DEBTOR,
        explain=T(
            "Channels the customer asked us not to use are not used (no calls also means no "
            "automated calls); one reply through a channel the customer used.",
            "不使用客户要求不用的渠道（不打电话也包括自动语音电话）；客户通过某渠道主动联系时可回复一次。",
        ),
        rights=T("Tell us how you want to be contacted.", "告诉我们您希望的联系方式。"),
    ),
    Rule(
        id="UK:vulnerable-visit",
        provision="CONC 7.2.1R, 7.10",
        title=T("No visits to vulnerable customers", "不上门拜访弱势客户"),
        message=T(
            "The customer is known or suspected to be vulnerable: no visit.",
            "已知或怀疑客户处于弱势：不得上门。",
        ),
        when=debtor("vulnerable"),
        channels=frozenset({"visit"}),
        parties=ALL_PARTIES,
        explain=T(
            "A customer known or suspected to be vulnerable is never visited.",
            "对已知或怀疑处于弱势的客户一律不上门拜访。",
        ),
        rights=T(
            "If you are in a vulnerable situation, tell us: we will not visit you.",
            "如您处于弱势处境，请告诉我们：我们不会上门拜访。",
        ),
    ),
    Rule(
        id="UK:visit-place",
        provision="CONC 7.9.12R",
        title=T("No visits at work", "不到工作场所拜访"),
        message=T(
            "A workplace is an inappropriate place for a visit unless the customer asked.",
            "除非客户要求，工作场所不适合拜访。",
        ),
        when=And(eq(action("place"), "work"), Not(action("in_response_to_consumer"))),
        channels=frozenset({"visit"}),
        parties=DEBTOR,
        explain=T(
            "No visit to an inappropriate place: the workplace is one, unless the customer "
            "asked for it.",
            "不得到不适当的地点拜访：工作场所即属此类，除非客户要求。",
        ),
    ),
    Rule(
        id="UK:third-party",
        provision="CONC 7.9.7R-7.9.10R",
        title=T("Third parties: tracing only", "第三方：仅限寻找客户"),
        message=T(
            "The debt may not be discussed with a third party; only tracing the customer is "
            "allowed.",
            "不得与第三方讨论债务；只允许寻找客户。",
        ),
        when=Not(eq(action("purpose"), "location")),
        channels=COMMUNICATION,
        parties=CN_UK_THIRD,
        explain=T(
            "Nothing about the debt is disclosed to a third party (spouses included); they may "
            "only be asked how to reach the customer, after confirming who they are.",
            "不得向第三方（包括配偶）透露债务；核实身份后只能询问如何联系客户。",
        ),
        rights=T("We never discuss your debt with other people.", "我们绝不与他人讨论您的债务。"),
    ),
    *content_rules(
        "UK",
        {
            "UK:misrepresentation": (
                "CONC 7.11",
                T(
                    "The message threatens or misrepresents (authority, arrest, actions that "
                    "cannot be taken).",
                    "消息含有威胁或虚假陈述（冒充权威、逮捕、无法采取的行动）。",
                ),
                frozenset(
                    {
                        "threat",
                        "insult",
                        "obscenity",
                        "impersonation",
                        "arrest_threat",
                        "contact_third_party_threat",
                        "publicise_threat",
                        "time_barred_suit_threat",
                    }
                ),
            ),
            "UK:pressure": (
                "CONC 7.3.4R, 7.3.9R, 7.3.10R",
                T(
                    "The message puts the customer under undue pressure.",
                    "消息对客户施加不当压力。",
                ),
                frozenset({"false_urgency"}),
            ),
            "UK:third-party-disclosure": (
                "CONC 7.9.7R-7.9.10R",
                T("The message discloses the debt to a third party.", "消息向第三方透露了债务。"),
                frozenset({"debt_disclosure"}),
            ),
        },
    ),
)

PACK = Pack(
    id="UK",
    name=T("United Kingdom — FCA CONC 7 and breathing space", "英国 — FCA CONC 7 及喘息期"),
    revision=1,
    default_zones=("Europe/London",),
    params=PARAMS,
    rules=RULES,
    consumer_parties=frozenset({"debtor"}),
)

__all__ = ["PACK", "PARAMS", "RULES"]
