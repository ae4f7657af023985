"""The predicate vocabulary of the rule packs (DESIGN section 5).

Every rule's condition ("the action is blocked when ...") is an expression tree built from the
frozen dataclasses below. There are two interpreters of the SAME trees:
`faircollect.rules.pyeval` (plain Python, one scenario, real time) and
`faircollect.rules.columnar` (Ibis, whole tables: accounts x candidate actions x history).
Property tests prove them equal on random histories, so the semantics below are the contract;
an interpreter that disagrees with this docstring is wrong.

Nothing in a tree is arbitrary Python: no lambdas, no callbacks. Parameters are names looked
up in the pack's dated parameter files; facts are names from the closed list `FACTS`.

Values
------
Values are: None (null), bool, int, str, date, instant (aware datetime, UTC), time-of-day
("HH:MM" text, "24:00" allowed as an end), and collections (tuple / frozenset of scalars).

Scenario scope (one value per scenario and `now`)
-------------------------------------------------
- `Const(value)`: a literal (a frozenset for membership tests).
- `Fact(name)`: a fact of the scenario as known at `now` (see `FACTS`; a fact timestamped after
  `now` is null; history entries after `now` do not exist).
- `Param(name)`: the value in force at `now` of a dated pack parameter. Interpreters substitute
  it with a `Const` before evaluation (`bind_params`).
- `Cmp(op, left, right)`, op in `==, !=, <, <=, >, >=`: false when either side is null (SQL
  semantics collapsed to false: `Cmp("!=", x, None)` is false too).
- `In(item, collection)`: item is an element of the collection; false when either is null.
- `IsNull(x)`; `IsEmpty(x)`: the collection is empty or null.
- `And(*args)`, `Or(*args)` (empty And is true, empty Or is false), `Not(x)` (Not(null) is
  true: booleans are never null in packs).
- `If(cond, then, otherwise)`: `otherwise` when cond is false or null.
- `Coalesce(*args)`: the first non-null argument, else null.
- `LocalDate(x)`: the calendar date of instant x in the debtor's FIRST candidate zone (the
  "debtor's local calendar"); null for null. `LocalDate(Fact("now"))` is "today".
- `AddDays(x, n)`: date or instant x plus n days (n an int `Const` or `Param`, may be
  negative); null for null.
- `AddBusinessDays(x, n, calendar)`: date x plus n business days, skipping Saturdays, Sundays
  and the public holidays of `calendar` ("US": the federal holidays of 5 U.S.C. 6103(a),
  python-holidays `US` with default categories). n >= 0; null for null.
- `LocalTimeInAllZones(start, end)`: true when, in EVERY candidate zone of the debtor
  (`debtor.timezones`, or the pack's default zones when empty), the local wall-clock time of
  `now` is >= start and < end. start/end are "HH:MM" ("24:00" for end of day).
- `InconvenientSlot(x)`: the consumer-designated inconvenient windows (`debtor.inconvenient`,
  read in the FIRST zone) as occurrences in time: the instant at which the occurrence that
  contains instant x started, or null when x is in no window (or x is null). A window
  [from, to) belongs to its listed weekdays (all days when `days` is null); when to < from it
  runs past midnight and belongs to the day it starts. Windows are tested in list order, for
  each the occurrence starting on x's local day before the one started the day before.

History aggregates (scan `history` entries with `at <= now`)
------------------------------------------------------------
- `Count(where, window)`: the number of entries in `window` for which the event-scope
  predicate `where` is true.
- `Last(where, column)`: `column` of the latest (greatest `at`; among equal `at`, the last in
  history order) entry in the whole history (up to `now`) for which `where` is true; null when
  none.
- Windows: `Days(n)`: the entry's local date (first zone) is within the n local days ending
  today, i.e. `LocalDate(at) >= today - (n - 1)`; `Hours(n)`: `at > now - n hours`; `Ever()`:
  every entry up to `now`. n is an int or a `Param`.

Event scope (inside `where`)
----------------------------
- `Ev(column)`: a column of the entry being tested: `at`, `local_date` (= LocalDate(at)),
  `channel`, `party`, `debt_ids` (a collection), `outcome`, `initiated_by`, `contact_point`,
  `place`, `purpose`.
- `Outer(column)`: inside a nested `Count`/`Last`, the same column of the ENCLOSING entry.
- Any scenario-scope expression may appear in event scope (its value is the same for every
  entry). An aggregate nested in `where` is evaluated per enclosing entry.

Helpers (`eq`, `ne`, `ge`, `gt`, `le`, `lt`, `exists`, `fact`, `ev`, `param`, ...) only build
trees. The packs (packs/*.py) are written with them.

What the vocabulary deliberately cannot say
-------------------------------------------
- Free-text content: the content lint (`faircollect.rules.content`) runs once per scenario
  outside the trees and its results enter as facts (`content.findings`, `content.has_opt_out`,
  `content.has_mini_miranda`). A batch over templates has no free text: those facts are empty.
- Facts not in the JSON contract come from the engine's configuration: the source of the
  action's contact point (`config.contact_point_source`, CN address-book rule) and a creditor's
  stricter contact window (which narrows the `contact_start`/`contact_end` parameters).
- Judgement calls of the law (rebutting a presumption, "reasonable period", intent) are not
  decided here; the packs encode the presumptions and bright lines and say so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Literal, TypeAlias

__all__ = [
    "EVENT_COLUMNS",
    "FACTS",
    "AddBusinessDays",
    "AddDays",
    "And",
    "Cmp",
    "Coalesce",
    "Const",
    "Count",
    "Days",
    "Ev",
    "Ever",
    "Fact",
    "Hours",
    "If",
    "In",
    "InconvenientSlot",
    "IsEmpty",
    "IsNull",
    "Last",
    "LocalDate",
    "LocalTimeInAllZones",
    "Node",
    "Not",
    "Or",
    "Outer",
    "Param",
    "Window",
    "bind_params",
    "children",
    "walk",
]

Scalar: TypeAlias = bool | int | str | date | datetime | None
Value: TypeAlias = Scalar | frozenset[str] | tuple[str, ...]
CmpOp = Literal["==", "!=", "<", "<=", ">", ">="]

#: facts a tree may name, with their types (the scenario as known at `now`)
FACTS: dict[str, str] = {
    "now": "instant",
    "action.channel": "str",
    "action.party": "str",
    "action.debt_id": "str|null",
    "action.place": "str|null",
    "action.purpose": "str",
    "action.has_content": "bool",
    "action.in_response_to_consumer": "bool",
    "action.contact_point": "str|null",
    "debtor.no_contact_places": "collection",
    "debtor.employer_prohibits": "bool",
    "debtor.attorney": "bool",
    "debtor.cease_received_at": "instant|null",
    "debtor.channel_opt_outs": "collection",
    "debtor.dispute_received_at": "instant|null",
    "debtor.verification_sent_at": "instant|null",
    "debtor.breathing_space.start": "date|null",
    "debtor.breathing_space.end": "date|null",
    "debtor.breathing_space.kind": "str|null",
    "debtor.vulnerable": "bool",
    "debtor.reachable": "bool",
    "debtor.contact_refused": "bool",
    "debtor.deceased": "bool",
    "debtor.bankruptcy": "bool",
    "debt.time_barred": "bool",
    "debt.first_communication_at": "instant|null",
    "debt.validation_notice_sent_at": "instant|null",
    "debt.call_consent_until": "instant|null",
    "content.findings": "collection (finding codes of the content lint; empty without content)",
    "content.has_opt_out": "bool|null (null without content)",
    "content.has_mini_miranda": "bool|null (null without content)",
    "config.contact_point_source": "str|null (engine config: source of action.contact_point)",
}

EVENT_COLUMNS: frozenset[str] = frozenset(
    {
        "at",
        "local_date",
        "channel",
        "party",
        "debt_ids",
        "outcome",
        "initiated_by",
        "contact_point",
        "place",
        "purpose",
    }
)


class Node:
    """Base of every vocabulary node (frozen dataclasses, hashable, comparable)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Const(Node):
    value: Value


