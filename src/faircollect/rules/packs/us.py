# ruff: noqa: E501  (bilingual rule texts read better unbroken)
"""US pack: Regulation F (12 CFR part 1006), in force since 2021-11-30.

Each rule fits on a screen: id, provision (as cited in the rule catalog), texts, what it
constrains, and `when` — the condition under which the action is BLOCKED, in the vocabulary of
`faircollect.rules.vocab`. Parameters (dated) are in us.yaml.
"""

from __future__ import annotations

from faircollect.rules.pack import Pack, Rule
from faircollect.rules.packs.common import (
    ALL_CHANNELS,
    ALL_PARTIES,
    CALLS,
    COMMUNICATION,
    DEBTOR,
    ELECTRONIC,
    HOLD_BANKRUPT,
    HOLD_DECEASED,
    NOT_ATTORNEY,
    US_CONSUMER,
    US_THIRD,
    WRITTEN,
    about_action_debt,
    action,
    debt,
    debtor,
    hold,
    in_designated_window,
    outside_hours,
    reply_once,
    same_person,
    validation_period_contains,
)
from faircollect.rules.packs.content_rules import content_rules
from faircollect.rules.params import Text, load_parameters
from faircollect.rules.vocab import (
    And,
    Count,
    IsNull,
    LocalDate,
    Node,
    Not,
    Or,
    Param,
    add_days,
    contains,
    days,
    eq,
    ev,
    exists,
    fact,
    ge,
    is_set,
    le,
    one_of,
    outer,
    today,
)

PARAMS = load_parameters("faircollect.rules.packs", "us.yaml")
T = Text


# -- what counts as a call (1006.14(b)(3), comments 14(b)-1, 14(b)(3)(ii)-1, 14(b)(2)(i)-3) ----
def wrong_number_point() -> Node:
    """The entry's contact point was (by now) found to be a wrong number (comment
    14(b)(2)(i)-3: calls to it were not calls to the person)."""
    return And(
        Not(IsNull(ev("contact_point"))),
        exists(
            And(eq(ev("contact_point"), outer("contact_point")), eq(ev("outcome"), "wrong_number"))
        ),
    )


def consent_covers(at: Node, local_day: Node, party: Node) -> Node:
    """A call placed at `at` to `party` falls within the consumer's prior consent
    (1006.14(b)(3)(i)): at or before `debt.call_consent_until`, to the debtor, and on or after
    the 7th local day before it (the consent lasts at most 7 consecutive days)."""
    until = debt("call_consent_until")
    return And(
        le(at, until),
        eq(party, "debtor"),
        ge(local_day, add_days(LocalDate(until), -6)),
    )


def counted_call() -> Node:
    """A history entry that counts toward the 7-in-7 frequency for the action's person and
    debt: a call the collector placed that connected (not busy / not in service / wrong
    number), not covered by prior consent, to a number not found to be a wrong number."""
    return And(
        one_of(ev("channel"), *CALLS),
        eq(ev("initiated_by"), "collector"),
        Not(one_of(ev("outcome"), "busy", "not_in_service", "wrong_number")),
        same_person(),
        about_action_debt(),
        Not(consent_covers(ev("at"), ev("local_date"), ev("party"))),
        Not(wrong_number_point()),
    )


def conversation_about_debt() -> Node:
    """A telephone conversation with the action's person about the action's debt (whoever
    initiated it; comment 14(b)(4)-1.ii)."""
    return And(
        one_of(ev("channel"), *CALLS),
        eq(ev("outcome"), "conversation"),
        same_person(),
        about_action_debt(),
        Not(wrong_number_point()),
    )


ACTION_CONSENTED = consent_covers(fact("now"), LocalDate(fact("now")), action("party"))

# -- passive collection (1006.30(a)) ----------------------------------------------------------
SPOKE_WITH_CONSUMER = exists(
    And(
        one_of(ev("channel"), "call", "ai_voice", "visit"),
        eq(ev("outcome"), "conversation"),
        eq(ev("party"), "debtor"),
        about_action_debt(),
    )
)
BOUNCED_DURING_WAIT = exists(
    And(
        eq(ev("outcome"), "bounced"),
        eq(ev("channel"), outer("channel")),
        Or(
            IsNull(ev("contact_point")),
            IsNull(outer("contact_point")),
            eq(ev("contact_point"), outer("contact_point")),
        ),
        ge(ev("local_date"), outer("local_date")),
        le(add_days(ev("local_date"), 1), add_days(outer("local_date"), "passive_wait_days")),
    )
)
MESSAGE_WAITED_OUT = exists(
    And(
        one_of(ev("channel"), "letter", "email", "sms", "app", "social"),
        one_of(ev("outcome"), "sent", "delivered"),
        eq(ev("initiated_by"), "collector"),
        eq(ev("party"), "debtor"),
        about_action_debt(),
        le(add_days(ev("local_date"), "passive_wait_days"), today()),
        Not(BOUNCED_DURING_WAIT),
    )
)

