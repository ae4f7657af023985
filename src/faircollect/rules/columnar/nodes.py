"""Tree utilities of the columnar interpreter: binding, scopes, classification of nodes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

from faircollect.rules.vocab import (
    FACTS,
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
    "Sum",
    "agg_inputs",
    "bind",
    "cheap",
    "conjuncts",
    "const_int",
    "days_windows",
    "dk_level",
    "event_only",
    "fold",
    "free",
    "inputs",
    "is_special",
    "nested_aggregates",
    "secs",
    "split_aggregate",
    "split_all",
    "substitute",
]


@dataclass(frozen=True, slots=True)
class HoursParam(Node):
    """A contact-hours parameter narrowed by the case's own window (`lo` / `hi`, seconds)."""

    which: str


@dataclass(frozen=True, slots=True)
class InstanceIs(Node):
    """The case is judged by pack instance `index` (a pack with one parameter snapshot)."""

    index: int


@dataclass(frozen=True, slots=True)
class Sum(Node):
    """The sum of integer terms: a `Count` split into counts over disjoint sets of entries."""

    args: tuple[Node, ...]


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


def _reads_case(c: Node) -> bool:
    """An event-scope condition that reads a case value other than `now` and the zones."""
    return not all(map(dk_level, inputs(c)))


def _null_cols(node: Node) -> set[str]:
    """Entry columns that `node` requires to be null (lists: null or empty)."""
    return {
        c.arg.column
        for c in conjuncts(node)
        if isinstance(c, IsNull | IsEmpty) and isinstance(c.arg, Ev)
    }


def _set_cols(node: Node) -> set[str]:
    """Entry columns that `node` requires to be set (lists: non-empty): a comparison or a
    membership test with a null side is false (vocab's null semantics)."""
    out: set[str] = set()
    for c in conjuncts(node):
        if isinstance(c, Cmp):
            out |= {s.column for s in (c.left, c.right) if isinstance(s, Ev)}
        elif isinstance(c, In):
            out |= {s.column for s in (c.item, c.collection) if isinstance(s, Ev)}
        elif (
            isinstance(c, Not)
            and isinstance(c.arg, IsNull | IsEmpty)
            and isinstance(c.arg.arg, Ev)
        ):
            out.add(c.arg.arg.column)
    return out


def _disjoint(a: Node, b: Node) -> bool:
    """No entry satisfies both (provably, from null requirements on one entry column)."""
    return bool(_null_cols(a) & _set_cols(b)) or bool(_null_cols(b) & _set_cols(a))


def _pairwise_disjoint(xs: tuple[Node, ...]) -> bool:
    return all(_disjoint(a, b) for i, a in enumerate(xs) for b in xs[i + 1 :])


def _nullable_facts(node: Node) -> list[Fact]:
    """Facts read by `node` that may be null (their vocab type says so), in order."""
    out = [n for n in walk(node) if isinstance(n, Fact) and "null" in FACTS[n.name]]
    return list(dict.fromkeys(out))


def split_aggregate(agg: Count | Last) -> Node:
    """Move the case-scope decisions out of an aggregate's filter, so that what is left
    depends on the case only through `Ev(col) == value` (or `value in Ev(list)`) keys where
    possible:

    - a conjunct that reads no entry: Count(R and C) = If(C, Count(R), 0)
    - a case-scope If: Count(R and If(C, P, Q)) = If(C, Count(R and P), Count(R and Q))
    - an Or mixing case and entry conditions:
      Count(R and Or(C.., E..)) = If(Or(C..), Count(R), Count(R and Or(E..)))
    - (Count only) an Or of entry conditions that no entry satisfies together (one requires
      a column null or empty that another requires set, e.g. "no number recorded, or this
      number"): Count(R and Or(A, B)) = Count(R and A) + Count(R and B)
    - a conjunct reading a nullable fact F in another way than a key (e.g. "not covered by
      the consent that ends at F"): If(IsNull(F), Count(R and C[F := null]), Count(R and C)),
      C[F := null] folded with vocab's null semantics (often to true or false)

    (`Last` alike, null instead of 0). Exact rewrites: C and F have one value per case."""
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
    import os

    if os.environ.get("FC_SPLIT", "1") != "1":
        return _with(agg, parts)
    if isinstance(agg, Count) and os.environ.get("FC_DECOMP", "1") == "1":
        for i, c in enumerate(parts):
            if (
                isinstance(c, Or)
                and free(c) == frozenset({"ev"})
                and _reads_case(c)
                and _pairwise_disjoint(c.args)
            ):
                rest = parts[:i] + parts[i + 1 :]
                return Sum(tuple(split_aggregate(_with(agg, [*rest, a])) for a in c.args))
    for i, c in enumerate(parts):
        if os.environ.get("FC_NULLSPEC", "1") != "1":
            break
        if free(c) != frozenset({"ev"}) or not _reads_case(c) or _is_key(c):
            continue
        for f in _nullable_facts(c):
            folded = fold(substitute(c, f, Const(None)))
            if folded != c:
                rest = parts[:i] + parts[i + 1 :]
                return If(IsNull(f), split_aggregate(_with(agg, [*rest, folded])), agg)
    return agg


