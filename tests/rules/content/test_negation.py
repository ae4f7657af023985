"""Negation, reassurance, hypotheticals and clause scope: the same act, said and unsaid."""

from __future__ import annotations

import pytest

from faircollect.rules.content import LintContext, lint

TB = LintContext(time_barred=True)

# (affirmative: flagged with `code`, negated or reassuring: clean, context)
PAIRS = [
    ("我们会联系您的单位", "我们不会联系您的单位", "contact_third_party_threat", LintContext()),
    ("我们会告知您的家人", "请放心，不会告知您的家人", "contact_third_party_threat", LintContext()),
    (
        "我们将通知您的紧急联系人",
        "我们绝不会通知您的紧急联系人",
        "contact_third_party_threat",
        LintContext(),
    ),
    ("我们将曝光您的信息", "我们不会曝光您的信息", "publicise_threat", LintContext()),
    ("逾期会被拘留", "逾期不会被拘留", "arrest_threat", LintContext()),
    ("我们将向法院起诉", "我们无需向法院起诉", "time_barred_suit_threat", TB),
    ("我们会起诉您", "我们并非要起诉您", "time_barred_suit_threat", TB),
    ("我们就是法院的", "我们并不是法院的", "impersonation", LintContext()),
    ("我们有办法让你还钱，后果自负", "我们没有说过后果自负", "threat", LintContext()),
    ("We will sue you.", "We will not sue you.", "time_barred_suit_threat", TB),
    (
        "We will take legal action.",
        "This is not a threat of legal action.",
        "time_barred_suit_threat",
        TB,
    ),
    (
        "We will contact your employer.",
        "We will never contact your employer.",
        "contact_third_party_threat",
        LintContext(),
    ),
    (
        "We'll report you to the police.",
        "We won't report you to the police.",
        "arrest_threat",
        LintContext(),
    ),
    ("You will be arrested.", "You will not be arrested.", "arrest_threat", LintContext()),
    (
        "We will tell your family.",
        "We don't tell your family anything.",
        "contact_third_party_threat",
        LintContext(),
    ),
    ("We will post it online.", "We will never post it online.", "publicise_threat", LintContext()),
    ("We are the police.", "We are not the police.", "impersonation", LintContext()),
    (
        "Borrow the money from your friends.",
        "Please never borrow the money from your friends.",
        "false_urgency",
        LintContext(),
    ),
]


@pytest.mark.parametrize(("said", "unsaid", "code", "ctx"), PAIRS)
def test_negation_cancels(said: str, unsaid: str, code: str, ctx: LintContext) -> None:
    assert code in {f.code for f in lint(said, ctx)}
    assert lint(unsaid, ctx) == ()


# a negator that belongs to the debtor's condition, or sits in another clause, cancels nothing
STILL_FLAGGED = [
    ("如果不还款我们将通知您的家人", "contact_third_party_threat", LintContext()),
    ("不还钱就告诉你单位领导", "contact_third_party_threat", LintContext()),
    ("再不还钱就爆你通讯录", "publicise_threat", LintContext()),
    ("我们不会报警，但会通知你的单位", "contact_third_party_threat", LintContext()),
    ("你不还钱，我们就报警", "arrest_threat", LintContext()),
    ("您不按时还款，我们将起诉", "time_barred_suit_threat", TB),
    ("If you don't pay, we will tell your boss.", "contact_third_party_threat", LintContext()),
    (
        "If you do not pay we will contact your employer.",
        "contact_third_party_threat",
        LintContext(),
    ),
    (
        "We won't wait any longer; we will tell your boss.",
        "contact_third_party_threat",
        LintContext(),
    ),
    ("We will not sue you, but we will report you to the police.", "arrest_threat", LintContext()),
    (
        "Your employer will be notified if you do not pay.",
        "contact_third_party_threat",
        LintContext(),
    ),
    ("别逼我们上门", "threat", LintContext()),
    ("Don't make us come to your house.", "threat", LintContext()),
    ("你不是人", "insult", LintContext()),
]


@pytest.mark.parametrize(("text", "code", "ctx"), STILL_FLAGGED)
def test_negation_out_of_scope(text: str, code: str, ctx: LintContext) -> None:
    assert code in {f.code for f in lint(text, ctx)}


RIGHTS_AND_MENTIONS = [
    # the reader's right to go to court is not a threat, nor impersonation
    ("如您对本债务有异议，可以向法院起诉", TB),
    ("您有权向人民法院提起诉讼", TB),
    ("You have the right to dispute this debt in court.", TB),
    ("You may also file a complaint with the CFPB or go to small claims court.", TB),
    # a real, lawful legal step on a debt that is not time-barred
    ("We may refer the account to a court.", LintContext()),
    ("如协商不成，我司可能依法向人民法院提起诉讼。", LintContext()),
    # scam warnings name the authorities without claiming to be them
    ("谨防诈骗：我司不会以公安、法院名义联系您。", LintContext()),
    ("如遇冒充我司人员催收，请立即报警", LintContext()),
    (
        "If someone claims to be from the police about this debt, hang up and call us.",
        LintContext(),
    ),
    ("If you feel threatened, call the police.", LintContext()),
]


@pytest.mark.parametrize(("text", "ctx"), RIGHTS_AND_MENTIONS)
def test_rights_and_mentions_are_clean(text: str, ctx: LintContext) -> None:
    assert lint(text, ctx) == ()


def test_collector_subject_overrides_reader_right() -> None:
    """ "我们有权起诉" is our threat even though "有权" reads like a right."""
    assert {f.code for f in lint("我们有权向法院起诉你", TB)} == {"time_barred_suit_threat"}
    assert {f.code for f in lint("如您不还款，我们将向法院起诉", TB)} == {"time_barred_suit_threat"}
