"""The Ibis interpreter of the rule vocabulary (`faircollect.rules.vocab`): `decide`.

How the selected packs become ONE query:

1. Instances: each pack with each parameter snapshot in force (one per pack with `as_of`).
   Every rule's `Rule.condition()` is bound (parameters -> constants; the hours parameters ->
   per-case columns narrowed by the creditor's window) and prefixed with "the case belongs to
   this instance" (`_pk`, from `pack` and the UTC date of `now`).
2. `T0`: the cases with derived columns: candidate zones (`_zkey`, the pack's defaults when
   empty), first zone `_z1`, hours `_lo`/`_hi` (seconds), channel and party as one-hot bits
   (rule gates become bit tests), timestamped facts dated after `now` nulled, dates as
   integers. Everything that depends only on (`now`, zones) is computed ONCE per distinct
   pair in a small "time table" and joined: today's local date, the earliest and latest local
   time of day over the candidate zones (`LocalTimeInAllZones` = earliest >= start and
   latest < end), the first instant of each local day that starts a `Days(n)` window.
3. Aggregates are first split (`nodes.split_aggregate`, exact rewrites): a case-scope
   condition inside a filter moves out as an If around simpler aggregates, so that e.g.
   "attempts to this number, or to this party when the number is unknown" becomes two
   aggregates keyed on one column each.
4. Special nodes (need other rows): history aggregates (`Count`, `Last`), `InconvenientSlot`
   (unnests the designated windows), `AddBusinessDays` (joins a calendar made by the Python
   implementation, 1970-2099). Each distinct node (US and US-MA share theirs) is computed once,
   only for the cases where its value can matter: its guard is the disjunction, over its
   occurrences, of the conditions on the path to it (instance, channel/party gate, sibling
   conjuncts of an And, negated siblings of an Or, the branch of an If...) that need no other
   rows. Nodes whose inputs read other special nodes come in a later layer.
5. Per layer, the history is joined ONCE with the distinct (debtor, now, zones) of the cases
   (entries after `now` dropped) and shared. Aggregates that read the case only through
   `Ev(col) == <case value>` keys (and `now`, zones) are computed per (debtor, now, zones,
   key columns) — one GROUP BY per key signature, e.g. "connected calls today" (no key),
   "the party's latest own contact" (party) — and matched back on the cases' values. The
   others (e.g. "calls about this debt to this person", which reads the action's debt and
   contact point) in ONE join of the guarded cases with that history, each filtered by its
   own guard. Every pass pre-filters the history with the disjunction of its aggregates'
   entry-only conjuncts. An aggregate nested in a filter that reads the enclosing entry
   (`Outer`) is computed per (debtor, values of the enclosing entry's key columns) when it can
   be (e.g. "this number was found wrong"), else per enclosing entry by a self-join.
6. Each distinct rule condition is then a plain boolean, evaluated only where its instance
   and channel/party gates hold; per case the violated rules of its instance form a bitmask;
   the few distinct (instance, bitmask) pairs are turned into rule ids and provisions.

Only DuckDB: local times use its ICU functions (`timezone()`); no lambdas are emitted (Ibis 12
still writes DuckDB's deprecated `->` syntax).

Null semantics and laziness: see `faircollect.rules.columnar.exprs`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from functools import cache, lru_cache
from typing import Any

import duckdb
import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa  # type: ignore[import-untyped]

from faircollect.rules.columnar import sqltime as st
from faircollect.rules.columnar.exprs import BITS, Env, cond, costly, expr, lazy_and
from faircollect.rules.columnar.nodes import (
    HoursParam,
    InstanceIs,
    agg_inputs,
    bind,
    cheap,
    conjuncts,
    const_int,
    days_windows,
    dk_level,
    event_only,
    free,
    inputs,
    is_special,
    nested_aggregates,
    secs,
    split_all,
)
from faircollect.rules.columnar.schema import (
    CASES_SCHEMA,
    FACT_COLUMNS,
    HISTORY_SCHEMA,
    OUTPUT_COLUMNS,
)
from faircollect.rules.engine import EngineConfig
from faircollect.rules.pack import Pack, Rule
from faircollect.rules.packs import PACK_IDS, get_pack
from faircollect.rules.params import values_at
from faircollect.rules.pyeval import add_business_days
from faircollect.rules.vocab import (
    FACTS,
    AddBusinessDays,
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
    IsNull,
    Last,
    Node,
    Not,
    Or,
    Outer,
    Value,
    children,
    walk,
)

__all__ = ["CompiledSQL", "compile_sql", "decide", "decide_arrow"]

_EPOCH = date(1970, 1, 1)
_CAL_START, _CAL_END = date(1970, 1, 1), date(2099, 12, 31)
_DK = ("debtor_key", "_tk")  # a debtor at one instant (`now`), seen from one set of zones
_HISTORY_COLUMNS = tuple(f.name for f in HISTORY_SCHEMA)
_PLAIN = frozenset(_HISTORY_COLUMNS) - {"debtor_key", "seq", "debt_ids"}
_KNOWN_AT_NOW = (
    "debtor.cease_received_at",
    "debtor.dispute_received_at",
    "debtor.verification_sent_at",
    "debt.first_communication_at",
    "debt.validation_notice_sent_at",
)
_DATE_FACTS = ("debtor.breathing_space.start", "debtor.breathing_space.end")
_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_TRUE = Const(True)


# ---------------------------------------------------------------------------------------
# DuckDB aggregate built-ins (typed per use)
# ---------------------------------------------------------------------------------------
def _agg_stub(arg: Any, val: Any) -> Any: ...


@cache
def _agg_builtin(name: str, arg: dt.DataType, val: dt.DataType) -> Any:
    return ibis.udf.agg.builtin(_agg_stub, name=name, signature=((arg, val), arg))


def _arg_min(value: Any, key: Any, where: Any = None) -> Any:
    return _agg_builtin("arg_min", value.type(), key.type())(value, key, where=where)


@lru_cache(maxsize=8)
def _business_calendar(n: int, calendar: str) -> pa.Table:
    """day -> day plus n business days, by `pyeval.add_business_days` (one definition)."""
    start = (_CAL_START - _EPOCH).days
    days = (_CAL_END - _CAL_START).days + 1
    res = [
        (add_business_days(date.fromordinal(_CAL_START.toordinal() + i), n, calendar) - _EPOCH).days
        for i in range(days)
    ]
    return pa.table(
        {"day": pa.array(range(start, start + days), pa.int64()), "res": pa.array(res, pa.int64())}
    )


# ---------------------------------------------------------------------------------------
# instances, frames, special nodes
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Instance:
    index: int
    pack: Pack
    first: date | None  # first UTC day judged by it (None: unbounded)
    end: date | None  # first UTC day after it
    values: Mapping[str, Value]
    hours: Mapping[str, str]
    rules: tuple[tuple[Rule, Node], ...]  # (rule, bound condition without the instance test)
    whens: tuple[Node, ...]  # the bound `when` of each rule (its gates tested apart)


@dataclass(frozen=True)
class _Frame:
    """Rows at which aggregates are evaluated (a key, the debtor/now/zones columns)."""

    table: Any
    key: tuple[str, ...]
    inputs: Mapping[Node, str]  # case values read by the filters -> columns
    depth: int  # the tested entries' columns are e{depth}_*, the enclosing ones e{depth-1}_*


@dataclass
class _Special:
    node: Node
    name: str
    occurrences: list[tuple[Node | None, tuple[Node, ...]]] = field(default_factory=list)
    deps: list[Node] = field(default_factory=list)
    layer: int = 0


def _and(parts: Sequence[Node]) -> Node:
    return parts[0] if len(parts) == 1 else And(*parts)


def _or(parts: Sequence[Node]) -> Node:
    if any(p == _TRUE for p in parts):
        return _TRUE
    uniq = list(dict.fromkeys(parts))
    return uniq[0] if len(uniq) == 1 else Or(*uniq)


def _attach_all(
    t: Any, results: Sequence[tuple[Any, Sequence[str], Mapping[str, bool]]], tag: str = ""
) -> Any:
    """`t` left-joined with every result table (on its key columns) in ONE join chain and one
    projection. The results' keys are renamed first and every column is selected by name:
    Ibis resolves a column object of `t` through equality predicates to either side, which is
    wrong for a left join when both sides derive from the same table. `tag` makes the
    renamed results of different targets different relations: a result attached to two
    tables is then one CTE, computed once (Ibis inlines a relation used only as join
    input wherever it is used)."""
    if not results:
        return t
    base = t.view()
    j = base
    extra: dict[str, Any] = {}
    for i, (res, key, cols) in enumerate(results):
        renamed = res.rename({f"_j{tag}{i}_{k}": k for k in key})
        j = j.left_join(renamed, [base[k] == renamed[f"_j{tag}{i}_{k}"] for k in key])
        extra.update({c: zero for c, zero in cols.items()})
    out = j.select(*t.columns, *extra)
    zeros = {c: out[c].fill_null(0) for c, zero in extra.items() if zero}
    return out.mutate(**zeros) if zeros else out


@dataclass(frozen=True)
class _Result:
    """Values of special nodes, to be matched with the cases: `table` keyed by the cases'
    columns `key` (same names); `cols` its value columns (True: a count, 0 when missing);
    `names`: special node -> the case column that holds its value."""

    table: Any
    key: tuple[str, ...]
    cols: Mapping[str, bool]
    names: Mapping[Node, str]


def _attach(t: Any, results: Sequence[_Result], tag: str) -> Any:
    """`t` with the values of the results' special nodes as columns (one join per result)."""
    return _attach_all(t, [(r.table, r.key, r.cols) for r in results], tag)


