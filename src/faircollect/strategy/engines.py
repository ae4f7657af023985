"""The two batch engines behind one small interface: DuckDB (in-process, default) and PySpark
(local mode or a cluster session).

The rule engine's columnar form (`faircollect.rules.columnar.decide`) is written for DuckDB
(it uses DuckDB's built-in ICU time functions). On Spark the candidate cases are computed by
Spark, judged by `decide` on an embedded DuckDB (Arrow in, Arrow out), and the answers go
back to Spark; everything else runs on Spark. The answers are the same either way.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import pyarrow.compute
import pyarrow.parquet as pq

__all__ = ["DuckDBEngine", "Engine", "SparkEngine", "make_engine"]

_STORE = "fc_store"  # the compressed in-memory database of the big stages


class Engine:
    name = "?"
    con: Any
    #: whether `run.plan` may plan a big snapshot in borrower chunks on this engine
    chunks = False

    def table(self, name: str, source: pa.Table | Path) -> Any:
        raise NotImplementedError

    def cache(self, expr: Any, *, compress: bool = False, name: str | None = None) -> Any:
        return expr.cache()

    def view(self, name: str, expr: Any) -> Any:
        """`expr` under a fixed name (an engine that chunks: a chunk's inputs, so that the
        expressions over them, and their compiled SQL, are the same for every chunk)."""
        return expr

    def to_arrow(self, expr: Any) -> pa.Table:
        table: pa.Table = self.con.to_pyarrow(expr)
        return table

    def append(self, into: Any, expr: Any, *, compress: bool = False) -> Any:
        """Add the rows of `expr` to the stage `into` (made by `cache`/`append`, same
        columns); `into` None: a new stage."""
        raise NotImplementedError

    def new_history(self) -> None:
        """The next `decide` gets a different history expression (another chunk)."""

    def drop(self, *tables: Any) -> None:
        """Free intermediate stages (tables made by `cache`)."""

    def decide(
        self, cases: Any, history: Any, *, packs: Iterable[str], as_of: date | None,
        cases_schema: pa.Schema, history_schema: pa.Schema,
    ) -> Any:  # fmt: skip
        raise NotImplementedError

    def close(self) -> None:
        pass


class DuckDBEngine(Engine):
    name = "duckdb"
    chunks = True

    def __init__(
        self,
        *,
        threads: int | None = None,
        memory_limit: str | None = None,
        compress: bool = True,
    ) -> None:
        # spill to the system's temporary folder, never into the working directory
        self._spill = tempfile.TemporaryDirectory(prefix="faircollect-duckdb-")
        config: dict[str, Any] = {"temp_directory": self._spill.name}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        # every ranking and output has an explicit total order: DuckDB need not keep the
        # insertion order of intermediate results (less memory for big CREATE TABLE AS)
        config["preserve_insertion_order"] = False
        self.con = ibis.duckdb.connect(**config)
        # big stages (one row per account, when there are millions) can be kept compressed
        # (a checkpointed in-memory database: about 8x smaller than a temporary table) so
        # that 10M accounts stay within the memory limit instead of spilling
        self.compress = compress
        if compress:
            self.con.con.execute(f"ATTACH ':memory:' AS {_STORE} (COMPRESS)")
        self._n = 0
        self._registered: set[str] = set()
        self._history_all: int | None = None
        self._history_kind: str | None = None
        self._compiled: dict[Any, str] = {}

    def table(self, name: str, source: pa.Table | Path) -> Any:
        if isinstance(source, Path):
            return self.con.read_parquet(str(source), table_name=name)
        self.con.con.register(name, source)
        return self.con.table(name)

    def _sql(self, expr: Any) -> tuple[str, str]:
        """(column definitions, query) of `expr`, compiled once per distinct expression (a
        chunked plan runs the same big expressions over the same views once per chunk;
        Ibis takes about a second to compile the plan table). Tables are created with the
        expression's declared column types, as Ibis' `create_table` does."""
        self.con._run_pre_execute_hooks(expr)  # registers in-memory tables, as create_table
        key = expr.op()
        found = self._compiled.get(key)
        if found is None:
            dialect = self.con.dialect
            cols = ", ".join(c.sql(dialect) for c in expr.schema().to_sqlglot_column_defs(dialect))
            found = (cols, str(self.con.compile(expr)))
            self._compiled[key] = found
        return found

    def _create(self, where: str, name: str, expr: Any, *, replace: bool = False) -> None:
        raw = self.con.con
        cols, sql = self._sql(expr)
        target = f'{where}."{name}"'
        kind = "TEMP TABLE" if where.startswith("temp.") else "TABLE"
        raw.execute(f"CREATE {'OR REPLACE ' if replace else ''}{kind} {target} ({cols})")
        raw.execute(f"INSERT INTO {target} BY NAME {sql}")

    def cache(self, expr: Any, *, compress: bool = False, name: str | None = None) -> Any:
        """Materialise `expr` as a table; with `compress` (a big stage kept for several
        steps), in the compressed store: compressing costs about a second per million
        rows, spilling a plain table at 10M accounts costs more. `name`: a fixed name
        (replacing the table of that name; never compressed)."""
        if name is not None:
            self._create("temp.main", name, expr, replace=True)
            return self.con.table(name)
        self._n += 1
        name = f"_fc_stage_{self._n}"
        if not (compress and self.compress):
            self._create("temp.main", name, expr)
            return self.con.table(name)
        self._create(f"{_STORE}.main", name, expr)
        self.con.con.execute(f"CHECKPOINT {_STORE}")
        return self.con.table(name, database=(_STORE, "main"))

    def view(self, name: str, expr: Any) -> Any:
        _, sql = self._sql(expr)
        self.con.con.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {sql}')
        return self.con.table(name)

    def append(self, into: Any, expr: Any, *, compress: bool = False) -> Any:
        if into is None:
            return self.cache(expr, compress=compress)
        name = into.op().name  # unqualified (get_name() qualifies the store's tables)
        raw = self.con.con
        squeeze = compress and self.compress
        where = f"{_STORE}.main" if squeeze else "temp.main"
        raw.execute(f'INSERT INTO {where}."{name}" BY NAME {self._sql(expr)[1]}')
        if squeeze:
            raw.execute(f"CHECKPOINT {_STORE}")
        return into

    def new_history(self) -> None:
        self._history_all = None

    def drop(self, *tables: Any) -> None:
        for t in tables:
            name = t.op().name
            if name.startswith("_fc_stage_") and self.compress:
                self.con.con.execute(f'DROP TABLE IF EXISTS {_STORE}.main."{name}"')
            if name.startswith(("_fc_stage_", "_fc_decided_")):
                self.con.con.execute(f'DROP TABLE IF EXISTS temp.main."{name}"')

    def decide(
        self, cases: Any, history: Any, *, packs: Iterable[str], as_of: date | None,
        cases_schema: pa.Schema, history_schema: pa.Schema,
    ) -> Any:  # fmt: skip
        """Judge `cases` against `history` (restricted to the cases' debtors). Each round's
        cases go to a fixed table, and the rule engine's SQL is compiled once per process
        (`rules.columnar.compile_sql`) and re-executed."""
        raw = self.con.con
        self.con.create_table("fc_cases", cases, temp=True, overwrite=True)
        if self._history_all is None:
            # a view on the snapshot, not a copy: the history is the biggest input
            self.con.create_view("fc_history_all", history, overwrite=True)
            self._history_all = int(
                raw.execute("SELECT count(*) FROM fc_history_all").fetchone()[0]
            )
        debtors = int(raw.execute("SELECT count(DISTINCT debtor_key) FROM fc_cases").fetchone()[0])
        # a small round (fallbacks, second tries) gets only its debtors' history, copied with
        # the categorical columns as ENUMs of the rule vocabulary (integer filters and keys);
        # a big one reads it all from the snapshot
        kind = "view" if debtors * 8 > self._history_all else "table"
        if self._history_kind is not None:
            raw.execute(f"DROP {'VIEW' if self._history_kind == 'view' else 'TABLE'} fc_history")
        if kind == "view":
            raw.execute("CREATE TEMP VIEW fc_history AS SELECT * FROM fc_history_all")
        else:
            self._copy_history(
                "fc_history", "fc_history_all",
                "debtor_key IN (SELECT DISTINCT debtor_key FROM fc_cases)",
            )  # fmt: skip
        self._history_kind = kind
        return self.decide_fixed(tuple(packs), as_of)

    def _copy_history(self, name: str, source: str, where: str) -> None:
        """A temporary table of the history rows `where`, categorical columns as ENUMs
        (plain strings when a value is outside the vocabulary)."""
        from faircollect.rules.columnar.schema import CATEGORIES, duckdb_enum

        raw = self.con.con
        columns = [r[0] for r in raw.execute(f"DESCRIBE {source}").fetchall()]
        cols = ", ".join(
            f'CAST("{c}" AS {duckdb_enum(c)}) AS "{c}"' if c in CATEGORIES else f'"{c}"'
            for c in columns
        )
        try:
            raw.execute(f"CREATE TEMP TABLE {name} AS SELECT {cols} FROM {source} WHERE {where}")
        except duckdb.ConversionException:  # a value outside the vocabulary: keep strings
            raw.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {source} WHERE {where}")

    def decide_fixed(self, packs: tuple[str, ...], as_of: date | None) -> Any:
        from faircollect.rules.columnar import compile_sql

        self._n += 1
        name = f"_fc_decided_{self._n}"
        compiled = compile_sql(packs=packs, as_of=as_of, cases="fc_cases", history="fc_history")
        for table_name, table in compiled.tables.items():
            if table_name not in self._registered:
                self.con.con.register(table_name, table)
                self._registered.add(table_name)
        self.con.con.execute(f'CREATE TEMP TABLE "{name}" AS {compiled.sql}')
        return self.con.table(name)

    def close(self) -> None:
        self.con.disconnect()
        self._spill.cleanup()


class SparkEngine(Engine):
    name = "spark"

    def __init__(self, session: Any = None) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as e:  # pragma: no cover - depends on the extra
            raise RuntimeError(
                "the spark engine needs pyspark: pip install 'faircollect[spark]'"
            ) from e
        if session is None:
            session = (
                SparkSession.builder.master(os.environ.get("FAIRCOLLECT_SPARK_MASTER", "local[2]"))
                .appName("faircollect-strategy")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .getOrCreate()
            )
        self.session = session
        self.con = ibis.pyspark.connect(session)
        self._tmp = tempfile.TemporaryDirectory(prefix="faircollect-spark-")
        self._n = 0
        self._duckdb: DuckDBEngine | None = None

    def _parquet(self, table: pa.Table) -> Path:
        self._n += 1
        path = Path(self._tmp.name) / f"t{self._n}.parquet"
        pq.write_table(table, path)
        return path

    def table(self, name: str, source: pa.Table | Path) -> Any:
        path = source if isinstance(source, Path) else self._parquet(source)
        return self.con.read_parquet(str(path), table_name=name)

    def to_arrow(self, expr: Any) -> pa.Table:
        """Spark's own Arrow export (Ibis would go through pandas). Expressions here never
        hold in-memory tables: inputs are registered with `table`."""
        df = self.session.sql(self.con.compile(expr.as_table()))
        if hasattr(df, "toArrow"):  # PySpark 4
            table: pa.Table = df.toArrow()
            return table
        return super().to_arrow(expr)  # pragma: no cover - PySpark 3.5

    def cache(self, expr: Any, *, compress: bool = False, name: str | None = None) -> Any:
        # materialise through Parquet: a plain Spark cache would keep the whole lineage
        return self.table(f"_fc_stage_{self._n + 1}", self.to_arrow(expr))

    def decide(
        self, cases: Any, history: Any, *, packs: Iterable[str], as_of: date | None,
        cases_schema: pa.Schema, history_schema: pa.Schema,
    ) -> Any:  # fmt: skip
        c = self.to_arrow(cases).cast(cases_schema)
        keys = pa.table({"debtor_key": pa.compute.unique(c.column("debtor_key"))})
        h = self.to_arrow(history.semi_join(self.table("_fc_keys", keys), "debtor_key"))
        duck = self._duck()
        duck._history_all = None  # this round's debtors only: a fresh history each time
        out = duck.to_arrow(
            duck.decide(_arrow_table(duck, "_fc_c", c),
                        _arrow_table(duck, "_fc_h", h.cast(history_schema)), packs=packs,
                        as_of=as_of, cases_schema=cases_schema,
                        history_schema=history_schema)
        )  # fmt: skip
        return self.table("_fc_decided", out)

    def _duck(self) -> DuckDBEngine:
        if self._duckdb is None:
            self._duckdb = DuckDBEngine()
        return self._duckdb

    def close(self) -> None:
        if self._duckdb is not None:
            self._duckdb.close()
        self._tmp.cleanup()


def _arrow_table(duck: DuckDBEngine, name: str, table: pa.Table) -> Any:
    duck.con.con.register(name, table)
    return duck.con.table(name)


def make_engine(name: str, **kw: Any) -> Engine:
    if name == "duckdb":
        return DuckDBEngine(**kw)
    if name == "spark":
        return SparkEngine(**kw)
    raise ValueError(f"unknown engine {name!r} (duckdb or spark)")
