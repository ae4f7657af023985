"""Tree utilities of the columnar interpreter: binding, scopes, classification of nodes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

from faircollect.rules.vocab import (
    AddBusinessDays,
    AddDays,
    And,
    Cmp,
    Coalesce,
    Const,
    Count,
    Days,
    Ev,
    Ever,
    Fact,
    Hours,
    If,
    In,
    InconvenientSlot,
    IsEmpty,
    IsNull,
    Last,
    LocalDate,
    LocalTimeInAllZones,
    Node,
    Not,
    Or,
    Outer,
    Param,
    Value,
    children,
    walk,
)

__all__ = [
    "HoursParam",
    "InstanceIs",
    "agg_inputs",
    "bind",
    "cheap",
    "conjuncts",
    "const_int",
    "days_windows",
    "dk_level",
    "event_only",
    "free",
    "inputs",
    "is_special",
    "nested_aggregates",
    "secs",
    "split_aggregate",
    "split_all",
]


@dataclass(frozen=True, slots=True)
class HoursParam(Node):
    """A contact-hours parameter narrowed by the case's own window (`lo` / `hi`, seconds)."""

    which: str


@dataclass(frozen=True, slots=True)
class InstanceIs(Node):
    """The case is judged by pack instance `index` (a pack with one parameter snapshot)."""

    index: int


def bind(node: Node, values: Mapping[str, Value], hours: Mapping[str, str]) -> Node:
    """`vocab.bind_params`, except that the hours parameters become per-case columns."""
    if isinstance(node, Param):
        if node.name in hours:
            return HoursParam(hours[node.name])
        return Const(values[node.name])
    if isinstance(node, Const | Fact | Ev | Outer | Ever | HoursParam | InstanceIs):
        return node
    kwargs: dict[str, object] = {}
    for f in fields(node):  # type: ignore[arg-type]
        v = getattr(node, f.name)
        if isinstance(v, Node):
            kwargs[f.name] = bind(v, values, hours)
        elif isinstance(v, tuple) and v and all(isinstance(x, Node) for x in v):
            kwargs[f.name] = tuple(bind(x, values, hours) for x in v)
        else:
            kwargs[f.name] = v
    if isinstance(node, And | Or | Coalesce):
        args = kwargs["args"]
        assert isinstance(args, tuple)
        return type(node)(*args)
    return type(node)(**kwargs)


_FREE: dict[int, tuple[Node, frozenset[str]]] = {}


def free(node: Node) -> frozenset[str]:
    """Free event references: "ev" (the entry tested) and/or "outer" (the enclosing one)."""
    hit = _FREE.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    out: frozenset[str]
    if isinstance(node, Ev):
        out = frozenset({"ev"})
    elif isinstance(node, Outer):
        out = frozenset({"outer"})
    elif isinstance(node, Count | Last):
        out = frozenset({"ev"}) if "outer" in free(node.where) else frozenset()
    else:
        out = frozenset()
        for c in children(node):
            out |= free(c)
    _FREE[id(node)] = (node, out)  # the node is kept alive, so its id stays unique
    return out


_SPECIAL = (Count, Last, InconvenientSlot, AddBusinessDays)


def is_special(node: Node) -> bool:
    """A case-scope node whose value needs other rows (history, windows, a calendar)."""
    return isinstance(node, _SPECIAL) and not free(node)


def cheap(node: Node) -> bool:
    """A case-scope node computable from the case row alone."""
    return not free(node) and not any(is_special(n) for n in walk(node))


def conjuncts(node: Node) -> list[Node]:
    if isinstance(node, And):
        return [c for a in node.args for c in conjuncts(a)]
    return [node]


def inputs(node: Node) -> list[Node]:
    """Maximal case-scope subtrees (not constants, not windows) of an event-scope tree."""
    if isinstance(node, Const | Days | Hours | Ever):
        return []
    if not free(node):
        return [node]
    if isinstance(node, Count | Last):
        return inputs(node.where)
    return [x for c in children(node) for x in inputs(c)]


def agg_inputs(agg: Count | Last) -> list[Node]:
    """The case values an aggregate's filter reads (also through nested aggregates)."""
    return list(dict.fromkeys(inputs(agg.where)))


_DK_NODES = (
    Const,
    Cmp,
    In,
    IsNull,
    IsEmpty,
    And,
    Or,
    Not,
    If,
    Coalesce,
    LocalDate,
    AddDays,
    LocalTimeInAllZones,
)


def dk_level(node: Node) -> bool:
    """Depends on the case only through `now` and the candidate zones."""
    for n in walk(node):
        if isinstance(n, Fact):
            if n.name != "now":
                return False
        elif not isinstance(n, _DK_NODES):
            return False
    return True


