"""The matcher: lexicon terms over tokens, then rules over the hits.

Each word position is tried as the start of a term (words joined until no term can follow),
giving hits `(start, end)` in word indices per set. A rule then looks for its slots among the
hits of one clause and keeps a candidate only when every condition holds:

- negation: the nearest negator or scope breaker before the match (same clause, within
  `negation_window` words) is a negator ("不会", "never"), or a negator sits between the
  slots. A negator directly followed by a debtor action ("不还款", "don't pay") is the debtor's
  condition, not a negation of ours; a breaker ("就", "we", "then") ends a negator's scope;
- debtor exemption: the nearest subject before the match is the reader ("您有权", "you may"),
  so the text states the reader's right rather than our action;
- anchors, context (`when`), co-occurrence (`requires`) and exclusion (`unless`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import NamedTuple

from faircollect.rules.content.lexicon import Lexicon, Rule
from faircollect.rules.content.model import LintContext
from faircollect.rules.content.tokens import Tokens

__all__ = ["Match", "match"]

Span = tuple[int, int]


class Match(NamedTuple):
    rule: str
    code: str
    start: int  # characters
    end: int


def _hits(lex: Lexicon, t: Tokens) -> dict[int, list[Span]]:
    """Hits per label, each list sorted by (start, end)."""
    words, clause = t.words, t.clause
    prefixes, terms, joiner = lex.prefixes, lex.terms, lex.joiner
    n = len(words)
    out: dict[int, list[Span]] = {}
    for i in range(n):
        s = words[i]
        if s not in prefixes:
            continue
        c = clause[i]
        j = i
        while True:
            labels = terms.get(s)
            if labels is not None:
                for lab in labels:
                    lst = out.get(lab)
                    if lst is None:
                        out[lab] = [(i, j + 1)]
                    else:
                        lst.append((i, j + 1))
            j += 1
            if j >= n or clause[j] != c:
                break
            s = s + joiner + words[j]
            if s not in prefixes:
                break
    safe = out.pop(lex.safe, None)
    if safe:
        masked = [False] * n
        for a, b in safe:
            masked[a:b] = [True] * (b - a)
        for lab, lst in out.items():
            out[lab] = [h for h in lst if not any(masked[h[0] : h[1]])]
    return out


class _Marks:
    """Hits of two kinds (negator/breaker, debtor/collector subject) ordered by where they end,
    longer first among equal ends, for "the nearest one before position s"."""

    def __init__(self, yes: list[Span], no: list[Span]) -> None:
        marks = sorted(
            [(e, e - s, True, s) for s, e in yes] + [(e, e - s, False, s) for s, e in no]
        )
        self.marks = marks
        self.ends = [m[0] for m in marks]

    def nearest(self, s: int, ids: list[int], lo: int) -> bool | None:
        """The kind of the nearest mark ending at or before `s` and at or after `lo`, in the
        same clause/sentence (`ids`) as word `s`; None when there is none."""
        c = ids[s]
        marks = self.marks
        k = bisect_right(self.ends, s) - 1
        while k >= 0:
            me, _, kind, ms = marks[k]
            if me < lo or ids[ms] < c:
                return None
            if ids[ms] == c:
                return kind
            k -= 1
        return None


class _Scan:
    """Per-text state the rule checks share."""

    def __init__(self, lex: Lexicon, t: Tokens, hits: dict[int, list[Span]]) -> None:
        self.lex = lex
        self.t = t
        self.hits = hits
        self.starts: dict[int, list[int]] = {}
        clause = t.clause
        n = len(clause)
        acts = {s for s, _ in hits.get(lex.action, ())}
        negs = [
            (s, e)
            for s, e in hits.get(lex.neg, ())
            # "不还款" / "don't pay": the debtor's condition, not a negation of ours
            if not (e in acts and e < n and clause[e] == clause[s])
        ]
        self.negs = negs
        self.neg_starts = [h[0] for h in negs]
        self.negation = _Marks(negs, hits.get(lex.brk, []))
        self.subject = _Marks(hits.get(lex.subj_debtor, []), hits.get(lex.subj_collector, []))

    def starts_of(self, label: int) -> list[int]:
        got = self.starts.get(label)
        if got is None:
            got = self.starts[label] = [h[0] for h in self.hits.get(label, ())]
        return got

    def between(self, label: int, lo: int, hi: int) -> list[Span]:
        """Hits of `label` starting in [lo, hi)."""
        st = self.starts_of(label)
        lst = self.hits.get(label, [])
        return lst[bisect_left(st, lo) : bisect_left(st, hi)]

    def negated(self, s: int, e: int, parts: list[Span]) -> bool:
        if self.negation.nearest(s, self.t.clause, s - self.lex.negation_window):
            return True
        if len(parts) > 1:
            lo = bisect_left(self.neg_starts, s)
            for ns, ne in self.negs[lo:]:
                if ns >= e:
                    break
                if ne <= e and not any(ns < pe and ps < ne for ps, pe in parts):
                    return True
        return False

    def debtor_subject(self, s: int, scope: str) -> bool:
        ids = self.t.clause if scope == "clause" else self.t.sentence
        return self.subject.nearest(s, ids, 0) is True

    def _scope(self, s: int, scope: str) -> tuple[list[int], int, int]:
        ids = self.t.clause if scope == "clause" else self.t.sentence
        c = ids[s]
        return ids, bisect_left(ids, c), bisect_right(ids, c)

    def present(self, label: int, s: int, scope: str) -> bool:
        if label not in self.hits:
            return False
        if scope == "before":
            _, lo, _ = self._scope(s, "clause")
            return any(he <= s for _, he in self.between(label, lo, s))
        _, lo, hi = self._scope(s, scope)
        return bool(self.between(label, lo, hi))


def _seq(rule: Rule, scan: _Scan) -> list[list[Span]]:
    hits, clause = scan.hits, scan.t.clause
    first = hits.get(rule.slots[0])
    if not first or not all(sl in hits for sl in rule.slots[1:]):
        return []
    gap = rule.max_gap
    out: list[list[Span]] = []
    for h0 in first:
        c = clause[h0[0]]
        parts = [h0]
        cur = h0[1]
        for sl in rule.slots[1:]:
            nxt = next((h for h in scan.between(sl, cur, cur + gap + 1) if clause[h[0]] == c), None)
            if nxt is None:
                break
            parts.append(nxt)
            cur = nxt[1]
        else:
            out.append(parts)
    return out


def _all(rule: Rule, scan: _Scan) -> list[list[Span]]:
    hits, clause = scan.hits, scan.t.clause
    first = hits.get(rule.slots[0])
    if not first or not all(sl in hits for sl in rule.slots[1:]):
        return []
    w = rule.window
    out: list[list[Span]] = []
    for h0 in first:
        c = clause[h0[0]]
        parts = [h0]
        for sl in rule.slots[1:]:
            near = [h for h in scan.between(sl, h0[0] - w, h0[0] + w + 1) if clause[h[0]] == c]
            if not near:
                break
            parts.append(min(near, key=lambda h: abs(h[0] - h0[0])))
        else:
            s = min(p[0] for p in parts)
            e = max(p[1] for p in parts)
            if e - s <= w:
                out.append(sorted(parts))
    return out


HEAD_MAX_WORDS = 6  # a heading ("法院通知：", "OFFICIAL COURT NOTICE:") is short


def _title(t: Tokens, s: int) -> bool:
    """The match opens the text's opening clause and that clause is short, like a heading."""
    c = t.clause[s]
    if c not in t.head:
        return False
    first = t.clause_start[c]
    if s - first > 2:
        return False
    end = first
    n = len(t.clause)
    while end < n and t.clause[end] == c:
        end += 1
    return end - first <= HEAD_MAX_WORDS


