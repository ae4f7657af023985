"""Run a strategy: snapshot in, work items and no-action rows out.

    plan(snapshot, arms, engine="duckdb") -> PlanResult       (Arrow in, Arrow out; no DB)
    run_nightly(db, as_of=..., strategy=..., engine=..., out=...) -> RunSummary
        (takes the snapshot from the database, plans, writes the work items and the run
        record in one transaction — replacing the same strategy's output for that date —
        and, with `out`, Parquet files)

The web app and the simulator call `plan` (the simulator with its own snapshots and both
shipped strategies) or `run_nightly`. `progress(stage, done, total)` is called between
stages (the CLI shows it as a progress bar).
"""

from __future__ import annotations

import json
import time as _time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from faircollect.rules.packs import get_pack

from . import compile as C
from . import output
from .capacity import collectors_pools, field_team_pools, workers_from_arrow
from .engines import Engine, make_engine
from .scores import RuleBasedScorer, Scorer
from .snapshot import STICKY_OUTCOMES, Snapshot
from .treatments import TREATMENT_NAMES
from .windows import WindowKey, windows

__all__ = ["STAGES", "PlanResult", "plan", "write_outputs"]

Progress = Callable[[str, int, int], None]
#: accounts from which the per-account stages are kept compressed by the engine
COMPRESS_FROM = 2_000_000
#: a bigger snapshot is planned in chunks of about this many accounts (whole borrowers: the
#: features, arms, rules and the one-item-per-borrower selection never look across
#: borrowers); capacity, priorities and the outputs stay global. 0: never chunked.
CHUNK_ACCOUNTS = 2_000_000
#: the plan table's columns that capacity (fallback cases) and the outputs read
_PLAN_KEPT = tuple(dict.fromkeys(("loan_id", "window_start", "emergency_contact_point",
                                  *output.PLAN_FOR_OUTPUT)))  # fmt: skip
STAGES = (
    "load",
    "windows",
    "features",
    "rules",
    "select",
    "capacity",
    "output",
)


@dataclass(frozen=True)
class PlanResult:
    as_of: date
    engine: str
    strategy: str
    version: int
    arms: tuple[tuple[str, str, int], ...]  # (arm, strategy, version)
    work_items: pa.Table
    no_action: pa.Table
    accounts: int
    counts: dict[str, Any]
    pack_versions: dict[str, str]
    capacity: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    rounds: tuple[int, ...] = ()  # rule-engine cases per round (selection, then fallbacks)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def _struct_list(text: str) -> list[dict[str, Any]]:
    if not text:
        return []
    return [
        {"days": w.get("days"), "from": w.get("from", "00:00"), "to": w.get("to", "24:00")}
        for w in json.loads(text)
    ]


