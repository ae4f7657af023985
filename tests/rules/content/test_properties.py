"""Properties over arbitrary text: lint never fails, spans are honest, and adding a clean,
reassuring sentence never adds a finding."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.rules.content import CODES, DISCLOSURES, Finding, LintContext, lint, warm_up
from faircollect.rules.content.lexicon import _load

from .corpus import CLEAN_EN, CLEAN_ZH, FLAGGED_EN, FLAGGED_ZH


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    warm_up()


def _terms() -> list[str]:
    out: list[str] = []
    for lang in ("zh", "en"):
        for terms in _load(f"{lang}.yaml")["sets"].values():
            out.extend(terms)
    return out


FRAGMENTS = (
    sorted(set(_terms()))
    + [t for t, _, _ in FLAGGED_ZH + CLEAN_ZH + FLAGGED_EN + CLEAN_EN]
    + [
        "，",
        "。",
        "！",
        "？",
        "；",
        "：",
        "、",
        ",",
        ".",
        "!",
        "?",
        ";",
        ":",
        " ",
        "\n",
        "\r\n",
        "【",
        "】",
        "[",
        "]",
        "“",
        "”",
        "'",
        "’",
        "*",
        "-",
        "——",
        "…",
        "但是",
        " but ",
        "1",
        "24",
    ]
)

ANY_TEXT = st.text(st.characters(exclude_categories=[]), max_size=200)  # surrogates included
PIECES = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=14).map(
    "".join
)
TEXT = st.one_of(ANY_TEXT, PIECES)

CTX = st.builds(
    LintContext,
    lang=st.sampled_from([None, "zh", "en"]),
    audience=st.sampled_from(["debtor", "third_party"]),
    channel=st.sampled_from(["sms", "call", "email", "app", "letter", "visit"]),
    time_barred=st.booleans(),
    required_disclosures=st.frozensets(st.sampled_from(sorted(DISCLOSURES))),
)

REASSURANCES = [
    "我们不会联系您的单位。",
    "请放心，不会告知您的家人。",
    "我们不会上门。",
    "如有疑问，请致电客服热线。",
    "感谢您的配合",
    "We will never contact your employer.",
    "We will not sue you.",
    "We won't report you to the police.",
    "Thank you",
    "Please call us at your convenience.",
]
SEPARATORS = ["\n", "。", "！", "? ", "\r\n"]


def _check(text: str, findings: tuple[Finding, ...]) -> None:
    for f in findings:
        assert f.code in CODES
        assert 0 <= f.start <= f.end <= len(text)
        assert f.excerpt == text[f.start : f.end]
        if f.code == "missing_disclosure":
            assert (f.start, f.end, f.excerpt) == (0, 0, "")
        else:
            assert f.start < f.end
        assert f.message_en and f.message_zh
    content = [f for f in findings if f.code != "missing_disclosure"]
    assert findings[: len(findings) - len(content)] == tuple(
        f for f in findings if f.code == "missing_disclosure"
    )
    assert [f.start for f in content] == sorted(f.start for f in content)


@settings(max_examples=300, deadline=None)
@given(text=TEXT, ctx=CTX)
def test_lint_never_fails_and_spans_are_in_the_text(text: str, ctx: LintContext) -> None:
    findings = lint(text, ctx)
    _check(text, findings)
    assert lint(text, ctx) == findings  # deterministic


@pytest.mark.parametrize("sentence", REASSURANCES)
@pytest.mark.parametrize(
    "ctx",
    [LintContext(), LintContext(time_barred=True), LintContext(audience="third_party")],
)
def test_reassurances_are_clean(sentence: str, ctx: LintContext) -> None:
    assert lint(sentence, ctx) == ()


def _key(findings: tuple[Finding, ...]) -> set[tuple[str, int, int, str]]:
    return {(f.code, f.start, f.end, f.message_en) for f in findings}


@settings(max_examples=300, deadline=None)
@given(
    text=TEXT,
    ctx=CTX,
    sep=st.sampled_from(SEPARATORS),
    clean=st.sampled_from(REASSURANCES),
)
def test_appending_a_reassurance_never_adds_findings(
    text: str, ctx: LintContext, sep: str, clean: str
) -> None:
    before = lint(text, ctx)
    after = lint(text + sep + clean, ctx)
    assert _key(after) <= _key(before)
