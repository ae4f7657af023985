"""The simulated book: overdue loans with their history (the strategy's synthetic snapshot
generator, `faircollect.strategy.synth`) plus what the lender does not see — each borrower's
archetype, money, preferred channel, whether their number still works, and each loan's
instalments.

Replicates are independent books (their own seed) laid side by side in one world: loan and
borrower ids never collide, and every replicate has its own creditor codes (`XY-CFC~r2`), so
its collectors and field teams (the same capacity per 1,000 accounts for every strategy) work
only its accounts. One plan per day then covers every replicate (the strategy engine has a
large fixed cost per call).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faircollect.strategy.snapshot import COLLECTORS, CONTACTS, FIELD_TEAMS, PAYMENTS
from faircollect.strategy.synth import synthetic_snapshot

from .params import ARCHETYPES, Params

__all__ = ["Population", "build_population"]

A = {name: i for i, name in enumerate(ARCHETYPES)}
PREFERRED = ("app", "sms", "call", "email")
#: seq numbers of each replicate's history start here (synth numbers its own from 0)
SEQ_STRIDE = 10**12


@dataclass(frozen=True)
class Population:
    """The initial world (arrays are per loan unless named b_*: per borrower)."""

    accounts: pa.Table  # the snapshot's ACCOUNTS, all replicates
    contacts: pa.Table  # initial history (CONTACTS)
    payments: pa.Table  # initial payments (PAYMENTS)
    collectors: pa.Table
    field_teams: pa.Table
    replicates: int
    per_replicate: int
    rep: np.ndarray  # replicate of each loan
    borrower: np.ndarray  # borrower index (0..B-1) of each loan
    dpd: np.ndarray
    balance: np.ndarray  # outstanding, minor units
    arrears: np.ndarray  # overdue, minor units
    installment: np.ndarray
    next_due: np.ndarray  # day offset of the loan's next due date (>= 1)
    currency: np.ndarray  # index into CURRENCIES
    b_rep: np.ndarray
    b_arch: np.ndarray
    b_cash: np.ndarray
    b_preferred: np.ndarray  # treatment index of the preferred channel
    b_stale: np.ndarray  # the debtor's number no longer works
    b_genuine: np.ndarray  # not_my_debt: the debt is in fact theirs


def _rename_creditors(accounts: pa.Table, r: int) -> pa.Table:
    i = accounts.schema.get_field_index("creditor")
    cred = pc.binary_join_element_wise(accounts.column("creditor"), pa.scalar(f"r{r}"), "~")
    return accounts.set_column(i, "creditor", cred)


def _capacity(
    accounts: pa.Table, replicates: int, per_replicate: int, p: Params
) -> tuple[pa.Table, pa.Table]:
    """Collectors and field teams per replicate, sized per 1,000 accounts (world params)."""
    w = p.world
    calls = max(round(per_replicate * float(w["calls_per_1000_per_day"]) / 1000), 1)
    visits = max(round(per_replicate * float(w["visits_per_1000_per_day"]) / 1000), 1)
    per = max(int(w["collector_capacity"]), 1)
    creds = accounts.group_by(["creditor", "region", "locale"]).aggregate([]).to_pylist()
    c_rows: list[dict[str, Any]] = []
    t_rows: list[dict[str, Any]] = []
    for r in range(replicates):
        mine = sorted({x["creditor"] for x in creds if x["creditor"].endswith(f"~r{r}")})
        langs = sorted({"zh" if x["locale"].startswith("zh") else "en" for x in creds
                        if x["creditor"].endswith(f"~r{r}")})  # fmt: skip
        regions = sorted({x["region"] for x in creds if x["creditor"].endswith(f"~r{r}")})
        k = 0
        left = calls
        while left > 0:
            take = min(per, left)
            c_rows.append({"name": f"collector-r{r}-{k:05d}", "daily_capacity": take,
                           "creditors": mine, "languages": [langs[k % len(langs)]]})  # fmt: skip
            left -= take
            k += 1
        # split the visits over the regions (at least one per region)
        share = max(visits // max(len(regions), 1), 1)
        for reg in regions:
            t_rows.append({"name": f"field-r{r}-{reg}", "daily_capacity": share,
                           "regions": [reg], "creditors": mine,
                           "days": ["mon", "tue", "wed", "thu", "fri", "sat"]})  # fmt: skip
    collectors = pa.Table.from_pylist(c_rows, schema=COLLECTORS)
    teams = pa.Table.from_pylist(t_rows, schema=FIELD_TEAMS)
    return collectors, teams


def build_population(
    n: int, replicates: int, seeds: list[np.random.SeedSequence], start: date, p: Params
) -> Population:
    """`replicates` books of `n` overdue loans; `seeds[r]` seeds replicate r (its book and,
    through `rng_for`, its borrowers' hidden traits)."""
    from .params import CURRENCIES

    accs, cons, pays = [], [], []
    reps, dpds, bal, arr, inst, due, cur = [], [], [], [], [], [], []
    b_rep, b_arch, b_cash, b_pref, b_stale, b_gen = [], [], [], [], [], []
    borrower_idx = []
    w = p.world
    terms = np.array(w["term_months"]["values"], dtype=np.int64)
    tw = np.array(w["term_months"]["weights"], dtype=np.float64)
    step = int(w["installment_days"])
    for r in range(replicates):
        book_seed, trait_seed = seeds[r].spawn(2)
        snap = synthetic_snapshot(
            n,
            seed=int(book_seed.generate_state(1)[0]),
            as_of=start,
            packs=dict(w["packs"]),
            first_loan=r * n,
            first_borrower=r * n,
            first_seq=r * SEQ_STRIDE,
        )
        a = _rename_creditors(snap.table("accounts"), r)
        accs.append(a)
        cons.append(snap.table("contacts"))
        pays.append(snap.table("payments"))
        rng = np.random.default_rng(trait_seed)
        # -- loans: instalments (the book has a balance and days past due) -----------------
        principal = a.column("principal_minor").to_numpy()
        outstanding = a.column("outstanding_minor").to_numpy()
        start_d = np.datetime64(start, "D")
        since = a.column("overdue_since").to_numpy().astype("datetime64[D]")
        d = (start_d - since).astype(np.int64)
        t = terms[np.searchsorted(np.cumsum(tw / tw.sum()), rng.random(n), side="right")
                  .clip(0, len(terms) - 1)]  # fmt: skip
        i_ = np.maximum(np.ceil(principal / t).astype(np.int64), 100)
        missed = np.ceil(d / step).astype(np.int64)
        reps.append(np.full(n, r, dtype=np.int16))
        dpds.append(d.astype(np.int32))
        bal.append(outstanding.astype(np.int64))
        arr.append(np.minimum(outstanding, i_ * missed).astype(np.int64))
        inst.append(i_)
        due.append((step - (d % step)).astype(np.int32))
        cur.append(np.array([CURRENCIES.index(c) for c in
                             a.column("currency").to_pylist()], dtype=np.int8))  # fmt: skip
        # -- borrowers: hidden traits --------------------------------------------------------
        ids = a.column("debtor_id").to_numpy() - 1 - r * n  # 0..nb-1 within the replicate
        borrower_idx.append(ids + r * n)
        nb = n  # at most n borrowers per replicate (ids are dense from 0)
        shares = p.arch["share"]
        arch = np.searchsorted(np.cumsum(shares / shares.sum()), rng.random(nb), side="right")
        arch = arch.clip(0, len(ARCHETYPES) - 1).astype(np.int8)
        first = np.full(nb, -1, dtype=np.int64)
        first[ids[::-1]] = np.arange(n)[::-1]  # first loan of each borrower
        has = first >= 0
        fl = np.where(has, first, 0)

        def known(col: str, fl: np.ndarray = fl, has: np.ndarray = has,
                  a: pa.Table = a) -> np.ndarray:  # fmt: skip
            return has & a.column(col).to_numpy(zero_copy_only=False)[fl]

        disputed = has & ~np.isnat(
            a.column("dispute_received_at").to_numpy(zero_copy_only=False)[fl]
        )
        arch = np.where(disputed, A["not_my_debt"], arch)
        arch = np.where(~known("reachable") & has, A["lost_contact"], arch)
        arch = np.where(known("hardship"), A["over_indebted"], arch)
        arch = np.where(known("vulnerable"), A["vulnerable"], arch).astype(np.int8)
        b_arch.append(arch)
        b_rep.append(np.full(nb, r, dtype=np.int16))
        b_cash.append(rng.random(nb) < p.arch["cash0"][arch])
        pref_w = np.array([float(p.response["preferred"].get(c, 0)) for c in PREFERRED])
        from faircollect.strategy.treatments import TREATMENT_NAMES

        pref = np.searchsorted(np.cumsum(pref_w / pref_w.sum()), rng.random(nb), side="right")
        b_pref.append(
            np.array(
                [TREATMENT_NAMES.index(PREFERRED[k]) for k in pref.clip(0, len(PREFERRED) - 1)],
                dtype=np.int8,
            )
        )
        b_stale.append(arch == A["lost_contact"])
        b_gen.append(rng.random(nb) < float(p.raw["not_my_debt_genuine"]))
    accounts = pa.concat_tables(accs)
    collectors, teams = _capacity(accounts, replicates, n, p)
    return Population(
        accounts=accounts,
        contacts=pa.concat_tables(cons).cast(CONTACTS),
        payments=pa.concat_tables(pays).cast(PAYMENTS),
        collectors=collectors,
        field_teams=teams,
        replicates=replicates,
        per_replicate=n,
        rep=np.concatenate(reps),
        borrower=np.concatenate(borrower_idx).astype(np.int64),
        dpd=np.concatenate(dpds),
        balance=np.concatenate(bal),
        arrears=np.concatenate(arr),
        installment=np.concatenate(inst),
        next_due=np.concatenate(due),
        currency=np.concatenate(cur),
        b_rep=np.concatenate(b_rep),
        b_arch=np.concatenate(b_arch),
        b_cash=np.concatenate(b_cash),
        b_preferred=np.concatenate(b_pref),
        b_stale=np.concatenate(b_stale),
        b_genuine=np.concatenate(b_gen),
    )