def match(lex: Lexicon, t: Tokens, text: str, ctx: LintContext) -> list[Match]:
    """Every rule match of one lexicon in one text (before de-duplication)."""
    if not t.words:
        return []
    hits = _hits(lex, t)
    scan = _Scan(lex, t, hits)
    clause, starts, ends = t.clause, t.starts, t.ends
    out: list[Match] = []
    for rule in lex.rules:
        if rule.when in ("debtor", "third_party") and ctx.audience != rule.when:
            continue
        if rule.when == "time_barred" and not ctx.time_barred:
            continue
        cands: list[tuple[int, int, list[Span], int, int]] = []
        if rule.kind == "regex":
            assert rule.pattern is not None
            for m in rule.pattern.finditer(text):
                ms, me = m.span()
                i = bisect_right(ends, ms)
                j = bisect_left(starts, me)
                if i >= j or clause[i] != clause[j - 1]:
                    continue
                cands.append((i, j, [(i, j)], ms, me))
        else:
            found = _seq(rule, scan) if rule.kind == "seq" else _all(rule, scan)
            for parts in found:
                s, e = parts[0][0], parts[-1][1]
                cands.append((s, e, parts, starts[s], ends[e - 1]))
        for s, e, parts, cs, ce in cands:
            if rule.anchor == "sender" and clause[s] != t.sender:
                continue
            if rule.anchor == "head" and not _title(t, s):
                continue
            if not all(scan.present(lab, s, scope) for lab, scope in rule.requires):
                continue
            if any(scan.present(lab, s, scope) for lab, scope in rule.unless):
                continue
            if rule.negatable and scan.negated(s, e, parts):
                continue
            if rule.debtor_exempt and scan.debtor_subject(s, rule.debtor_exempt):
                continue
            out.append(Match(rule.id, rule.code, cs, ce))
    return out
