"""No phone number, id number, e-mail or name is ever written in clear to the SQLite files."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from faircollect.store.db import Database
from faircollect.store.repositories import borrowers, contact_points, creditors
from faircollect.vault import Vault

PEOPLE = [
    ("张三", "13812345678", "110101199003071234", "zhangsan@example.com"),
    ("欧阳娜娜", "+86 139-0000-1111", "31010119850101002X", "nana@example.cn"),
    ("John Smith", "+1 415 555 2671", "123-45-6789", "john.smith@example.com"),
]


def _needles(text: str) -> list[bytes]:
    digits = re.sub(r"\D", "", text)
    forms = {text, digits} if len(digits) >= 7 else {text}
    out: list[bytes] = []
    for f in forms:
        out += [f.encode("utf-8"), f.encode("utf-16-le"), f.encode("utf-16-be")]
    return out


def _files(db_path: Path) -> list[Path]:
    return [p for p in (db_path, Path(f"{db_path}-wal")) if p.exists()]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_pii_in_the_sqlite_files(db: Database, vault: Vault, database_url: str) -> None:
    with db.transaction() as s:
        c = creditors.get_or_create(s, "C")
        for i, (name, phone, idn, email) in enumerate(PEOPLE):
            b = borrowers.insert(
                s,
                vault,
                borrowers.NewBorrower(
                    c.id,
                    f"B{i}",
                    name,
                    id_number=idn,
                    phone=phone,
                    email=email,
                    address="广东省深圳市南山区科技园路1号",
                ),
            )
            contact_points.add(
                s, vault, contact_points.NewContactPoint(b.id, "phone", phone, holder_name=name)
            )
    path = Path(database_url.removeprefix("sqlite:///"))
    needles = [n for person in PEOPLE for field in person[1:] for n in _needles(field)]
    needles += [name.encode("utf-8") for name, *_ in PEOPLE]
    needles.append("科技园路".encode())

    def scan() -> int:
        files = _files(path)
        for f in files:
            raw = f.read_bytes()
            for needle in needles:
                assert needle not in raw, f"{needle!r} found in {f.name}"
        return len(files)

    assert scan() >= 1  # the WAL as written
    db.dispose()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    scan()  # the main file after checkpoint

    # the scan itself works: the vault's plaintext would have been found
    probe = path.with_name("probe.db")
    con = sqlite3.connect(probe)
    try:
        con.execute("CREATE TABLE t (v TEXT)")
        con.execute("INSERT INTO t VALUES (?)", (PEOPLE[0][1],))
        con.commit()
    finally:
        con.close()
    assert any(n in probe.read_bytes() for n in _needles(PEOPLE[0][1]))
