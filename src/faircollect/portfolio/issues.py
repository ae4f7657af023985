"""Errors as values: a `CellError` says what is wrong with one value (in English and Chinese);
an `Issue` places it in a file as `file:line:column: column_name: reason`.

Lines are physical lines of the CSV file (line 1 is the header); columns are 1-based positions
in that file's header.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CellError", "Issue", "format_issues"]


class CellError(NamedTuple):
    en: str
    zh: str

    def text(self, lang: str = "en") -> str:
        return self.zh if lang.startswith("zh") else self.en


class Issue(NamedTuple):
    file: str  # e.g. "loans.csv"
    line: int  # 1 = header; 0 = the file as a whole (e.g. a missing required file)
    column: int  # 1-based column position; 0 = the row or file as a whole
    column_name: str  # "" when the issue is not about one column
    error: CellError

    def format(self, lang: str = "en") -> str:
        where = f"{self.file}:{self.line}:{self.column}:"
        what = f" {self.column_name}:" if self.column_name else ""
        return f"{where}{what} {self.error.text(lang)}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.error.en)


def format_issues(issues: list[Issue], lang: str = "en") -> list[str]:
    return [i.format(lang) for i in sorted(issues, key=Issue.sort_key)]
