"""The lexicon files: valid, complete, and strictly checked."""

from __future__ import annotations

import re
from typing import Any

import pytest

from faircollect.rules.content import CODES
from faircollect.rules.content.lexicon import (
    LexiconError,
    _compile_lang,
    _load,
    codes,
    lexicon,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_code_has_rules(lang: str) -> None:
    lex = lexicon(lang)
    assert {r.code for r in lex.rules} == CODES - {"missing_disclosure"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_named_set_is_used(lang: str) -> None:
    data = _load(f"{lang}.yaml")
    used = {
        "negators",
        "negation_breakers",
        "debtor_actions",
        "debtor_subject",
        "collector_subject",
        "safe_phrases",
    }
    text = repr(data["rules"])
    used |= set(re.findall(r"@([a-z0-9_]+)", text))
    assert set(data["sets"]) - used == set()
    assert used - set(data["sets"]) == set()


def test_chinese_terms_are_chinese_and_english_terms_latin() -> None:
    """Latin abbreviations belong in en.yaml (every Latin word is read with it), so adding a
    Chinese sentence to an English text cannot switch on new matches in the English part."""
    for name, terms in _load("zh.yaml")["sets"].items():
        for t in terms:
            assert CJK.search(t), (name, t)
    for name, terms in _load("en.yaml")["sets"].items():
        for t in terms:
            assert not CJK.search(t) and re.search(r"[a-z0-9]", t), (name, t)


def test_codes_cover_all_messages() -> None:
    c = codes()
    assert set(c.messages) == CODES
    for en, zh in c.messages.values():
        assert en and CJK.search(zh)


def _minimal(**rule: Any) -> dict[str, Any]:
    sets = {
        k: ["x"]
        for k in (
            "negators",
            "negation_breakers",
            "debtor_actions",
            "debtor_subject",
            "collector_subject",
            "safe_phrases",
        )
    }
    sets["bad"] = ["damn"]
    return {
        "lang": "en",
        "clause_words": ["but"],
        "sets": sets,
        "rules": [{"id": "r", "code": "obscenity", "seq": ["@bad"], **rule}],
    }


def test_minimal_lexicon_compiles() -> None:
    lex = _compile_lang("en", _minimal())
    assert [r.id for r in lex.rules] == ["r"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "rudeness"}, "bad code"),
        ({"code": "missing_disclosure"}, "bad code"),
        ({"seq": ["@nope"]}, "unknown set"),
        ({"regex": "("}, "exactly one of"),
        ({"seq": [False]}, "non-empty list of strings"),
        ({"anchor": "footer"}, "anchor"),
        ({"when": "always"}, "when"),
        ({"max_gap": -1}, "max_gap"),
        ({"negatable": "yes"}, "negatable"),
        ({"colour": "red"}, "unknown keys"),
    ],
)
def test_bad_rules_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(LexiconError, match=message):
        _compile_lang("en", _minimal(**change))


def test_bad_regex_is_refused() -> None:
    data = _minimal()
    data["rules"] = [{"id": "r", "code": "obscenity", "regex": "("}]
    with pytest.raises(LexiconError, match="bad regex"):
        _compile_lang("en", data)


def test_yaml_boolean_words_must_be_quoted() -> None:
    """YAML reads a bare `no` as False: the loader refuses it instead of dropping it."""
    data = _minimal()
    data["sets"]["negators"] = ["not", False]
    with pytest.raises(LexiconError, match="quote it"):
        _compile_lang("en", data)


def test_missing_special_set_is_refused() -> None:
    data = _minimal()
    del data["sets"]["safe_phrases"]
    with pytest.raises(LexiconError, match="safe_phrases"):
        _compile_lang("en", data)