DISPUTE_UNRESOLVED = And(
    is_set(debtor("dispute_received_at")), IsNull(debtor("verification_sent_at"))
)


def us_rules() -> tuple[Rule, ...]:
    return (
        Rule(
            id="US:bankruptcy-stay",
            provision="11 U.S.C. 362(a)",
            title=T("Bankruptcy: automatic stay", "破产：自动中止"),
            message=HOLD_BANKRUPT,
            when=hold("bankruptcy"),
            channels=ALL_CHANNELS,
            parties=ALL_PARTIES,
            explain=T(
                "While the debtor is in bankruptcy every act to collect is stayed; only a notice "
                "that collection ends may be sent.",
                "债务人破产期间，一切催收行为自动中止；仅可发送停止催收的通知。",
            ),
            rights=T(
                "If you are in bankruptcy, we stop all collection.",
                "如您处于破产程序中，我们将停止一切催收。",
            ),
        ),
        Rule(
            id="US:deceased-hold",
            provision="faircollect policy: collection hold (deceased)",
            title=T("Deceased debtor: collection hold", "债务人身故：停催"),
            message=HOLD_DECEASED,
            when=hold("deceased"),
            channels=ALL_CHANNELS,
            parties=ALL_PARTIES,
            explain=T(
                "faircollect policy (no catalog source): when the debtor has died, collection "
                "stops; the estate is handled outside the automated flow.",
                "faircollect 政策（规则目录无对应出处）：债务人身故后停止催收，遗产事宜在自动流程之外处理。",
            ),
        ),
        Rule(
            id="US:inconvenient-time",
            provision="12 CFR 1006.6(b)(1)(i)",
            title=T("Convenient hours", "方便联系时段"),
            message=T(
                "Outside {contact_start}-{contact_end} local time in at least one of the "
                "consumer's possible time zones.",
                "在消费者至少一个可能所在时区的当地时间 {contact_start}-{contact_end} 之外。",
            ),
            when=outside_hours(),
            channels=COMMUNICATION,
            parties=US_CONSUMER,
            explain=T(
                "No communication or attempt before {contact_start} or from {contact_end} local "
                "time; when the consumer may be in several zones the time must be convenient in "
                "every one (comment 6(b)(1)(i)-2). E-mail and SMS count when sent.",
                "当地时间 {contact_start} 之前或 {contact_end} 起不得联系或尝试联系；消费者可能位于多个时区时，"
                "须在每个时区都属方便时间（注释 6(b)(1)(i)-2）。电子邮件和短信以发送时间为准。",
            ),
            rights=T(
                "We contact you only between {contact_start} and {contact_end} where you are.",
                "我们只会在您所在地的 {contact_start} 至 {contact_end} 之间联系您。",
            ),
        ),
        Rule(
            id="US:third-party-hours",
            provision="12 CFR 1006.14(a)",
            title=T("Hours for other people", "联系他人的时段"),
            message=T(
                "Outside {contact_start}-{contact_end} local time (the debtor's zones are used "
                "for people contacted about the debtor).",
                "在 {contact_start}-{contact_end} 当地时间之外（联系他人时按债务人所在时区计算）。",
            ),
            when=outside_hours(),
            channels=COMMUNICATION,
            parties=US_THIRD,
            explain=T(
                "Calling or messaging other people at night is harassing (1006.14(a)); the "
                "consumer's convenient hours are applied to them too.",
                "夜间联系他人属于骚扰（1006.14(a)）；对他人同样适用消费者的方便时段。",
            ),
        ),
        Rule(
            id="US:inconvenient-designated",
            provision="12 CFR 1006.6(b)(1)",
            title=T("Times the consumer called inconvenient", "消费者指定的不便时间"),
            message=T(
                "The consumer said this time is inconvenient.",
                "消费者已表示此时间不方便。",
            ),
            when=And(in_designated_window(), Not(reply_once(same_slot=True))),
            channels=COMMUNICATION,
            parties=DEBTOR,
            explain=T(
                "Times the consumer called inconvenient (read in their first time zone) are "
                "binding. If the consumer contacts us at such a time, one reply through the "
                "same medium in that same window is allowed (comment 6(b)(1)-2).",
                "消费者指定的不便时间（按其第一个时区）具有约束力。消费者在该时间主动联系时，"
                "可在同一时段内通过同一渠道回复一次（注释 6(b)(1)-2）。",
            ),
            rights=T(
                "Tell us times that are inconvenient for you and we will not contact you then.",
                "告诉我们哪些时间不方便，我们就不会在那些时间联系您。",
            ),
        ),
        Rule(
            id="US:inconvenient-place",
            provision="12 CFR 1006.6(b)(1)(ii)",
            title=T("Places the consumer called inconvenient", "消费者指定的不便地点"),
            message=T(
                "The consumer said this place is inconvenient.",
                "消费者已表示此地点不方便。",
            ),
            when=And(
                contains(debtor("no_contact_places"), action("place")),
                Not(reply_once(same_place=True)),
            ),
            channels=COMMUNICATION,
            parties=DEBTOR,
            explain=T(
                "A place the consumer called inconvenient blocks the media tied to it (home "
                "address, home line); one reply is allowed when the consumer contacts us from "
                "there (comment 6(b)(1)-2.ii).",
                "消费者指定的不便地点会屏蔽与之相关的渠道（家庭住址、住宅电话）；消费者从该处主动联系时可回复一次"
                "（注释 6(b)(1)-2.ii）。",
            ),
            rights=T(
                "Tell us places where you do not want to be contacted (for example home).",
                "告诉我们您不希望被联系的地点（例如家中）。",
            ),
        ),
        Rule(
            id="US:attorney",
            provision="12 CFR 1006.6(b)(2)",
            title=T("Consumer represented by an attorney", "消费者已委托律师"),
            message=T(
                "The consumer is represented by an attorney: contact the attorney instead.",
                "消费者已委托律师：请改为联系其律师。",
            ),
            when=And(debtor("attorney"), Not(reply_once())),
            channels=COMMUNICATION,
            parties=US_CONSUMER,
            explain=T(
                "Once we know the consumer has an attorney for the debt we deal with the "
                "attorney; a consumer-initiated contact may be answered once (comment "
                "6(b)(2)-1).",
                "得知消费者已就该债务委托律师后，我们只与律师沟通；消费者主动联系时可回复一次（注释 6(b)(2)-1）。",
            ),
            rights=T(
                "If you have a lawyer for this debt, we talk to your lawyer, not to you.",
                "如您已就此债务委托律师，我们将与您的律师沟通，而不是直接联系您。",
            ),
        ),
        Rule(
            id="US:workplace",
            provision="12 CFR 1006.6(b)(3)",
            title=T("Workplace contact prohibited by the employer", "雇主禁止在工作场所联系"),
            message=T(
                "The consumer's employer prohibits such contact at work.",
                "消费者的雇主禁止在工作场所接受此类联系。",
            ),
            when=And(
                debtor("employer_prohibits"),
                eq(action("place"), "work"),
                Not(reply_once(same_place=True)),
            ),
            channels=COMMUNICATION,
            parties=DEBTOR,
            explain=T(
                "No contact at the place of employment when the employer prohibits it (the "
                "consumer's word suffices, comment 6(b)(3)-1).",
                "雇主禁止时，不得在工作场所联系（消费者本人的说明即足够，注释 6(b)(3)-1）。",
            ),
            rights=T(
                "If your employer does not allow such calls at work, tell us and we stop.",
                "如您的雇主不允许在工作时接听此类电话，告诉我们，我们即会停止。",
            ),
        ),
        Rule(
            id="US:cease",
            provision="12 CFR 1006.6(c)",
            title=T("Refusal to pay or cease request", "拒绝付款或要求停止联系"),
            message=T(
                "The consumer asked us to stop: only a notice that collection ends or of a "
                "specific remedy may be sent.",
                "消费者已要求停止联系：仅可发送停止催收或拟采取特定补救措施的通知。",
            ),
            when=And(
                is_set(debtor("cease_received_at")),
                Not(one_of(action("purpose"), "notice_end", "remedy_notice")),
            ),
            channels=COMMUNICATION,
            parties=US_CONSUMER,
            explain=T(
                "After receiving the consumer's written or electronic refusal to pay or request "
                "to cease (effective on receipt, comment 6(c)(1)-1), only notices that efforts "
                "end or of a specific remedy are allowed.",
                "收到消费者书面或电子形式的拒付或停止联系请求后（收到即生效，注释 6(c)(1)-1），"
                "仅可发送终止催收或拟采取特定补救措施的通知。",
            ),
            rights=T(
                "Ask us in writing to stop contacting you and we will stop (except to tell you "
                "what happens next).",
                "书面要求我们停止联系，我们即会停止（仅会告知后续安排）。",
            ),
        ),
        Rule(
            id="US:media-opt-out",
            provision="12 CFR 1006.14(h)",
            title=T("Media the consumer opted out of", "消费者拒绝的联系方式"),
            message=T(
                "The consumer asked us not to use this medium.",
                "消费者已要求不使用此联系方式。",
            ),
            when=And(
                Or(
                    contains(debtor("channel_opt_outs"), action("channel")),
                    And(
                        eq(action("channel"), "ai_voice"),
                        contains(debtor("channel_opt_outs"), "call"),
                    ),
                ),
                Not(reply_once()),
            ),
            channels=COMMUNICATION,
            parties=DEBTOR,
            explain=T(
                'A request not to use a medium binds that medium only ("stop calling" stops '
                "calls, including automated calls); if the consumer then contacts us through "
                "it, one reply through it is allowed (1006.14(h)(2)(ii)).",
                "要求不使用某种方式只约束该方式（“别再打电话”即停止电话，包括自动语音电话）；"
                "消费者此后通过该方式主动联系时，可通过该方式回复一次（1006.14(h)(2)(ii)）。",
            ),
            rights=T(
                "Tell us not to call, text or e-mail you and we stop using that channel.",
                "告诉我们不要打电话、发短信或发邮件，我们即停止使用该渠道。",
            ),
        ),
        Rule(
            id="US:electronic-opt-out-notice",
            provision="12 CFR 1006.6(e)",
            title=T("Opt-out instructions in electronic messages", "电子消息须含退订说明"),
            message=T(
                'The message does not tell the consumer how to opt out (e.g. "Reply STOP").',
                "消息中没有告知消费者如何退订（例如“回复 STOP”）。",
            ),
            when=And(action("has_content"), eq(fact("content.has_opt_out"), False)),
            channels=ELECTRONIC,
            parties=US_CONSUMER,
            explain=T(
                "Every e-mail, text, app or social message carries a clear, free way to opt out "
                "of further messages to that address (comment 6(e)-1). A message without "
                "content is sent from a template that adds the line.",
                "每封电子邮件、短信、应用或社交消息都须包含清晰、免费的退订方式（注释 6(e)-1）。"
                "未提供正文的消息使用会自动添加该说明的模板。",
            ),
            rights=T(
                "Every text or e-mail tells you how to stop them, for free.",
                "每条短信或邮件都会告诉您如何免费退订。",
            ),
        ),
        Rule(
            id="US:mini-miranda",
            provision="12 CFR 1006.18",
            title=T("Debt-collector disclosure in written messages", "书面消息须表明催收身份"),
            message=T(
                "The message does not say that it is from a debt collector.",
                "消息未表明其来自债务催收方。",
            ),
            when=And(action("has_content"), eq(fact("content.has_mini_miranda"), False)),
            channels=WRITTEN,
            parties=US_CONSUMER,
            explain=T(
                "Every written or electronic communication with the consumer discloses that it "
                "is from a debt collector (1006.18(e)); the initial one also that information "
                "obtained will be used to collect the debt. Template messages (no content) add "
                "it.",
                "与消费者的每一次书面或电子沟通都须表明来自债务催收方（1006.18(e)）；首次沟通还须说明所获信息"
                "将用于催收。模板消息（无正文）会自动添加。",
            ),
            rights=T(
                "Every letter or message from us says that it comes from a debt collector.",
                "我们的每封信件或消息都会表明来自债务催收方。",
            ),
        ),
        Rule(
            id="US:third-party",
            provision="12 CFR 1006.6(d), 1006.10",
            title=T("Other people: location information only", "他人：仅限获取位置信息"),
            message=T(
                "The debt may not be discussed with this person; only a location inquiry is "
                "allowed.",
                "不得与此人讨论债务；仅允许询问位置信息。",
            ),
            when=Not(eq(action("purpose"), "location")),
            channels=COMMUNICATION,
            parties=US_THIRD,
            explain=T(
                "The debt is discussed only with the consumer (and spouse), their attorney, "
                "credit bureaus and the creditor; anyone else may only be asked for location "
                "information, never told about the debt.",
                "只与消费者（及其配偶）、其律师、征信机构和债权人讨论债务；对其他人只能询问位置信息，"
                "不得透露债务。",
            ),
            rights=T(
                "We never tell your family, friends or employer about your debt.",
                "我们绝不会向您的家人、朋友或雇主透露您的债务。",
            ),
        ),
        Rule(
            id="US:location-once",
            provision="12 CFR 1006.6(d), 1006.10",
            title=T("Location inquiries: once per person", "位置询问：每人一次"),
            message=T(
                "This person was already contacted for location information.",
                "已就位置信息联系过此人。",
            ),
            when=And(
                exists(
                    And(
                        same_person(),
                        eq(ev("initiated_by"), "collector"),
                        one_of(ev("outcome"), "conversation", "voicemail", "sent", "delivered"),
                    )
                ),
                Not(action("in_response_to_consumer")),
            ),
            channels=COMMUNICATION,
            parties=US_THIRD,
            explain=T(
                "A person other than the consumer is contacted for location information only "
                "once, unless that person asks us to (1006.10(c)); unanswered attempts do not "
                "use up the one communication.",
                "对消费者以外的人，就位置信息只联系一次，除非对方要求（1006.10(c)）；未接通的尝试不计入。",
            ),
        ),
        Rule(
            id="US:third-party-attorney",
            provision="12 CFR 1006.6(d), 1006.10",
            title=T(
                "No location inquiries once an attorney is known", "已知律师后不得向他人询问位置"
            ),
            message=T(
                "The consumer is represented by an attorney: contact only the attorney.",
                "消费者已委托律师：只能联系律师。",
            ),
            when=debtor("attorney"),
            channels=COMMUNICATION,
            parties=US_THIRD,
            explain=T(
                "Once the consumer's attorney is known, location inquiries go to nobody but "
                "the attorney (1006.10(b)(5)).",
                "得知消费者的律师后，不得再向律师以外的任何人询问位置（1006.10(b)(5)）。",
            ),
        ),
        Rule(
            id="US:call-frequency",
            provision="12 CFR 1006.14(b)(2)(i)(A)",
            title=T(
                "At most {call_max_7d} calls in 7 days per debt",
                "每笔债务 7 天内最多 {call_max_7d} 次电话",
            ),
            message=T(
                "{call_max_7d} calls about this debt were already placed to this person within "
                "7 consecutive days.",
                "7 个连续日内已就此债务向此人拨打 {call_max_7d} 次电话。",
            ),
            when=And(
                Not(ACTION_CONSENTED),
                ge(Count(counted_call(), days(7)), Param("call_max_7d")),
            ),
            channels=CALLS,
            parties=NOT_ATTORNEY,
            explain=T(
                "More than {call_max_7d} calls to a person about a particular debt within 7 "
                "consecutive days (the debtor's local calendar) is presumed harassment. Counted: "
                "rung-no-answer, voicemail, conversation, answered-then-dropped, automated "
                "calls. Not counted: busy, not in service, calls covered by the consumer's prior "
                "consent (at most 7 days, debt.call_consent_until), calls to a number later "
                "found to be a wrong number, calls the consumer made, calls to attorneys. A call "
                "naming no debt counts toward every debt; student loans under one account "
                "number share one debt_id.",
                "7 个连续日（债务人当地日历）内就某笔特定债务向同一人拨打超过 {call_max_7d} 次电话，推定为骚扰。"
                "计入：响铃未接、语音信箱、通话、接通后掉线、自动语音电话。不计入：忙音、空号、消费者事先同意期间"
                "（最长 7 天，debt.call_consent_until）的电话、事后查明为错号的号码、消费者拨入的电话、打给律师的电话。"
                "未指明债务的电话计入每一笔债务；同一账号下的学生贷款共用一个 debt_id。",
            ),
            rights=T(
                "We call you at most {call_max_7d} times in 7 days about a debt.",
                "就一笔债务，我们 7 天内最多给您打 {call_max_7d} 次电话。",
            ),
        ),
        Rule(
            id="US:call-after-conversation",
            provision="12 CFR 1006.14(b)(2)(i)(B)",
            title=T("No call within 7 days after a conversation", "通话后 7 天内不再来电"),
            message=T(
                "A telephone conversation about this debt took place within the last "
                "{conversation_days} days (that day counted as day 1).",
                "过去 {conversation_days} 天内（通话当日为第 1 天）已就此债务进行过电话交谈。",
            ),
            when=And(
                Not(ACTION_CONSENTED),
                exists(conversation_about_debt(), days("conversation_days")),
            ),
            channels=CALLS,
            parties=NOT_ATTORNEY,
            explain=T(
                "After a telephone conversation about a debt (whoever called), no call about "
                "that debt until day {conversation_days} + 1: the conversation day is day 1 "
                "(1006.14(b)(2)(i)(B)). A conversation counts for every debt discussed.",
                "就某笔债务进行电话交谈后（无论谁拨打），直到第 {conversation_days}+1 天前不得再就该债务来电："
                "交谈当日为第 1 天（1006.14(b)(2)(i)(B)）。交谈计入所讨论的每一笔债务。",
            ),
            rights=T(
                "After we talk on the phone about a debt, we do not call you about it again "
                "for a week.",
                "就某笔债务与您通话后，一周内我们不会再为此给您打电话。",
            ),
        ),
        Rule(
            id="US:dispute",
            provision="12 CFR 1006.34, 1006.38",
            title=T("Dispute in the validation period", "验证期内的异议"),
            message=T(
                "The consumer disputed the debt within the validation period: collection stops "
                "until verification is sent.",
                "消费者在验证期内对债务提出异议：寄出核实材料前暂停催收。",
            ),
            when=And(
                DISPUTE_UNRESOLVED,
                validation_period_contains(debtor("dispute_received_at")),
                Not(one_of(action("purpose"), "verification", "response", "notice_end")),
            ),
            channels=ALL_CHANNELS,
            parties=ALL_PARTIES,
            explain=T(
                "A dispute received in the validation period (from the validation notice, or "
                "the first communication when no notice was sent, until 30 days after receipt, "
                "assumed {us_receipt_business_days} business days after sending) stops "
                "collection until verification is sent; verification, responses and a notice "
                "that collection ends remain allowed. With no known start the dispute is "
                "honoured.",
                "在验证期内（自验证通知寄出，未寄通知时自首次沟通起，至收到后 30 天；假定寄出后 "
                "{us_receipt_business_days} 个工作日收到）收到的异议，会使催收暂停至寄出核实材料；"
                "核实材料、答复和终止催收通知仍可发送。无法确定验证期起点时一律尊重异议。",
            ),
            rights=T(
                "Dispute the debt within the validation period and we stop collecting until we "
                "send you verification.",
                "在验证期内提出异议，我们会暂停催收，直至向您寄出核实材料。",
            ),
        ),
        Rule(
            id="US:credit-report-disputed",
            provision="12 CFR 1006.18",
            title=T("No credit reporting of an unresolved dispute", "异议未解决不得报送征信"),
            message=T(
                "The debt is disputed and not yet verified: it is not reported.",
                "债务有异议且尚未核实：不予报送。",
            ),
            when=DISPUTE_UNRESOLVED,
            channels=frozenset({"credit_report"}),
            parties=ALL_PARTIES,
            explain=T(
                "Reporting a disputed debt without the dispute is misleading (1006.18(c)(2)); "
                "faircollect withholds the report until verification is sent.",
                "报送有异议的债务而不注明异议属于误导（1006.18(c)(2)）；faircollect 在寄出核实材料前暂不报送。",
            ),
            rights=T(
                "While your dispute is open we do not report the debt to credit bureaus.",
                "异议处理期间，我们不会向征信机构报送该债务。",
            ),
        ),
        Rule(
            id="US:passive-collection",
            provision="12 CFR 1006.30(a)",
            title=T("No credit reporting before contact", "联系前不得报送征信"),
            message=T(
                "No conversation with the consumer and no message sent at least "
                "{passive_wait_days} days ago without a bounce: the debt may not be reported "
                "yet.",
                "既未与消费者通话，也没有在至少 {passive_wait_days} 天前发送且未被退回的消息：暂不得报送。",
            ),
            when=Not(Or(SPOKE_WITH_CONSUMER, MESSAGE_WAITED_OUT)),
            channels=frozenset({"credit_report"}),
            parties=ALL_PARTIES,
            explain=T(
                "Before furnishing to a credit bureau: speak with the consumer about the debt "
                "(in person or by telephone), or send a letter or electronic message and wait "
                "{passive_wait_days} consecutive days (the sending day is day 1) without a "
                "notice of undeliverability on that channel (comments 30(a)(1)-2, -3).",
                "向征信机构报送前：须与消费者就债务当面或电话交谈，或寄出信件/电子消息并等待 {passive_wait_days} "
                "个连续日（发送当日为第 1 天）且该渠道未收到退信通知（注释 30(a)(1)-2、-3）。",
            ),
            rights=T(
                "We never report a debt to a credit bureau before telling you about it.",
                "在告知您之前，我们绝不会把债务报送给征信机构。",
            ),
        ),
        Rule(
            id="US:time-barred-suit",
            provision="12 CFR 1006.26(b)",
            title=T("No suit on a time-barred debt", "不得就超过诉讼时效的债务起诉"),
            message=T(
                "The debt is time-barred: no legal action.",
                "该债务已超过诉讼时效：不得采取法律行动。",
            ),
            when=debt("time_barred"),
            channels=frozenset({"legal"}),
            parties=ALL_PARTIES,
            explain=T(
                "A time-barred debt is never sued on, nor is a suit threatened (content check).",
                "超过诉讼时效的债务不得起诉，也不得以起诉相威胁（内容检查）。",
            ),
            rights=T(
                "We never sue, or threaten to sue, on a debt that is too old to sue on.",
                "对于已超过诉讼时效的债务，我们绝不会起诉或以起诉相威胁。",
            ),
        ),
        *content_rules("US", US_CONTENT),
    )


