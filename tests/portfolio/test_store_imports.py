"""store/repositories/imports.py: rows written by the bulk path read back exactly like rows
written through the ORM (same stored text on SQLite, same values everywhere)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select, text

from faircollect.store.repositories import imports as repo
from faircollect.store.tables import Creditor, Loan, Payment

AT = datetime(2026, 3, 4, 4, 5, 6, 789, tzinfo=UTC)


def test_bulk_rows_equal_orm_rows(db: Any) -> None:
    with db.transaction(immediate=True) as s:
        c = Creditor(code="C", name="C", pack="CN", currency="CNY", settings={}, created_at=AT)
        s.add(c)
        s.flush()
        from faircollect.store.tables import Borrower

        b = Borrower(creditor_id=c.id, ref="B", name_enc="x", created_at=AT, updated_at=AT)
        s.add(b)
        s.flush()
        terms = dict(
            creditor_id=c.id,
            borrower_id=b.id,
            product="p",
            currency="CNY",
            principal_minor=100000,
            apr=Decimal("18.2500"),
            originated_on=date(2025, 1, 31),
            term_months=3,
            repayment="bullet",
            first_due_on=date(2025, 2, 28),
            fee_minor=0,
            overdue_since=date(2025, 3, 28),
            created_at=AT,
            updated_at=AT,
        )
        orm = Loan(ref="ORM", **terms)
        s.add(orm)
        s.flush()
        conn = s.connection()
        ids = repo.reserve_ids(conn, Loan.__table__, 2)
        assert ids[0] > orm.id
        repo.bulk_insert(
            conn,
            Loan.__table__,
            {
                "id": ids,
                "ref": ["BULK", "BULK2"],
                "creditor_id": [c.id] * 2,
                "borrower_id": [b.id] * 2,
                "product": ["p"] * 2,
                "currency": ["CNY"] * 2,
                "principal_minor": np.array([100000, 5], dtype=np.int64),
                "apr": [Decimal("18.2500"), Decimal("0")],
                "originated_on": np.array(["2025-01-31", "2025-01-31"], dtype="datetime64[D]"),
                "term_months": [3, 3],
                "repayment": ["bullet"] * 2,
                "first_due_on": [date(2025, 2, 28)] * 2,
                "fee_minor": [0, 0],
                "overdue_since": [date(2025, 3, 28), None],
                "created_at": [AT, AT],
                "updated_at": np.array([AT.replace(tzinfo=None)] * 2, "datetime64[us]"),
            },
        )
        pid = repo.reserve_ids(conn, Payment.__table__, 1)
        repo.bulk_insert(
            conn,
            Payment.__table__,
            {
                "id": pid,
                "ref": ["P"],
                "loan_id": [int(ids[0])],
                "paid_at": [AT],
                "amount_minor": [5],
                "currency": ["CNY"],
                "channel": [""],
                "allocation": [{"fee": 0, "interest": 5}],
                "created_at": [AT],
            },
        )
    with db.transaction() as s:
        loans = {lo.ref: lo for lo in s.scalars(select(Loan))}
        pay = s.scalars(select(Payment)).one()
    cols = [c.name for c in Loan.__table__.columns if c.name not in ("id", "ref")]
    assert {k: getattr(loans["ORM"], k) for k in cols} == {
        k: getattr(loans["BULK"], k) for k in cols
    }
    assert loans["BULK2"].overdue_since is None and loans["BULK2"].apr == Decimal(0)
    assert loans["BULK"].created_at == AT and loans["BULK"].updated_at == AT
    assert loans["BULK"].time_barred is False  # model defaults filled in
    assert pay.paid_at == AT and pay.allocation == {"fee": 0, "interest": 5}
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            raw = conn.execute(
                text(
                    "SELECT ref, apr, originated_on, created_at, overdue_since FROM loans "
                    "WHERE ref IN ('ORM', 'BULK') ORDER BY ref"
                )
            ).all()
        assert raw[0][1:] == raw[1][1:]  # byte-identical storage


def test_bulk_update_and_lookups(db: Any, portfolio: Any, do_import: Any) -> None:
    assert do_import(db, portfolio).ok
    with db.transaction(immediate=True) as s:
        conn = s.connection()
        loans = repo.loans_by_ref(conn, ["L1", "L4", "nope"])
        assert set(loans) == {"L1", "L4"} and loans["L4"].borrower_ref == "B3"
        assert loans["L1"].apr == Decimal("18.25") and loans["L1"].creditor_code == "ACME-CFC"
        pays = repo.payments_by_ref(conn, ["P6"])
        assert pays["P6"].paid_at == datetime(2025, 7, 20, 4, tzinfo=UTC)
        repo.bulk_update(
            conn, Loan.__table__, ["id"], {"id": [loans["L1"].id], "status": ["settled"]}
        )
        assert repo.table_counts(conn)["loans"] == 4
    with db.transaction() as s:
        assert s.scalars(select(Loan.status).where(Loan.ref == "L1")).one() == "settled"


def test_row_sink_rows_equal_orm_rows(db: Any) -> None:
    """Ready rows through `RowSink` (multi-row statements on SQLite, COPY on PostgreSQL) read
    back like ORM rows; constants and model defaults are filled in."""
    with db.transaction(immediate=True) as s:
        c = Creditor(code="C", name="C", pack="CN", currency="CNY", settings={}, created_at=AT)
        s.add(c)
        s.flush()
        from faircollect.store.tables import Borrower

        b = Borrower(creditor_id=c.id, ref="B", name_enc="x", created_at=AT, updated_at=AT)
        s.add(b)
        s.flush()
        orm = Loan(
            ref="ORM",
            creditor_id=c.id,
            borrower_id=b.id,
            product="p",
            currency="CNY",
            principal_minor=100000,
            apr=Decimal("18.2500"),
            originated_on=date(2025, 1, 31),
            term_months=3,
            repayment="bullet",
            first_due_on=date(2025, 2, 28),
            fee_minor=0,
            overdue_since=date(2025, 3, 28),
            created_at=AT,
            updated_at=AT,
        )
        s.add(orm)
        s.flush()
        conn = s.connection()
        cols = ("id", "ref", "creditor_id", "borrower_id", "product", "currency")
        cols += ("principal_minor", "apr", "originated_on", "term_months", "repayment")
        cols += ("first_due_on", "fee_minor", "overdue_since")
        sink = repo.RowSink(
            conn, Loan.__table__, cols, {"created_at": AT, "updated_at": AT}, per_statement=2
        )
        ids = repo.reserve_ids(conn, Loan.__table__, 3).tolist()
        terms = (c.id, b.id, "p", "CNY", 100000, "18.2500", "2025-01-31", 3, "bullet")
        rows = [(i, f"BULK{i}", *terms, "2025-02-28", 0, "2025-03-28") for i in ids]
        per = sink.per_statement
        flat = [v for r in rows for v in r]
        full = [tuple(flat[: per * len(cols)])] if per > 1 else [rows[0]]
        rest = rows[per:] if per > 1 else rows[1:]
        assert sink.write_packed(full, rest, 3) == 3
        if per > 1:  # PostgreSQL (COPY) takes one row per tuple
            with pytest.raises(ValueError, match="rows per statement"):
                sink.write_packed([rows[0]], [], 1)
        pay = repo.RowSink(
            conn,
            Payment.__table__,
            ("id", "ref", "loan_id", "paid_at", "amount_minor", "currency", "channel"),
            {"allocation": {"fee": 0, "interest": 5}, "created_at": AT},
        )
        pid = int(repo.reserve_ids(conn, Payment.__table__, 1)[0])
        stamp = "2026-03-04 04:05:06.000789" + repo.instant_suffix(conn)
        assert pay.write([(pid, "P", ids[0], stamp, 5, "CNY", "")]) == 1
        assert pay.rows == 1 and sink.rows == 3
    with db.transaction() as s:
        loans = {lo.ref: lo for lo in s.scalars(select(Loan))}
        p = s.scalars(select(Payment)).one()
    same = [c.name for c in Loan.__table__.columns if c.name not in ("id", "ref")]
    for i in ids:
        assert {k: getattr(loans[f"BULK{i}"], k) for k in same} == {
            k: getattr(loans["ORM"], k) for k in same
        }
    assert p.paid_at == AT and p.allocation == {"fee": 0, "interest": 5} and p.created_at == AT
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            raw = conn.execute(
                text(
                    "SELECT apr, originated_on, created_at, overdue_since, time_barred "
                    f"FROM loans WHERE ref IN ('ORM', 'BULK{ids[0]}') ORDER BY ref"
                )
            ).all()
            paid_at = conn.execute(text("SELECT paid_at FROM payments")).scalar()
        assert raw[0] == raw[1]  # byte-identical storage
        assert paid_at == "2026-03-04 04:05:06.000789"  # what SQLAlchemy writes


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_deferred_indexes_come_back_and_roll_back(db: Any) -> None:
    def indexes() -> set[str]:
        with db.engine.connect() as conn:
            return set(
                conn.execute(
                    text(
                        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='borrowers'"
                    )
                ).scalars()
            )

    before = indexes()
    assert "ix_borrowers_phone_bidx" in before
    with db.transaction(immediate=True) as s:
        conn = s.connection()
        with repo.deferred_indexes(conn, {"borrowers": 10, "loans": 0}) as dropped:
            assert dropped == {"borrowers": 3}  # the blind indexes (creditor_id's stays)
            raw = conn.connection.driver_connection
            names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
            assert "ix_borrowers_phone_bidx" not in names
            assert "sqlite_autoindex_borrowers_1" in names  # unique constraints stay
    assert indexes() == before
    with pytest.raises(RuntimeError), db.transaction(immediate=True) as s:  # noqa: SIM117
        with repo.deferred_indexes(s.connection(), {"borrowers": 10}):
            raise RuntimeError("a failed import")
    assert indexes() == before  # the rollback brought them back
    from faircollect.store.tables import Borrower

    with db.transaction(immediate=True) as s:  # a small import into a bigger table keeps them
        c = Creditor(code="C", name="C", pack="CN", currency="CNY", settings={}, created_at=AT)
        s.add(c)
        s.flush()
        for i in range(5):
            s.add(
                Borrower(creditor_id=c.id, ref=f"B{i}", name_enc="x", created_at=AT, updated_at=AT)
            )
        s.flush()
        with repo.deferred_indexes(s.connection(), {"borrowers": 2}) as dropped:
            assert dropped == {}
