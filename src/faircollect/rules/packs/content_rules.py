"""Rules fed by the content lint: one rule per group of finding codes.

The engine runs `faircollect.rules.content.lint` once per scenario when `action.content` is not
null and exposes the finding codes as the fact `content.findings`; a content rule is blocked
when any of its codes was found. The violation message quotes the offending excerpt.
"""

from __future__ import annotations

from collections.abc import Mapping

from faircollect.rules.pack import Rule
from faircollect.rules.packs.common import ALL_CHANNELS, ALL_PARTIES
from faircollect.rules.params import Text
from faircollect.rules.vocab import Const, Fact, In, Node, Or


def found_any(codes: frozenset[str]) -> Node:
    """Some finding of the content lint has one of `codes`."""
    return Or(*(In(Const(c), Fact("content.findings")) for c in sorted(codes)))


def content_rules(
    prefix: str, mapping: Mapping[str, tuple[str, Text, frozenset[str]]]
) -> tuple[Rule, ...]:
    out = []
    for rule_id, (provision, message, codes) in mapping.items():
        if not rule_id.startswith(f"{prefix}:"):
            raise ValueError(f"{rule_id}: expected prefix {prefix}:")
        out.append(
            Rule(
                id=rule_id,
                provision=provision,
                title=message,
                message=message,
                when=found_any(codes),
                channels=ALL_CHANNELS,
                parties=ALL_PARTIES,
                explain=Text(
                    "Checked on the action's text by the content lint (finding codes: "
                    + ", ".join(sorted(codes))
                    + ").",
                    "由内容检查对动作文本进行检查（发现代码：" + "、".join(sorted(codes)) + "）。",
                ),
                findings=codes,
            )
        )
    return tuple(out)


__all__ = ["content_rules", "found_any"]
