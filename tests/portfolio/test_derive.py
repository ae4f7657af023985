"""Derivation in worker processes gives exactly what it gives in-process (and what the domain
gives loan by loan)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from faircollect.domain.delinquency import replay_rows
from faircollect.domain.schedule import schedule_rows
from faircollect.domain.waterfall import DEFAULT_WATERFALL
from faircollect.portfolio import derive


def _chunk() -> derive.Chunk:
    first = [date(2025, 1, 31), date(2025, 6, 5), date(2025, 11, 20), date(2026, 2, 1)]
    pays = [  # (loan, day, amount)
        (0, date(2025, 1, 31), 90_000),
        (0, date(2025, 3, 1), 90_000),
        (0, date(2025, 3, 2), 500),
        (1, date(2025, 6, 1), 10_000_000),  # overpayment
        (2, date(2025, 12, 1), 1_000),
    ]
    starts, ends = [], []
    for k in range(4):
        idx = [i for i, p in enumerate(pays) if p[0] == k]
        starts.append(idx[0] if idx else len(pays) if k else 0)
        ends.append(idx[-1] + 1 if idx else starts[-1])
    return derive.Chunk(
        principal=[1_000_000, 250_000, 3_333_333, 50_000],
        apr=[Decimal("18.25"), Decimal(0), Decimal("23.99"), Decimal("36")],
        term=[12, 3, 24, 1],
        repayment=["equal_installment", "equal_principal", "bullet", "equal_installment"],
        first_due=[d.toordinal() for d in first],
        day=[31, 5, 20, 1],
        penalty=[Decimal(0), Decimal(0), Decimal(0), Decimal(0)],
        waterfall=[0, 0, 0, 0],
        waterfalls=[DEFAULT_WATERFALL],
        pay_start=starts,
        pay_end=ends,
        pay_day=[p[1].toordinal() for p in pays],
        pay_amount=[p[2] for p in pays],
        as_of=date(2026, 3, 4).toordinal(),
    )


def test_in_process_matches_the_domain() -> None:
    c = _chunk()
    d = derive.derive_chunk(c)
    offset = 0
    for k in range(4):
        rows = schedule_rows(
            c.principal[k],
            c.apr[k],
            c.term[k],
            c.repayment[k],
            date.fromordinal(c.first_due[k]),
            day_of_month=c.day[k],
        )
        pays = [
            (date.fromordinal(c.pay_day[j]), c.pay_amount[j])
            for j in range(c.pay_start[k], c.pay_end[k])
        ]
        r = replay_rows(rows, pays, date(2026, 3, 4))
        assert d.outstanding[k] == r.outstanding_minor and d.paid[k] == r.paid_minor
        since = d.overdue_since[k]
        assert (None if np.isnat(since) else since.astype(date)) == r.overdue_since
        n = len(rows)
        assert d.inst_count[k] == n
        assert d.inst["principal_minor"][offset : offset + n].tolist() == [x[2] for x in rows]
        offset += n
    assert d.allocation[3].endswith(f'"unapplied": {10_000_000 - 250_000}}}')


@pytest.mark.timeout(120)
def test_worker_processes_give_the_same() -> None:
    c = _chunk()
    whole = derive.derive_chunk(c)
    pool = derive.make_pool(2, 4)
    assert pool is not None
    try:
        parts = derive.derive_all(c, pool, size=2)  # two pieces, split at payment bounds
        got = [(lo, hi, t.result()) for lo, hi, t in parts]
    finally:
        pool.shutdown()
    assert [(lo, hi) for lo, hi, _ in got] == [(0, 2), (2, 4)]
    assert [a for _, _, d in got for a in d.allocation] == whole.allocation
    for name in ("outstanding", "paid", "overdue_since", "inst_count"):
        joined = np.concatenate([getattr(d, name) for _, _, d in got])
        np.testing.assert_array_equal(joined, getattr(whole, name))
    for k, v in whole.inst.items():
        np.testing.assert_array_equal(np.concatenate([d.inst[k] for _, _, d in got]), v)
    assert derive.make_pool(None, 10) is None  # small imports stay in this process
    assert derive.make_pool(0, 10**7) is None
