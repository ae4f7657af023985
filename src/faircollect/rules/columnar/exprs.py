"""Vocabulary nodes -> Ibis value expressions, against one table (`Env`).

Values: instants are TIMESTAMPTZ, dates are integers (days since 1970-01-01), times of day
are seconds. Booleans are never null (`cond`): a null in a boolean position reads as false,
a comparison or membership test with a null side is false (vocab's docstring).

DuckDB evaluates every operand of AND/OR inside a projection or an aggregate's FILTER, but
only the selected rows of a CASE branch: `And`/`Or` become CASE chains, so a rule's costly
parts (time zones, lists, aggregates) are only computed where its cheap parts hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import ibis

from faircollect.rules.columnar import sqltime as st
from faircollect.rules.columnar.nodes import HoursParam, InstanceIs, const_int, secs
from faircollect.rules.model import CHANNELS, PARTIES
from faircollect.rules.vocab import (
    AddDays,
    And,
    Cmp,
    Coalesce,
    Const,
    Ev,
    Fact,
    If,
    In,
    IsEmpty,
    IsNull,
    LocalDate,
    LocalTimeInAllZones,
    Node,
    Not,
    Or,
    Outer,
    Value,
    children,
)

__all__ = ["BITS", "Env", "cond", "expr", "lazy_and", "lit"]

_EPOCH = date(1970, 1, 1)

#: categorical facts held as one-hot bits in `cases` (`_b_<name>`): membership is a bit test
BITS: dict[str, tuple[str, ...]] = {"action.channel": CHANNELS, "action.party": PARTIES}
_BIT_COLUMNS = {"action.channel": "_chbit", "action.party": "_pabit"}

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda x, y: x == y,
    "!=": lambda x, y: x != y,
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
}


def lit(v: Value) -> Any:
    if v is None:
        return ibis.null()
    if isinstance(v, bool):
        return ibis.literal(v, type="boolean")
    if isinstance(v, int):
        return ibis.literal(v, type="int64")
    if isinstance(v, str):
        return ibis.literal(v, type="string")
    if isinstance(v, datetime):
        return ibis.literal(v.astimezone(UTC), type=st.TS)
    if isinstance(v, date):
        return ibis.literal((v - _EPOCH).days, type="int64")
    raise TypeError(f"no scalar literal for {v!r}")


@dataclass
class Env:
    """How nodes read one table: precomputed nodes by column name, entry columns by prefix."""

    table: Any
    names: Mapping[Node, str]
    ev: str | None = None  # prefix of the tested entry's columns (None: case scope)
    outer: str | None = None  # prefix of the enclosing entry's columns
    case: bool = False  # case scope: the derived per-case columns are available
    eager: bool = False  # plain AND/OR (no CASE chains): filters DuckDB pushes into scans


def _false() -> Any:
    return ibis.literal(False)


def lazy_and(xs: Sequence[Any], costly: Sequence[bool] | None = None) -> Any:
    """AND of never-null booleans: the cheap ones combined with AND (vectorised), then each
    costly one evaluated only where everything before holds (a CASE; deep CASE chains cost
    more than cheap operands, so only costly operands get one)."""
    flags = list(costly) if costly is not None else [True] * len(xs)
    cheap = [x for x, c in zip(xs, flags, strict=True) if not c]
    dear = [x for x, c in zip(xs, flags, strict=True) if c]
    out = _fold(lambda a, b: a & b, cheap) if cheap else None
    for x in dear:
        out = x if out is None else ibis.ifelse(out, x, _false())
    return out if out is not None else ibis.literal(True)


def _lazy_or(xs: Sequence[Any], costly: Sequence[bool]) -> Any:
    cheap = [x for x, c in zip(xs, costly, strict=True) if not c]
    dear = [x for x, c in zip(xs, costly, strict=True) if c]
    out = _fold(lambda a, b: a | b, cheap) if cheap else None
    for x in dear:
        out = x if out is None else ibis.ifelse(out, ibis.literal(True), x)
    return out if out is not None else _false()


def _fold(f: Callable[[Any, Any], Any], xs: Sequence[Any]) -> Any:
    """Balanced fold (keeps the SQL shallow)."""
    if len(xs) == 1:
        return xs[0]
    mid = len(xs) // 2
    return f(_fold(f, xs[:mid]), _fold(f, xs[mid:]))


def costly(node: Node, env: Env) -> bool:
    """Worth a CASE: time-zone conversions, list scans, string sets, aggregates' values are
    columns (cheap)."""
    if env.eager or env.names.get(node) is not None:
        return False
    if isinstance(node, Ev | Outer):
        return node.column in ("local_date", "debt_ids")
    if isinstance(node, LocalDate):
        return not (node.arg == Fact("now") and env.case) or costly(node.arg, env)
    if isinstance(node, In):
        if not isinstance(node.collection, Const):
            return True
        item = node.item
        if isinstance(item, Fact) and item.name in BITS and env.case:
            return False
        return costly(item, env)
    if isinstance(node, Fact):
        return False
    return any(costly(c, env) for c in children(node))


def expr(node: Node, env: Env) -> Any:
    """The Ibis value of a node."""
    name = env.names.get(node)
    if name is not None:
        return env.table[name]
    if isinstance(node, Const):
        return lit(node.value)
    if isinstance(node, Fact):
        if node.name == "now" and env.case:
            return env.table["now"]
        raise KeyError(f"fact {node.name} is not available here")
    if isinstance(node, Ev | Outer):
        prefix = env.ev if isinstance(node, Ev) else env.outer
        if prefix is None:
            raise KeyError(f"{node!r} outside an aggregate")
        if node.column == "local_date":
            return st.local_day(env.table["_z1"], env.table[f"{prefix}at"])
        return env.table[f"{prefix}{node.column}"]
    if isinstance(node, Cmp | In | IsNull | IsEmpty | And | Or | Not | LocalTimeInAllZones):
        return cond(node, env)
    if isinstance(node, InstanceIs):
        return cond(node, env)
    if isinstance(node, If):
        c = cond(node.cond, env)
        then, other = node.then, node.otherwise
        if isinstance(then, Const) and then.value is None:
            o = expr(other, env)
            return ibis.ifelse(c, ibis.null(o.type()), o)
        t = expr(then, env)
        if isinstance(other, Const) and other.value is None:
            return ibis.ifelse(c, t, ibis.null(t.type()))
        return ibis.ifelse(c, t, expr(other, env))
    if isinstance(node, Coalesce):
        args = [expr(a, env) for a in node.args if not (isinstance(a, Const) and a.value is None)]
        if not args:
            return ibis.null()
        return args[0] if len(args) == 1 else ibis.coalesce(*args)
    if isinstance(node, LocalDate):
        if node.arg == Fact("now") and env.case:
            return env.table["_today"]
        v = expr(node.arg, env)
        if v.type().is_timestamp():
            return st.local_day(env.table["_z1"], v)
        return v
    if isinstance(node, AddDays):
        n = const_int(node.days)
        v = expr(node.arg, env)
        if v.type().is_timestamp():
            return v + ibis.interval(hours=24 * n)
        return v + n
    if isinstance(node, HoursParam):
        raise TypeError("the contact-hours parameters are only usable in LocalTimeInAllZones")
    raise TypeError(f"{type(node).__name__} must be precomputed before compiling {node!r}")


def _bits(name: str, values: frozenset[str] | tuple[str, ...]) -> int:
    domain = BITS[name]
    return sum(1 << domain.index(v) for v in values if v in domain)


def cond(node: Node, env: Env) -> Any:
    """A never-null boolean."""
    name = env.names.get(node)
    if name is not None:
        return env.table[name].fill_null(False)
    if isinstance(node, InstanceIs):
        return env.table["_pk"] == node.index
    if isinstance(node, Cmp):
        left, right = node.left, node.right
        if (isinstance(left, Const) and left.value is None) or (
            isinstance(right, Const) and right.value is None
        ):
            return _false()
        return _OPS[node.op](expr(left, env), expr(right, env)).fill_null(False)
    if isinstance(node, In):
        item, coll = node.item, node.collection
        if isinstance(coll, Const):
            values = coll.value
            if not isinstance(values, frozenset | tuple):
                raise TypeError("In: a constant collection must be a frozenset or tuple")
            if not values:
                return _false()
            if isinstance(item, Const):
                return ibis.literal(item.value is not None and item.value in values)
            if isinstance(item, Fact) and item.name in BITS and env.case:
                col = env.table[_BIT_COLUMNS[item.name]]
                return ((col & _bits(item.name, values)) != 0).fill_null(False)
            return expr(item, env).isin(sorted(str(v) for v in values)).fill_null(False)
        if isinstance(item, Const) and item.value is None:
            return _false()
        return expr(coll, env).contains(expr(item, env)).fill_null(False)
    if isinstance(node, IsNull):
        if isinstance(node.arg, Const):
            return ibis.literal(node.arg.value is None)
        return expr(node.arg, env).isnull()
    if isinstance(node, IsEmpty):
        if isinstance(node.arg, Const):
            return ibis.literal(not node.arg.value)
        v = expr(node.arg, env)
        return v.isnull() | (v.length() == 0)
    if isinstance(node, And):
        return lazy_and([cond(a, env) for a in node.args], [costly(a, env) for a in node.args])
    if isinstance(node, Or):
        return _lazy_or([cond(a, env) for a in node.args], [costly(a, env) for a in node.args])
    if isinstance(node, Not):
        return ~cond(node.arg, env)
    if isinstance(node, LocalTimeInAllZones):
        if not env.case:
            raise TypeError("LocalTimeInAllZones outside case scope")
        lo, hi = _bound_secs(node.start, env), _bound_secs(node.end, env)
        return ((env.table["_zmin"] >= lo) & (env.table["_zmax"] < hi)).fill_null(False)
    v = expr(node, env)
    if not v.type().is_boolean():
        raise TypeError(f"{node!r} is not a condition")
    return v.fill_null(False)


def _bound_secs(node: Node, env: Env) -> Any:
    if isinstance(node, HoursParam):
        return env.table["_lo" if node.which == "lo" else "_hi"]
    if isinstance(node, Const) and isinstance(node.value, str):
        return ibis.literal(secs(node.value), type="int64")
    raise TypeError(f"LocalTimeInAllZones needs HH:MM bounds, got {node!r}")
