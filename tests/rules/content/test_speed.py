"""Speed after warm-up, per 100-character message (target: < 300 µs; the assertion leaves
room for a loaded CI machine). Run with -s to see the figures."""

from __future__ import annotations

import time
from collections.abc import Callable

from faircollect.rules.content import lint, warm_up

from .corpus import CLEAN_EN, CLEAN_ZH, FLAGGED_EN, FLAGGED_ZH, Case


def _messages(cases: list[Case]) -> list[str]:
    """Distinct 100-character messages cut from the corpus."""
    out: list[str] = []
    buf = ""
    for text, _, _ in cases * 2:
        buf += text
        while len(buf) >= 100:
            out.append(buf[:100])
            buf = buf[100:]
    return out


def _best_us(f: Callable[[str], object], msgs: list[str], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for m in msgs:
            f(m)
        best = min(best, (time.perf_counter() - t) / len(msgs) * 1e6)
    return best


def test_lint_speed_per_100_characters() -> None:
    warm_up()
    zh = _messages(FLAGGED_ZH + CLEAN_ZH)
    en = _messages(FLAGGED_EN + CLEAN_EN)
    assert len(zh) > 50 and len(en) > 50
    zh_us = _best_us(lint, zh)
    en_us = _best_us(lint, en)
    print(f"\nlint per 100-char message: zh {zh_us:.0f} µs, en {en_us:.0f} µs")
    assert zh_us < 600
    assert en_us < 200
