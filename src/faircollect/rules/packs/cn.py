# ruff: noqa: E501  (bilingual rule texts read better unbroken)
"""CN pack: China (NIFA 2024 guideline, national standard 2025, CBA guideline 2026, NIFA
convention 2018, PIPL).

Where the catalog marks a source unverified (the 2018 convention's hour window, article
numbers of the banking rules), documents are cited without article numbers and the values are
configurable defaults. Field-visit recording and management accountability are process duties
outside a contact decision and are not encoded. Parameters (dated) are in cn.yaml.
"""

from __future__ import annotations

from faircollect.rules.pack import Pack, Rule
from faircollect.rules.packs.common import (
    ALL_CHANNELS,
    ALL_PARTIES,
    CALLS,
    CN_UK_THIRD,
    COMMUNICATION,
    DEBTOR,
    HOLD_BANKRUPT,
    HOLD_DECEASED,
    NOT_ATTORNEY,
    action,
    debtor,
    hold,
    in_designated_window,
    outside_hours,
    reply_once,
    same_number,
    same_person,
)
from faircollect.rules.packs.content_rules import content_rules
from faircollect.rules.params import Text, load_parameters
from faircollect.rules.vocab import (
    And,
    Count,
    In,
    IsNull,
    Not,
    Or,
    Param,
    contains,
    days,
    eq,
    ev,
    exists,
    fact,
    ge,
    one_of,
)

PARAMS = load_parameters("faircollect.rules.packs", "cn.yaml")
T = Text
HOURS_SOURCE = (
    "NIFA 互联网金融贷后催收业务指引 (2024-05); national standard on post-loan collection risk "
    "control (2025); China Banking Association guideline (2026)"
)
THIRD_SOURCE = (
    "NIFA 互联网金融贷后催收业务指引 (2024-05); NIFA 公约 (2018); credit-card rules (2011 art. 68; "
    "银保监规〔2022〕13号)"
)
CONDUCT_SOURCE = "NIFA 公约 (2018); 消费金融公司管理办法 (2024); Criminal Law art. 293-1"
PIPL_SOURCE = "PIPL arts. 5, 6, 13, 28-29; 2021 rule on necessary app data"
PREFERENCES = "faircollect policy: borrower contact preferences"

