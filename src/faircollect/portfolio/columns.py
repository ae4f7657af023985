"""Parsing the cells of one table column by column: the vectorised fast path first, the scalar
validator (schema.py) for every cell the fast path did not accept. Errors become `Issue`s at
the cell's line and column; values come back typed (numpy arrays for numbers, dates and
instants; lists for text).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import fastpath, schema
from .issues import CellError, Issue
from .reader import RawTable

__all__ = ["NAT_D", "NAT_US", "TableCheck"]

NAT_D = np.datetime64("NaT", "D")
NAT_US = np.datetime64("NaT", "us")

REQUIRED = CellError("is required (the cell is blank)", "必填（单元格为空）")


class TableCheck:
    """Issues and per-row validity of one table while its columns are parsed."""

    def __init__(self, raw: RawTable) -> None:
        self.raw = raw
        self.n = raw.nrows
        self.issues: list[Issue] = []
        self.row_ok = np.ones(self.n, dtype=bool)
        self.values: dict[str, Any] = {}
        self.cell_ok: dict[str, np.ndarray] = {}
        for bad in raw.bad.values():
            self.row_ok &= ~bad

    @property
    def name(self) -> str:
        return self.raw.spec.name

    # -- reporting -----------------------------------------------------------------------
    def report(self, row: int, column: str, error: CellError) -> None:
        self.issues.append(
            Issue(self.name, int(self.raw.lines[row]), self.raw.positions[column], column, error)
        )
        self.row_ok[row] = False
        ok = self.cell_ok.get(column)
        if ok is not None:
            ok[row] = False

    def report_many(self, rows: np.ndarray, column: str, error: Callable[[int], CellError]) -> None:
        for i in np.flatnonzero(rows) if rows.dtype == bool else rows:
            self.report(int(i), column, error(int(i)))

    def text(self, column: str, row: int) -> str:
        return str(self.raw.columns[column][row].as_py())

    # -- the common frame -----------------------------------------------------------------
    def _frame(self, column: str) -> tuple[pa.Array, np.ndarray, np.ndarray]:
        """(cells, blank, to_check): blank required cells are reported here."""
        arr = self.raw.columns[column]
        blank = np.asarray(pc.equal(arr, "").to_numpy(zero_copy_only=False), dtype=bool)
        pre_bad = self.raw.bad[column]
        optional = column in self.raw.spec.optional_cells
        self.cell_ok[column] = ~pre_bad & (~blank | optional)
        if not optional:
            for i in np.flatnonzero(blank & ~pre_bad):
                self.report(int(i), column, REQUIRED)
        return arr, blank, ~blank & ~pre_bad

    def _fallback(
        self,
        column: str,
        arr: pa.Array,
        rows: np.ndarray,
        scalar: Callable[[str], Any],
        store: Callable[[int, Any], None],
    ) -> None:
        for i in np.flatnonzero(rows):
            i = int(i)
            result = scalar(str(arr[i].as_py()))
            if isinstance(result, CellError):
                self.report(i, column, result)
            else:
                store(i, result)

    # -- typed parsers --------------------------------------------------------------------
    def strings(
        self,
        column: str,
        fast: Callable[[pa.Array], np.ndarray],
        scalar: Callable[[str], Any],
        default: str | None = None,
    ) -> list[str | None]:
        arr, blank, todo = self._frame(column)
        ok = fast(arr) if len(arr) else np.zeros(0, dtype=bool)
        values: list[str | None] = arr.to_pylist()
        for i in np.flatnonzero(blank):
            values[int(i)] = default

        def store(i: int, v: Any) -> None:
            values[i] = v

        self._fallback(column, arr, todo & ~ok, scalar, store)
        self.values[column] = values
        return values

    def phones(self, column: str) -> list[str | None]:
        arr, blank, todo = self._frame(column)
        if len(arr):
            ok, e164 = fastpath.phones(arr)
            values: list[str | None] = e164.to_pylist()
        else:
            ok, values = np.zeros(0, dtype=bool), []
        for i in np.flatnonzero(blank):
            values[int(i)] = None

        def store(i: int, v: Any) -> None:
            values[i] = v

        self._fallback(column, arr, todo & ~ok, schema.check_phone, store)
        self.values[column] = values
        return values

    def ints(self, column: str, lo: int, hi: int, scalar: Callable[[str], Any]) -> np.ndarray:
        arr, _blank, todo = self._frame(column)
        ok, values = fastpath.ints(arr, lo, hi)
        values = np.where(ok, values, 0).astype(np.int64)

        def store(i: int, v: Any) -> None:
            values[i] = v

        self._fallback(column, arr, todo & ~ok, scalar, store)
        self.values[column] = values
        return values

    def dates(self, column: str) -> np.ndarray:
        arr, _blank, todo = self._frame(column)
        ok, values = fastpath.dates(arr)
        values = np.where(ok & todo, values, NAT_D)

        def store(i: int, v: date) -> None:
            values[i] = np.datetime64(v, "D")

        self._fallback(column, arr, todo & ~ok, schema.check_date, store)
        self.values[column] = values
        return values

    def datetimes(self, column: str) -> np.ndarray:
        arr, _blank, todo = self._frame(column)
        ok, values = fastpath.datetimes(arr)
        values = np.where(ok & todo, values, NAT_US)

        def store(i: int, v: datetime) -> None:
            values[i] = np.datetime64(v.replace(tzinfo=None), "us")

        self._fallback(column, arr, todo & ~ok, schema.check_datetime, store)
        self.values[column] = values
        return values

    def decimals(self, column: str) -> list[Decimal | None]:
        arr, _blank, todo = self._frame(column)
        ok = fastpath.matches(arr, r"(?:0|[1-9][0-9]{0,4})(?:\.[0-9]{1,8})?")
        texts = arr.to_pylist()
        cache: dict[str, Decimal] = {}
        values: list[Decimal | None] = [None] * len(texts)
        for i in np.flatnonzero(ok & todo):
            t = texts[i]
            d = cache.get(t)
            if d is None:
                d = cache[t] = Decimal(t)
            values[i] = d

        def store(i: int, v: Decimal) -> None:
            values[i] = v

        self._fallback(column, arr, todo & ~ok, schema.check_apr, store)
        self.values[column] = values
        return values

    def amounts(self, column: str, places: np.ndarray, currencies: list[str | None]) -> np.ndarray:
        """Minor units; `places` is each row's currency exponent (-1: currency unknown, the
        cell is not checked because another error already covers the row)."""
        arr, blank, todo = self._frame(column)
        known = places >= 0
        todo = todo & known
        values = np.zeros(len(arr), dtype=np.int64)
        ok = np.zeros(len(arr), dtype=bool)
        for p in np.unique(places[known]) if len(arr) else []:
            sel = places == p
            o, v = fastpath.amounts(arr, int(p))
            ok |= o & sel
            values = np.where(o & sel, v, values)

        def store(i: int, v: int) -> None:
            values[i] = v

        for i in np.flatnonzero(todo & ~ok):
            i = int(i)
            cur = currencies[i]
            assert cur is not None
            result = schema.check_amount(str(arr[i].as_py()), cur)
            if isinstance(result, CellError):
                self.report(i, column, result)
            else:
                store(i, result)
        self.cell_ok[column] &= known | blank
        self.values[column] = values
        return values

    def blank(self, column: str) -> np.ndarray:
        arr = self.raw.columns[column]
        return np.asarray(pc.equal(arr, "").to_numpy(zero_copy_only=False), dtype=bool)

    def ok(self, *columns: str) -> np.ndarray:
        """Rows whose given cells are all valid."""
        out = np.ones(self.n, dtype=bool)
        for c in columns:
            out &= self.cell_ok[c]
        return out
