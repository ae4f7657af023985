"""Lexicons: the YAML data files under `lexicon/`, checked and compiled once.

A language file (`zh.yaml`, `en.yaml`) holds named word sets and rules over them; `codes.yaml`
holds the bilingual message of every finding code and the patterns of every required
disclosure. The schema is strict: an unknown key or a wrong type is an error at load time, so
a typo in a lexicon fails the test suite instead of silently disabling a rule.

Rule kinds (each rule has `id`, `code` and one of `seq`, `all`, `regex`):
- `seq: [slot, ...]` — the slots in this order in one clause, at most `max_gap` words between
  neighbours (default 0);
- `all: [slot, ...]` — every slot in one clause, any order, within `window` words (default 8);
- `regex: "..."` — a regular expression over the text (case-insensitive), inside one clause.
A slot is "@set" (a named set), a list of terms, or one term. Options:
`negatable` (default true: a negator before the match in its clause, or between its slots,
cancels it), `anchor` (`head`: among the first words of the opening clause, which is short
like a heading — "法院通知：", "OFFICIAL COURT NOTICE:"; `sender`: inside a leading 【...】
tag), `when` (`debtor` / `third_party` / `time_barred`: only in that context),
`debtor_exempt` (`clause` / `sentence`: the nearest subject before the match is the debtor —
"您有权", "you may" — so it states the reader's right, not our action), `requires` (a list of
`{set, scope}` with scope `clause`, `sentence` or `before`: that set must also occur there),
`unless` (the same shape: any of these present cancels the match, e.g. "with your consent").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, NamedTuple

import yaml

from faircollect.rules.content.model import CODES, DISCLOSURES
from faircollect.rules.content.tokens import en_words

__all__ = [
    "Codes",
    "Disclosure",
    "Lexicon",
    "LexiconError",
    "Rule",
    "codes",
    "lexicon",
]


class LexiconError(ValueError):
    pass


class Rule(NamedTuple):
    id: str
    code: str
    kind: str  # "seq" | "all" | "regex"
    slots: tuple[int, ...]
    max_gap: int
    window: int
    pattern: re.Pattern[str] | None
    negatable: bool
    anchor: str  # "" | "head" | "sender"
    when: str  # "" | "debtor" | "third_party" | "time_barred"
    debtor_exempt: str  # "" | "clause" | "sentence"
    requires: tuple[tuple[int, str], ...]  # (label, "clause" | "sentence" | "before")
    unless: tuple[tuple[int, str], ...]  # the same shape: any of these present cancels


class Lexicon(NamedTuple):
    lang: str
    terms: Mapping[str, tuple[int, ...]]  # normalised term -> labels
    prefixes: frozenset[str]  # every prefix a term can be built through
    joiner: str  # "" for Chinese, " " for English
    labels: tuple[str, ...]  # label id -> set name
    rules: tuple[Rule, ...]
    clause_words: frozenset[str]
    negation_window: int
    neg: int
    brk: int
    action: int
    subj_debtor: int
    subj_collector: int
    safe: int
    segment_words: tuple[str, ...]  # words to add to jieba's dictionary (Chinese)


class Disclosure(NamedTuple):
    key: str
    all_of: tuple[tuple[re.Pattern[str], ...], ...]  # every group must have one match
    message_en: str
    message_zh: str


class Codes(NamedTuple):
    messages: Mapping[str, tuple[str, str]]  # code -> (en, zh)
    disclosures: Mapping[str, Disclosure]


_SPECIAL = (
    "negators",
    "negation_breakers",
    "debtor_actions",
    "debtor_subject",
    "collector_subject",
    "safe_phrases",
)
_MAX_SEGMENT_WORD = 4
_LANG_KEYS = {"lang", "negation_window", "clause_words", "segment_words", "sets", "rules"}
_RULE_KEYS = {
    "id",
    "code",
    "seq",
    "all",
    "regex",
    "max_gap",
    "window",
    "negatable",
    "anchor",
    "when",
    "debtor_exempt",
    "requires",
    "unless",
    "note",
}


def _load(name: str) -> Any:
    ref = resources.files("faircollect.rules.content").joinpath("lexicon", name)
    return yaml.safe_load(ref.read_text(encoding="utf-8"))


def _str_list(where: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise LexiconError(f"{where}: expected a non-empty list of strings")
    out: list[str] = []
    for v in value:
        if not isinstance(v, str) or not v.strip():
            raise LexiconError(f"{where}: {v!r} is not a non-empty string (quote it in YAML)")
        out.append(v)
    return out


def _check_keys(where: str, d: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise LexiconError(f"{where}: expected a mapping")
    unknown = set(d) - allowed
    if unknown:
        raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
    return d


def _choice(where: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value is None:
        return ""
    if value not in allowed:
        raise LexiconError(f"{where}: {value!r} is not one of {allowed}")
    return str(value)


def _int(where: str, value: Any, default: int) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise LexiconError(f"{where}: expected a non-negative integer")
    return value


class _Builder:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.joiner = "" if lang == "zh" else " "
        self.labels: list[str] = []
        self.index: dict[str, int] = {}
        self.terms: dict[str, set[int]] = {}
        self.raw_words: set[str] = set()

    def norm(self, term: str) -> str:
        if self.lang == "zh":
            return "".join(term.lower().split())
        return " ".join(en_words(term))

    def label(self, name: str) -> int:
        if name not in self.index:
            self.index[name] = len(self.labels)
            self.labels.append(name)
        return self.index[name]

    def add_set(self, name: str, terms: list[str]) -> int:
        lab = self.label(name)
        for t in terms:
            key = self.norm(t)
            if not key:
                raise LexiconError(f"{self.lang}: set {name}: term {t!r} has no words")
            self.terms.setdefault(key, set()).add(lab)
            self.raw_words.add(key)
        return lab

    def slot(self, where: str, value: Any, anon: list[int]) -> int:
        if isinstance(value, str) and value.startswith("@"):
            name = value[1:]
            if name not in self.index:
                raise LexiconError(f"{where}: unknown set {value}")
            return self.index[name]
        anon[0] += 1
        return self.add_set(f"{where}#{anon[0]}", _str_list(where, value))

    def prefixes(self) -> frozenset[str]:
        out: set[str] = set()
        for t in self.terms:
            if self.joiner:
                parts = t.split(" ")
                out.update(" ".join(parts[: i + 1]) for i in range(len(parts)))
            else:
                out.update(t[: i + 1] for i in range(len(t)))
        return frozenset(out)


def _compile_lang(lang: str, data: Any) -> Lexicon:
    d = _check_keys(lang, data, _LANG_KEYS)
    if d.get("lang") != lang:
        raise LexiconError(f"{lang}.yaml: lang must be {lang!r}")
    b = _Builder(lang)
    sets = _check_keys(f"{lang}: sets", d.get("sets"), set(_SPECIAL) | set(d.get("sets") or {}))
    for name in _SPECIAL:
        if name not in sets:
            raise LexiconError(f"{lang}: sets.{name} is required")
    for name, terms in sets.items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise LexiconError(f"{lang}: bad set name {name!r}")
        b.add_set(name, _str_list(f"{lang}: sets.{name}", terms))
    rules: list[Rule] = []
    seen: set[str] = set()
    raw_rules = d.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise LexiconError(f"{lang}: rules must be a non-empty list")
    for i, r in enumerate(raw_rules):
        rid = r.get("id") if isinstance(r, dict) else None
        where = f"{lang}: rule {rid or i}"
        r = _check_keys(where, r, _RULE_KEYS)
        if not isinstance(rid, str) or rid in seen:
            raise LexiconError(f"{where}: missing or duplicate id")
        seen.add(rid)
        code = r.get("code")
        if code not in CODES or code == "missing_disclosure":
            raise LexiconError(f"{where}: bad code {code!r}")
        kinds = [k for k in ("seq", "all", "regex") if k in r]
        if len(kinds) != 1:
            raise LexiconError(f"{where}: exactly one of seq, all, regex")
        kind = kinds[0]
        anon = [0]
        slots: tuple[int, ...] = ()
        pattern: re.Pattern[str] | None = None
        if kind == "regex":
            src = r["regex"]
            if not isinstance(src, str):
                raise LexiconError(f"{where}: regex must be a string")
            try:
                pattern = re.compile(src, re.IGNORECASE)
            except re.error as e:
                raise LexiconError(f"{where}: bad regex: {e}") from e
        else:
            items = r[kind]
            if isinstance(items, str):
                items = [items]
            if not isinstance(items, list) or not items:
                raise LexiconError(f"{where}: {kind} must be a non-empty list")
            slots = tuple(b.slot(f"{rid}", it, anon) for it in items)
        cooc: dict[str, list[tuple[int, str]]] = {"requires": [], "unless": []}
        for key, acc in cooc.items():
            for q in r.get(key) or []:
                q = _check_keys(f"{where}: {key}", q, {"set", "scope"})
                scope = _choice(
                    f"{where}: {key}.scope", q.get("scope"), ("clause", "sentence", "before")
                )
                acc.append((b.slot(rid, q.get("set"), anon), scope or "clause"))
        negatable = r.get("negatable", True)
        if not isinstance(negatable, bool):
            raise LexiconError(f"{where}: negatable must be true or false")
        rules.append(
            Rule(
                id=rid,
                code=code,
                kind=kind,
                slots=slots,
                max_gap=_int(f"{where}: max_gap", r.get("max_gap"), 0),
                window=_int(f"{where}: window", r.get("window"), 8),
                pattern=pattern,
                negatable=negatable,
                anchor=_choice(f"{where}: anchor", r.get("anchor"), ("head", "sender")),
                when=_choice(
                    f"{where}: when", r.get("when"), ("debtor", "third_party", "time_barred")
                ),
                debtor_exempt=_choice(
                    f"{where}: debtor_exempt", r.get("debtor_exempt"), ("clause", "sentence")
                ),
                requires=tuple(cooc["requires"]),
                unless=tuple(cooc["unless"]),
            )
        )
    clause_words = frozenset(
        b.norm(w) for w in _str_list(f"{lang}: clause_words", d.get("clause_words"))
    )
    extra = _str_list(f"{lang}: segment_words", d["segment_words"]) if "segment_words" in d else []
    # single words only: a long phrase made one jieba word would hide the words inside it
    # ("知道你是老赖" must still show "老赖"); phrases match as runs of words anyway
    words = {w for w in b.raw_words if len(w) <= _MAX_SEGMENT_WORD}
    seg = tuple(sorted(words | {b.norm(w) for w in extra} | clause_words)) if lang == "zh" else ()
    return Lexicon(
        lang=lang,
        terms=MappingProxyType({k: tuple(sorted(v)) for k, v in b.terms.items()}),
        prefixes=b.prefixes(),
        joiner=b.joiner,
        labels=tuple(b.labels),
        rules=tuple(rules),
        clause_words=clause_words,
        negation_window=_int(f"{lang}: negation_window", d.get("negation_window"), 6),
        neg=b.index["negators"],
        brk=b.index["negation_breakers"],
        action=b.index["debtor_actions"],
        subj_debtor=b.index["debtor_subject"],
        subj_collector=b.index["collector_subject"],
        safe=b.index["safe_phrases"],
        segment_words=seg,
    )


@cache
def lexicon(lang: str) -> Lexicon:
    """The compiled lexicon of "zh" or "en" (loaded on first use, then kept)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"no lexicon for language {lang!r}")
    return _compile_lang(lang, _load(f"{lang}.yaml"))


