"""Importing the lint builds nothing; jieba is built once, on the first Chinese text."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r"""
import sys
import faircollect.rules.content as c
from faircollect.rules.content import tokens
assert "jieba" not in sys.modules, "jieba imported at package import"
assert not tokens.jieba_ready()
assert c.lint("Pay now, deadbeat.")
assert not tokens.jieba_ready(), "an English text built jieba"
assert c.lint("你这个老赖")
first = tokens._jieba
assert first is not None
assert c.lint("再不还钱就爆你通讯录")
assert tokens._jieba is first, "jieba built twice"
print("ok")
"""


def test_import_is_lazy_and_jieba_is_built_once() -> None:
    out = subprocess.run(
        # default warning filters: jieba's own source has invalid escapes (compile-time
        # DeprecationWarning) that are not ours to fix
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
    assert out.stderr == "", "jieba must not log to stderr"
