"""`lint(text, ctx)`: every reason a collection message or call script must not go out.

With `ctx.lang` None, CJK text is read with the Chinese lexicon and Latin words with the
English one (a mixed message gets both); an explicit language reads it with that lexicon only.
The lexicons and jieba are built on the first call (about half a second), never at import.
"""

from __future__ import annotations

from typing import Literal

from faircollect.rules.content.detectors import Match, match
from faircollect.rules.content.lexicon import codes, lexicon
from faircollect.rules.content.model import DISCLOSURES, Finding, LintContext
from faircollect.rules.content.tokens import (
    has_cjk,
    has_latin,
    jieba_tokenizer,
    primary_lang,
    tokenize_en,
    tokenize_zh,
)

__all__ = ["detect_lang", "explain", "has_mini_miranda", "has_opt_out", "lint", "warm_up"]


def detect_lang(text: str) -> Literal["zh", "en"]:
    """The language that carries the text: Chinese when it has at least one CJK character for
    every three Latin letters ("【Acme】您的APP账单已出" is Chinese), else English."""
    return "zh" if primary_lang(text) == "zh" else "en"


def warm_up() -> None:
    """Build the lexicons and jieba now rather than on the first `lint` call."""
    zh = lexicon("zh")
    lexicon("en")
    codes()
    jieba_tokenizer(zh.segment_words)


def _satisfied(key: str, text: str) -> bool:
    d = codes().disclosures[key]
    return all(any(p.search(text) for p in group) for group in d.all_of)


def has_opt_out(text: str) -> bool:
    """A clear opt-out instruction: "Reply STOP to opt out", "回复TD退订", an unsubscribe link."""
    return _satisfied("opt_out", text)


def has_mini_miranda(text: str) -> bool:
    """The 12 CFR 1006.18(e) statement that the message is from a debt collector (the initial
    form, "attempting to collect a debt ...", also says so)."""
    return _satisfied("mini_miranda", text) or _satisfied("mini_miranda_initial", text)


def _check(key: str, text: str) -> bool:
    if key == "mini_miranda":
        return has_mini_miranda(text)
    return _satisfied(key, text)


def _matches(text: str, ctx: LintContext) -> list[Match]:
    if ctx.lang is None:
        langs = [
            lang for lang, present in (("zh", has_cjk(text)), ("en", has_latin(text))) if present
        ]
    else:
        langs = [ctx.lang]
    out: list[Match] = []
    for lang in langs:
        lex = lexicon(lang)
        if lang == "zh":
            toks = tokenize_zh(text, jieba_tokenizer(lex.segment_words), lex.clause_words)
        else:
            toks = tokenize_en(text, lex.clause_words)
        out.extend(match(lex, toks, text, ctx))
    return out


def _dedupe(ms: list[Match]) -> list[Match]:
    """One finding per code and overlapping span (the earliest, then the longest)."""
    ms.sort(key=lambda m: (m.start, -m.end, m.code))
    kept: list[Match] = []
    last_end: dict[str, int] = {}  # by code: the end of the last kept match (the largest)
    for m in ms:
        if m.start < last_end.get(m.code, -1):
            continue
        kept.append(m)
        last_end[m.code] = m.end
    return kept


def explain(text: str, ctx: LintContext = LintContext()) -> tuple[tuple[str, Finding], ...]:
    """Like `lint`, with the id of the lexicon rule behind each finding (for tests and QA)."""
    unknown = ctx.required_disclosures - DISCLOSURES
    if unknown:
        raise ValueError(
            f"unknown disclosures {sorted(unknown)}; expected some of {sorted(DISCLOSURES)}"
        )
    msgs = codes().messages
    out: list[tuple[str, Finding]] = []
    for key in sorted(ctx.required_disclosures):
        if not _check(key, text):
            d = codes().disclosures[key]
            out.append(
                (
                    f"disclosure.{key}",
                    Finding("missing_disclosure", 0, 0, "", d.message_en, d.message_zh),
                )
            )
    for m in _dedupe(_matches(text, ctx)):
        en, zh = msgs[m.code]
        out.append((m.rule, Finding(m.code, m.start, m.end, text[m.start : m.end], en, zh)))
    return tuple(out)


def lint(text: str, ctx: LintContext = LintContext()) -> tuple[Finding, ...]:
    """Findings in `text` (sorted by position; missing disclosures first). Empty means clean."""
    return tuple(f for _, f in explain(text, ctx))