@cache
def codes() -> Codes:
    d = _check_keys("codes.yaml", _load("codes.yaml"), {"codes", "disclosures"})
    msgs = _check_keys("codes.yaml: codes", d.get("codes"), set(CODES))
    if set(msgs) != CODES:
        raise LexiconError(f"codes.yaml: codes must cover {sorted(CODES)}")
    messages: dict[str, tuple[str, str]] = {}
    for code, m in msgs.items():
        m = _check_keys(f"codes.yaml: {code}", m, {"en", "zh"})
        en, zh = _str_list(code, m.get("en")), _str_list(code, m.get("zh"))
        messages[code] = (en[0], zh[0])
    dis = _check_keys("codes.yaml: disclosures", d.get("disclosures"), set(DISCLOSURES))
    if set(dis) != DISCLOSURES:
        raise LexiconError(f"codes.yaml: disclosures must cover {sorted(DISCLOSURES)}")
    disclosures: dict[str, Disclosure] = {}
    for key, v in dis.items():
        v = _check_keys(f"codes.yaml: {key}", v, {"en", "zh", "all_of"})
        groups = v.get("all_of")
        if not isinstance(groups, list) or not groups:
            raise LexiconError(f"codes.yaml: {key}.all_of must be a non-empty list of lists")
        compiled = tuple(
            tuple(re.compile(p, re.IGNORECASE) for p in _str_list(f"{key}.all_of", g))
            for g in groups
        )
        en, zh = _str_list(key, v.get("en")), _str_list(key, v.get("zh"))
        disclosures[key] = Disclosure(key, compiled, f"[{key}] {en[0]}", f"[{key}] {zh[0]}")
    return Codes(MappingProxyType(messages), MappingProxyType(disclosures))
