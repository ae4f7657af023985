"""Reading CSV files: the fast (pyarrow) and the careful (csv module) paths agree, and every
structural problem is placed at its line."""

from __future__ import annotations

from pathlib import Path

from faircollect.portfolio.reader import read_table
from faircollect.portfolio.schema import BORROWERS, CONTACT_POINTS, PAYMENTS

HEADER = "payment_ref,loan_ref,paid_at,amount,channel"


def _read(tmp_path: Path, data: bytes, spec=PAYMENTS):  # type: ignore[no-untyped-def]
    (tmp_path / spec.name).write_bytes(data)
    return read_table(tmp_path, spec)


def test_fast_and_careful_paths_read_the_same(tmp_path: Path) -> None:
    plain = f"{HEADER}\nP1,L1,2026-01-01T10:00:00+08:00,1.00,alipay\nP2,L2,x,2.00,\n"
    fast, issues = _read(tmp_path, plain.encode())
    assert not issues and fast.nrows == 2
    quoted = plain.replace("alipay", '"ali,pay"')  # quotes: the csv module reads it
    slow, issues = _read(tmp_path, quoted.encode())
    assert not issues
    assert slow.columns["channel"].to_pylist() == ["ali,pay", ""]
    assert slow.columns["loan_ref"].to_pylist() == fast.columns["loan_ref"].to_pylist()
    assert slow.lines.tolist() == fast.lines.tolist() == [2, 3]


def test_bom_crlf_and_blank_lines(tmp_path: Path) -> None:
    data = ("\ufeff" + HEADER + "\r\nP1,L1,t,1,\r\n\r\nP2,L2,t,2,\r\n").encode()
    table, issues = _read(tmp_path, data)
    assert not issues
    assert table.columns["payment_ref"].to_pylist() == ["P1", "P2"]
    assert table.lines.tolist() == [2, 4]  # the blank line 3 is skipped, numbering kept


def test_ragged_rows_and_bad_bytes_are_placed(tmp_path: Path) -> None:
    data = (HEADER + "\nP1,L1,t,1,x\nP2,L2,t\nP3,L3,t,3,x,extra\n").encode() + b"P4,L4,t,\xff4,x\n"
    table, issues = _read(tmp_path, data)
    got = [(i.line, i.column, i.column_name) for i in issues]
    assert got == [(3, 0, ""), (4, 0, ""), (5, 4, "amount")]
    assert "has 3 fields; the header has 5" in issues[0].format()
    assert table.columns["payment_ref"].to_pylist() == ["P1", "P4"]
    assert table.bad["amount"].tolist() == [False, True]


def test_header_problems(tmp_path: Path) -> None:
    data = b"borrower_ref,kind,value,party,source,kind,colour\n"
    table, issues = _read(tmp_path, data, CONTACT_POINTS)
    assert not table.usable
    assert [(i.line, i.column, i.column_name) for i in issues] == [(1, 6, "kind"), (1, 7, "colour")]
    table, issues = _read(tmp_path, b"", BORROWERS)
    assert not table.usable and issues[0].line == 1


def test_columns_in_any_order(tmp_path: Path) -> None:
    data = b"amount,payment_ref,loan_ref,paid_at,channel\n1.00,P1,L1,t,\n"
    table, issues = _read(tmp_path, data)
    assert not issues and table.positions["amount"] == 1 and table.positions["channel"] == 5
    assert table.columns["payment_ref"].to_pylist() == ["P1"]
