"""Required disclosures: mini-Miranda (1006.18(e)), opt-out (1006.6(e)), 退订."""

from __future__ import annotations

import pytest

from faircollect.rules.content import DISCLOSURES, LintContext, has_mini_miranda, has_opt_out, lint

US_SMS = (
    "Hi Maria, this is a communication from a debt collector. Your installment of $75 is due "
    "on March 5. Reply STOP to opt out."
)
CN_SMS = "【某某金融】尊敬的客户，您的借款已逾期3天，请及时还款。回复TD退订"
INITIAL = (
    "Acme Recovery is a debt collector. We are attempting to collect a debt and any information "
    "obtained will be used for that purpose."
)


@pytest.mark.parametrize(
    "text",
    [
        "Reply STOP to opt out.",
        "Reply STOP to stop texts to this telephone number.",
        'Text "STOP" to end messages.',
        "Click here to opt out of further emails to this email address.",
        "To unsubscribe, click the link below.",
        "You may opt-out at any time.",
        CN_SMS,
        "【XX】您的账单已出。退订回T",
        "【XX】您的账单已出。拒收请回复R",
        "您的账单已出，回复“TD”即可退订。",
        "回复STOP退订",
    ],
)
def test_opt_out_found(text: str) -> None:
    assert has_opt_out(text)


@pytest.mark.parametrize(
    "text",
    [
        "Your payment is due on Friday.",
        "Please stop by our office.",
        "您的借款已逾期，请及时还款。",
        "请勿回复本短信",
        "Stop ignoring us.",
    ],
)
def test_opt_out_missing(text: str) -> None:
    assert not has_opt_out(text)


@pytest.mark.parametrize(
    "text",
    [
        US_SMS,
        "This communication is from a debt collector.",
        "This message is from a debt collector.",
        "We are a debt collector.",
        INITIAL,
        "This is an attempt to collect a debt.",
        "本信息来自债务催收机构。",
    ],
)
def test_mini_miranda_found(text: str) -> None:
    assert has_mini_miranda(text)


@pytest.mark.parametrize(
    "text",
    ["Your payment is due on Friday.", "This is Acme Bank.", "We collect stamps.", CN_SMS],
)
def test_mini_miranda_missing(text: str) -> None:
    assert not has_mini_miranda(text)


def test_missing_disclosure_findings_name_the_disclosure() -> None:
    ctx = LintContext(required_disclosures=frozenset({"mini_miranda", "opt_out"}))
    assert lint(US_SMS, ctx) == ()
    findings = lint("Your installment of $75 is due on March 5.", ctx)
    assert [f.code for f in findings] == ["missing_disclosure", "missing_disclosure"]
    assert all(f.start == f.end == 0 and f.excerpt == "" for f in findings)
    assert "[mini_miranda]" in findings[0].message_en and "[mini_miranda]" in findings[0].message_zh
    assert "[opt_out]" in findings[1].message_en and "1006.6(e)" in findings[1].message_en
    only_stop = lint("Your installment is due. Reply STOP to opt out.", ctx)
    assert [f.message_en.split()[0] for f in only_stop] == ["[mini_miranda]"]


def test_initial_mini_miranda_needs_both_parts() -> None:
    ctx = LintContext(required_disclosures=frozenset({"mini_miranda_initial"}))
    assert lint(INITIAL, ctx) == ()
    half = lint("We are attempting to collect a debt.", ctx)
    assert [f.code for f in half] == ["missing_disclosure"]
    assert "[mini_miranda_initial]" in half[0].message_en
    # the subsequent-communication statement does not replace the initial one
    assert lint("This is a communication from a debt collector.", ctx)


def test_unsubscribe_zh() -> None:
    ctx = LintContext(required_disclosures=frozenset({"unsubscribe_zh"}))
    assert lint(CN_SMS, ctx) == ()
    assert [f.code for f in lint("【某某金融】您的借款已逾期3天，请及时还款。", ctx)] == [
        "missing_disclosure"
    ]
    # an English opt-out does not satisfy the Chinese SMS rule, but does satisfy 1006.6(e)
    assert lint("Reply STOP to opt out.", ctx)
    assert not lint(
        "Reply STOP to opt out.", LintContext(required_disclosures=frozenset({"opt_out"}))
    )


def test_missing_disclosures_come_with_content_findings() -> None:
    ctx = LintContext(required_disclosures=DISCLOSURES - {"mini_miranda_initial"})
    codes = [f.code for f in lint("You deadbeat, pay now.", ctx)]
    assert codes == ["missing_disclosure"] * 3 + ["insult"]


def test_unknown_disclosure_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown disclosures"):
        lint("hello", LintContext(required_disclosures=frozenset({"miranda"})))
