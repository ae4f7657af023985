"""Tokenisation for the content lint.

Chinese is segmented with jieba (a private `jieba.Tokenizer`, built lazily on first use from
jieba's packaged dictionary plus the lexicon's own words; no cache file is read or written).
English (and any Latin text) is split with one regular expression. Both produce the same
`Tokens` shape: normalised words with character offsets, and for every word the clause and the
sentence it belongs to. Punctuation and clause words (but, 但是, ...) are boundaries, not words.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

__all__ = [
    "CLAUSE_CHARS",
    "SENTENCE_CHARS",
    "Tokens",
    "en_words",
    "has_cjk",
    "has_latin",
    "primary_lang",
    "tokenize_en",
    "tokenize_zh",
]

SENTENCE_CHARS = frozenset(".!?。！？\n\r")
CLAUSE_CHARS = frozenset(",;:，；：【】[]〖〗〔〕—…|｜")
_OPENERS = "【[〖〔"
_CLOSERS = "】]〗〕"

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_LATIN_RE = re.compile(r"[A-Za-z]")

# a word: Latin letters/digits, with inner apostrophes, hyphens and asterisks ("won't",
# "co-workers", "f***"); a number with separators; or one boundary character. Other scripts are
# skipped (the English lexicon has nothing to find in them), so "tmd赶紧" gives "tmd".
_L = "A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # Latin letters and digits
_EN_TOKEN_RE = re.compile(
    r"\d+(?:[.,]\d+)+"
    rf"|[{_L}](?:[{_L}*]|['’\-](?=[{_L}*]))*"
    r"|[.!?。！？\n\r,;:，；：【】\[\]〖〗〔〕—…|｜]"
)


class Tokens(NamedTuple):
    words: list[str]
    starts: list[int]
    ends: list[int]
    clause: list[int]
    sentence: list[int]
    clause_start: dict[int, int]  # clause id -> index of its first word
    head: frozenset[int]  # clauses that open the text (after a sender tag)
    sender: int  # clause id of a leading 【...】 / [...] sender tag, -1 when there is none


def has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


def has_latin(text: str) -> bool:
    return _LATIN_RE.search(text) is not None


def primary_lang(text: str) -> str:
    """The language that carries the text: "zh" when it has at least one CJK character for
    every three Latin letters, else "en"."""
    cjk = len(_CJK_RE.findall(text))
    if cjk == 0:
        return "en"
    latin = len(_LATIN_RE.findall(text))
    return "zh" if cjk * 3 >= latin else "en"


_BOUNDARY = {ch: 2 for ch in SENTENCE_CHARS} | {ch: 1 for ch in CLAUSE_CHARS}


def _build(
    text: str,
    raw: Iterable[tuple[str, int, int]] | Iterable[str],
    clause_words: frozenset[str],
) -> Tokens:
    """`raw` is (word, start, end) triples, or plain words that tile the text (jieba's cut:
    offsets are then counted here, which saves a generator layer per word)."""
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    clause: list[int] = []
    sentence: list[int] = []
    clause_start: dict[int, int] = {}
    boundary = _BOUNDARY.get
    c = 0
    s = 0
    pos = 0
    for item in raw:
        if isinstance(item, str):
            w = item
            a = pos
            pos = b = pos + len(w)
        else:
            w, a, b = item
        if not w:
            continue
        kind = boundary(w[0])
        if kind is not None:
            c += 1
            s += kind - 1
            continue
        if len(w) == 1:
            if not w.isalnum():
                continue  # blanks, quotes, brackets, symbols: neither words nor boundaries
        elif w.isspace():
            if "\n" in w or "\r" in w:
                c += 1
                s += 1
            continue
        lw = w.lower()
        if "’" in lw:
            lw = lw.replace("’", "'")
        if lw in clause_words:
            c += 1
            continue
        if c not in clause_start:
            clause_start[c] = len(words)
        words.append(lw)
        starts.append(a)
        ends.append(b)
        clause.append(c)
        sentence.append(s)
    head: set[int] = set()
    sender = -1
    if words:
        first = clause[0]
        head.add(first)
        stripped = text.lstrip()
        if stripped and stripped[0] in _OPENERS:
            close = min((p for p in (text.find(x) for x in _CLOSERS) if p >= 0), default=-1)
            if close > starts[0]:
                sender = first
                nxt = next((clause[i] for i in range(len(words)) if starts[i] > close), None)
                if nxt is not None:
                    head.add(nxt)
    return Tokens(words, starts, ends, clause, sentence, clause_start, frozenset(head), sender)


def _en_raw(text: str) -> Iterator[tuple[str, int, int]]:
    for m in _EN_TOKEN_RE.finditer(text):
        yield m.group(), m.start(), m.end()


def en_words(text: str) -> list[str]:
    """The normalised words of an English phrase (how lexicon terms are stored)."""
    return _build(text, _en_raw(text), frozenset()).words


def tokenize_en(text: str, clause_words: frozenset[str]) -> Tokens:
    return _build(text, _en_raw(text), clause_words)


# ---------------------------------------------------------------------------------------------
# jieba, built once on first use

_jieba_lock = threading.Lock()
_jieba: Any = None


def _make_jieba(words: Iterable[str]) -> Any:
    # imported here so that importing the lint costs nothing; jieba's own warnings (invalid
    # escapes in its source, pkg_resources deprecation) are not ours to act on
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba  # untyped

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    with tk.get_dict_file() as f:
        tk.FREQ, tk.total = tk.gen_pfdict(f)
    tk.initialized = True
    for w in words:
        if len(w) > 1:
            freq = tk.suggest_freq(w, False)
            if freq > tk.FREQ.get(w, 0):
                tk.add_word(w, freq)
    return tk


def jieba_tokenizer(words: Iterable[str]) -> Any:
    """The shared tokenizer; `words` (the lexicon's) are added the first time only."""
    global _jieba
    tk = _jieba
    if tk is None:
        with _jieba_lock:
            if _jieba is None:
                _jieba = _make_jieba(words)
            tk = _jieba
    return tk


def jieba_ready() -> bool:
    return _jieba is not None


def tokenize_zh(text: str, tk: Any, clause_words: frozenset[str]) -> Tokens:
    raw: Iterable[str] = tk.cut(text, HMM=False)
    return _build(text, raw, clause_words)
