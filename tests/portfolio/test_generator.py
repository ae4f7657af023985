"""The synthetic book: deterministic per seed, valid, and realistic in the ways that matter to
collection (rates, caps, delinquency mix, contact data)."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from sqlalchemy import select

from faircollect.domain.delinquency import bucket_for
from faircollect.portfolio import schema
from faircollect.portfolio.generator import MOBILE_PREFIXES, generate_portfolio
from faircollect.portfolio.idnumber import parse_id_number
from faircollect.portfolio.validate import validate
from faircollect.store.tables import Loan

from .conftest import AS_OF, NOW

N = 2000


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("book")
    generate_portfolio(out, accounts=N, seed=7, as_of=AS_OF)
    return out


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate_portfolio(tmp_path / "a", accounts=300, seed=11, as_of=AS_OF)
    b = generate_portfolio(tmp_path / "b", accounts=300, seed=11, as_of=AS_OF)
    c = generate_portfolio(tmp_path / "c", accounts=300, seed=12, as_of=AS_OF)
    for spec in schema.FILES:
        assert (a.out / spec.name).read_bytes() == (b.out / spec.name).read_bytes()
    assert (a.out / "loans.csv").read_bytes() != (c.out / "loans.csv").read_bytes()
    assert a.counts == b.counts and a.counts["loans"] == 300


def test_files_follow_the_contract_and_validate(book: Path) -> None:
    for spec in schema.FILES:
        header = (book / spec.name).read_text("utf-8").splitlines()[0]
        assert header.split(",") == list(spec.columns)
    v = validate(book, today=AS_OF, now=NOW)
    assert v.ok, [i.format() for i in v.issues[:10]]
    assert len(v.plan.loans_new) == N


def test_people_are_valid_and_visibly_synthetic(book: Path) -> None:
    borrowers = _rows(book, "borrowers.csv")
    for b in borrowers:
        p = phonenumbers.parse(b["phone"], "CN")
        assert phonenumbers.is_valid_number(p)
        parsed = parse_id_number(b["id_number"], today=AS_OF)
        assert not hasattr(parsed, "en"), parsed
        assert 900 <= parsed.sequence <= 999  # the generator's marker
        age = (AS_OF - parsed.birth).days / 365.25
        assert 20 <= age <= 60
        assert b["email"] == "" or b["email"].endswith(("@example.com", "@example.cn"))
        assert b["region"].startswith("CN-") and b["locale"] == "zh_CN"
        assert 2 <= len(b["name"]) <= 4
    assert len({b["creditor"] for b in borrowers}) == 2
    points = _rows(book, "contact_points.csv")
    sources = Counter(p["source"] for p in points)
    assert sources["address_book"] > 0 and sources["application"] > sources["address_book"]
    assert {p["party"] for p in points} == {"emergency_contact", "spouse"}
    for p in points:
        assert phonenumbers.is_valid_number(phonenumbers.parse(p["value"], "CN"))


def test_every_mobile_prefix_is_valid() -> None:
    for prefix in MOBILE_PREFIXES:
        for tail in ("00000000", "12345678", "99999999"):
            assert phonenumbers.is_valid_number(phonenumbers.parse(f"{prefix}{tail}", "CN"))


def test_loans_look_like_a_chinese_online_book(book: Path) -> None:
    loans = _rows(book, "loans.csv")
    per_borrower = Counter(lo["borrower_ref"] for lo in loans)
    assert set(per_borrower.values()) <= {1, 2, 3}
    aprs = [Decimal(lo["apr"]) for lo in loans]
    principal = [Decimal(lo["principal"]) for lo in loans]
    assert min(principal) >= 500 and max(principal) <= 50_000
    normal = sum(7 <= a <= 24 for a in aprs) / N
    over = sum(a > 29 for a in aprs) / N
    assert normal > 0.9 and 0.005 < over < 0.05
    assert {int(lo["term_months"]) for lo in loans} <= {3, 6, 9, 12, 18, 24}
    assert {lo["repayment"] for lo in loans} == set(schema.REPAYMENTS)
    assert 0.02 < sum(lo["fee"] != "" for lo in loans) / N < 0.12
    oldest = min(date.fromisoformat(lo["originated_on"]) for lo in loans)
    assert (AS_OF - oldest).days < 3 * 366 + 60


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_imported_state_is_the_intended_mix(db: Any, book: Path, do_import: Any) -> None:
    """Overdue share ~28%, days past due 1..360 across buckets, as derived by the importer's
    replay of the generated payments (the generator and the domain agree)."""
    result = do_import(db, book)
    assert result.ok, [i.format() for i in result.issues[:5]]
    with db.transaction() as s:
        since = s.scalars(select(Loan.overdue_since)).all()
    dpd = [(AS_OF - d).days for d in since if d is not None]
    share = len(dpd) / N
    assert 0.22 < share < 0.34
    assert min(dpd) >= 1 and max(dpd) <= 360
    buckets = Counter(bucket_for(d) for d in dpd)
    assert buckets["M1"] > buckets["M3"] > buckets["M6"] and buckets["M7+"] > 0
    contacts = _rows(book, "contacts.csv")
    assert {c["channel"] for c in contacts} >= {"sms", "call"}
    assert any(c["party"] == "emergency_contact" for c in contacts)
    overdue_refs = {c["loan_ref"] for c in contacts}
    assert len(overdue_refs) == len(dpd)  # every overdue loan, and only those, has a history