def _merge_by_case(results: Sequence[_Result]) -> _Result:
    """Results keyed by case_id as ONE table (full outer joins of the small tables), so
    that the cases are matched with one join."""
    if len(results) == 1:
        return results[0]
    table = results[0].table
    for r in results[1:]:
        left = table.view()
        o = r.table.rename(_m_case_id="case_id").view()
        j = left.outer_join(o, left["case_id"] == o["_m_case_id"])
        keep = [c for c in j.columns if c not in ("case_id", "_m_case_id")]
        table = j.select(*keep, case_id=ibis.coalesce(j["case_id"], j["_m_case_id"]))
    cols: dict[str, bool] = {}
    names: dict[Node, str] = {}
    for r in results:
        cols.update(r.cols)
        names.update(r.names)
    return _Result(table, ("case_id",), cols, names)


def _left_attach(t: Any, res: Any, key: Sequence[str], cols: Mapping[str, bool]) -> Any:
    """`t` with the columns `cols` of `res` (name -> is a count: 0 when missing), matched on
    the key columns. Keys are joined by NAME and columns selected by name: Ibis resolves a
    column object of `t` through equality predicates to either side, which is wrong for a
    left join when both sides derive from the same table."""
    j = t.left_join(res, list(key))
    extra = {c: (j[c].fill_null(0) if zero else j[c]) for c, zero in cols.items()}
    return j.select(*t.columns, **extra)


