from __future__ import annotations

import pytest

from faircollect.rules.content import detect_lang, lint


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("您的借款已逾期", "zh"),
        ("【Acme】您的APP账单已出，回复TD退订", "zh"),
        ("Your payment is past due.", "en"),
        ("Dear 王伟, this is a communication from a debt collector.", "en"),
        ("", "en"),
        ("12345", "en"),
        ("还款 OK", "zh"),
    ],
)
def test_detect_lang(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


def test_english_only_text_never_needs_jieba() -> None:
    """Texts with no CJK are read with the English lexicon only."""
    assert lint("Your payment is past due.") == ()
    assert {f.code for f in lint("Pay now, deadbeat.")} == {"insult"}


def test_mixed_text_is_read_with_both_lexicons() -> None:
    text = "Dear customer, 你这个老赖, pay now or we will tell your boss."
    assert {f.code for f in lint(text)} == {"insult", "contact_third_party_threat"}
