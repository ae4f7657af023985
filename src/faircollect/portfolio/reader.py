"""Reading one portfolio CSV file into columns of text cells, with every structural problem
(missing file, bad header, non-UTF-8 bytes, wrong number of fields) reported as an `Issue`.

Fast path: pyarrow's multi-threaded CSV reader, used when the file has no quotes, no blank
lines and no lone carriage returns (then one line is one record, so row i is line i + 2).
Anything else (quoted fields, non-UTF-8 bytes, ragged rows) is read again with the `csv`
module, which tracks physical line numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from .issues import CellError, Issue
from .schema import FileSpec

__all__ = ["RawTable", "read_table"]

BOM = b"\xef\xbb\xbf"


class RawTable(NamedTuple):
    spec: FileSpec
    present: bool  # the file exists
    header_ok: bool  # the header names exactly the spec's columns
    columns: dict[str, pa.Array]  # canonical column -> string cells (no nulls)
    positions: dict[str, int]  # canonical column -> 1-based position in the file's header
    lines: np.ndarray  # physical line number of each row (int64)
    bad: dict[str, np.ndarray]  # column -> cells already reported (e.g. non-UTF-8 bytes)
    digest: str  # sha256 of the file's bytes ("" when absent)

    @property
    def nrows(self) -> int:
        return len(self.lines)

    @property
    def usable(self) -> bool:
        return self.present and self.header_ok


def _empty(spec: FileSpec, present: bool, header_ok: bool, digest: str) -> RawTable:
    return RawTable(
        spec,
        present,
        header_ok,
        {c: pa.array([], pa.string()) for c in spec.columns},
        {c: i + 1 for i, c in enumerate(spec.columns)},
        np.zeros(0, dtype=np.int64),
        {c: np.zeros(0, dtype=bool) for c in spec.columns},
        digest,
    )


def _issue(spec: FileSpec, line: int, col: int, name: str, en: str, zh: str) -> Issue:
    return Issue(spec.name, line, col, name, CellError(en, zh))


def _header(raw: bytes, spec: FileSpec) -> tuple[list[str] | None, list[Issue]]:
    first, _, _ = raw.partition(b"\n")
    try:
        text = first.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None, [
            _issue(
                spec, 1, 0, "", "header contains bytes that are not UTF-8", "表头含有非 UTF-8 字节"
            )
        ]
    if not text.strip():
        return None, [_issue(spec, 1, 0, "", "the header row is empty", "表头为空")]
    names = [n.strip() for n in next(csv.reader([text]))]
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for i, n in enumerate(names, start=1):
        if n not in spec.columns:
            issues.append(
                _issue(
                    spec,
                    1,
                    i,
                    n,
                    f"unknown column (expected: {', '.join(spec.columns)})",
                    f"未知列（应为：{', '.join(spec.columns)}）",
                )
            )
        elif n in seen:
            issues.append(
                _issue(
                    spec,
                    1,
                    i,
                    n,
                    f"duplicate column (also column {seen[n]})",
                    f"重复的列（与第 {seen[n]} 列相同）",
                )
            )
        else:
            seen[n] = i
    for j, c in enumerate(spec.columns, start=1):
        if c not in seen:
            issues.append(_issue(spec, 1, j, c, "missing column", "缺少此列"))
    return names, issues


def read_table(folder: Path, spec: FileSpec) -> tuple[RawTable, list[Issue]]:
    path = folder / spec.name
    if not path.is_file():
        issues = (
            [_issue(spec, 0, 0, "", "required file is missing", "缺少必需的文件")]
            if spec.required
            else []
        )
        return _empty(spec, False, not spec.required, ""), issues
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
    names, issues = _header(raw, spec)
    if names is None or issues:
        return _empty(spec, True, False, digest), issues
    simple = (
        b'"' not in raw
        and b"\n\n" not in raw
        and b"\n\r\n" not in raw
        and raw.count(b"\r") == raw.count(b"\r\n")
    )
    if simple:
        table = _read_fast(raw, spec, names, digest)
        if table is not None:
            return table, []
    return _read_slow(raw, spec, names, digest)


def _read_fast(raw: bytes, spec: FileSpec, names: list[str], digest: str) -> RawTable | None:
    invalid: list[object] = []

    def on_invalid(row: object) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(raw)),
            read_options=pa_csv.ReadOptions(use_threads=True, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(
                invalid_row_handler=on_invalid, newlines_in_values=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except pa.ArrowInvalid:
        return None  # e.g. non-UTF-8 bytes: the slow path finds the lines
    if invalid or table.num_columns != len(names):
        return None
    n = table.num_rows
    columns = {}
    for i, name in enumerate(names):
        col = table.column(i)
        columns[name] = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    return RawTable(
        spec,
        True,
        True,
        columns,
        {name: i + 1 for i, name in enumerate(names)},
        np.arange(2, n + 2, dtype=np.int64),
        {c: np.zeros(n, dtype=bool) for c in spec.columns},
        digest,
    )


def _has_surrogates(s: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in s)


def _read_slow(
    raw: bytes, spec: FileSpec, names: list[str], digest: str
) -> tuple[RawTable, list[Issue]]:
    text = raw.decode("utf-8", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    issues: list[Issue] = []
    ncols = len(names)
    cells: list[list[str]] = [[] for _ in names]
    bad: list[list[bool]] = [[] for _ in names]
    lines: list[int] = []
    next(reader)  # header (already checked)
    last = reader.line_num
    for record in reader:
        start, last = last + 1, reader.line_num
        if not record or (record == [""] and ncols > 1):
            continue  # blank line
        if len(record) != ncols:
            issues.append(
                _issue(
                    spec,
                    start,
                    0,
                    "",
                    f"has {len(record)} fields; the header has {ncols}",
                    f"有 {len(record)} 个字段，表头有 {ncols} 个",
                )
            )
            continue
        lines.append(start)
        for j, value in enumerate(record):
            broken = _has_surrogates(value)
            if broken:
                line = start + value[: _first_surrogate(value)].count("\n")
                issues.append(
                    _issue(
                        spec,
                        line,
                        j + 1,
                        names[j],
                        "contains bytes that are not UTF-8",
                        "含有非 UTF-8 字节",
                    )
                )
                value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            cells[j].append(value)
            bad[j].append(broken)
    columns = {name: pa.array(cells[j], pa.string()) for j, name in enumerate(names)}
    table = RawTable(
        spec,
        True,
        True,
        columns,
        {name: j + 1 for j, name in enumerate(names)},
        np.asarray(lines, dtype=np.int64),
        {name: np.asarray(bad[j], dtype=bool) for j, name in enumerate(names)},
        digest,
    )
    return table, issues


def _first_surrogate(s: str) -> int:
    for i, ch in enumerate(s):
        if "\udc80" <= ch <= "\udcff":
            return i
    return len(s)  # pragma: no cover - only called when there is one