@dataclass(frozen=True, slots=True)
class Fact(Node):
    name: str

    def __post_init__(self) -> None:
        if self.name not in FACTS:
            raise ValueError(f"unknown fact {self.name!r}")


@dataclass(frozen=True, slots=True)
class Param(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Cmp(Node):
    op: CmpOp
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class In(Node):
    item: Node
    collection: Node


@dataclass(frozen=True, slots=True)
class IsNull(Node):
    arg: Node


@dataclass(frozen=True, slots=True)
class IsEmpty(Node):
    arg: Node


@dataclass(frozen=True, slots=True, init=False)
class And(Node):
    args: tuple[Node, ...]

    def __init__(self, *args: Node) -> None:
        object.__setattr__(self, "args", tuple(args))


@dataclass(frozen=True, slots=True, init=False)
class Or(Node):
    args: tuple[Node, ...]

    def __init__(self, *args: Node) -> None:
        object.__setattr__(self, "args", tuple(args))


@dataclass(frozen=True, slots=True)
class Not(Node):
    arg: Node


@dataclass(frozen=True, slots=True)
class If(Node):
    cond: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True, init=False)
class Coalesce(Node):
    args: tuple[Node, ...]

    def __init__(self, *args: Node) -> None:
        object.__setattr__(self, "args", tuple(args))


@dataclass(frozen=True, slots=True)
class LocalDate(Node):
    arg: Node


@dataclass(frozen=True, slots=True)
class AddDays(Node):
    arg: Node
    days: Node  # an int Const or a Param


@dataclass(frozen=True, slots=True)
class AddBusinessDays(Node):
    arg: Node
    days: Node  # an int Const or a Param
    calendar: Literal["US"] = "US"


@dataclass(frozen=True, slots=True)
class LocalTimeInAllZones(Node):
    start: Node
    end: Node