class _Compiler:
    def __init__(
        self,
        cases: Any,
        history: Any,
        pack_ids: Sequence[str],
        window: tuple[time, time] | None,
        as_of: date | None,
        calendar: Callable[[int, str], Any],
    ) -> None:
        self.history = history
        self.window = window
        self.calendar = calendar
        self.counter = itertools.count()
        self.instances = self._instances(pack_ids, as_of)
        days_n: set[int] = set()
        for inst in self.instances:
            for _, c in inst.rules:
                days_n |= days_windows(c)
        self.days_n = sorted(days_n)
        self.fact_names: dict[Node, str] = {
            Fact(name): col for name, col in FACT_COLUMNS.items() if name != "now"
        }
        self.cases = cases
        self.pack_ids = tuple(pack_ids)
        self.specials: dict[Node, _Special] = {}
        self._guards: dict[Node, tuple[_Term, ...]] = {}

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    # -- instances and T0 ----------------------------------------------------------------
    def _instances(self, pack_ids: Sequence[str], as_of: date | None) -> list[_Instance]:
        out: list[_Instance] = []
        for pid in pack_ids:
            pack = get_pack(pid)
            if as_of is not None:
                periods: list[tuple[date, date | None, date | None]] = [(as_of, None, None)]
            else:
                dates = pack._dates
                periods = [
                    (d, None if i == 0 else d, dates[i + 1] if i + 1 < len(dates) else None)
                    for i, d in enumerate(dates)
                ]
            for day, first, end in periods:
                values = dict(values_at(dict(pack.params), day))
                lo, hi = pack.hours_params
                hours = {lo: "lo", hi: "hi"} if lo in values and hi in values else {}
                rules = tuple(
                    (r, split_all(bind(r.condition(), values, hours))) for r in pack.rules
                )
                whens = tuple(split_all(bind(r.when, values, hours)) for r in pack.rules)
                out.append(_Instance(len(out), pack, first, end, values, hours, rules, whens))
        return out

    def _needed_facts(self, nodes: Iterable[Node]) -> set[str]:
        return {n.name for x in nodes for n in walk(x) if isinstance(n, Fact) and n.name != "now"}

    def _uses_hours(self, nodes: Iterable[Node]) -> bool:
        return any(isinstance(n, HoursParam) for x in nodes for n in walk(x))

    def _zones(self, c: Any) -> Any:
        tz = c["debtor_timezones"]
        defaults = ibis.cases(
            *(
                (c["pack"] == pid, ibis.literal(list(get_pack(pid).default_zones), type=st.STRS))
                for pid in self.pack_ids
            ),
            else_=ibis.null(st.STRS),
        )
        return ibis.ifelse(tz.isnull() | (tz.length() == 0), defaults, tz).join("|")

    def _base(self, facts: set[str], *, hours: bool, inconvenient: bool) -> Any:
        """The cases of the selected packs with the derived columns (see the module docstring)
        and the given fact columns only: the aggregate passes read a narrow table, the final
        decision a wide one, and neither is copied more than DuckDB needs."""
        c = self.cases
        names = ["case_id", "debtor_key", "pack", "now", "debtor_timezones"]
        names += [FACT_COLUMNS[n] for n in FACTS if n in facts]
        names += [FACT_COLUMNS[n] for n in ("action.channel", "action.party")]
        if inconvenient:
            names.append("debtor_inconvenient")
        if hours:
            names += ["config_contact_start", "config_contact_end"]
        c = c.select(*dict.fromkeys(names))
        c = c.filter(c["pack"].isin(list(self.pack_ids)))
        now = c["now"]
        utc_day = st.local_day(ibis.literal("UTC"), now)
        pk_cases = []
        for inst in self.instances:
            test = c["pack"] == inst.pack.id
            if inst.first is not None:
                test = test & (utc_day >= (inst.first - _EPOCH).days)
            if inst.end is not None:
                test = test & (utc_day < (inst.end - _EPOCH).days)
            pk_cases.append((test, inst.index))
        pk = ibis.cases(*pk_cases, else_=ibis.null("int64"))
        cols: dict[str, Any] = {"case_id": c["case_id"], "debtor_key": c["debtor_key"], "now": now}
        for name in FACTS:
            if name not in facts:
                continue
            col = FACT_COLUMNS[name]
            v = c[col]
            if name in _KNOWN_AT_NOW:
                v = ibis.ifelse(v <= now, v, ibis.null(st.TS))
            elif name in _DATE_FACTS:
                v = v.epoch_days().cast("int64")
            cols[col] = v
        extra = ["debtor_inconvenient"] if inconvenient else []
        if hours:
            extra += ["config_contact_start", "config_contact_end"]
        for col in extra:
            cols[col] = c[col]
        cols["_zkey"] = self._zones(c)
        for fact_name, idx in (("action.channel", "_chi"), ("action.party", "_pai")):
            domain = BITS[fact_name]
            cols[idx] = c[FACT_COLUMNS[fact_name]].cases(
                *((v, i) for i, v in enumerate(domain)), else_=ibis.null("int64")
            )
        t = c.select(_pk=pk, **cols)
        t = t.filter(t["_pk"].notnull())
        one = ibis.literal(1, type="int64")
        zero = ibis.literal(0, type="int64")
        chi, pai = t["_chi"], t["_pai"]
        t = t.mutate(
            _chbit=ibis.ifelse(chi.isnull(), zero, one << chi),
            _pabit=ibis.ifelse(pai.isnull(), zero, one << pai),
            _cpbit=ibis.ifelse(chi.isnull() | pai.isnull(), zero, one << (chi * _N_PARTIES + pai)),
            **(self._hours(t) if hours else {}),
        )
        tt = self.tt
        # a plain join (nothing selected on top): Ibis makes it one CTE for all consumers
        return t.join(tt, [t["now"] == tt["_tt_now"], t["_zkey"] == tt["_tt_zkey"]])

    def _hours(self, t: Any) -> dict[str, Any]:
        lo_cases, hi_cases = [], []
        for inst in self.instances:
            if not inst.hours:
                continue
            lo_p = next(k for k, v in inst.hours.items() if v == "lo")
            hi_p = next(k for k, v in inst.hours.items() if v == "hi")
            lo_s, hi_s = secs(str(inst.values[lo_p])), secs(str(inst.values[hi_p]))
            if self.window is not None:
                w0, w1 = self.window
                lo_s = max(lo_s, w0.hour * 3600 + w0.minute * 60)
                w_end = w1.hour * 3600 + w1.minute * 60
                hi_s = min(hi_s, 86400 if w_end == 0 else w_end)
            lo_cases.append((t["_pk"] == inst.index, lo_s))
            hi_cases.append((t["_pk"] == inst.index, hi_s))
        if not lo_cases:
            return {}
        lo = ibis.cases(*lo_cases, else_=ibis.null("int64"))
        hi = ibis.cases(*hi_cases, else_=ibis.null("int64"))
        start, end = t["config_contact_start"], t["config_contact_end"]
        end_s = st.parse_hhmm(end)
        end_s = ibis.ifelse(end_s == 0, ibis.literal(86400, type="int64"), end_s)
        return {
            "_lo": ibis.ifelse(start.isnull(), lo, ibis.greatest(lo, st.parse_hhmm(start))),
            "_hi": ibis.ifelse(end.isnull(), hi, ibis.least(hi, end_s)),
        }

    def _time_table(self) -> Any:
        """One row per distinct (now, zones): everything that depends only on them, and `_tk`,
        a small integer naming the pair (the debtor-level key is (debtor_key, _tk))."""
        c = self.cases.select("pack", "now", "debtor_timezones")
        c = c.filter(c["pack"].isin(list(self.pack_ids)))
        tt = c.select("now", _zkey=self._zones(c)).distinct()
        z1 = tt["_zkey"].split("|")[0]
        tt = tt.mutate(_z1=z1, _today=st.local_day(z1, tt["now"]))
        bounds = {
            f"_b{n}": st.local_instant(tt["_z1"], tt["_today"] - (n - 1), ibis.literal(0))
            for n in self.days_n
        }
        tt = tt.mutate(**bounds)
        zs = tt.select("now", "_zkey")
        zs = zs.mutate(_z=zs["_zkey"].split("|")).unnest("_z")
        local = st.local_seconds(zs["_z"], zs["now"])
        zs = zs.group_by(["now", "_zkey"]).agg(_zmin=local.min(), _zmax=local.max())
        tt = tt.join(zs, ["now", "_zkey"])
        tt = tt.mutate(_tk=ibis.row_number().over(order_by=[tt["now"], tt["_zkey"]]))
        return tt.rename(_tt_now="now", _tt_zkey="_zkey")

    def case_env(self, table: Any, extra: Mapping[Node, str] | None = None) -> Env:
        names: dict[Node, str] = dict(self.fact_names)
        if extra:
            names.update(extra)
        return Env(table, names, case=True)

    # -- special nodes: discovery, guards, layers ------------------------------------------
    def discover(self) -> None:
        for inst in self.instances:
            for _, c in inst.rules:
                self._occurrences(c, (InstanceIs(inst.index),), None)

    def _occurrences(self, node: Node, guard: tuple[Node, ...], container: Node | None) -> None:
        if is_special(node):
            sp = self.specials.get(node)
            if sp is None:
                sp = self.specials[node] = _Special(node, self.fresh("_s"))
                sp.occurrences.append((container, guard))
                self._discover_inputs(sp)
            else:
                sp.occurrences.append((container, guard))
            return
        if free(node):
            return
        if isinstance(node, And):
            for i, a in enumerate(node.args):
                others = tuple(b for j, b in enumerate(node.args) if j != i and cheap(b))
                self._occurrences(a, guard + others, container)
        elif isinstance(node, Or):
            for i, a in enumerate(node.args):
                others = tuple(Not(b) for j, b in enumerate(node.args) if j != i and cheap(b))
                self._occurrences(a, guard + others, container)
        elif isinstance(node, If):
            self._occurrences(node.cond, guard, container)
            ok = cheap(node.cond)
            self._occurrences(node.then, guard + ((node.cond,) if ok else ()), container)
            self._occurrences(node.otherwise, guard + ((Not(node.cond),) if ok else ()), container)
        elif isinstance(node, Coalesce):
            for i, a in enumerate(node.args):
                prev = tuple(IsNull(b) for b in node.args[:i] if cheap(b))
                self._occurrences(a, guard + prev, container)
        else:
            for c in children(node):
                self._occurrences(c, guard, container)

    def _discover_inputs(self, sp: _Special) -> None:
        node = sp.node
        if isinstance(node, Count | Last):
            roots = agg_inputs(node)
        else:
            assert isinstance(node, InconvenientSlot | AddBusinessDays)
            roots = [] if isinstance(node.arg, Const) else [node.arg]
        for r in roots:
            self._occurrences(r, (), node)
        sp.deps = list(dict.fromkeys(n for r in roots for n in walk(r) if is_special(n)))
        sp.layer = 1 + max((self.specials[d].layer for d in sp.deps), default=-1)

    def guard(self, node: Node) -> tuple[_Term, ...]:
        """Where the special node's value can matter: a disjunction of terms."""
        g = self._guards.get(node)
        if g is None:
            terms: list[_Term] = []
            for container, path in self.specials[node].occurrences:
                own = _term(path)
                if own is None:
                    continue
                if container is None:
                    terms.append(own)
                else:
                    terms += [m for t in self.guard(container) if (m := _merge(t, own)) is not None]
            g = self._guards[node] = _simplify(terms)
        return g

    def guard_expr(self, terms: Sequence[_Term], env: Env) -> Any:
        """A guard as a boolean: terms grouped by their non-gate conditions, gates as bit tests
        (instance, channel x party pair), costly conditions evaluated lazily."""
        if any(t.k is None and t.mask == _ALL_PAIRS and not t.rest for t in terms):
            return ibis.literal(True)
        groups: dict[tuple[Node, ...], list[_Term]] = {}
        for t in terms:
            groups.setdefault(t.rest, []).append(t)
        alts = []
        for rest, ts in groups.items():
            gates = []
            for t in ts:
                g = []
                if t.k is not None:
                    g.append(env.table["_pk"] == t.k)
                if t.mask != _ALL_PAIRS:
                    g.append((env.table["_cpbit"] & t.mask) != 0)
                gates.append(_fold_and(g))
            gate = _fold_or(gates)
            parts = [gate, *(cond(c, env) for c in rest)]
            flags = [False, *(costly(c, env) for c in rest)]
            alts.append(lazy_and(parts, flags))
        return _fold_or(alts)

    # -- the query ----------------------------------------------------------------------
    def build(self) -> Any:
        self.discover()
        self.tt = self._time_table()
        nodes = list(self.specials)
        rests = [c for n in nodes for t in self.guard(n) for c in t.rest]
        k_facts = self._needed_facts([*nodes, *rests])
        whens = [w for inst in self.instances for w in inst.whens]
        w_facts = self._needed_facts(whens)
        slots = any(isinstance(n, InconvenientSlot) for n in nodes)
        # the narrow table of the aggregate passes, the wide one of the final decision
        k = self._base(
            k_facts, hours=self._uses_hours([*nodes, *rests]), inconvenient=slots
        )
        w = self._base(w_facts | k_facts, hours=self._uses_hours(whens), inconvenient=slots)
        knames: dict[Node, str] = {}
        wnames: dict[Node, str] = {}
        layers = sorted({sp.layer for sp in self.specials.values()})
        for layer in layers:
            todo = [n for n, sp in self.specials.items() if sp.layer == layer]
            keyed: dict[tuple[tuple[str, Node], ...], list[Count | Last]] = {}
            per_case: list[Count | Last] = []
            others: list[Node] = []
            for n in todo:
                if isinstance(n, Count | Last):
                    sig = _signature(n)
                    if sig is None:
                        per_case.append(n)
                    else:
                        keyed.setdefault(sig, []).append(n)
                else:
                    others.append(n)
            env = self.case_env(k, knames)
            # the case values keyed aggregates are matched on, as columns of k and w
            key_cols: dict[Node, str] = {}
            kextra: dict[str, Any] = {}
            wextra: dict[str, Any] = {}
            wenv = self.case_env(w, wnames)
            slot_args = [n.arg for n in others if isinstance(n, InconvenientSlot)]
            for x in [x for sig in keyed for _, x in sig] + slot_args:
                if x in key_cols:
                    continue
                known = "now" if x == Fact("now") else env.names.get(x)
                if known is not None and known in w.columns:
                    key_cols[x] = known
                else:
                    key_cols[x] = self.fresh("_x")
                    kextra[key_cols[x]] = expr(x, env)
                    wextra[key_cols[x]] = expr(x, wenv)
            attach: list[_Result] = []
            aggs = [a for g in keyed.values() for a in g] + per_case
            if aggs:
                self._layer_dk(k, aggs)
            if kextra:
                k = k.mutate(**kextra)
                env = self.case_env(k, knames)
            for sig, group in keyed.items():
                attach.append(self._keyed_pass(group, sig, key_cols))
            per_row: list[_Result] = []
            if per_case:
                per_row.append(self._case_pass(per_case, k, env))
            for n in others:
                if isinstance(n, InconvenientSlot):
                    attach.append(self._slot(n, k, env, key_cols[n.arg]))
                else:
                    assert isinstance(n, AddBusinessDays)
                    per_row.append(self._business_days(n, k, env))
            if per_row:
                attach.append(_merge_by_case(per_row))
            if wextra:
                w = w.mutate(**wextra)
            w = _attach(w, attach, "w")
            for r in attach:
                wnames.update(r.names)
            later = {d for n, sp in self.specials.items() if sp.layer > layer for d in sp.deps}
            needed = [r for r in attach if later & set(r.names)]
            if needed:
                k = _attach(k, needed, "k")
                for r in needed:
                    knames.update(r.names)
        return self._final(w, wnames)

    def _frame_base(self, t: Any, env: Env, nodes: Sequence[Node]) -> tuple[Any, Env]:
        terms = _simplify([x for n in nodes for x in self.guard(n)])
        t = t.filter(self.guard_expr(terms, env))
        return t, self.case_env(t, env.names)

    def _inputs_of(
        self, aggs: Sequence[Count | Last], fenv: Env, *, debtor_level: bool = False
    ) -> tuple[dict[Node, str], dict[str, Any]]:
        """The case values the aggregates' filters read, as frame columns (`debtor_level`:
        only those that depend on `now` and the zones alone; the keys are grouped on)."""
        inputs: dict[Node, str] = {}
        cols: dict[str, Any] = {}
        for a in aggs:
            for x in agg_inputs(a):
                if debtor_level and not dk_level(x):
                    continue
                if x not in inputs:
                    inputs[x] = self.fresh("_i")
                    cols[inputs[x]] = expr(x, fenv)
        return inputs, cols

    def _layer_dk(self, k: Any, aggs: Sequence[Count | Last]) -> None:
        """The debtors (at their instants, seen from their zones) whose history the layer's
        aggregates read — the guarded cases' distinct (debtor_key, _tk), with `now`, the
        first zone and the day bounds of the windows — and their history up to now, read
        ONCE for the layer (pre-filtered by what any of its aggregates, nested ones
        included, can count)."""
        terms = _simplify([x for a in aggs for x in self.guard(a)])
        env = self.case_env(k)
        f = k.filter(self.guard_expr(terms, env))
        bounds = sorted({n for a in aggs for n in days_windows(a)})
        # inputs that depend on `now` and the zones alone: one value per (debtor_key, _tk)
        fenv = self.case_env(f, env.names)
        self.dk_inputs: dict[Node, str] = {}
        extra: dict[str, Any] = {}
        for a in aggs:
            for x in agg_inputs(a):
                if dk_level(x) and x not in self.dk_inputs:
                    self.dk_inputs[x] = self.fresh("_i")
                    extra[self.dk_inputs[x]] = expr(x, fenv)
        self.dk_base = (*_DK, "now", "_z1", *(f"_b{n}" for n in bounds))
        self.dk_cols = (*self.dk_base, *extra)
        self.layer_dk = f.select(*self.dk_base, **extra).distinct()
        read = {"debtor_key", "seq", "at"}
        for a in aggs:
            read |= _columns_read_deep(a)
        self.read = read
        self._nested: dict[tuple[Node | None, ...], Any] = {}

    def _entries(self, pre: Node | None) -> Any:
        """The history (the columns the layer reads, prefixed e0_), pre-filtered by an
        entry-only condition before any join."""
        h = self.history
        h = h.select(**{f"e0_{c}": h[c] for c in _HISTORY_COLUMNS if c in self.read})
        if pre is not None:
            env = Env(h, {}, ev="e0_", eager=True)
            h = h.filter([cond(c, env) for c in conjuncts(pre)])
        return h

    def _with_entries(self, frame: Any, pre: Node | None) -> Any:
        """Rows of `frame` (the layer's debtor columns among its columns) x their debtors'
        history up to now (entry columns prefixed e0_), filtered by `pre`."""
        if frame is self.layer_dk:  # a Select of its own per use: the debtors are one CTE
            frame = frame.mutate(**{self.fresh("_u"): ibis.literal(0)})
        e = self._entries(pre)
        j = frame.join(e, frame["debtor_key"] == e["e0_debtor_key"])
        j = j.filter(j["e0_at"] <= j["now"])
        return j.drop("e0_debtor_key")

    def _history(self, depth: int, pre: Node | None) -> Any:
        """The layer's history rows (every debtor of the layer), entry columns prefixed
        e{depth}_ (and, below the top, the debtor columns too), pre-filtered by an entry-only
        condition."""
        h = self._with_entries(self.layer_dk, pre)
        if depth == 0:
            return h
        ep = f"e{depth}_"
        cols = {f"{ep}{c}": h[c] for c in self.dk_cols}
        cols.update({ep + c[3:]: h[c] for c in h.columns if c.startswith("e0_")})
        return h.select(**cols)

    def _keyed_pass(
        self,
        aggs: Sequence[Count | Last],
        sig: tuple[tuple[str, Node], ...],
        key_cols: Mapping[Node, str],
    ) -> _Result:
        """Aggregates that read the case only through `Ev(col) == value` keys (and `now`,
        zones): grouped by (debtor_key, _tk) and the entries' key columns, matched back on
        the cases' values."""
        inputs = {x: c for x, c in self.dk_inputs.items() if any(x in agg_inputs(a) for a in aggs)}
        group = tuple(col for col, _ in sig)
        res = self._multi(aggs, _Frame(self.layer_dk, _DK, inputs, 0), {}, group)
        res = res.rename({key_cols[x]: f"e0_{col}" for col, x in sig})
        names: dict[Node, str] = {a: self.specials[a].name for a in aggs}
        counts = {c: isinstance(a, Count) for a, c in names.items()}
        return _Result(res, (*_DK, *(key_cols[x] for _, x in sig)), counts, names)

    def _case_pass(self, aggs: Sequence[Count | Last], t: Any, env: Env) -> _Result:
        """Aggregates that need the case row: one join of the guarded cases x history."""
        f, fenv = self._frame_base(t, env, aggs)
        inputs, cols = self._inputs_of(aggs, fenv)
        guards: dict[Node, str] = {}
        if len(aggs) > 1:
            for a in aggs:
                guards[a] = self.fresh("_g")
                cols[guards[a]] = self.guard_expr(self.guard(a), fenv)
        table = f.select("case_id", *self.dk_base, **cols)
        res = self._multi(aggs, _Frame(table, ("case_id",), inputs, 0), guards, ())
        names: dict[Node, str] = {a: self.specials[a].name for a in aggs}
        counts = {c: isinstance(a, Count) for a, c in names.items()}
        return _Result(res, ("case_id",), counts, names)

    def _split(
        self, where: Node, depth: int
    ) -> tuple[list[Node], list[tuple[str, Node]], list[Node]]:
        """(entry-only conjuncts, keys, the rest) of a filter: keys are `Ev(col) == value`
        (col)."""
        pre: list[Node] = []
        keys: list[tuple[str, Node]] = []
        resid: list[Node] = []
        for c in conjuncts(where):
            if free(c) == frozenset({"ev"}) and event_only(c):
                pre.append(c)
                continue
            key = _eq_key(c, depth)
            if key is not None:
                keys.append(key)
            else:
                resid.append(c)
        return pre, keys, resid

    def _rows(self, frame: _Frame, pre: Node | None) -> Any:
        """The frame's rows x their debtors' history (depth 0)."""
        return self._with_entries(frame.table, pre)

    def _multi(
        self,
        aggs: Sequence[Count | Last],
        frame: _Frame,
        guards: Mapping[Node, str],
        group: tuple[str, ...],
    ) -> Any:
        """Several top-level aggregates over one frame: one join, one GROUP BY (the frame key
        and, for keyed aggregates, the entries' key columns `group`)."""
        splits = {a: self._split(a.where, 0) for a in aggs}
        pres = [_and(splits[a][0]) if splits[a][0] else None for a in aggs]
        pre = None if any(p is None for p in pres) else _or([p for p in pres if p is not None])
        j = self._rows(frame, pre)
        nested = list(
            dict.fromkeys(n for a in aggs for c in splits[a][2] for n in nested_aggregates(c))
        )
        names: dict[Node, str] = dict(frame.inputs)
        for n in nested:
            encl = [a for a in aggs if any(n in nested_aggregates(c) for c in splits[a][2])]
            encl_pre = [_and(splits[a][0]) if splits[a][0] else None for a in encl]
            outer_pre = (
                None if any(p is None for p in encl_pre) else _or([p for p in encl_pre if p])
            )
            j, names[n] = self._attach_nested(n, frame, j, outer_pre)
        env = Env(j, names, ev="e0_")
        out: dict[str, Any] = {}
        for a in aggs:
            pre_a, keys_a, resid_a = splits[a]
            parts = [cond(c, env) for c in pre_a]
            parts += [
                (j[f"e0_{col}"] == env.table[frame.inputs[x]]).fill_null(False)
                for col, x in keys_a
                if col not in group
            ]
            parts += _window(a, j, "e0_")
            flags = [False] * len(parts) + [costly(c, env) for c in resid_a]
            parts += [cond(c, env) for c in resid_a]
            where = lazy_and(parts, flags)
            if a in guards:  # the rest only where the case needs this aggregate
                where = ibis.ifelse(j[guards[a]], where, ibis.literal(False))
            out[self.specials[a].name] = _agg_value(a, j, env, "e0_", where)
        return j.group_by([*frame.key, *(f"e0_{col}" for col in group)]).agg(**out)

    def _attach_nested(
        self, node: Count | Last, frame: _Frame, j: Any, outer_pre: Node | None
    ) -> tuple[Any, str]:
        """`j` (rows of the enclosing aggregate, depth 0) with the nested aggregate's value."""
        name = self.fresh("_n")
        inputs = agg_inputs(node)
        count = isinstance(node, Count)
        pre1, keys1, resid1 = self._split(node.where, 1)
        by_debtor = all(map(dk_level, inputs))
        keyed = (
            by_debtor
            and not inputs
            and all(isinstance(x, Outer) for _, x in keys1)
            and not any("outer" in free(c) for c in resid1)
            and not any(nested_aggregates(c) for c in resid1)
        )
        if keyed:
            # the value depends on the enclosing entry only through the key columns: one
            # group per (debtor, now, zones, key values), matched on the enclosing entry's;
            # computed once per layer (every pass that needs it reads the same CTE)
            g = self._nested.get((node,))
            if g is None:
                r = self._history(0, _and(pre1) if pre1 else None)
                env = Env(r, {}, ev="e0_")
                parts = [*_window(node, r, "e0_"), *(cond(c, env) for c in resid1)]
                if parts:
                    r = r.filter(parts)
                    env = Env(r, {}, ev="e0_")
                group = {f"_k{i}": r[f"e0_{col}"] for i, (col, _) in enumerate(keys1)}
                g = r.group_by([*_DK, *(v.name(k) for k, v in group.items())]).agg(
                    v=_agg_value(node, r, env, "e0_", None)
                )
                self._nested[(node,)] = g
            g = g.rename({name: "v"})
            renames = {}
            for i, (_, x) in enumerate(keys1):
                assert isinstance(x, Outer)
                renames[f"e0_{x.column}"] = f"_k{i}"
            g = g.rename(renames)
            return _left_attach(j, g, (*_DK, *renames), {name: count}), name
        key: tuple[str, ...]
        if by_debtor and not inputs:
            key = (*_DK, "e0_seq")
            res = self._nested.get((node, outer_pre))
            if res is None:  # once per layer
                r = self._history(0, outer_pre)
                res = self._nested[(node, outer_pre)] = self._aggregate(
                    node, _Frame(r, key, frame.inputs, 1)
                )
            return _left_attach(j, res.rename({name: "v"}), key, {name: count}), name
        else:
            r = j
            key = (*frame.key, "e0_seq") if frame.table is not None else (*_DK, "e0_seq")
        res = self._aggregate(node, _Frame(r, key, frame.inputs, 1))
        res = res.rename({name: "v"})
        return _left_attach(j, res, key, {name: count}), name

    def _aggregate(self, node: Count | Last, frame: _Frame) -> Any:
        """One aggregate over a frame (join keys from `Ev(col) == value` conjuncts); used for
        nested aggregates at depth >= 1. Returns the frame key + "v"."""
        d = frame.depth
        ep, op = f"e{d}_", f"e{d - 1}_"
        pre, keys, resid = self._split(node.where, d)
        h = self._history(d, _and(pre) if pre else None)
        ft = frame.table
        preds = [ft[c] == h[f"{ep}{c}"] for c in _DK]
        for col, x in keys:
            left = ft[f"{op}{x.column}"] if isinstance(x, Outer) else ft[frame.inputs[x]]
            preds.append(left == h[f"{ep}{col}"])
        j = ft.join(h, preds)
        j = j.select(
            *ft.columns, *(c for c in h.columns if not c.startswith(tuple(f"{ep}{k}" for k in _DK)))
        )
        w = _window(node, j, ep)
        if w:
            j = j.filter(w)
        names: dict[Node, str] = dict(frame.inputs)
        for n in dict.fromkeys(x for c in resid for x in nested_aggregates(c)):
            inner = self._aggregate(n, _Frame(j, (*frame.key, f"{ep}seq"), frame.inputs, d + 1))
            names[n] = self.fresh("_n")
            inner = inner.rename({names[n]: "v"})
            j = _left_attach(j, inner, (*frame.key, f"{ep}seq"), {names[n]: isinstance(n, Count)})
        env = Env(j, names, ev=ep, outer=op)
        if resid:
            j = j.filter([cond(c, env) for c in resid])
            env = Env(j, names, ev=ep, outer=op)
        return j.group_by(list(frame.key)).agg(v=_agg_value(node, j, env, ep, None))

    # -- other special nodes --------------------------------------------------------------
    def _slot(self, node: InconvenientSlot, t: Any, env: Env, xcol: str) -> _Result:
        """The start of the designated-window occurrence containing an instant (first zone),
        computed once per distinct (instant, first zone, windows) — debtors share their
        windows and instants — and matched back on them (`xcol`: the instant's column)."""
        f, _ = self._frame_base(t, env, [node])
        d = f.select(xcol, "_z1", "debtor_inconvenient")
        d = d.filter(d[xcol].notnull() & (d["debtor_inconvenient"].length() > 0)).distinct()
        u = d.mutate(_x=d[xcol], _w=d["debtor_inconvenient"])
        u = u.unnest("_w", offset="_idx")
        u = u.mutate(
            _day=st.local_day(u["_z1"], u["_x"]), _secs=st.local_seconds(u["_z1"], u["_x"])
        )
        w = u["_w"]
        ws, we = st.parse_hhmm(w["from"]), st.parse_hhmm(w["to"])
        wd = ((u["_day"] + 3) % 7 + 7) % 7  # 1970-01-01 was a Thursday; Monday = 0
        names = ibis.literal(_WEEKDAYS, type=st.STRS)
        days = w["days"]
        today_ok = days.isnull() | days.contains(names[wd]).fill_null(False)
        yest_ok = days.isnull() | days.contains(names[(wd + 6) % 7]).fill_null(False)
        s = u["_secs"]
        wraps = we < ws
        in_today = (today_ok & (((ws <= s) & (s < we)) | (wraps & (s >= ws)))).fill_null(False)
        in_yest = (wraps & (s < we) & yest_ok).fill_null(False)
        start = ibis.ifelse(
            in_today, u["_day"], ibis.ifelse(in_yest, u["_day"] - 1, ibis.null("int64"))
        )
        u = u.mutate(_sd=start, _ss=ws)
        u = u.filter(u["_sd"].notnull())
        best = _arg_min(ibis.struct({"d": u["_sd"], "s": u["_ss"]}), u["_idx"].cast("int64"))
        key = (xcol, "_z1", "debtor_inconvenient")
        g = u.group_by(list(key)).agg(_p=best)
        name = self.specials[node].name
        g = g.select(*key, **{name: st.local_instant(g["_z1"], g["_p"]["d"], g["_p"]["s"])})
        return _Result(g, key, {name: False}, {node: name})

    def _business_days(self, node: AddBusinessDays, t: Any, env: Env) -> _Result:
        f, fenv = self._frame_base(t, env, [node])
        x = expr(node.arg, fenv)
        if x.type().is_timestamp():
            x = st.local_day(ibis.literal("UTC"), x)
        u = f.select("case_id", _x=x)
        u = u.filter(u["_x"].notnull())
        cal = self.calendar(const_int(node.days), node.calendar)
        j = u.join(cal, u["_x"] == cal["day"])
        name = self.specials[node].name
        return _Result(
            j.select("case_id", **{name: j["res"]}), ("case_id",), {name: False}, {node: name}
        )

    # -- the decision -------------------------------------------------------------------
    def _final(self, t: Any, names: Mapping[Node, str]) -> Any:
        """Each distinct rule condition is evaluated once per case, only where its instance
        and its channel/party gates hold (a bit test, then a CASE); per instance the violated
        rules form a bitmask, turned into ids and provisions once per distinct (instance,
        bitmask)."""
        env = self.case_env(t, names)
        # one condition per distinct (when, channels, parties): US-MA shares the US rules
        where: dict[tuple[Node, int], list[_Term]] = {}
        for inst in self.instances:
            for (r, _), w in zip(inst.rules, inst.whens, strict=True):
                pairs = _pairs(r.channels, r.parties)
                where.setdefault((w, pairs), []).append(_Term(inst.index, pairs, ()))
        cols: dict[tuple[Node, int], Any] = {}
        for (w, pairs), terms in where.items():
            gate = self.guard_expr(_simplify(terms), env)
            cols[(w, pairs)] = ibis.ifelse(gate, cond(w, env), ibis.literal(False))
        zero = ibis.literal(0, type="int64")
        masks = []
        for inst in self.instances:
            bits = [
                ibis.ifelse(
                    cols[(w, _pairs(r.channels, r.parties))],
                    ibis.literal(1 << i, type="int64"),
                    zero,
                )
                for i, ((r, _), w) in enumerate(zip(inst.rules, inst.whens, strict=True))
            ]
            masks.append((t["_pk"] == inst.index, _fold_add(bits)))
        m = t.select("case_id", "_pk", _mask=ibis.cases(*masks, else_=zero))
        d = m.select("_pk", "_mask").distinct()
        empty = ibis.literal([], type=st.STRS)
        lists, firsts, versions = [], [], []
        for inst in self.instances:
            lst = empty
            first = ibis.null("string")
            for i, (r, _) in reversed(list(enumerate(inst.rules))):
                hit = (d["_mask"] & (1 << i)) != 0
                lst = st.list_concat(
                    ibis.ifelse(hit, ibis.literal([r.id], type=st.STRS), empty), lst
                )
                first = ibis.ifelse(hit, ibis.literal(r.provision), first)
            is_inst = d["_pk"] == inst.index
            lists.append((is_inst, lst))
            firsts.append((is_inst, first))
            versions.append((is_inst, ibis.literal(inst.pack.version)))
        d = d.mutate(
            violations=ibis.cases(*lists, else_=empty),
            first_provision=ibis.cases(*firsts, else_=ibis.null("string")),
            pack_version=ibis.cases(*versions, else_=ibis.null("string")),
            allowed=d["_mask"] == 0,
        )
        d = d.rename(_d_pk="_pk", _d_mask="_mask")
        out = m.join(d, [m["_pk"] == d["_d_pk"], m["_mask"] == d["_d_mask"]])
        return out.select(*OUTPUT_COLUMNS)