_EVENT_ONLY = (Const, Cmp, In, IsNull, IsEmpty, And, Or, Not, If, Coalesce)


def event_only(node: Node) -> bool:
    """Reads only the tested entry's stored columns and constants (a history pre-filter)."""
    for n in walk(node):
        if isinstance(n, Ev):
            if n.column == "local_date":
                return False
        elif not isinstance(n, _EVENT_ONLY):
            return False
    return True


def days_windows(node: Node) -> set[int]:
    return {const_int(n.n) for n in walk(node) if isinstance(n, Days)}


def const_int(node: Node) -> int:
    if not isinstance(node, Const) or not isinstance(node.value, int):
        raise TypeError(f"expected a bound integer, got {node!r}")
    return node.value


def secs(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 3600 + int(m) * 60


def nested_aggregates(node: Node) -> list[Count | Last]:
    """Top-most aggregates in an event-scope tree that read the enclosing entry."""
    if isinstance(node, Count | Last):
        return [node] if free(node) else []
    return [x for c in children(node) for x in nested_aggregates(c)]


# -- case splitting ---------------------------------------------------------------------
def _zero(agg: Count | Last) -> Const:
    return Const(0) if isinstance(agg, Count) else Const(None)


def _with(agg: Count | Last, parts: list[Node]) -> Count | Last:
    where: Node = parts[0] if len(parts) == 1 else (And(*parts) if parts else Const(True))
    if isinstance(agg, Count):
        return Count(where, agg.window)
    return Last(where, agg.column)


def _or_of(parts: list[Node]) -> Node:
    return parts[0] if len(parts) == 1 else Or(*parts)


def split_aggregate(agg: Count | Last) -> Node:
    """Move the case-scope decisions out of an aggregate's filter, so that what is left
    depends on the case only through `Ev(col) == value` keys where possible:

    - a conjunct that reads no entry: Count(R and C) = If(C, Count(R), 0)
    - a case-scope If: Count(R and If(C, P, Q)) = If(C, Count(R and P), Count(R and Q))
    - an Or mixing case and entry conditions:
      Count(R and Or(C.., E..)) = If(Or(C..), Count(R), Count(R and Or(E..)))

    (`Last` alike, null instead of 0). Exact rewrites: C has one value per case."""
    parts = [c for c in conjuncts(agg.where) if c != Const(True)]
    if Const(False) in parts:
        return _zero(agg)
    for i, c in enumerate(parts):
        rest = parts[:i] + parts[i + 1 :]
        if not free(c):
            return If(c, split_aggregate(_with(agg, rest)), _zero(agg))
        if isinstance(c, If) and not free(c.cond):
            return If(
                c.cond,
                split_aggregate(_with(agg, [*rest, c.then])),
                split_aggregate(_with(agg, [*rest, c.otherwise])),
            )
        if isinstance(c, Or):
            case = [a for a in c.args if not free(a)]
            ev = [a for a in c.args if free(a)]
            if case and ev:
                return If(
                    _or_of(case),
                    split_aggregate(_with(agg, rest)),
                    split_aggregate(_with(agg, [*rest, _or_of(ev)])),
                )
    return agg


def split_all(node: Node) -> Node:
    """`split_aggregate` applied to every case-scope aggregate of a tree (also those read
    inside other aggregates' filters)."""
    if isinstance(node, Count | Last):
        inner = _rebuild_where(node)
        return split_aggregate(inner) if not free(inner) else inner
    if isinstance(node, Const | Fact | Ev | Outer | Ever | HoursParam | InstanceIs):
        return node
    return _map_children(node, split_all)


def _rebuild_where(agg: Count | Last) -> Count | Last:
    where = _split_inside(agg.where)
    if isinstance(agg, Count):
        return Count(where, agg.window)
    return Last(where, agg.column)


def _split_inside(node: Node) -> Node:
    """Inside an event-scope filter: split the case-scope subtrees' aggregates."""
    if not free(node):
        return split_all(node)
    if isinstance(node, Count | Last):
        return _rebuild_where(node)
    if isinstance(node, Ev | Outer):
        return node
    return _map_children(node, _split_inside)


def _map_children(node: Node, fn: Callable[[Node], Node]) -> Node:
    kwargs: dict[str, object] = {}
    for fl in fields(node):  # type: ignore[arg-type]
        v = getattr(node, fl.name)
        if isinstance(v, Node):
            kwargs[fl.name] = fn(v)
        elif isinstance(v, tuple) and v and all(isinstance(x, Node) for x in v):
            kwargs[fl.name] = tuple(fn(x) for x in v)
        else:
            kwargs[fl.name] = v
    if isinstance(node, And | Or | Coalesce):
        args = kwargs["args"]
        assert isinstance(args, tuple)
        return type(node)(*args)
    return type(node)(**kwargs)