@contextmanager
def _quiet_engines() -> Iterator[None]:
    """Ibis 12 calls DuckDB 2's deprecated `fetch_arrow_table`, PySpark 4 warns that it does
    not fully support pandas 3: neither is actionable here, and tests turn warnings into
    errors."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*fetch_arrow_table", category=DeprecationWarning
        )
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                                category=FutureWarning)  # fmt: skip
        yield


def plan(
    snapshot: Snapshot,
    arms: Sequence[C.ArmSpec],
    *,
    engine: str | Engine = "duckdb",
    scorer: Scorer | None = None,
    progress: Progress | None = None,
    chunk_accounts: int | None = None,
) -> PlanResult:
    """Plan the as-of day for every account of the snapshot (see the package docs).
    `chunk_accounts` (default `CHUNK_ACCOUNTS`; 0: off): on an engine that supports it, a
    bigger snapshot is planned in borrower chunks of about that size (the same result)."""
    size = CHUNK_ACCOUNTS if chunk_accounts is None else chunk_accounts
    with _quiet_engines():
        return _plan(snapshot, arms, engine=engine, scorer=scorer, progress=progress,
                     chunk_accounts=size)  # fmt: skip


def _plan(
    snapshot: Snapshot,
    arms: Sequence[C.ArmSpec],
    *,
    engine: str | Engine,
    scorer: Scorer | None,
    progress: Progress | None,
    chunk_accounts: int,
) -> PlanResult:
    from faircollect.rules.columnar.schema import CASES_SCHEMA, HISTORY_SCHEMA, WINDOW_TYPE

    eng = make_engine(engine) if isinstance(engine, str) else engine
    own = isinstance(engine, str)
    scorer = scorer or RuleBasedScorer()
    as_of = snapshot.as_of
    timings: dict[str, float] = {}
    clock = [_time.perf_counter()]

    def step(name: str, *, report: bool = True) -> None:
        now = _time.perf_counter()
        # a chunked run passes the per-borrower stages once per chunk: their times add up
        timings[name] = round(timings.get(name, 0.0) + now - clock[0], 4)
        clock[0] = now
        if progress is not None and report:
            progress(name, STAGES.index(name) + 1, len(STAGES))

    try:
        acc = eng.table("accounts", snapshot.accounts)
        contacts = eng.table("contacts", snapshot.contacts)
        payments = eng.table("payments", snapshot.payments)
        collectors = snapshot.table("collectors")
        teams = snapshot.table("field_teams")
        tzkey = ibis.coalesce(acc.timezones.join(","), "")
        acc = acc.mutate(tzkey=tzkey)
        keys_t = eng.to_arrow(
            acc.group_by(["pack", "tzkey", "timezones", "inconvenient", "contact_window",
                          "currency"]).aggregate(n=acc.count())
        )  # fmt: skip
        n_accounts = int(pc.sum(keys_t.column("n")).as_py() or 0)
        # the per-account stages are kept compressed from this size on (memory, not speed)
        squeeze = n_accounts >= COMPRESS_FROM
        currencies = sorted(set(keys_t.column("currency").to_pylist()))
        packs = sorted(set(keys_t.column("pack").to_pylist()))
        step("load")

        # -- windows (per distinct pack / zones / inconvenient times / creditor hours) -----
        wkeys: dict[tuple[str, str, str, str], WindowKey] = {}
        for r in keys_t.to_pylist():
            k = (r["pack"], r["tzkey"], r["inconvenient"], r["contact_window"])
            wkeys[k] = WindowKey(r["pack"], tuple(r["timezones"] or ()), r["inconvenient"],
                                 r["contact_window"])  # fmt: skip
        found = windows(wkeys.values(), as_of)
        rows = []
        for k, wk in wkeys.items():
            wf = found[wk]
            rows.append(
                {
                    "pack": k[0],
                    "tzkey": k[1],
                    "inconvenient": k[2],
                    "contact_window": k[3],
                    "window_start": None if wf.start is None else wf.start.astimezone(UTC),
                    "window_end": None if wf.end is None else wf.end.astimezone(UTC),
                    "window_zone": wf.zone,
                    "has_window": wf.start is not None,
                }
            )
        ts = pa.timestamp("us", tz="UTC")
        win_schema = pa.schema(
            [("pack", pa.string()), ("tzkey", pa.string()), ("inconvenient", pa.string()),
             ("contact_window", pa.string()), ("window_start", ts), ("window_end", ts),
             ("window_zone", pa.string()), ("has_window", pa.bool_())]
        )  # fmt: skip
        win = eng.table("windows", pa.Table.from_pylist(rows, schema=win_schema))
        incon = sorted({k[2] for k in wkeys})
        incon_t = eng.table(
            "inconvenient_structs",
            pa.table(
                {
                    "inconvenient": pa.array(incon, pa.string()),
                    "debtor_inconvenient": pa.array(
                        [_struct_list(x) for x in incon], pa.list_(WINDOW_TYPE)
                    ),
                }
            ),
        )
        starts = {r["window_start"].date() for r in rows if r["window_start"] is not None}
        step("windows")

        # -- features, rules and selection: per borrower, so in chunks of borrowers -------
        lookback = C.rules_lookback_days(packs, as_of)
        same_day = as_of if starts == {as_of} else None
        jk = ["pack", "tzkey", "inconvenient", "contact_window"]
        rounds: list[int] = []

        def search(state: Any, acc_c: Any, p_c: Any, hist_c: Any, found: list[int]) -> Any:
            for every in (False, True):
                tries = eng.cache(C.round_tries(state, every=every))
                n = eng.to_arrow(tries.count().name("n").as_table()).column(0)[0].as_py()
                found.append(int(n))
                if not n:
                    eng.drop(tries)
                    break
                cases = C.round_cases(tries, p_c, acc_c, incon_t)
                decided = eng.decide(
                    cases,
                    hist_c,
                    packs=packs,
                    as_of=same_day,
                    cases_schema=CASES_SCHEMA,
                    history_schema=HISTORY_SCHEMA,
                )
                new_state = eng.cache(C.round_update(state, decided))
                eng.drop(tries, decided, state)
                state = new_state
            return state

        parts = _borrower_chunks(eng, acc, n_accounts, chunk_accounts)
        p: Any = None
        w: Any = None
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part is None:
                acc_c, contacts_c, payments_c = acc, contacts, payments
            else:  # the chunk's inputs under fixed names: the same expressions every time
                acc_c = eng.view("_fc_chunk_accounts", acc.filter(part(acc)))
                contacts_c = eng.view("_fc_chunk_contacts", contacts.filter(part(contacts)))
                payments_c = eng.view("_fc_chunk_payments", payments.filter(part(payments)))
            if i == 0:
                f = C.features(acc_c, contacts_c, payments_c, as_of)
                f = f.left_join(win, jk).drop(*[f"{c}_right" for c in jk])
                f = f.mutate(has_window=ibis.coalesce(f.has_window, False))
                f = C.with_arms(f, arms[0].spec)
                plan_t = C.plan_table(f, arms, scorer)
                hist_c = C.history(contacts_c, as_of, lookback, STICKY_OUTCOMES)
            # one chunk: the plan table is the run's; several: a chunk's own, added to the
            # run's after its selection
            p_c = (
                eng.cache(plan_t, compress=squeeze)
                if part is None
                else eng.cache(plan_t, name="_fc_stage_chunk_plan")
            )
            step("features", report=last)

            eng.new_history()  # each chunk's rule rounds read its borrowers' history only
            found_c: list[int] = []
            state = search(eng.cache(C.initial_state(p_c)), acc_c, p_c, hist_c, found_c)
            rounds[:] = _add_rounds(rounds, found_c)
            step("rules", report=last)
            sel = C.select(p_c, state, arms)
            if part is None:
                p, w = p_c, eng.cache(sel, compress=squeeze)
                eng.drop(state)
            else:
                w = eng.append(w, sel, compress=squeeze)
                eng.drop(state)
                # only what the later stages read of it (the rest is in the work rows)
                p = eng.append(p, p_c.select(*_PLAN_KEPT), compress=squeeze)
                eng.drop(p_c)
            step("select", report=last)
        eng.new_history()
        hist = C.history(contacts, as_of, lookback, STICKY_OUTCOMES)

        # -- capacity: visits to field teams, then calls to collectors ---------------------
        capacity: dict[str, Any] = {}
        stages = (
            ("visits", ["visit"], ("creditor", "region"), "field_team"),
            ("calls", ["call", "call_emergency_contact"], ("creditor", "language"), "collector"),
        )
        overrides: list[Any] = []
        for label, treatments, keys, assignee in stages:
            ks = [C.TIDX[t] for t in treatments]
            current = C.with_overrides(w, overrides)
            # only this stage's items are copied (a few percent of the accounts)
            rows = eng.cache(current.filter(current.keep & current.cur.isin(ks)))
            dem = eng.to_arrow(rows.group_by(list(keys)).aggregate(n=ibis._.count()))
            demand = {tuple(r[k] for k in keys): int(r["n"]) for r in dem.to_pylist()}
            if label == "visits":
                pools = field_team_pools(demand, workers_from_arrow(teams), as_of)
            else:
                pools = collectors_pools(demand, workers_from_arrow(collectors))
            capacity[label] = _capacity_info(demand, pools)
            if not pools.limited:
                eng.drop(rows)
                continue
            cap_t, slots_t = C.pool_tables(pools)
            cap = eng.table(f"_fc_cap_{label}", cap_t)
            slots = eng.table(f"_fc_slots_{label}", slots_t)
            ranked = eng.cache(C.capacity_rank(rows, treatments, pools, assignee, cap, slots))
            fb = search(eng.cache(C.fallback_state(ranked)), acc, p, hist, rounds)
            changed = C.apply_fallback(ranked, fb, arms)
            overrides.append(eng.cache(changed.select("loan_id", *C.OVERRIDE_COLUMNS)))
            eng.drop(rows, ranked, fb)
        w = C.with_overrides(w, overrides)
        step("capacity")

        # -- outputs -----------------------------------------------------------------------
        # sorted by the engine (within its memory limit), identically on every engine
        if len(parts) == 1:
            items = eng.to_arrow(
                output.work_items(w, p, arms, currencies, as_of).order_by(output.order_keys())
            )
            items = output.with_priority(_conform(items, output.WORK_ITEMS))
            none = eng.to_arrow(
                output.no_action(w, p, arms, currencies, as_of).order_by("loan_ref")
            )
            none = _conform(none, output.NO_ACTION)
        else:  # a chunked run renders its outputs a slice of the final order at a time
            planned = w.keep & w.cur.notnull()
            items = output.with_priority(
                _in_order(
                    eng, w, planned, [ibis.desc(w.ev), w.loan_ref], chunk_accounts,
                    lambda x: output.work_items(x, p, arms, currencies, as_of),
                    output.order_keys(), output.WORK_ITEMS,
                )
            )  # fmt: skip
            none = _in_order(
                eng, w, ~planned, [w.loan_ref], chunk_accounts,
                lambda x: output.no_action(x, p, arms, currencies, as_of),
                ["loan_ref"], output.NO_ACTION,
            )  # fmt: skip
        step("output")
    finally:
        if own:
            eng.close()
    counts = summarize(items, none)
    return PlanResult(
        as_of=as_of,
        engine=eng.name,
        strategy=arms[0].spec.name,
        version=arms[0].version,
        arms=tuple((a.arm, a.spec.name, a.version) for a in arms),
        work_items=items,
        no_action=none,
        accounts=n_accounts,
        counts=counts,
        pack_versions={p: get_pack(p).version for p in packs},
        capacity=capacity,
        timings=timings,
        rounds=tuple(rounds),
    )


def _borrower_chunks(
    eng: Engine, acc: Any, n_accounts: int, chunk_accounts: int
) -> list[Callable[[Any], Any] | None]:
    """[None] (one chunk: everything), or filters (table -> predicate on its `debtor_id`)
    splitting the borrowers into ranges of `debtor_id` of about `chunk_accounts` accounts
    each. Every input table (accounts, contacts, payments) carries the borrower's
    `debtor_id`, so a chunk's inputs are its borrowers' rows; ranges (not a hash) let the
    Parquet reader skip row groups outside a chunk."""
    if not eng.chunks or chunk_accounts <= 0 or n_accounts <= chunk_accounts:
        return [None]
    n = -(-n_accounts // chunk_accounts)
    ids = acc.debtor_id
    q = eng.to_arrow(
        acc.aggregate(**{f"q{i}": ids.quantile(i / n) for i in range(1, n)}).as_table()
    )  # fmt: skip
    bounds = sorted({int(q.column(f"q{i}")[0].as_py()) for i in range(1, n)
                     if q.column(f"q{i}")[0].as_py() is not None})  # fmt: skip
    if not bounds:
        return [None]
    edges: list[int | None] = [None, *bounds, None]

    def part(lo: int | None, hi: int | None) -> Callable[[Any], Any]:
        def pred(t: Any) -> Any:
            if lo is None:  # the first chunk also takes a missing borrower id
                return t.debtor_id.isnull() | (t.debtor_id < hi)
            if hi is None:
                return t.debtor_id >= lo
            return (t.debtor_id >= lo) & (t.debtor_id < hi)

        return pred

    return [part(lo, hi) for lo, hi in pairwise(edges)]


def _in_order(
    eng: Engine,
    w: Any,
    which: Any,
    rank_by: Sequence[Any],
    size: int,
    render: Callable[[Any], Any],
    order: Sequence[Any],
    schema: pa.Schema,
) -> pa.Table:
    """The rows `render` makes of the work rows `which`, in the order `order` (the same
    order as `rank_by` over the work table), rendered and sorted `size` rows at a time:
    the rows are ranked on two columns first, then each slice of ranks is rendered (the
    reasons) and sorted on its own, and the slices are concatenated (no copy)."""
    ranked = eng.cache(
        w.filter(which).select("loan_id", _rank=ibis.row_number().over(order_by=list(rank_by)))
    )
    n = int(eng.to_arrow(ranked.count().name("n").as_table()).column(0)[0].as_py())
    out = []
    for lo in range(0, n, size):
        ids = ranked.filter((ranked._rank >= lo) & (ranked._rank < lo + size)).select("loan_id")
        part = eng.to_arrow(render(w.semi_join(ids, "loan_id")).order_by(list(order)))
        out.append(_conform(part, schema))
    eng.drop(ranked)
    return pa.concat_tables(out) if out else schema.empty_table()


def _add_rounds(total: Sequence[int], chunk: Sequence[int]) -> list[int]:
    """Rule-engine cases per round, summed over chunks (as if planned in one)."""
    n = max(len(total), len(chunk))
    return [(total[i] if i < len(total) else 0) + (chunk[i] if i < len(chunk) else 0)
            for i in range(n)]  # fmt: skip


def _capacity_info(demand: Mapping[tuple[str, str], int], pools: C.PoolSlots) -> dict[str, Any]:
    if not pools.limited:
        return {"limited": False, "demand": sum(demand.values())}
    return {
        "limited": True,
        "demand": sum(demand.values()),
        "capacity": sum(int(r["cap"]) for r in pools.capacity),
    }


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Arrow output of either engine in the declared schema (Spark returns naive UTC
    timestamps and may widen integer types)."""
    if table.schema == schema:
        return table
    cols = []
    for f in schema:
        col = table.column(f.name)
        naive = pa.types.is_timestamp(col.type) and col.type.tz is None
        if pa.types.is_timestamp(f.type) and naive:
            col = col.cast(pa.timestamp(col.type.unit, "UTC"))
        cols.append(col.cast(f.type))
    return pa.Table.from_arrays(cols, schema=schema)