# ---------------------------------------------------------------------------------------
# guards in normal form: OR of (instance, channel x party pairs, other cheap conditions)
# ---------------------------------------------------------------------------------------
_N_PARTIES = len(BITS["action.party"])
_ALL_PAIRS = (1 << (len(BITS["action.channel"]) * _N_PARTIES)) - 1


@dataclass(frozen=True)
class _Term:
    k: int | None  # the instance (None: any)
    mask: int  # allowed (channel, party) pairs: bit channel_index * 6 + party_index
    rest: tuple[Node, ...]  # other conditions (cheap, case scope)


def _pairs(channels: Iterable[str] | None, parties: Iterable[str] | None) -> int:
    chs, pas = BITS["action.channel"], BITS["action.party"]
    cset = set(chs if channels is None else channels)
    pset = set(pas if parties is None else parties)
    return sum(
        1 << (i * _N_PARTIES + j)
        for i, c in enumerate(chs)
        for j, p in enumerate(pas)
        if c in cset and p in pset
    )


def _term(path: Sequence[Node]) -> _Term | None:
    k: int | None = None
    mask = _ALL_PAIRS
    rest: list[Node] = []
    for n in path:
        if isinstance(n, InstanceIs):
            if k is not None and k != n.index:
                return None
            k = n.index
        elif (
            isinstance(n, In)
            and isinstance(n.item, Fact)
            and n.item.name in BITS
            and isinstance(n.collection, Const)
            and isinstance(n.collection.value, frozenset | tuple)
        ):
            values = [str(v) for v in n.collection.value]
            if n.item.name == "action.channel":
                mask &= _pairs(values, None)
            else:
                mask &= _pairs(None, values)
        elif n != _TRUE:
            rest.append(n)
    if mask == 0:
        return None
    return _Term(k, mask, tuple(dict.fromkeys(rest)))


