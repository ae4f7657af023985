"""The importer's row builders: what they build is what the domain gives loan by loan (and
what the vault gives value by value), in worker processes exactly as in-process."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.domain.delinquency import replay_rows
from faircollect.domain.schedule import schedule_rows
from faircollect.domain.waterfall import (
    DEFAULT_WATERFALL,
    Component,
    WaterfallConfig,
    WaterfallMode,
)
from faircollect.portfolio import derive
from faircollect.store import pii
from faircollect.vault import Vault

AS_OF = date(2026, 3, 4)
KEYS = ("faircollect-test-master-key-A-0123456789abcdefghij",)
POLICIES = (
    derive.PolicySpec(Decimal(0), "licensed", DEFAULT_WATERFALL),
    derive.PolicySpec(
        Decimal(30),
        "licensed",
        WaterfallConfig(
            (Component.PRINCIPAL, Component.PENALTY, Component.INTEREST, Component.FEE),
            WaterfallMode.COMPONENT_FIRST,
        ),
    ),
)


def _batch(per: int = 3) -> derive.LoanBatch:
    originated = [date(2024, 12, 31), date(2025, 5, 5), date(2025, 10, 20), date(2026, 1, 1)]
    first = [date(2025, 1, 31), None, date(2025, 11, 20), date(2026, 2, 1)]
    pays = [  # (loan, paid_at, amount): grouped by loan, in time order
        (0, datetime(2025, 1, 31, 3, tzinfo=UTC), 90_000),
        (0, datetime(2025, 3, 1, 16, 30, tzinfo=UTC), 90_000),  # 00:30 on 03-02 in Shanghai
        (0, datetime(2025, 3, 2, 9, tzinfo=UTC), 500),
        (1, datetime(2025, 6, 1, tzinfo=UTC), 10_000_000),  # overpayment
        (2, datetime(2026, 1, 15, tzinfo=UTC), 1_000),
    ]
    starts = [min([i for i, p in enumerate(pays) if p[0] == k], default=5) for k in range(4)]
    ends = [max([i + 1 for i, p in enumerate(pays) if p[0] == k], default=5) for k in range(4)]
    starts[3] = ends[3] = 5
    at = np.array([p[1].replace(tzinfo=None) for p in pays], dtype="datetime64[us]")
    local = [(p[1].timestamp() + 8 * 3600) // 86400 for p in pays]
    return derive.LoanBatch(
        ids=np.array([11, 12, 13, 14]),
        refs=["L1", "L2", "L3", "L4"],
        creditor_id=np.array([1, 1, 2, 2]),
        borrower_id=np.array([5, 5, 6, 7]),
        policy=np.array([0, 0, 1, 1]),
        policies=POLICIES,
        product=["cash", "cash", "", "micro"],
        currency=["CNY"] * 4,
        principal=np.array([1_000_000, 250_000, 3_333_333, 50_000]),
        apr=[Decimal("18.25"), Decimal(0), Decimal("23.99"), Decimal("36")],
        originated=np.array(originated, dtype="datetime64[D]"),
        term=np.array([12, 3, 24, 1]),
        repayment=["equal_installment", "equal_principal", "bullet", "equal_installment"],
        first_due=np.array([d or "NaT" for d in first], dtype="datetime64[D]"),
        fee=np.array([0, 900, 0, 0]),
        pay_start=np.array(starts),
        pay_end=np.array(ends),
        pay_ids=np.array([101, 102, 103, 104, 105]),
        pay_refs=["P1", "P2", "P3", "P4", "P5"],
        pay_at=at,
        pay_day=np.array(local, dtype=np.int64) + derive.EPOCH_ORDINAL,
        pay_amount=np.array([p[2] for p in pays]),
        pay_channel=["alipay", "", "app", "bank", "wechat_pay"],
        as_of=AS_OF.toordinal(),
        instant_suffix="",
        per=per,
    )


def test_loan_rows_are_the_domain_replay() -> None:
    b = _batch()
    out = derive.build_loans(b)
    loans = out.loans.all_rows(len(derive.LOAN_COLUMNS))
    insts = out.installments.all_rows(len(derive.INSTALLMENT_COLUMNS))
    pays = out.payments.all_rows(len(derive.PAYMENT_COLUMNS))
    assert [r[0] for r in loans] == [11, 12, 13, 14]
    assert len(pays) == 5 and out.payments.rows == 5
    for k, loan in enumerate(loans):
        row = dict(zip(derive.LOAN_COLUMNS, loan, strict=True))
        o = b.originated[k].astype(date)
        given_first = b.first_due[k]
        first = (
            date(o.year, o.month + 1, o.day) if np.isnat(given_first) else given_first.astype(date)
        )
        sched = schedule_rows(int(b.principal[k]), b.apr[k], int(b.term[k]), b.repayment[k], first)
        spec = POLICIES[int(b.policy[k])]
        rate = min(spec.penalty_rate_percent, Decimal(24) - b.apr[k]).max(Decimal(0))
        mine = range(int(b.pay_start[k]), int(b.pay_end[k]))
        r = replay_rows(
            sched,
            [
                (b.pay_at[j].astype(datetime).replace(tzinfo=UTC), int(b.pay_amount[j]))
                for j in mine
            ],
            AS_OF,
            capped_penalty_rate=rate,
            waterfall=spec.waterfall,
        )
        assert row["outstanding_minor"] == r.outstanding_minor
        assert row["paid_minor"] == r.paid_minor
        assert row["overdue_since"] == (r.overdue_since and r.overdue_since.isoformat())
        assert row["status"] == ("active" if r.outstanding_minor else "settled")
        assert row["first_due_on"] == first.isoformat()
        assert row["apr"] == format(b.apr[k], "f")
        got = [
            dict(zip(derive.INSTALLMENT_COLUMNS, i, strict=True))
            for i in insts
            if i[0] == row["id"]
        ]
        assert [
            (i["seq"], i["due_on"], i["principal_minor"], i["interest_minor"]) for i in got
        ] == [(s, d.isoformat(), p, it) for s, d, p, it in sched]
        assert [
            (
                i["paid_fee_minor"],
                i["paid_penalty_minor"],
                i["paid_interest_minor"],
                i["paid_principal_minor"],
            )
            for i in got
        ] == [tuple(p) for p in r.paid_by_installment]
        assert [i["settled_on"] for i in got] == [s and s.isoformat() for s in r.settled_on]
        for j, a in zip(mine, r.payment_allocations, strict=True):
            p = dict(zip(derive.PAYMENT_COLUMNS, pays[j], strict=True))
            alloc = json.loads(p["allocation"])
            assert alloc == {
                **{c: getattr(a, c) for c in ("fee", "penalty", "interest", "principal")},
                **({"unapplied": a.unapplied} if a.unapplied else {}),
            }
            assert p["loan_id"] == row["id"] and p["currency"] == "CNY"
    assert json.loads(pays[3][7])["unapplied"] == 10_000_000 - 250_000
    assert pays[1][3] == "2025-03-01 16:30:00.000000"  # the stored UTC text


@given(st.integers(min_value=0, max_value=40), st.integers(min_value=1, max_value=7))
@settings(max_examples=60, deadline=None)
def test_pack_keeps_every_row_in_order(n: int, per: int) -> None:
    flat = [(r, c) for r in range(n) for c in range(3)]
    packed = derive.pack(flat, 3, per)
    assert packed.rows == n
    assert all(len(t) == 3 * per for t in packed.full) and all(len(t) == 3 for t in packed.rest)
    assert len(packed.rest) < per or per == 1
    assert packed.all_rows(3) == [tuple(flat[i : i + 3]) for i in range(0, len(flat), 3)]


def _borrowers() -> derive.BorrowerBatch:
    return derive.BorrowerBatch(
        ids=np.array([7, 8, 9]),
        creditor_id=np.array([1, 1, 2]),
        refs=["B1", "B2", "B3"],
        names=["张伟", "李娜", "王芳"],
        id_numbers=["440106199001011235", None, "650102198512249025"],
        phones=["+8613800138000", "+8613912345678", None],
        emails=["zhangwei@example.com", None, "Wang.Fang@Example.cn"],
        addresses=["广东省广州市", None, "新疆"],
        regions=["CN-GD", None, "CN-XJ"],
        timezones=[None, "Asia/Shanghai", "Asia/Urumqi"],
        locales=["zh_CN", "zh_CN", "en"],
        point_ids=np.array([20, 21, 22, 23]),
        per=2,
    )


def test_borrower_rows_encrypt_and_index_like_the_vault() -> None:
    v = Vault(KEYS)
    b = _borrowers()
    out = derive.build_borrowers(v, b)
    rows = [dict(zip(derive.BORROWER_COLUMNS, r, strict=True)) for r in out.borrowers.all_rows(14)]
    assert [r["id"] for r in rows] == [7, 8, 9]
    for r, name, idn, phone, email in zip(
        rows, b.names, b.id_numbers, b.phones, b.emails, strict=True
    ):
        assert v.decrypt(r["name_enc"], field=pii.BORROWER_NAME) == name
        assert v.decrypt_optional(r["id_number_enc"], field=pii.BORROWER_ID_NUMBER) == idn
        assert v.decrypt_optional(r["phone_enc"], field=pii.BORROWER_PHONE) == phone
        assert r["phone_bidx"] == v.blind_index_optional(phone, kind="phone")
        assert r["email_bidx"] == v.blind_index_optional(email, kind="email")
        assert r["id_number_bidx"] == v.blind_index_optional(idn, kind="id_number")
    assert [r["region"] for r in rows] == ["CN-GD", "", "CN-XJ"]
    points = [dict(zip(derive.POINT_COLUMNS, p, strict=True)) for p in out.points.all_rows(8)]
    assert [(p["id"], p["borrower_id"], p["kind"], p["place"]) for p in points] == [
        (20, 7, "phone", "mobile"),
        (21, 7, "email", "other"),
        (22, 8, "phone", "mobile"),
        (23, 9, "email", "other"),
    ]
    values = [v.decrypt(p["value_enc"], field=pii.CONTACT_POINT_VALUE) for p in points]
    assert values == [
        "+8613800138000",
        "zhangwei@example.com",
        "+8613912345678",
        "Wang.Fang@Example.cn",
    ]
    assert [p["value_bidx"] for p in points] == [
        v.blind_index(x, kind=p["kind"]) for x, p in zip(values, points, strict=True)
    ]
    assert out.keys == [(p["borrower_id"], p["kind"], p["value_bidx"]) for p in points]
    with pytest.raises(ValueError, match="point ids"):
        derive.build_borrowers(v, b._replace(point_ids=np.array([1])))


def _run_all(pool: Any) -> list[tuple[str, Any]]:
    jobs = [
        ("loans", derive.build_loans, (_batch(),)),
        ("borrowers", derive.build_borrowers, (KEYS, _borrowers())),
        ("points", derive.encrypt_points, (KEYS, [("phone", "13700001111"), ("email", "A@B.CN")])),
    ]
    return list(derive.Pipeline(pool, jobs, window=2))


def _plain(results: list[tuple[str, Any]], v: Vault) -> list[Any]:
    """Results with ciphertexts replaced by their plaintexts (nonces are random)."""

    fields = (
        pii.BORROWER_NAME,
        pii.BORROWER_ID_NUMBER,
        pii.BORROWER_PHONE,
        pii.BORROWER_EMAIL,
        pii.BORROWER_ADDRESS,
        pii.CONTACT_POINT_VALUE,
    )

    def clean(x: Any) -> Any:
        if isinstance(x, str) and x.startswith("v1."):
            for f in fields:
                try:
                    return ("plain", v.decrypt(x, field=f))
                except ValueError:
                    continue
        if isinstance(x, tuple | list):
            return [clean(y) for y in x]
        return x

    return [(tag, clean(tuple(r))) for tag, r in results]


@pytest.mark.timeout(120)
def test_worker_processes_build_the_same() -> None:
    v = Vault(KEYS)
    here = _run_all(None)
    pool = derive.make_pool(1, 0)
    assert pool is not None
    try:
        there = _run_all(pool)
        run = derive.runner(pool)
        assert run is not None
        assert run(sorted, [3, 1, 2], reverse=True)() == [3, 2, 1]
    finally:
        pool.shutdown()
    assert [t for t, _ in there] == ["loans", "borrowers", "points"]
    assert _plain(there, v) == _plain(here, v)
    assert derive.make_pool(None, 10) is None  # small imports stay in this process
    assert derive.make_pool(0, 10**7) is None
    assert derive.runner(None) is None