def summarize(items: pa.Table, none: pa.Table) -> dict[str, Any]:
    """Counts by treatment, segment and arm (work items) and by reason (no action)."""

    def count(t: pa.Table, col: str) -> dict[str, int]:
        if t.num_rows == 0:
            return {}
        g = t.group_by(col).aggregate([(col, "count")])
        return {
            str(k): int(v)
            for k, v in sorted(
                zip(g.column(col).to_pylist(), g.column(f"{col}_count").to_pylist(), strict=True),
                key=lambda kv: str(kv[0]),
            )
        }

    by_treatment = count(items, "treatment")
    by_arm_treatment: dict[str, dict[str, int]] = {}
    if items.num_rows:
        g = items.group_by(["arm", "treatment"]).aggregate([("loan_ref", "count")])
        for r in g.to_pylist():
            by_arm_treatment.setdefault(r["arm"], {})[r["treatment"]] = int(r["loan_ref_count"])
    return {
        "work_items": items.num_rows,
        "no_action": none.num_rows,
        "by_treatment": {t: by_treatment[t] for t in TREATMENT_NAMES if t in by_treatment},
        "by_segment": count(items, "segment"),
        "by_arm": count(items, "arm"),
        "by_arm_treatment": {
            a: {t: v[t] for t in TREATMENT_NAMES if t in v}
            for a, v in sorted(by_arm_treatment.items())
        },
        "no_action_by_reason": count(none, "reason_code"),
        "no_action_by_arm": count(none, "arm"),
    }