def _merge(a: _Term, b: _Term) -> _Term | None:
    if a.k is not None and b.k is not None and a.k != b.k:
        return None
    mask = a.mask & b.mask
    if mask == 0:
        return None
    return _Term(a.k if a.k is not None else b.k, mask, tuple(dict.fromkeys(a.rest + b.rest)))


def _simplify(terms: Iterable[_Term]) -> tuple[_Term, ...]:
    """Union the masks of terms that differ only by their pairs; drop duplicates."""
    merged: dict[tuple[int | None, tuple[Node, ...]], int] = {}
    for t in terms:
        merged[(t.k, t.rest)] = merged.get((t.k, t.rest), 0) | t.mask
    return tuple(_Term(k, m, rest) for (k, rest), m in merged.items())


def _fold_and(xs: Sequence[Any]) -> Any:
    if not xs:
        return ibis.literal(True)
    out = xs[0]
    for x in xs[1:]:
        out = out & x
    return out


def _fold_add(xs: Sequence[Any]) -> Any:
    if len(xs) == 1:
        return xs[0]
    mid = len(xs) // 2
    return _fold_add(xs[:mid]) + _fold_add(xs[mid:])


def _fold_or(xs: Sequence[Any]) -> Any:
    if not xs:
        return ibis.literal(False)
    if len(xs) == 1:
        return xs[0]
    mid = len(xs) // 2
    return _fold_or(xs[:mid]) | _fold_or(xs[mid:])


