"""Fixtures for the portfolio tests: a small hand-written portfolio (every line known, so
errors can be asserted by file:line:column), helpers to mutate a copy of it, and a full dump
of the tables the importer writes (to prove that a failed import changed nothing)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

AS_OF = date(2026, 3, 4)
NOW = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai

FILES = {
    "borrowers.csv": """\
borrower_ref,creditor,name,id_number,phone,email,address,region,timezone,locale
B1,ACME-CFC,张伟,440106199001011235,13800138000,zhangwei@example.com,广东省广州市天河区体育西路1号,CN-GD,,zh_CN
B2,ACME-CFC,李娜,,+8613912345678,,上海市浦东新区世纪大道100号,CN-SH,Asia/Shanghai,zh_CN
B3,ZEN-MICRO,王芳,650102198512249025,15012345678,wangfang@example.cn,新疆维吾尔自治区乌鲁木齐市天山区人民路8号,CN-XJ,Asia/Urumqi,zh_CN
""",
    "loans.csv": """\
loan_ref,borrower_ref,creditor,product,currency,principal,apr,originated_on,term_months,repayment,first_due_on,fee
L1,B1,ACME-CFC,cash_loan,CNY,12000.00,18.25,2025-09-10,12,equal_installment,2025-10-10,
L2,B1,ACME-CFC,consumer_installment,CNY,3000,23.99,2025-11-05,6,equal_principal,2025-12-05,90.00
L3,B2,ACME-CFC,cash_loan,CNY,5000.00,36.5,2025-06-20,6,bullet,2025-07-20,
L4,B3,ZEN-MICRO,micro_business,CNY,20000.00,12,2024-12-15,24,equal_installment,,
""",
    "payments.csv": """\
payment_ref,loan_ref,paid_at,amount,channel
P1,L1,2025-10-10T09:00:00+08:00,1101.59,alipay
P2,L1,2025-11-10T10:00:00+08:00,1101.59,alipay
P3,L1,2025-12-09T20:00:00+08:00,1101.59,wechat_pay
P4,L1,2026-01-12T08:30:00+08:00,1101.59,bank_transfer
P5,L2,2025-12-05T12:00:00+08:00,559.98,app
P6,L3,2025-07-20T04:00:00Z,152.08,alipay
P7,L4,2025-01-15T12:00:00+08:00,941.47,bank_card_auto_debit
""",
    "contacts.csv": """\
contact_ref,loan_ref,at,channel,party,outcome,initiated_by,collector
C1,L1,2026-02-12T10:00:00+08:00,sms,debtor,delivered,collector,
C2,L1,2026-02-13T15:30:00+08:00,call,debtor,no_answer,collector,agent007
C3,L3,2026-01-05T11:00:00+08:00,call,emergency_contact,conversation,collector,agent002
""",
    "contact_points.csv": """\
borrower_ref,kind,value,party,source
B1,phone,13700001111,emergency_contact,application
B2,phone,18600002222,emergency_contact,address_book
B3,email,fang.family@example.cn,spouse,borrower_provided
""",
}


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    """A fresh copy of the hand-written portfolio."""
    folder = tmp_path / "portfolio"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def set_cell(folder: Path, file: str, line: int, column: str, value: str) -> None:
    """Replace one cell (line 1 is the header) of a simple (unquoted) CSV file."""
    path = folder / file
    lines = path.read_text("utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", "utf-8")


def append_line(folder: Path, file: str, line: str) -> int:
    """Append a record; returns its line number."""
    path = folder / file
    text = path.read_text("utf-8")
    path.write_text(text + line + "\n", "utf-8")
    return len(text.splitlines()) + 1


def copy_folder(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


TABLES = (
    "creditors",
    "borrowers",
    "contact_points",
    "loans",
    "installments",
    "payments",
    "contact_events",
    "import_batches",
    "audit_events",
    "audit_head",
)


def dump(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the importer writes, in primary-key order."""
    from sqlalchemy import text

    out = {}
    with db.engine.connect() as conn:
        for t in TABLES:
            rows = conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2")).all()
            out[t] = [tuple(r) for r in rows]
    return out


@pytest.fixture
def do_import(vault: Any) -> Callable[..., Any]:
    from faircollect.portfolio.importer import import_portfolio

    def run(db: Any, folder: Path, **kw: Any) -> Any:
        return import_portfolio(db, folder, vault=vault, today=AS_OF, now=NOW, **kw)

    return run