RULES = (
    Rule(
        id="CN:deceased-hold",
        provision="faircollect policy: collection hold (deceased)",
        title=T("Deceased debtor: collection hold", "债务人身故：停催"),
        message=HOLD_DECEASED,
        when=hold("deceased"),
        channels=ALL_CHANNELS,
        parties=ALL_PARTIES,
        explain=T(
            "faircollect policy (no catalog source): collection stops when the debtor has died; "
            "the estate is handled outside the automated flow.",
            "faircollect 政策（规则目录无对应出处）：债务人身故后停止催收，遗产事宜在自动流程之外处理。",
        ),
    ),
    Rule(
        id="CN:bankruptcy-hold",
        provision="faircollect policy: collection hold (bankruptcy)",
        title=T("Bankrupt debtor: collection hold", "债务人破产：停催"),
        message=HOLD_BANKRUPT,
        when=hold("bankruptcy"),
        channels=ALL_CHANNELS,
        parties=ALL_PARTIES,
        explain=T(
            "faircollect policy (no catalog source): collection stops while the debtor is in a "
            "personal bankruptcy or debt-settlement procedure.",
            "faircollect 政策（规则目录无对应出处）：债务人处于个人破产或债务清理程序期间停止催收。",
        ),
        rights=T(
            "If you are in bankruptcy, we stop collection.", "如您处于破产程序中，我们将停止催收。"
        ),
    ),
    Rule(
        id="CN:quiet-hours",
        provision=HOURS_SOURCE,
        title=T(
            "No collection contact {contact_end}-{contact_start}",
            "{contact_end}-{contact_start} 不得催收联系",
        ),
        message=T(
            "Outside {contact_start}-{contact_end} local time.",
            "不在当地时间 {contact_start}-{contact_end} 之内。",
        ),
        when=outside_hours(),
        channels=COMMUNICATION,
        parties=NOT_ATTORNEY,
        explain=T(
            "No collection contact from {contact_end} to {contact_start} local time "
            "(Asia/Shanghai unless the debtor may be elsewhere: then in every candidate zone). A "
            "creditor's stricter window (e.g. 21:00) is passed as engine configuration.",
            "当地时间 {contact_end} 至次日 {contact_start} 不得催收联系（默认 Asia/Shanghai；债务人可能在别处时须在"
            "每个可能时区都满足）。债权人更严格的时段（如 21:00）通过引擎配置传入。",
        ),
        rights=T(
            "We never contact you about a debt between {contact_end} and {contact_start}.",
            "我们绝不会在 {contact_end} 至次日 {contact_start} 之间就债务联系您。",
        ),
    ),
    Rule(
        id="CN:daily-connected-calls",
        provision=HOURS_SOURCE,
        title=T(
            "At most {cn_connected_calls_per_day} connected calls a day",
            "每天最多接通 {cn_connected_calls_per_day} 次",
        ),
        message=T(
            "{cn_connected_calls_per_day} collection calls already connected with the debtor today.",
            "今天已与债务人接通 {cn_connected_calls_per_day} 次催收电话。",
        ),
        when=ge(
            Count(
                And(
                    one_of(ev("channel"), *CALLS),
                    eq(ev("party"), "debtor"),
                    eq(ev("initiated_by"), "collector"),
                    # an attempt whose outcome is not recorded yet may have connected
                    Or(IsNull(ev("outcome")), eq(ev("outcome"), "conversation")),
                ),
                days(1),
            ),
            Param("cn_connected_calls_per_day"),
        ),
        channels=CALLS,
        parties=DEBTOR,
        explain=T(
            "At most {cn_connected_calls_per_day} connected collection calls (including AI "
            "voice) with the debtor per local day, all debts, the lender and its agencies "
            "together. An attempt whose outcome is not yet recorded counts as connected.",
            "每个自然日与债务人接通的催收电话（含智能语音）最多 {cn_connected_calls_per_day} 次，"
            "所有债务、出借方及其委外机构合并计算；尚未记录结果的呼叫按已接通计算。",
        ),
        rights=T(
            "We speak with you by phone at most {cn_connected_calls_per_day} times a day.",
            "我们每天最多与您电话沟通 {cn_connected_calls_per_day} 次。",
        ),
    ),
    Rule(
        id="CN:daily-attempts-per-number",
        provision="China Banking Association guideline (2026)",
        title=T(
            "At most {cn_unanswered_per_number_per_day} unanswered calls a day per number",
            "每个号码每天最多 {cn_unanswered_per_number_per_day} 次未接通",
        ),
        message=T(
            "{cn_unanswered_per_number_per_day} unanswered attempts to this number today.",
            "今天已向该号码拨打 {cn_unanswered_per_number_per_day} 次未接通电话。",
        ),
        when=ge(
            Count(
                And(
                    one_of(ev("channel"), *CALLS),
                    eq(ev("initiated_by"), "collector"),
                    # an attempt whose outcome is not recorded yet may go unanswered
                    Or(IsNull(ev("outcome")), In(ev("outcome"), Param("cn_unanswered_outcomes"))),
                    same_number(),
                ),
                days(1),
            ),
            Param("cn_unanswered_per_number_per_day"),
        ),
        channels=CALLS,
        parties=NOT_ATTORNEY,
        explain=T(
            "At most {cn_unanswered_per_number_per_day} unanswered attempts ({cn_unanswered_outcomes}) "
            "per local day to the same number (contact_point; the same party when none is given). An "
            "attempt whose outcome is not yet recorded counts as unanswered.",
            "每个自然日向同一号码（contact_point；未提供时按同一联系对象）拨打未接通电话（{cn_unanswered_outcomes}）"
            "最多 {cn_unanswered_per_number_per_day} 次；尚未记录结果的呼叫按未接通计算。",
        ),
    ),
    Rule(
        id="CN:third-party-reachable",
        provision=THIRD_SOURCE,
        title=T("Others only when the debtor is unreachable", "仅在联系不上债务人时联系他人"),
        message=T(
            "The debtor is reachable: collect only from the debtor.",
            "债务人可以联系上：只向债务人催收。",
        ),
        when=debtor("reachable"),
        channels=COMMUNICATION,
        parties=CN_UK_THIRD,
        explain=T(
            "Collect only from the debtor (and guarantor); a pre-agreed contact (spouse, "
            "emergency contact, employer, others) is contacted only when the debtor cannot be "
            "reached (debtor.reachable false).",
            "只向债务人（及担保人）催收；仅在联系不上债务人（debtor.reachable 为 false）时才联系事先约定的联系人"
            "（配偶、紧急联系人、雇主及他人）。",
        ),
        rights=T(
            "We contact your family or emergency contact only if we cannot reach you, and never "
            "tell them about your debt.",
            "只有在联系不上您时我们才会联系您的家人或紧急联系人，且绝不向他们透露您的债务。",
        ),
    ),
    Rule(
        id="CN:third-party-no-collection",
        provision=THIRD_SOURCE,
        title=T("Others: locating the debtor only", "他人：仅限寻找债务人"),
        message=T(
            "A third party may only be asked how to reach the debtor, never pressed to pay.",
            "对第三方只能询问如何联系债务人，不得催其还款。",
        ),
        when=Not(eq(action("purpose"), "location")),
        channels=COMMUNICATION,
        parties=CN_UK_THIRD,
        explain=T(
            "A third party is asked only how to reach the debtor; the debt is never disclosed "
            "to them (content check) and they are never asked to pay.",
            "对第三方只询问如何联系债务人；不得向其透露债务（内容检查），也不得要求其还款。",
        ),
    ),
    Rule(
        id="CN:third-party-refused",
        provision=THIRD_SOURCE,
        title=T("Stop when a contact refuses", "联系人拒绝即停止"),
        message=T("This contact refused to be contacted.", "该联系人已拒绝被联系。"),
        when=Or(
            debtor("contact_refused"),
            exists(And(same_person(), eq(ev("outcome"), "refused"))),
        ),
        channels=COMMUNICATION,
        parties=CN_UK_THIRD,
        explain=T(
            "A third party who refused (debtor.contact_refused, or a history entry with outcome "
            "refused from the same person) is not contacted again.",
            "第三方拒绝后（debtor.contact_refused，或同一人的历史记录结果为 refused）不再联系。",
        ),
    ),
    Rule(
        id="CN:harvested-contacts",
        provision=PIPL_SOURCE,
        title=T(
            "No contacts harvested from address books or call logs",
            "不得使用从通讯录或通话记录获取的联系人",
        ),
        message=T(
            "This contact point was taken from the debtor's address book or call log.",
            "该联系方式取自债务人的通讯录或通话记录。",
        ),
        when=one_of(fact("config.contact_point_source"), "address_book", "call_log"),
        channels=COMMUNICATION,
        parties=ALL_PARTIES,
        explain=T(
            "Personal information is limited to the minimum necessary: a contact point whose "
            "source (engine configuration contact_point_sources, from the contact-point "
            "records) is the address book or the call log is never used.",
            "个人信息以最小必要为限：来源（引擎配置 contact_point_sources，取自联系方式记录）为通讯录或通话记录的"
            "联系方式一律不得使用。",
        ),
        rights=T(
            "We never use contacts taken from your phone's address book or call log.",
            "我们绝不会使用从您手机通讯录或通话记录中获取的联系人。",
        ),
    ),
    Rule(
        id="CN:designated-times",
        provision=PREFERENCES,
        title=T("Times the borrower asked us to avoid", "借款人要求避开的时间"),
        message=T(
            "The borrower asked not to be contacted at this time.", "借款人要求此时间不被联系。"
        ),
        when=And(in_designated_window(), Not(reply_once(same_slot=True))),
        channels=COMMUNICATION,
        parties=DEBTOR,
        explain=T(
            "faircollect policy (no catalog source): the borrower's portal preferences on times "
            "are honoured; a reply to the borrower's own contact in that window is allowed once.",
            "faircollect 政策（规则目录无对应出处）：尊重借款人在门户中设置的时间偏好；借款人在该时段主动联系时可回复一次。",
        ),
        rights=T(
            "Tell us times to avoid and we will respect them.",
            "告诉我们需要避开的时间，我们会遵守。",
        ),
    ),
    Rule(
        id="CN:channel-opt-out",
        provision=PREFERENCES,
        title=T("Channels the borrower turned off", "借款人关闭的渠道"),
        message=T("The borrower asked us not to use this channel.", "借款人要求不使用此渠道。"),
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
            "faircollect policy (no catalog source): channels the borrower turned off are not "
            "used (turning off calls also stops AI voice calls); one reply through a channel the "
            "borrower used is allowed.",
            "faircollect 政策（规则目录无对应出处）：不使用借款人关闭的渠道（关闭电话也停止智能语音）；"
            "借款人通过某渠道主动联系时可经该渠道回复一次。",
        ),
        rights=T("Choose the channels we may use to reach you.", "您可以选择我们联系您的渠道。"),
    ),
    *content_rules(
        "CN",
        {
            "CN:conduct": (
                CONDUCT_SOURCE,
                T(
                    "The message contains threats, intimidation, insults, impersonation of "
                    "authorities or pressure.",
                    "消息含有威胁、恐吓、侮辱、冒充公检法或施压内容。",
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
                        "false_urgency",
                        "time_barred_suit_threat",
                    }
                ),
            ),
            "CN:third-party-disclosure": (
                THIRD_SOURCE,
                T("The message discloses the debt to a third party.", "消息向第三方透露了债务。"),
                frozenset({"debt_disclosure"}),
            ),
        },
    ),
)

PACK = Pack(
    id="CN",
    name=T("China", "中国"),
    revision=2,
    default_zones=("Asia/Shanghai",),
    params=PARAMS,
    rules=RULES,
    consumer_parties=frozenset({"debtor"}),
    notes=T(
        "The 2018 NIFA convention's own hour window and the article numbers of the banking "
        "rules are unverified: the documents are cited without article numbers and the hour "
        "window is a configurable default. Field-visit duties (audio and video recording of "
        "the whole visit, senior-manager accountability) are process controls, not contact "
        "decisions, and are not encoded here.",
        "2018 年 NIFA 公约自身的时段及银行业规则的条款号未经核实：引用文件名而不引用条款号，时段为可配置的默认值。"
        "上门催收的要求（全程录音录像、高管负责）属于流程控制而非联系决定，未在此编码。",
    ),
)

__all__ = ["PACK", "PARAMS", "RULES"]