# ---------------------------------------------------------------------------------------
def _eq_key(c: Node, depth: int) -> tuple[str, Node] | None:
    """`Ev(col) == X` with X a case value (not a constant) or, nested, an enclosing column."""
    if not (isinstance(c, Cmp) and c.op == "=="):
        return None
    for a, b in ((c.left, c.right), (c.right, c.left)):
        if not (isinstance(a, Ev) and a.column in _PLAIN):
            continue
        if not free(b) and not isinstance(b, Const):
            return a.column, b
        if isinstance(b, Outer) and b.column in _PLAIN and depth > 0:
            return a.column, b
    return None


def _signature(agg: Count | Last) -> tuple[tuple[str, Node], ...] | None:
    """The `Ev(col) == value` keys through which alone a top-level aggregate reads the case
    (beyond `now` and the zones); None when it reads the case otherwise (per-case join)."""
    keys: list[tuple[str, Node]] = []
    for c in conjuncts(agg.where):
        if all(map(dk_level, inputs(c))):
            continue
        key = _eq_key(c, 0)
        if key is None or dk_level(key[1]):
            return None
        keys.append(key)
    cols = [k for k, _ in keys]
    if len(set(cols)) != len(cols):
        return None
    return tuple(sorted(keys, key=lambda kx: kx[0]))