@dataclass(frozen=True, slots=True)
class InconvenientSlot(Node):
    arg: Node


# -- windows and aggregates ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Days(Node):
    n: Node


@dataclass(frozen=True, slots=True)
class Hours(Node):
    n: Node


@dataclass(frozen=True, slots=True)
class Ever(Node):
    pass


Window: TypeAlias = Days | Hours | Ever


@dataclass(frozen=True, slots=True)
class Count(Node):
    where: Node
    window: Window


@dataclass(frozen=True, slots=True)
class Last(Node):
    where: Node
    column: str

    def __post_init__(self) -> None:
        if self.column not in EVENT_COLUMNS:
            raise ValueError(f"unknown event column {self.column!r}")


@dataclass(frozen=True, slots=True)
class Ev(Node):
    column: str

    def __post_init__(self) -> None:
        if self.column not in EVENT_COLUMNS:
            raise ValueError(f"unknown event column {self.column!r}")


@dataclass(frozen=True, slots=True)
class Outer(Node):
    column: str

    def __post_init__(self) -> None:
        if self.column not in EVENT_COLUMNS:
            raise ValueError(f"unknown event column {self.column!r}")


# -- traversal ------------------------------------------------------------------------------
def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of a node."""
    out: list[Node] = []
    for f in fields(node):  # type: ignore[arg-type]
        v = getattr(node, f.name)
        if isinstance(v, Node):
            out.append(v)
        elif isinstance(v, tuple):
            out.extend(x for x in v if isinstance(x, Node))
    return tuple(out)


def walk(node: Node) -> Iterator[Node]:
    """Pre-order traversal."""
    yield node
    for c in children(node):
        yield from walk(c)


def bind_params(node: Node, values: dict[str, Value]) -> Node:
    """Replace every `Param` by the `Const` of its value (KeyError for an unknown name)."""
    if isinstance(node, Param):
        return Const(values[node.name])
    if isinstance(node, Const | Fact | Ev | Outer | Ever):
        return node
    kwargs: dict[str, object] = {}
    for f in fields(node):  # type: ignore[arg-type]
        v = getattr(node, f.name)
        if isinstance(v, Node):
            kwargs[f.name] = bind_params(v, values)
        elif isinstance(v, tuple) and v and all(isinstance(x, Node) for x in v):
            kwargs[f.name] = tuple(bind_params(x, values) for x in v)
        else:
            kwargs[f.name] = v
    if isinstance(node, And | Or | Coalesce):
        args = kwargs["args"]
        assert isinstance(args, tuple)
        return type(node)(*args)
    return type(node)(**kwargs)


# -- builders (readability of the packs) ----------------------------------------------------
def const(v: Value) -> Const:
    return Const(v)


def fact(name: str) -> Fact:
    return Fact(name)


def param(name: str) -> Param:
    return Param(name)


def ev(column: str) -> Ev:
    return Ev(column)


def outer(column: str) -> Outer:
    return Outer(column)


def _n(x: Node | Value) -> Node:
    return x if isinstance(x, Node) else Const(x)


def eq(a: Node | Value, b: Node | Value) -> Cmp:
    return Cmp("==", _n(a), _n(b))


def ne(a: Node | Value, b: Node | Value) -> Cmp:
    return Cmp("!=", _n(a), _n(b))


def ge(a: Node | Value, b: Node | Value) -> Cmp:
    return Cmp(">=", _n(a), _n(b))


def gt(a: Node | Value, b: Node | Value) -> Cmp:
    return Cmp(">", _n(a), _n(b))


def le(a: Node | Value, b: Node | Value) -> Cmp:
    return Cmp("<=", _n(a), _n(b))


def lt(a: Node | Value, b: Node | Value) -> Cmp:
    return Cmp("<", _n(a), _n(b))


def one_of(item: Node, *values: str) -> In:
    return In(item, Const(frozenset(values)))


def contains(collection: Node, item: Node | Value) -> In:
    return In(_n(item), collection)


def exists(where: Node, window: Window | None = None) -> Cmp:
    return Cmp(">", Count(where, window or Ever()), Const(0))


def none_(where: Node, window: Window | None = None) -> Cmp:
    return Cmp("==", Count(where, window or Ever()), Const(0))


def days(n: int | str) -> Days:
    return Days(Param(n) if isinstance(n, str) else Const(n))


def hours(n: int | str) -> Hours:
    return Hours(Param(n) if isinstance(n, str) else Const(n))


def add_days(x: Node, n: int | str) -> AddDays:
    return AddDays(x, Param(n) if isinstance(n, str) else Const(n))


def add_business_days(x: Node, n: int | str, calendar: Literal["US"] = "US") -> AddBusinessDays:
    return AddBusinessDays(x, Param(n) if isinstance(n, str) else Const(n), calendar)


def today() -> LocalDate:
    return LocalDate(Fact("now"))


def is_set(x: Node) -> Not:
    return Not(IsNull(x))