def write_outputs(result: PlanResult, out: Path) -> tuple[Path, Path]:
    """Work items to `out` (Parquet), no-action rows next to it (`<stem>.no_action.parquet`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(result.work_items, out, compression="zstd")
    none_path = out.with_name(f"{out.stem}.no_action.parquet")
    pq.write_table(result.no_action, none_path, compression="zstd")
    return out, none_path


def utc_now() -> datetime:
    from faircollect import clock

    return clock.now()


# ---------------------------------------------------------------------------------------
# the nightly run against the operational database
# ---------------------------------------------------------------------------------------
class StrategyNotFound(LookupError):
    pass


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    as_of: date
    strategy: str
    version: int
    engine: str
    accounts: int
    counts: dict[str, Any]
    timings: dict[str, float]
    outputs: tuple[Path, ...] = ()
    replaced: bool = False


def resolve_spec(session: Any, name: str, *, version: int | None = None) -> tuple[Any, int]:
    """(spec, version) of a strategy: the given version, else the active one in the
    database, else the shipped default of that name (stored and activated on first use)."""
    from faircollect.store.repositories import strategies as repo

    from . import spec as S

    if version is not None:
        row = repo.get_version(session, name, version)
        if row is None:
            raise StrategyNotFound(f"no version {version} of strategy {name!r}")
        return S.from_data(row.spec, f"{name}@{version}"), row.version
    row = repo.active_version(session, name)
    if row is not None:
        return S.from_data(row.spec, f"{name}@{row.version}"), row.version
    if name not in S.shipped_names():
        raise StrategyNotFound(
            f"no active strategy {name!r} (shipped: {', '.join(S.shipped_names())})"
        )
    spec = S.shipped(name)
    saved, _ = repo.save_version(
        session,
        name=name,
        digest=S.digest(spec),
        spec=spec.to_data(),
        source=S.canonical_yaml(spec),
        title=spec.title.en,
    )
    repo.activate(session, name, saved.version)
    return spec, saved.version


def resolve_arms(session: Any, name: str, *, version: int | None = None) -> tuple[C.ArmSpec, ...]:
    champion, v = resolve_spec(session, name, version=version)
    challengers = {c.arm: resolve_spec(session, c.strategy) for c in champion.challengers}
    return C.arms_for(champion, v, challengers)


def _rows(table: pa.Table, index: Mapping[str, tuple[int, int]], columns: Sequence[str]) -> Any:
    """The database rows, converted to Python a batch at a time (the repository inserts
    them in batches: the run's millions of rows are never all Python objects at once)."""
    wanted = list(dict.fromkeys(["loan_ref", *columns]))
    for batch in table.select(wanted).to_batches(max_chunksize=20_000):
        for r in batch.to_pylist():
            ids = index.get(r["loan_ref"])
            out = {c: r[c] for c in columns}
            out["loan_id"] = None if ids is None else ids[0]
            out["creditor_id"] = None if ids is None else ids[1]
            yield out


_WORK_DB = (
    "as_of", "strategy", "strategy_version", "arm", "segment", "loan_ref", "treatment",
    "channel", "party", "place", "purpose", "contact_point", "window_start", "window_end",
    "timezone", "priority", "assignee", "expected_recovery_minor", "expected_value_minor",
    "currency", "bucket", "balance_minor", "reason_code", "reason", "reason_zh",
    "fallback_from",
)  # fmt: skip
_NONE_DB = (
    "as_of", "strategy", "strategy_version", "arm", "segment", "loan_ref", "bucket",
    "balance_minor", "currency", "reason_code", "reason", "reason_zh", "detail",
)  # fmt: skip


def run_nightly(
    db: Any,
    *,
    as_of: date | None = None,
    strategy: str = "faircollect-default",
    version: int | None = None,
    engine: str = "duckdb",
    out: Path | None = None,
    snapshot_dir: Path | None = None,
    vault: Any = None,
    scorer: Scorer | None = None,
    progress: Progress | None = None,
    actor: str = "system:strategy",
) -> RunSummary:
    """Take the snapshot (database, or `snapshot_dir`), plan, and record the run with its
    work items and no-action rows in one transaction (replacing this strategy's output for
    the date); with `out`, also write Parquet files. `as_of` defaults to today (Beijing), or
    to the snapshot folder's date."""
    from faircollect import audit, clock
    from faircollect.store.repositories import strategies as repo

    from .snapshot import from_db, read_parquet

    started = clock.now()
    with db.transaction() as session:
        arms = resolve_arms(session, strategy, version=version)
        if snapshot_dir is None:
            day = as_of or clock.today()
            snapshot = from_db(session, as_of=day, vault=vault)
        else:  # the snapshot's own date unless another is asked for
            snapshot = read_parquet(snapshot_dir, as_of=as_of)
            day = snapshot.as_of
    result = plan(snapshot, arms, engine=engine, scorer=scorer, progress=progress)
    counts = {**result.counts, "amounts": amounts(result)}
    with db.transaction(immediate=True) as session:
        refs = [*result.work_items.column("loan_ref").to_pylist(),
                *result.no_action.column("loan_ref").to_pylist()]  # fmt: skip
        index = repo.loan_index(session, refs)
        before = repo.list_runs(session, strategy=result.strategy)
        replaced = any(r.as_of == day for r in before)
        row = repo.replace_run(
            session,
            repo.NewRun(
                strategy=result.strategy,
                strategy_version=result.version,
                as_of=day,
                engine=result.engine,
                source=snapshot.source,
                accounts=result.accounts,
                counts=counts,
                arms=[list(a) for a in result.arms],
                pack_versions=result.pack_versions,
                capacity=result.capacity,
                timings=result.timings,
                started_at=started,
            ),
            _rows(result.work_items, index, _WORK_DB),
            _rows(result.no_action, index, _NONE_DB),
        )
        audit.append(
            session,
            actor=actor,
            action="strategy.run",
            entity=f"strategy:{result.strategy}",
            payload={
                "run_id": row.id,
                "as_of": day.isoformat(),
                "version": result.version,
                "engine": result.engine,
                "arms": [list(a) for a in result.arms],
                "accounts": result.accounts,
                "work_items": result.work_items.num_rows,
                "no_action": result.no_action.num_rows,
                "by_treatment": result.counts["by_treatment"],
                "pack_versions": result.pack_versions,
                "replaced": replaced,
            },
        )
        run_id = row.id
    outputs: tuple[Path, ...] = ()
    if out is not None:
        outputs = write_outputs(result, out)
    return RunSummary(
        run_id=run_id,
        as_of=day,
        strategy=result.strategy,
        version=result.version,
        engine=result.engine,
        accounts=result.accounts,
        counts=counts,
        timings=result.timings,
        outputs=outputs,
        replaced=replaced,
    )


def amounts(result: PlanResult) -> dict[str, Any]:
    """Work items and amounts (minor units) by bucket, treatment and arm, per currency:
    {"by_bucket": {"CNY": {"M1": {"items", "balance_minor", "expected_recovery_minor"}}},
    ...}; accounts without action by bucket."""
    t = result.work_items
    out: dict[str, Any] = {}
    for col in ("bucket", "treatment", "arm"):
        d: dict[str, dict[str, dict[str, int]]] = {}
        if t.num_rows:
            g = t.group_by([col, "currency"]).aggregate(
                [("loan_ref", "count"), ("balance_minor", "sum"),
                 ("expected_recovery_minor", "sum")]
            )  # fmt: skip
            for r in g.to_pylist():
                d.setdefault(r["currency"], {})[str(r[col])] = {
                    "items": int(r["loan_ref_count"]),
                    "balance_minor": int(r["balance_minor_sum"] or 0),
                    "expected_recovery_minor": int(r["expected_recovery_minor_sum"] or 0),
                }
        out[f"by_{col}"] = {c: dict(sorted(v.items())) for c, v in sorted(d.items())}
    n = result.no_action
    nb: dict[str, dict[str, dict[str, int]]] = {}
    if n.num_rows:
        g = n.group_by(["bucket", "currency"]).aggregate(
            [("loan_ref", "count"), ("balance_minor", "sum")]
        )
        for r in g.to_pylist():
            nb.setdefault(r["currency"], {})[str(r["bucket"])] = {
                "accounts": int(r["loan_ref_count"]),
                "balance_minor": int(r["balance_minor_sum"] or 0),
            }
    out["no_action_by_bucket"] = {c: dict(sorted(v.items())) for c, v in sorted(nb.items())}
    return out