def _window(node: Count | Last, t: Any, prefix: str) -> list[Any]:
    w = node.window if isinstance(node, Count) else Ever()
    at = t[f"{prefix}at"]
    if isinstance(w, Days):
        return [at >= t[f"_b{const_int(w.n)}"]]
    if isinstance(w, Hours):
        return [at > t["now"] - ibis.interval(hours=const_int(w.n))]
    return []


def _order(t: Any, prefix: str) -> Any:
    """The history order of an entry: (at, seq)."""
    return ibis.struct({"a": t[f"{prefix}at"], "b": t[f"{prefix}seq"]})


def _agg_value(node: Count | Last, t: Any, env: Env, prefix: str, where: Any) -> Any:
    if isinstance(node, Count):
        return t[f"{prefix}seq"].count(where=where)
    value = expr(Ev(node.column), env)
    order = _order(t, prefix)
    # arg_max_null: the latest entry's value even when it is null (arg_max would skip it)
    return _agg_builtin("arg_max_null", value.type(), order.type())(value, order, where=where)


def _columns_read_deep(node: Count | Last) -> set[str]:
    """History columns read by an aggregate and the aggregates nested in it."""
    out: set[str] = set()
    for n in walk(node.where):
        if isinstance(n, Ev | Outer | Last):
            out.add("at" if n.column == "local_date" else n.column)
    if isinstance(node, Last):
        out.add("at" if node.column == "local_date" else node.column)
    return out


