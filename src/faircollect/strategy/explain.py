"""Explanations in words (zh_CN and en): why each work item, and why no action.

Every reason is a code plus named values; the texts are templates (`WORK`, `NO_ACTION`).
There are two renderers of the same templates: `render` (Python, one item: the web app, the
CLI) and `render_expr` (Ibis: every row of a run, in the engine, so a ten-million-row plan
is not formatted in a Python loop). A test renders sample rows both ways and compares.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from faircollect.money import Money, exponent

from .treatments import BY_NAME, TREATMENT_NAMES

__all__ = ["NO_ACTION", "WORK", "Template", "money_text", "render", "render_expr"]


class Template(NamedTuple):
    en: str
    zh: str


WORK: dict[str, Template] = {
    "least_intrusive": Template(
        "{treatment}: the least intrusive treatment the rules allow whose expected recovery "
        "({er}) clears the threshold of segment {segment} ({threshold}).",
        "{treatment}：在规则允许的处置中干预程度最低、且预期回收（{er}）达到分群 {segment} 阈值"
        "（{threshold}）的方式。",
    ),
    "visit_lost_contact": Template(
        "Home visit as a last resort: the borrower cannot be reached, {digital} digital "
        "attempts in 14 days, expected recovery {er}; the rules allow it.",
        "上门拜访作为最后手段：借款人失联，14 天内已有 {digital} 次数字渠道尝试，"
        "预期回收 {er}；规则允许。",
    ),
    "visit_no_conversation": Template(
        "Home visit as a last resort: no conversation with the borrower for {days} days, "
        "{digital} digital attempts in 14 days, expected recovery {er}; the rules allow it.",
        "上门拜访作为最后手段：已 {days} 天未与借款人通话，14 天内已有 {digital} 次数字渠道尝试，"
        "预期回收 {er}；规则允许。",
    ),
    "most_intrusive": Template(
        "{treatment}: the most intrusive step of the segment {segment} ladder that the rules "
        "allow ({dpd} days past due).",
        "{treatment}：分群 {segment} 处置阶梯中规则允许的最严厉一步（逾期 {dpd} 天）。",
    ),
    "holdout_baseline": Template(
        "Permanent holdout: only the least intrusive treatment the rules allow ({treatment}).",
        "永久对照组：仅采用规则允许的干预程度最低的方式（{treatment}）。",
    ),
    "capacity_fallback": Template(
        "{from_treatment} was over today's capacity; {treatment} is the next less intrusive "
        "treatment the rules allow.",
        "{from_treatment} 今日已超出处理能力；{treatment} 是规则允许的下一个干预程度更低的方式。",
    ),
}

NO_ACTION: dict[str, Template] = {
    "excluded": Template(
        "Left alone by the strategy's exclusion rule.", "按策略的排除规则不作处理。"
    ),
    "no_segment": Template(
        "No segment of the strategy matches this account.", "策略中没有与该账户匹配的分群。"
    ),
    "holdout_none": Template("Permanent holdout: no treatment.", "永久对照组：不作处理。"),
    "no_window": Template(
        "No contact is allowed today in the borrower's time zone (quiet hours or the "
        "borrower's inconvenient times).",
        "今天在借款人所在时区不允许联系（静默时段或借款人要求避开的时间）。",
    ),
    "no_channel": Template(
        "None of the channels of the segment {segment} ladder is on file.",
        "分群 {segment} 处置阶梯中的渠道均无可用联系方式。",
    ),
    "conditions": Template(
        "No treatment of the segment {segment} ladder meets its escalation conditions.",
        "分群 {segment} 处置阶梯中没有满足升级条件的方式。",
    ),
    "harm_budget": Template(
        "Harm budget reached: {contacts} contacts in the last 7 days.",
        "已达伤害预算：过去 7 天已联系 {contacts} 次。",
    ),
    "rules_blocked": Template(
        "The rules block every treatment the strategy would plan; the least intrusive, "
        "{treatment}, is blocked by {rule} ({provision}).",
        "规则禁止策略可能安排的所有方式；其中干预程度最低的 {treatment} 被 {rule}"
        "（{provision}）禁止。",
    ),
    "below_threshold": Template(
        "No permitted treatment is expected to recover enough (threshold {threshold}).",
        "没有规则允许的方式能达到预期回收阈值（{threshold}）。",
    ),
    "debtor_covered": Template(
        "Today's work item for this borrower is on loan {covered_by}.",
        "该借款人今天的工作项在贷款 {covered_by} 上。",
    ),
    "capacity": Template(
        "{treatment} was over today's capacity and no less intrusive treatment is allowed.",
        "{treatment} 今日已超出处理能力，且没有规则允许的干预程度更低的方式。",
    ),
}

_FIELD = re.compile(r"\{([a-z_]+)\}")


def treatment_title(name: str, lang: str) -> str:
    t = BY_NAME[name]
    return t.title_zh if lang.startswith("zh") else t.title_en


def money_text(minor: int, currency: str) -> str:
    """ "1234.56 CNY" (plain, the same text the engine renders)."""
    return f"{Money(int(minor), currency).amount_str()} {currency}"


def render(code: str, values: Mapping[str, Any], lang: str = "en") -> str:
    """Render one reason. `values` holds plain strings/numbers; `treatment` and
    `from_treatment` are treatment names (rendered in `lang`)."""
    t = WORK.get(code) or NO_ACTION[code]
    text = t.zh if lang.startswith("zh") else t.en
    vals = dict(values)
    for k in ("treatment", "from_treatment"):
        if k in vals and vals[k] in BY_NAME:
            vals[k] = treatment_title(str(vals[k]), lang)
    return _FIELD.sub(lambda m: str(vals.get(m.group(1), "")), text)


# ---------------------------------------------------------------------------------------
# Ibis
# ---------------------------------------------------------------------------------------
def treatment_title_expr(k: Any, lang: str) -> Any:
    """Title of the treatment with index `k` (an int expression)."""
    import ibis

    return ibis.cases(
        *((k == i, treatment_title(t, lang)) for i, t in enumerate(TREATMENT_NAMES)),
        else_="",
    )


def money_text_expr(minor: Any, currency: Any, currencies: list[str]) -> Any:
    """Ibis form of `money_text` for the currencies of the run."""
    import ibis

    def fmt(exp: int) -> Any:
        if exp == 0:
            return minor.cast("string")
        scale = 10**exp
        whole = (minor // scale).cast("string")
        frac = (minor % scale).cast("string").lpad(exp, "0")
        return whole + "." + frac

    exps = {c: exponent(c) for c in currencies}
    if not exps:
        return fmt(2) + " " + currency
    body = ibis.cases(*((currency == c, fmt(e)) for c, e in exps.items()), else_=fmt(2))
    return body + " " + currency


@functools.cache
def _concat_ws(n: int) -> Any:
    """The SQL function concat_ws('', a1, ..., an) for n strings (DuckDB and Spark: one
    allocation per row; `||` chains allocate every intermediate string)."""
    import ibis
    import ibis.expr.datatypes as dt

    params = [inspect.Parameter(f"a{i}", inspect.Parameter.POSITIONAL_OR_KEYWORD)
              for i in range(n + 1)]  # fmt: skip

    def fn(*args: Any) -> Any: ...

    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    fn.__name__ = f"_concat_ws{n}"
    return ibis.udf.scalar.builtin(fn, name="concat_ws", signature=((dt.string,) * (n + 1),
                                                                    dt.string))  # fmt: skip


def _concat(parts: list[Any]) -> Any:
    import ibis

    if not parts:
        return ibis.literal("")
    if len(parts) == 1:
        return parts[0]
    return _concat_ws(len(parts))(ibis.literal(""), *parts)


def render_expr(code: Any, values: Mapping[str, tuple[Any, Any]], templates: dict[str, Template],
                lang: str) -> Any:  # fmt: skip
    """CASE code WHEN c THEN <template c with values> ... as a string expression. `values`:
    name -> (en expression, zh expression)."""
    import ibis

    idx = 1 if lang.startswith("zh") else 0
    branches = []
    for c, t in templates.items():
        text = t[idx]
        parts: list[Any] = []
        pos = 0
        for m in _FIELD.finditer(text):
            if m.start() > pos:
                parts.append(ibis.literal(text[pos : m.start()]))
            v = values[m.group(1)][idx]
            parts.append(ibis.coalesce(v.cast("string"), ""))
            pos = m.end()
        if pos < len(text):
            parts.append(ibis.literal(text[pos:]))
        branches.append((code == c, _concat(parts)))
    return ibis.cases(*branches, else_=ibis.null().cast("string"))