US_CONTENT: dict[str, tuple[str, Text, frozenset[str]]] = {
    "US:threats": (
        "12 CFR 1006.14(c)",
        T(
            "The message threatens violence or other criminal means.",
            "消息以暴力或其他犯罪手段相威胁。",
        ),
        frozenset({"threat"}),
    ),
    "US:abusive-language": (
        "12 CFR 1006.14(d)",
        T(
            "The message uses obscene, profane or abusive language.",
            "消息使用淫秽、亵渎或辱骂性语言。",
        ),
        frozenset({"insult", "obscenity"}),
    ),
    "US:debtor-list": (
        "12 CFR 1006.14(e)",
        T("The message threatens to publicise the debt.", "消息威胁公开债务。"),
        frozenset({"publicise_threat"}),
    ),
    "US:false-representation": (
        "12 CFR 1006.18",
        T(
            "The message is false or misleading (authority, arrest, false urgency or a threat "
            "to contact others).",
            "消息具有虚假或误导性（冒充权威、逮捕、虚假紧迫或威胁联系他人）。",
        ),
        frozenset(
            {"impersonation", "arrest_threat", "false_urgency", "contact_third_party_threat"}
        ),
    ),
    "US:third-party-disclosure": (
        "12 CFR 1006.6(d), 1006.10",
        T(
            "The message discloses the debt to someone other than the consumer.",
            "消息向消费者以外的人透露了债务。",
        ),
        frozenset({"debt_disclosure"}),
    ),
    "US:time-barred-threat": (
        "12 CFR 1006.26(b)",
        T(
            "The message threatens suit on a time-barred debt.",
            "消息就超过诉讼时效的债务威胁起诉。",
        ),
        frozenset({"time_barred_suit_threat"}),
    ),
}

US_CONTENT_EXPLAIN = Text(
    "Checked by the content lint (faircollect.rules.content) when the action carries text.",
    "当动作带有文字内容时，由内容检查（faircollect.rules.content）检查。",
)

PACK = Pack(
    id="US",
    name=T(
        "United States — Regulation F (12 CFR part 1006)",
        "美国 — Regulation F（12 CFR 第 1006 部分）",
    ),
    revision=1,
    default_zones=(
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
    ),
    params=PARAMS,
    rules=us_rules(),
    consumer_parties=US_CONSUMER,
)

__all__ = ["PACK", "PARAMS", "US_CONTENT", "us_rules"]