# ---------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------
def _check(cases: Any, history: Any) -> None:
    missing = [c for c in ("case_id", "debtor_key", "pack", "now") if c not in cases.columns]
    missing += [c for c in _HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")


def _packs(packs: Iterable[str] | None) -> tuple[str, ...]:
    pack_ids = tuple(packs) if packs is not None else PACK_IDS
    if not pack_ids:
        raise ValueError("no pack selected")
    for p in pack_ids:
        get_pack(p)  # KeyError for an unknown pack
    return pack_ids


def decide(
    cases: Any,
    history: Any,
    *,
    packs: Iterable[str] | None = None,
    config: EngineConfig | None = None,
    as_of: date | None = None,
) -> Any:
    """The decision of every case, as a lazy Ibis table (see the package docstring)."""
    cfg = config or EngineConfig()
    _check(cases, history)

    def calendar(n: int, cal: str) -> Any:
        return ibis.memtable(_business_calendar(n, cal))

    return _Compiler(cases, history, _packs(packs), cfg.contact_window, as_of, calendar).build()


@dataclass(frozen=True)
class CompiledSQL:
    """The decision query as DuckDB SQL over tables named `cases` and `history` (names chosen
    by the caller), plus auxiliary tables it reads (register them under these names)."""

    sql: str
    tables: Mapping[str, pa.Table]


def compile_sql(
    *,
    packs: Iterable[str] | None = None,
    config: EngineConfig | None = None,
    as_of: date | None = None,
    cases: str = "cases",
    history: str = "history",
) -> CompiledSQL:
    """`decide` compiled once to SQL (cached per packs, contact window, as_of and names):
    compiling the Ibis expression takes seconds, running it on DuckDB does not."""
    cfg = config or EngineConfig()
    return _compile(_packs(packs), cfg.contact_window, as_of, cases, history)


@lru_cache(maxsize=16)
def _compile(
    pack_ids: tuple[str, ...],
    window: tuple[time, time] | None,
    as_of: date | None,
    cases_name: str,
    history_name: str,
) -> CompiledSQL:
    c = ibis.table(ibis.Schema.from_pyarrow(CASES_SCHEMA), name=cases_name)
    h = ibis.table(ibis.Schema.from_pyarrow(HISTORY_SCHEMA), name=history_name)
    tables: dict[str, pa.Table] = {}

    def calendar(n: int, cal: str) -> Any:
        name = f"__fc_bizcal_{cal}_{n}"
        tables[name] = _business_calendar(n, cal)
        return ibis.table(ibis.Schema.from_pyarrow(tables[name].schema), name=name)

    expr = _Compiler(c, h, pack_ids, window, as_of, calendar).build()
    return CompiledSQL(ibis.to_sql(expr, dialect="duckdb"), tables)


def decide_arrow(
    cases: pa.Table,
    history: pa.Table,
    *,
    con: Any = None,
    packs: Iterable[str] | None = None,
    config: EngineConfig | None = None,
    as_of: date | None = None,
) -> pa.Table:
    """`decide` over Arrow tables, run on DuckDB (`con`: a duckdb connection or an Ibis DuckDB
    backend; a new in-memory connection by default) with the cached SQL; rows sorted by
    case_id."""
    compiled = compile_sql(
        packs=packs, config=config, as_of=as_of, cases="__fc_cases", history="__fc_history"
    )
    raw: duckdb.DuckDBPyConnection = duckdb.connect() if con is None else getattr(con, "con", con)
    names = {"__fc_cases": cases, "__fc_history": history, **compiled.tables}
    for name, table in names.items():
        raw.register(name, table)
    try:
        out: pa.Table = raw.sql(f"SELECT * FROM ({compiled.sql}) ORDER BY case_id").to_arrow_table()
    finally:
        for name in names:
            raw.unregister(name)
    return out
