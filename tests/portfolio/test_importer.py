"""The importer: all or nothing, every error named, derived state from the domain, idempotent
re-imports. Runs on SQLite and PostgreSQL (the `db` fixture)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from faircollect.domain.delinquency import replay_rows
from faircollect.domain.schedule import schedule_rows
from faircollect.store import pii
from faircollect.store.tables import Borrower, ContactPoint, Installment, Loan, Payment

from .conftest import AS_OF, FILES, append_line, dump, set_cell

GBK_NAME = "李娜".encode("gbk")


def _break_utf8(folder: Path) -> None:
    path = folder / "borrowers.csv"
    raw = path.read_bytes().replace("李娜".encode(), GBK_NAME)
    path.write_bytes(raw)


def _drop_fee_column(folder: Path) -> None:
    path = folder / "loans.csv"
    lines = path.read_text("utf-8").splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:-1]) for line in lines) + "\n", "utf-8")


# (id, mutation, (file, line, column number, column name), fragment of the message)
BAD_CELLS: list[tuple[str, Any, tuple[str, int, int, str], str]] = [
    (
        "nonexistent-date",
        lambda f: set_cell(f, "loans.csv", 3, "originated_on", "2025-02-30"),
        ("loans.csv", 3, 8, "originated_on"),
        "does not exist",
    ),
    (
        "three-decimals",
        lambda f: set_cell(f, "loans.csv", 2, "principal", "12000.345"),
        ("loans.csv", 2, 6, "principal"),
        '"12000.345" has 3 decimal places; CNY allows 2',
    ),
    (
        "negative-principal",
        lambda f: set_cell(f, "loans.csv", 4, "principal", "-5000.00"),
        ("loans.csv", 4, 6, "principal"),
        "must be greater than zero",
    ),
    (
        "unknown-currency",
        lambda f: set_cell(f, "loans.csv", 5, "currency", "XXY"),
        ("loans.csv", 5, 5, "currency"),
        "not a known ISO 4217 currency",
    ),
    (
        "unknown-loan-ref",
        lambda f: append_line(f, "payments.csv", "P99,L404,2026-01-01T10:00:00+08:00,10.00,alipay"),
        ("payments.csv", 9, 2, "loan_ref"),
        "unknown loan_ref L404",
    ),
    (
        "unknown-borrower-ref",
        lambda f: append_line(
            f,
            "loans.csv",
            "L9,B404,ACME-CFC,cash_loan,CNY,1000.00,18,2025-10-01,3,bullet,2025-11-01,",
        ),
        ("loans.csv", 6, 2, "borrower_ref"),
        "unknown borrower_ref B404",
    ),
    (
        "unknown-repayment",
        lambda f: set_cell(f, "loans.csv", 2, "repayment", "balloon"),
        ("loans.csv", 2, 10, "repayment"),
        '"balloon" is not one of',
    ),
    (
        "duplicate-loan-ref",
        lambda f: append_line(f, "loans.csv", FILES["loans.csv"].splitlines()[1]),
        ("loans.csv", 6, 1, "loan_ref"),
        "duplicate loan_ref L1 (first on line 2)",
    ),
    (
        "duplicate-borrower",
        lambda f: append_line(f, "borrowers.csv", FILES["borrowers.csv"].splitlines()[2]),
        ("borrowers.csv", 5, 1, "borrower_ref"),
        "duplicate creditor/borrower_ref ACME-CFC/B2 (first on line 3)",
    ),
    (
        "duplicate-payment-ref",
        lambda f: append_line(f, "payments.csv", FILES["payments.csv"].splitlines()[1]),
        ("payments.csv", 9, 1, "payment_ref"),
        "(first on line 2)",
    ),
    ("non-utf8", _break_utf8, ("borrowers.csv", 3, 3, "name"), "not UTF-8"),
    ("missing-column", _drop_fee_column, ("loans.csv", 1, 12, "fee"), "missing column"),
]


@pytest.mark.parametrize(
    ("mutate", "where", "fragment"), [c[1:] for c in BAD_CELLS], ids=[c[0] for c in BAD_CELLS]
)
def test_a_bad_cell_is_named_and_nothing_changes(
    db: Any,
    portfolio: Path,
    tmp_path: Path,
    do_import: Any,
    mutate: Any,
    where: tuple[str, int, int, str],
    fragment: str,
) -> None:
    assert do_import(db, portfolio).ok  # the database is not empty: re-imports are checked too
    before = dump(db)
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in FILES:
        (bad / name).write_bytes((portfolio / name).read_bytes())
    mutate(bad)

    result = do_import(db, bad)

    assert not result.ok
    assert [(i.file, i.line, i.column, i.column_name) for i in result.issues] == [where]
    message = result.issues[0].format()
    assert message.startswith(f"{where[0]}:{where[1]}:{where[2]}: {where[3]}: ")
    assert fragment in message
    assert result.issues[0].format("zh_CN") != message  # a Chinese message exists too
    assert dump(db) == before


def test_every_error_is_reported_at_once(db: Any, portfolio: Path, do_import: Any) -> None:
    before = dump(db)
    for _, mutate, _, _ in BAD_CELLS[:9]:  # the missing column would stop loans.csv early
        mutate(portfolio)
    result = do_import(db, portfolio)
    assert not result.ok
    messages = [i.format() for i in result.issues]
    assert len(messages) == 9
    for _, _, (file, _line, col, name), fragment in BAD_CELLS[:9]:
        # appended lines move (both appends go to loans.csv): match file, column and reason
        assert any(
            m.startswith(file) and f":{col}: {name}: " in m and fragment in m for m in messages
        ), (file, name, messages)
    assert dump(db) == before


def test_valid_import_loads_rows_and_derived_state(
    db: Any, portfolio: Path, do_import: Any, vault: Any
) -> None:
    result = do_import(db, portfolio)
    assert result.ok, [i.format() for i in result.issues]
    assert result.inserted["loans"] == 4
    assert result.inserted["payments"] == 7
    assert result.inserted["contact_events"] == 3
    # 3 own phones + 2 own e-mails + 3 from contact_points.csv
    assert result.inserted["contact_points"] == 8
    with db.transaction() as s:
        loans = {lo.ref: lo for lo in s.scalars(select(Loan))}
        insts = s.scalars(select(Installment).order_by(Installment.loan_id, Installment.seq)).all()
        pays = s.scalars(select(Payment).order_by(Payment.id)).all()
        borrowers = {b.ref: b for b in s.scalars(select(Borrower))}
        points = s.scalars(select(ContactPoint)).all()
    # the derived state is exactly the domain's replay of the same schedule and payments
    by_loan: dict[int, list[Payment]] = {}
    for p in pays:
        by_loan.setdefault(p.loan_id, []).append(p)
    for lo in loans.values():
        rows = schedule_rows(
            lo.principal_minor, lo.apr, lo.term_months, lo.repayment, lo.first_due_on
        )
        r = replay_rows(rows, [(p.paid_at, p.amount_minor) for p in by_loan.get(lo.id, [])], AS_OF)
        assert (lo.outstanding_minor, lo.paid_minor, lo.overdue_since) == (
            r.outstanding_minor,
            r.paid_minor,
            r.overdue_since,
        )
        mine = [i for i in insts if i.loan_id == lo.id]
        assert [(i.seq, i.due_on, i.principal_minor, i.interest_minor) for i in mine] == rows
        assert [
            (i.paid_fee_minor, i.paid_penalty_minor, i.paid_interest_minor, i.paid_principal_minor)
            for i in mine
        ] == [tuple(x) for x in r.paid_by_installment]
    assert loans["L1"].overdue_since == date(2026, 2, 10)
    assert loans["L4"].first_due_on == date(2025, 1, 15)  # blank: origination + 1 month
    assert loans["L2"].fee_minor == 9000 and loans["L1"].apr == Decimal("18.25")
    # each payment's allocation adds up to its amount
    for p in pays:
        assert p.allocation and sum(p.allocation.values()) == p.amount_minor
        assert p.paid_at.tzinfo is not None
    # PII only encrypted, found again through the blind index
    b1 = borrowers["B1"]
    assert vault.decrypt(b1.name_enc, field=pii.BORROWER_NAME) == "张伟"
    assert b1.phone_bidx == vault.blind_index("13800138000", kind="phone")
    assert vault.decrypt(b1.phone_enc, field=pii.BORROWER_PHONE) == "+8613800138000"
    assert borrowers["B2"].id_number_enc is None and borrowers["B1"].timezone is None
    assert borrowers["B3"].timezone == "Asia/Urumqi" and borrowers["B1"].region == "CN-GD"
    sources = sorted((p.party, p.source, p.kind) for p in points)
    assert ("emergency_contact", "address_book", "phone") in sources
    assert sources.count(("debtor", "application", "phone")) == 3
    # one batch, one audit event, without PII
    with db.engine.connect() as conn:
        events = conn.execute(text("SELECT action, entity, payload FROM audit_events")).all()
        batches = conn.execute(text("SELECT id, digest FROM import_batches")).all()
    assert len(events) == 1 and events[0][0] == "portfolio.import"
    assert len(batches) == 1 and batches[0][1] == result.digest
    assert "13800138000" not in str(events[0][2]) and "张伟" not in str(events[0][2])


def test_reimport_is_idempotent(db: Any, portfolio: Path, do_import: Any) -> None:
    first = do_import(db, portfolio)
    assert first.ok and first.batch_id is not None
    before = dump(db)
    again = do_import(db, portfolio)
    assert again.ok and again.nothing_new
    assert again.skipped["loans"] == 4 and again.skipped["payments"] == 7
    assert dump(db) == before


def test_conflicting_reimport_names_the_row(db: Any, portfolio: Path, do_import: Any) -> None:
    assert do_import(db, portfolio).ok
    before = dump(db)
    set_cell(portfolio, "loans.csv", 3, "principal", "3500.00")
    set_cell(portfolio, "payments.csv", 4, "amount", "1000.00")
    result = do_import(db, portfolio)
    assert not result.ok
    got = {(i.file, i.line, i.column_name): i.format() for i in result.issues}
    assert set(got) == {("loans.csv", 3, "principal"), ("payments.csv", 4, "amount")}
    assert (
        "loan L2 was already imported with principal 3000.00" in got[("loans.csv", 3, "principal")]
    )
    assert dump(db) == before


def test_new_payments_on_stored_loans_rederive_them(
    db: Any, portfolio: Path, do_import: Any
) -> None:
    assert do_import(db, portfolio).ok
    # the borrower of L1 pays the missed February installment
    append_line(portfolio, "payments.csv", "P8,L1,2026-02-20T09:00:00+08:00,1101.59,alipay")
    result = do_import(db, portfolio)
    assert result.ok and result.inserted["payments"] == 1 and result.updated["loans"] == 1
    with db.transaction() as s:
        l1 = s.scalars(select(Loan).where(Loan.ref == "L1")).one()
        p8 = s.scalars(select(Payment).where(Payment.ref == "P8")).one()
    assert l1.overdue_since is None
    assert sum(p8.allocation.values()) == 110159
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 2


def test_changed_contact_data_updates_the_borrower(
    db: Any, portfolio: Path, do_import: Any, vault: Any
) -> None:
    assert do_import(db, portfolio).ok
    set_cell(portfolio, "borrowers.csv", 2, "phone", "13800138001")
    result = do_import(db, portfolio)
    assert result.ok and result.updated == {"borrowers": 1}
    with db.transaction() as s:
        b1 = s.scalars(select(Borrower).where(Borrower.ref == "B1")).one()
        phones = s.scalars(
            select(ContactPoint.value_bidx).where(
                ContactPoint.borrower_id == b1.id,
                ContactPoint.kind == "phone",
                ContactPoint.party == "debtor",
            )
        ).all()
    assert b1.phone_bidx == vault.blind_index("13800138001", kind="phone")
    assert len(phones) == 2  # the old number stays as history


def test_a_new_loan_of_a_stored_borrower_and_creditor(
    db: Any, portfolio: Path, tmp_path: Path, do_import: Any
) -> None:
    """The next file names only a loan: its borrower and creditor are the stored ones."""
    assert do_import(db, portfolio).ok
    later = tmp_path / "later"
    later.mkdir()
    for name, content in FILES.items():
        (later / name).write_text(content.splitlines()[0] + "\n", encoding="utf-8")
    append_line(
        later, "loans.csv", "L9,B3,ZEN-MICRO,cash_loan,CNY,1000.00,18,2025-10-01,3,bullet,,"
    )
    append_line(
        later, "loans.csv", "L10,B3,ACME-CFC,cash_loan,CNY,1000.00,18,2025-10-01,3,bullet,,"
    )
    result = do_import(db, later)
    assert [(i.file, i.line, i.column_name) for i in result.issues] == [
        ("loans.csv", 3, "borrower_ref")  # B3 belongs to ZEN-MICRO, not ACME-CFC
    ]
    (later / "loans.csv").write_text(
        "\n".join((later / "loans.csv").read_text(encoding="utf-8").splitlines()[:2]) + "\n",
        encoding="utf-8",
    )
    result = do_import(db, later)
    assert result.ok and result.inserted["loans"] == 1 and result.inserted["creditors"] == 0
    with db.transaction() as s:
        loan = s.scalars(select(Loan).where(Loan.ref == "L9")).one()
        b3 = s.scalars(select(Borrower).where(Borrower.ref == "B3")).one()
    assert loan.borrower_id == b3.id and loan.creditor_id == b3.creditor_id


def test_a_changed_name_is_a_conflict(db: Any, portfolio: Path, do_import: Any) -> None:
    assert do_import(db, portfolio).ok
    set_cell(portfolio, "borrowers.csv", 3, "name", "李四")
    result = do_import(db, portfolio)
    assert [(i.file, i.line, i.column_name) for i in result.issues] == [
        ("borrowers.csv", 3, "name")
    ]


def test_missing_required_file(db: Any, portfolio: Path, do_import: Any) -> None:
    (portfolio / "payments.csv").unlink()
    (portfolio / "contacts.csv").unlink()  # optional: fine
    result = do_import(db, portfolio)
    assert [(i.file, i.line, i.column) for i in result.issues] == [("payments.csv", 0, 0)]


def test_cross_cell_rules(db: Any, portfolio: Path, do_import: Any) -> None:
    set_cell(portfolio, "loans.csv", 3, "fee", "3000.00")  # not below the principal
    set_cell(portfolio, "loans.csv", 4, "first_due_on", "2025-06-01")  # before origination
    set_cell(portfolio, "payments.csv", 2, "paid_at", "2027-01-01T00:00:00+08:00")  # future
    set_cell(portfolio, "payments.csv", 3, "paid_at", "2025-11-10T10:00:00")  # no offset
    set_cell(portfolio, "payments.csv", 8, "paid_at", "2024-12-01T10:00:00+08:00")  # pre-loan
    set_cell(portfolio, "borrowers.csv", 2, "id_number", "440106199001011234")  # checksum
    set_cell(portfolio, "borrowers.csv", 3, "phone", "12345")
    set_cell(portfolio, "borrowers.csv", 4, "timezone", "Mars/Olympus")
    result = do_import(db, portfolio)
    got = {(i.file, i.line, i.column_name) for i in result.issues}
    assert got == {
        ("loans.csv", 3, "fee"),
        ("loans.csv", 4, "first_due_on"),
        ("payments.csv", 2, "paid_at"),
        ("payments.csv", 3, "paid_at"),
        ("payments.csv", 8, "paid_at"),
        ("borrowers.csv", 2, "id_number"),
        ("borrowers.csv", 3, "phone"),
        ("borrowers.csv", 4, "timezone"),
    }
    text_of = {(i.file, i.line): i.format() for i in result.issues}
    assert "no UTC offset" in text_of[("payments.csv", 3)]
    assert "GB 11643" in text_of[("borrowers.csv", 2)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_worker_processes_load_the_same(db: Any, tmp_path: Path, vault: Any) -> None:
    """The parallel path (derivation and encryption in worker processes) writes what the
    in-process path writes (up to the random nonces of the ciphertexts)."""
    from faircollect.portfolio.generator import generate_portfolio
    from faircollect.portfolio.importer import import_portfolio
    from faircollect.store.db import Database, upgrade

    from .conftest import NOW

    book = tmp_path / "book"
    generate_portfolio(book, accounts=120, seed=3, as_of=AS_OF)
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other_url)
    other = Database(other_url)
    try:
        keys = ("faircollect-test-master-key-A-0123456789abcdefghij",)
        a = import_portfolio(db, book, vault=vault, today=AS_OF, now=NOW, workers=0)
        b = import_portfolio(
            other, book, vault=vault, today=AS_OF, now=NOW, workers=2, vault_keys=keys
        )
        assert a.ok and b.ok and a.inserted == b.inserted
        da, db_ = dump(db), dump(other)
    finally:
        other.dispose()
    for table in ("loans", "installments", "payments", "contact_events", "creditors"):
        assert da[table] == db_[table], table

    def clear(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:  # drop ciphertexts
        return [
            tuple(v for v in r if not (isinstance(v, str) and v.startswith("v1."))) for r in rows
        ]

    assert clear(da["borrowers"]) == clear(db_["borrowers"])
    assert clear(da["contact_points"]) == clear(db_["contact_points"])
    with other.transaction() as s:
        names = s.scalars(select(Borrower.name_enc).order_by(Borrower.id)).all()
    with db.transaction() as s:
        mine = s.scalars(select(Borrower.name_enc).order_by(Borrower.id)).all()
    dec = [vault.decrypt(x, field=pii.BORROWER_NAME) for x in names]
    assert dec == [vault.decrypt(x, field=pii.BORROWER_NAME) for x in mine]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_big_import_path_builds_indexes_at_the_end(
    db: Any, portfolio: Path, tmp_path: Path, vault: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the big-import settings (secondary indexes built after the rows, in the same
    transaction) the database ends up exactly as with the small-import path."""
    from faircollect.portfolio import importer
    from faircollect.store.db import Database, upgrade

    from .conftest import NOW

    other_url = f"sqlite:///{tmp_path / 'big.db'}"
    upgrade(other_url)
    other = Database(other_url)

    def indexes(d: Any) -> list[tuple[Any, ...]]:
        with d.engine.connect() as conn:
            q = "SELECT name, tbl_name, sql FROM sqlite_master WHERE type='index' ORDER BY name"
            return [tuple(r) for r in conn.execute(text(q))]

    try:
        a = importer.import_portfolio(db, portfolio, vault=vault, today=AS_OF, now=NOW)
        monkeypatch.setattr(importer, "BIG_IMPORT_ROWS", 0)
        b = importer.import_portfolio(other, portfolio, vault=vault, today=AS_OF, now=NOW)
        assert a.ok and b.ok and a.inserted == b.inserted
        assert indexes(other) == indexes(db)
        da, db_ = dump(db), dump(other)
    finally:
        other.dispose()
    for table in ("loans", "installments", "payments", "contact_events", "creditors"):
        assert da[table] == db_[table], table


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("workers", [0, 1])
def test_a_listed_own_phone_is_not_stored_twice(
    db: Any, portfolio: Path, vault: Any, workers: int
) -> None:
    """contact_points.csv may repeat a borrower's own phone as a debtor point: it is the same
    contact point (same blind index), stored once, whichever process builds the rows."""
    from faircollect.portfolio.importer import import_portfolio

    from .conftest import NOW

    append_line(portfolio, "contact_points.csv", "B1,phone,+86 138 0013 8000,debtor,application")
    append_line(portfolio, "contact_points.csv", "B2,phone,13600001234,debtor,borrower_provided")
    keys = ("faircollect-test-master-key-A-0123456789abcdefghij",)
    result = import_portfolio(
        db, portfolio, vault=vault, today=AS_OF, now=NOW, workers=workers, vault_keys=keys
    )
    assert result.ok, [i.format() for i in result.issues]
    assert result.inserted["contact_points"] == 9  # 8 as before + B2's new number
    with db.transaction() as s:
        b1 = s.scalars(select(Borrower).where(Borrower.ref == "B1")).one()
        phones = s.scalars(
            select(ContactPoint.value_bidx).where(
                ContactPoint.borrower_id == b1.id,
                ContactPoint.party == "debtor",
                ContactPoint.kind == "phone",
            )
        ).all()
    assert phones == [vault.blind_index("13800138000", kind="phone")]
