"""Realistic messages in both directions: each must produce exactly the expected codes."""

from __future__ import annotations

import re

import pytest

from faircollect.rules.content import CODES, LintContext, detect_lang, lint

from .corpus import CLEAN_EN, CLEAN_ZH, FLAGGED_EN, FLAGGED_ZH, Case


def _id(case: Case) -> str:
    text, ctx, _ = case
    flags = ("TB " if ctx.time_barred else "") + ("3P " if ctx.audience == "third_party" else "")
    return f"{flags}{text[:40]}"


ALL = FLAGGED_ZH + CLEAN_ZH + FLAGGED_EN + CLEAN_EN


def test_corpus_size() -> None:
    flagged = FLAGGED_ZH + FLAGGED_EN
    clean = CLEAN_ZH + CLEAN_EN
    assert len(flagged) >= 60 and len(clean) >= 60
    assert min(len(FLAGGED_ZH), len(FLAGGED_EN), len(CLEAN_ZH), len(CLEAN_EN)) >= 40
    assert all(codes for _, _, codes in flagged)
    assert not any(codes for _, _, codes in clean)
    # every finding code but missing_disclosure is exercised in both languages
    for cases in (FLAGGED_ZH, FLAGGED_EN):
        seen = set().union(*(codes for _, _, codes in cases))
        assert seen == CODES - {"missing_disclosure"}


@pytest.mark.parametrize("case", ALL, ids=_id)
def test_exact_codes(case: Case) -> None:
    text, ctx, expected = case
    findings = lint(text, ctx)
    assert {f.code for f in findings} == expected, findings
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert f.excerpt == text[f.start : f.end]
        assert f.message_en and f.message_zh


@pytest.mark.parametrize("case", FLAGGED_ZH + FLAGGED_EN, ids=_id)
def test_flagged_text_is_flagged_in_a_script_too(case: Case) -> None:
    """The same words in a call script are refused too, also with the language given (for a
    text in one script: an explicit language reads the text with that lexicon only)."""
    text, ctx, expected = case
    one_script = not (re.search(r"[A-Za-z]", text) and re.search(r"[\u4e00-\u9fff]", text))
    lang = detect_lang(text) if one_script else None
    script = ctx._replace(channel="call", lang=lang)
    assert {f.code for f in lint(text, script)} == expected


def test_explicit_language_reads_with_that_lexicon_only() -> None:
    mixed = "【XX金融】你这个骗子，tmd赶紧还钱"
    assert {f.code for f in lint(mixed)} == {"insult", "obscenity"}
    assert {f.code for f in lint(mixed, LintContext(lang="zh"))} == {"insult"}
    assert {f.code for f in lint(mixed, LintContext(lang="en"))} == {"obscenity"}


def test_context_gates() -> None:
    """debt_disclosure only for a third party; time_barred_suit_threat only when time-barred."""
    third = "您好，张三先生在我司的借款已逾期，请转告他尽快还款。"
    assert not lint(third, LintContext())
    assert {f.code for f in lint(third, LintContext(audience="third_party"))} == {"debt_disclosure"}
    suit = "If you don't pay by Friday we will take you to court."
    assert not lint(suit, LintContext())
    assert {f.code for f in lint(suit, LintContext(time_barred=True))} == {
        "time_barred_suit_threat"
    }
    # arrest threats are refused whatever the debt's age
    assert {f.code for f in lint("You will go to jail.", LintContext())} == {"arrest_threat"}