def _is_key(c: Node) -> bool:
    """`Ev(col) == X` or `X in Ev(list)` with X a case value (what keyed passes group on)."""
    if isinstance(c, Cmp) and c.op == "==":
        for a, b in ((c.left, c.right), (c.right, c.left)):
            if isinstance(a, Ev) and not free(b) and not isinstance(b, Const):
                return True
    if isinstance(c, In) and isinstance(c.collection, Ev):
        return not free(c.item) and not isinstance(c.item, Const)
    return False


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


# -- substitution and constant folding ----------------------------------------------------
def substitute(node: Node, old: Node, new: Node) -> Node:
    """`node` with every occurrence of `old` replaced by `new`."""
    if node == old:
        return new
    if isinstance(node, Const | Fact | Ev | Outer | Ever | HoursParam | InstanceIs):
        return node
    return _map_children(node, lambda c: substitute(c, old, new))


_NULL = Const(None)
_T, _F = Const(True), Const(False)


def fold(node: Node) -> Node:
    """Constant folding with vocab's semantics: a comparison or membership test with a null
    side is false, Not(null) is true, If on null takes `otherwise`, date arithmetic and
    local dates of null are null, And/Or drop their neutral constants."""
    if isinstance(node, Const | Fact | Ev | Outer | Ever | HoursParam | InstanceIs):
        return node
    node = _map_children(node, fold)
    if isinstance(node, Cmp):
        if _NULL in (node.left, node.right):
            return _F
        if isinstance(node.left, Const) and isinstance(node.right, Const):
            lv, rv = node.left.value, node.right.value
            try:
                return Const(bool(_CMP[node.op](lv, rv)))
            except TypeError:
                return node
        return node
    if isinstance(node, In):
        if _NULL in (node.item, node.collection):
            return _F
        if isinstance(node.item, Const) and isinstance(node.collection, Const):
            coll = node.collection.value
            if isinstance(coll, frozenset | tuple):
                return Const(node.item.value in coll)
        return node
    if isinstance(node, IsNull):
        return Const(node.arg.value is None) if isinstance(node.arg, Const) else node
    if isinstance(node, IsEmpty):
        return Const(not node.arg.value) if isinstance(node.arg, Const) else node
    if isinstance(node, Not):
        if isinstance(node.arg, Const):
            return Const(not node.arg.value)
        return node
    if isinstance(node, And):
        if _F in node.args or _NULL in node.args:
            return _F
        args = [a for a in node.args if a != _T]
        return _T if not args else (args[0] if len(args) == 1 else And(*args))
    if isinstance(node, Or):
        if _T in node.args:
            return _T
        args = [a for a in node.args if a not in (_F, _NULL)]
        return _F if not args else (args[0] if len(args) == 1 else Or(*args))
    if isinstance(node, If):
        if isinstance(node.cond, Const):
            return node.then if node.cond.value is True else node.otherwise
        return node
    if isinstance(node, Coalesce):
        args = [a for a in node.args if a != _NULL]
        if not args:
            return _NULL
        if isinstance(args[0], Const):
            return args[0]
        return args[0] if len(args) == 1 else Coalesce(*args)
    if isinstance(node, LocalDate | AddDays | AddBusinessDays | InconvenientSlot):
        return _NULL if node.arg == _NULL else node
    return node


_CMP: dict[str, Callable[[object, object], object]] = {
    "==": lambda x, y: x == y,
    "!=": lambda x, y: x != y,
    "<": lambda x, y: x < y,  # type: ignore[operator]
    "<=": lambda x, y: x <= y,  # type: ignore[operator]
    ">": lambda x, y: x > y,  # type: ignore[operator]
    ">=": lambda x, y: x >= y,  # type: ignore[operator]
}
