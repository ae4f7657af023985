"""The world loop: day by day, the strategy plans, the rules gate, borrowers respond.

Each simulated day `d` (as-of date = start + d):
1. the day's snapshot is built from the simulated state (the loans still overdue, their
   balance, days past due, what the lender knows: reachable, hardship, disputes, promises;
   the contact and payment history so far) and the planner plans it (the real strategy engine,
   `strategy.run.plan`);
2. every work item gets an execution instant inside its contact window (messages early,
   calls and visits spread over the collector's day) and is judged there by the real rule
   engine (columnar form, over the history as it is at that instant; a debtor's second item
   on the same day is judged after the first one's outcome is in the history). Only allowed
   items are executed; blocked ones are counted as attempted-and-blocked with their rule;
3. borrowers respond to the executed contacts (behaviour.py, vectorised): reached or not,
   conversation, payment, promise, dispute, hardship, refusal, stress; outcomes go to the
   contact history and payments to the payment history, which the next day's snapshot and
   the rules read;
4. the end of the day: promises due today are kept or broken, some borrowers pay unprompted,
   complaints, income shocks, numbers that go stale, stress decays, instalments fall due
   (arrears grow; cured loans may re-default), days past due advance.

Randomness: one `numpy.random.Generator` per replicate and purpose, from
`SeedSequence(seed, spawn_key=(replicate, purpose))`. The end-of-day draws are made for
every loan and borrower whatever happened, so two strategies run on the same replicate see the
same income shocks and stale numbers (common random numbers); contact responses have their
own stream. The same seed gives the same result.

Money is integer minor units throughout; recovery is collected / overdue where overdue is the
arrears at the start plus every instalment that fell due unpaid during the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from faircollect.rules.packs import get_pack
from faircollect.strategy.snapshot import CONTACTS, PAYMENTS, STICKY_OUTCOMES, Snapshot
from faircollect.strategy.treatments import BY_NAME, TREATMENT_NAMES

from . import behaviour as B
from .gate import build_cases, gate, history_for, realtime_check
from .params import ARCHETYPES, CURRENCIES, Params
from .population import A, Population

__all__ = ["RunResult", "World", "seed_rng"]

T = {name: i for i, name in enumerate(TREATMENT_NAMES)}
N_T = len(TREATMENT_NAMES)
N_C = len(CURRENCIES)
US_DAY = 86_400_000_000
US_HOUR = 3_600_000_000
#: the strategy's features read 120 days of history
LOOKBACK_DAYS = 120
PHONE_DEBTOR = np.zeros(N_T, dtype=bool)
PHONE_DEBTOR[[T["sms"], T["call"]]] = True
CALLISH = np.zeros(N_T, dtype=bool)
CALLISH[[T["call"], T["call_emergency_contact"], T["visit"]]] = True
DIGITAL = np.zeros(N_T, dtype=bool)
DIGITAL[[T["app"], T["email"], T["sms"], T["letter"]]] = True
#: share of the window over which each treatment is spread (messages go out early)
SPREAD = np.array([0.1 if DIGITAL[k] or k == T["legal"] else 0.95 for k in range(N_T)])
#: treatments that count as a contact with a person (legal action is counted on its own)
CONTACT = np.ones(N_T, dtype=bool)
CONTACT[T["legal"]] = False
THIRD_PARTY = np.zeros(N_T, dtype=bool)
THIRD_PARTY[T["call_emergency_contact"]] = True
_ATTR = {k: [getattr(BY_NAME[t], k) for t in TREATMENT_NAMES]
         for k in ("channel", "party", "place", "purpose")}  # fmt: skip
OUTCOMES = ("sent", "delivered", "conversation", "no_answer", "busy", "voicemail",
            "not_in_service", "refused")  # fmt: skip
OUT = {name: i for i, name in enumerate(OUTCOMES)}
PURPOSES = ("engine", "gate_sample", "contacts", "daily")


def _strings(codes: np.ndarray, values: tuple[str, ...] | list[str | None]) -> pa.Array:
    """A string column from integer codes into `values` (built in Arrow, not in Python)."""
    d = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)),
                                       pa.array(list(values), pa.string()))  # fmt: skip
    return d.cast(pa.string())


def seed_rng(seed: int, replicate: int, purpose: str) -> np.random.Generator:
    """The generator of one replicate and purpose (independent of how many were made)."""
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(replicate, PURPOSES.index(purpose)))
    return np.random.default_rng(ss)


def _ts_us(d: date, hour: int = 0) -> int:
    return int(datetime.combine(d, time(hour), UTC).timestamp()) * 1_000_000


@dataclass
class RunResult:
    """What one strategy did to every replicate (arrays have the replicate first)."""

    strategy: str
    replicates: int
    accounts: int  # per replicate
    days: int
    collected: np.ndarray  # (R, C) minor
    overdue: np.ndarray  # (R, C) minor
    payments_total: np.ndarray  # (R, C) minor: sum of the payment history written
    cost: np.ndarray  # (R, T, C) minor
    executed: np.ndarray  # (R, T)
    blocked: np.ndarray  # (R, T)
    violations_executed: np.ndarray  # (R,)
    complaints: np.ndarray  # (R,)
    cured: np.ndarray  # (R,) loans cured at least once
    redefaulted: np.ndarray  # (R,) cured loans that fell overdue again
    stress_mean: np.ndarray  # (R,) mean over days of the mean stress of the book's borrowers
    promises: np.ndarray  # (R, 3) made, kept, broken
    disputes: np.ndarray  # (R,)
    curve: np.ndarray  # (D, R) recovery rate at the end of each day
    daily_contacts: np.ndarray  # (D, R, T)
    blocked_by_rule: dict[str, np.ndarray] = field(default_factory=dict)  # rule -> (R,)
    check: dict[str, int] = field(default_factory=lambda: {"sampled": 0, "agreed": 0})
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    currencies: tuple[str, ...] = CURRENCIES


class World:
    """One strategy's run over a population (all replicates at once)."""

    def __init__(
        self,
        pop: Population,
        params: Params,
        planner: Any,
        *,
        seed: int,
        start: date,
        days: int,
        gate_rules: bool = True,
        check_sample: int = 0,
        progress: Callable[[int, int], None] | None = None,
        keep_history: bool = True,
    ) -> None:
        self.pop, self.p, self.planner = pop, params, planner
        self.seed, self.start, self.days = seed, start, days
        self.gate_rules, self.check_sample, self.progress = gate_rules, check_sample, progress
        self.keep_history = keep_history
        R, n = pop.replicates, pop.per_replicate
        self.R, self.N, self.NB = R, R * n, R * n
        # -- mutable state -------------------------------------------------------------------
        self.dpd = pop.dpd.copy()
        self.balance = pop.balance.copy()
        self.arrears = pop.arrears.copy()
        self.next_due = pop.next_due.copy()
        self.in_coll = self.arrears > 0
        self.cured_ever = np.zeros(self.N, dtype=bool)
        self.redefault_ever = np.zeros(self.N, dtype=bool)
        self.promise_due = np.full(self.N, -1, dtype=np.int32)
        self.promise_amt = np.zeros(self.N, dtype=np.int64)
        self.broken = np.full((self.N, 3), -(10**6), dtype=np.int32)
        acc = pop.accounts
        self.hold = acc.column("hold").to_numpy(zero_copy_only=False).copy()
        self.hardship = acc.column("hardship").to_numpy(zero_copy_only=False).copy()
        self.vulnerable = acc.column("vulnerable").to_numpy(zero_copy_only=False).copy()
        self.has_phone = acc.column("has_phone").to_numpy(zero_copy_only=False)
        self.dispute_at = self._ts_col("dispute_received_at")
        self.verify_at = self._ts_col("verification_sent_at")
        self.b_arch = pop.b_arch.copy()
        self.b_cash = pop.b_cash.copy()
        self.b_stale = pop.b_stale.copy()
        self.b_stress = np.zeros(self.NB, dtype=np.float64)
        known = np.ones(self.NB, dtype=bool)
        known[pop.borrower] = acc.column("reachable").to_numpy(zero_copy_only=False)
        self.b_known = known  # the lender believes the debtor can be reached
        self.b_has = np.zeros(self.NB, dtype=bool)
        self.b_has[pop.borrower] = True
        self.b_viol = np.zeros(self.NB, dtype=np.int32)
        # -- ids and static lookups -------------------------------------------------------------
        self.loan_refs = acc.column("loan_ref").combine_chunks()
        self.debtor_id = acc.column("debtor_id").to_numpy()
        self.debtor_key = acc.column("debtor_key").combine_chunks()
        self.zone_of = self._zones()
        self.next_seq = int(pc.max(pop.contacts.column("seq")).as_py() or 0) + 1
        self.hist_chunks: list[tuple[int, pa.Table]] = []
        self.pay_chunks: list[tuple[int, pa.Table]] = []
        self.init_contacts = pop.contacts
        self.init_payments = pop.payments
        # -- generators ------------------------------------------------------------------------
        self.rng_contact = [seed_rng(seed, r, "contacts") for r in range(R)]
        self.rng_daily = [seed_rng(seed, r, "daily") for r in range(R)]
        self.rng_sample = seed_rng(seed, 0, "gate_sample")
        # -- metrics ---------------------------------------------------------------------------
        self.collected = np.zeros((R, N_C), dtype=np.int64)
        self.overdue = np.zeros((R, N_C), dtype=np.int64)
        np.add.at(self.overdue, (pop.rep, pop.currency), self.arrears)
        self.cost = np.zeros((R, N_T, N_C), dtype=np.int64)
        self.executed = np.zeros((R, N_T), dtype=np.int64)
        self.blocked = np.zeros((R, N_T), dtype=np.int64)
        self.viol_exec = np.zeros(R, dtype=np.int64)
        self.complaints = np.zeros(R, dtype=np.int64)
        self.promises = np.zeros((R, 3), dtype=np.int64)
        self.disputes = np.zeros(R, dtype=np.int64)
        self.stress_acc = np.zeros(R, dtype=np.float64)
        self.curve = np.zeros((days, R), dtype=np.float64)
        self.daily_contacts = np.zeros((days, R, N_T), dtype=np.int64)
        self.by_rule: dict[str, np.ndarray] = {}
        self.outcomes = np.zeros(len(OUTCOMES), dtype=np.int64)
        self.check = {"sampled": 0, "agreed": 0}
        self.disagreements: list[dict[str, Any]] = []
        self.fx = np.array([float(params.fx(c)) for c in CURRENCIES])
        self.costs = np.stack([params.costs_minor[c] for c in CURRENCIES], axis=1)  # (T, C)
        self.timers: dict[str, float] = {}

    # ---------------------------------------------------------------------------------------
    def _ts_col(self, name: str) -> np.ndarray:
        col = self.pop.accounts.column(name).cast(pa.int64())
        return np.asarray(pc.fill_null(col, -1).to_numpy(), dtype=np.int64).copy()

    def _zones(self) -> tuple[np.ndarray, list[str]]:
        acc = self.pop.accounts
        first = pc.list_element(
            pc.if_else(pc.greater(pc.list_value_length(acc.column("timezones")), 0),
                       acc.column("timezones"), pa.scalar([""], pa.list_(pa.string()))), 0
        )  # fmt: skip
        packs = acc.column("pack").to_pylist()
        names = first.to_pylist()
        zones: dict[str, int] = {}
        code = np.empty(len(names), dtype=np.int32)
        for i, (z, pk) in enumerate(zip(names, packs, strict=True)):
            name = z or get_pack(pk).default_zones[0]
            code[i] = zones.setdefault(name, len(zones))
        return code, list(zones)

    def _offsets_us(self, d: date) -> np.ndarray:
        code, names = self.zone_of
        noon = datetime.combine(d, time(12), UTC)
        offs = np.array([int(noon.astimezone(ZoneInfo(z)).utcoffset().total_seconds())  # type: ignore[union-attr]
                         * 1_000_000 for z in names], dtype=np.int64)  # fmt: skip
        return offs[code]

    def _uniform(self, gens: list[np.random.Generator], rep: np.ndarray, k: int) -> np.ndarray:
        """(len(rep), k) uniforms; rep must be sorted: replicate r's rows come from gens[r]."""
        out = np.empty((len(rep), k))
        counts = np.bincount(rep, minlength=self.R)
        pos = 0
        for r, c in enumerate(counts):
            if c:
                out[pos : pos + c] = gens[r].random((int(c), k))
            pos += int(c)
        return out

    # ---------------------------------------------------------------------------------------
    # the snapshot
    # ---------------------------------------------------------------------------------------
    def accounts_table(self, d: int) -> pa.Table:
        """Every loan's ACCOUNTS row as the lender sees it on day d (unfiltered)."""
        acc = self.pop.accounts
        day = self.start + timedelta(days=d)
        b = self.pop.borrower
        broken90 = (self.broken > d - 90).sum(axis=1).astype(np.int32)
        since = np.datetime64(day, "D") - self.dpd.astype("timedelta64[D]")
        ts = pa.timestamp("us", tz="UTC")

        def ts_arr(x: np.ndarray) -> pa.Array:
            return pa.array(np.where(x < 0, np.datetime64("NaT"), x.astype("datetime64[us]")), ts)

        cols = {
            "outstanding_minor": pa.array(self.balance),
            "overdue_since": pa.array(since, pa.date32()),
            "reachable": pa.array(self.b_known[b] & self.has_phone),
            "hardship": pa.array(self.hardship),
            "hold": pa.array(self.hold),
            "vulnerable": pa.array(self.vulnerable),
            "dispute_received_at": ts_arr(self.dispute_at),
            "verification_sent_at": ts_arr(self.verify_at),
            "open_promise": pa.array(self.promise_due >= d),
            "broken_promises_90d": pa.array(broken90),
        }
        for name, arr in cols.items():
            i = acc.schema.get_field_index(name)
            acc = acc.set_column(i, acc.schema.field(name), arr)
        return acc

    def _history(self, d: int, chunks: list[tuple[int, pa.Table]], init: pa.Table,
                 at_col: str, sticky: bool) -> pa.Table:  # fmt: skip
        day = self.start + timedelta(days=d)
        since = pa.scalar(_ts_us(day - timedelta(days=LOOKBACK_DAYS)), pa.int64()).cast(
            pa.timestamp("us", tz="UTC")
        )
        keep = pc.greater_equal(init.column(at_col), since)
        if sticky:
            keep = pc.or_(
                keep,
                pc.fill_null(
                    pc.is_in(init.column("outcome"), value_set=pa.array(STICKY_OUTCOMES)), False
                ),
            )
        parts = [init.filter(keep)]
        parts += [t for k, t in chunks if k >= d - LOOKBACK_DAYS - 1 or sticky]
        return pa.concat_tables(parts)

    def contacts_table(self, d: int) -> pa.Table:
        return self._history(d, self.hist_chunks, self.init_contacts, "at", True)

    def payments_table(self, d: int) -> pa.Table:
        return self._history(d, self.pay_chunks, self.init_payments, "paid_at", False)

    # ---------------------------------------------------------------------------------------
    # money
    # ---------------------------------------------------------------------------------------
    def _pay(self, li: np.ndarray, amount: np.ndarray, at: np.ndarray, rows: list[pa.Table],
             d: int) -> np.ndarray:  # fmt: skip
        """Apply payments (one per loan: later duplicates are dropped) and write their rows;
        returns the amounts applied."""
        li, first = np.unique(li, return_index=True)
        amount = np.minimum(amount[first], self.arrears[li])
        at = at[first]
        ok = amount > 0
        li, amount, at = li[ok], amount[ok], at[ok]
        if len(li) == 0:
            return amount
        step = int(self.p.world["installment_days"])
        inst = self.pop.installment[li]
        before = -(-self.arrears[li] // inst)
        self.arrears[li] -= amount
        self.balance[li] -= amount
        after = -(-self.arrears[li] // inst)
        self.dpd[li] = np.where(self.arrears[li] == 0, 0,
                                np.maximum(self.dpd[li] - step * (before - after), 1))  # fmt: skip
        cured = self.arrears[li] == 0
        self.in_coll[li[cured]] = False
        self.cured_ever[li[cured]] = True
        self.promise_due[li[cured]] = -1
        np.add.at(self.collected, (self.pop.rep[li], self.pop.currency[li]), amount)
        rows.append(pa.table({
            "loan_ref": self.loan_refs.take(pa.array(li)),
            "debtor_id": pa.array(self.debtor_id[li]),
            "paid_at": pa.array(at.astype("datetime64[us]"), pa.timestamp("us", tz="UTC")),
            "amount_minor": pa.array(amount),
        }, schema=PAYMENTS))  # fmt: skip
        return amount

    def _amount(self, li: np.ndarray, u: np.ndarray) -> np.ndarray:
        full = u < self.p.arch["full"][self.b_arch[self.pop.borrower[li]]]
        return np.where(
            full, self.arrears[li], np.minimum(self.pop.installment[li], self.arrears[li])
        )

    # ---------------------------------------------------------------------------------------
    # contacts
    # ---------------------------------------------------------------------------------------
    def _contact_rows(self, li: np.ndarray, t: np.ndarray, at: np.ndarray,
                      outcome: np.ndarray, initiated: str,
                      items: pa.Table | None) -> pa.Table:  # fmt: skip
        order = np.lexsort((li, at))
        li, t, at, outcome = li[order], t[order], at[order], outcome[order]
        m = len(li)
        if items is not None:
            items = items.take(pa.array(order))
            channel = items.column("channel")
            party = items.column("party")
            place = items.column("place")
            purpose = items.column("purpose")
            cpoint = items.column("contact_point")
        else:
            channel, party, place, purpose = (
                _strings(t, _ATTR[k]) for k in ("channel", "party", "place", "purpose")
            )
            cpoint = pa.nulls(m, pa.string())
        refs = self.loan_refs.take(pa.array(li))
        seq = np.arange(self.next_seq, self.next_seq + m, dtype=np.int64)
        self.next_seq += m
        return pa.table({
            "debtor_key": self.debtor_key.take(pa.array(li)),
            "debtor_id": pa.array(self.debtor_id[li]),
            "seq": pa.array(seq),
            "loan_ref": refs,
            "at": pa.array(at.astype("datetime64[us]"), pa.timestamp("us", tz="UTC")),
            "channel": channel,
            "party": party,
            "outcome": _strings(outcome, OUTCOMES),
            "initiated_by": _strings(np.zeros(m, np.int32), (initiated,)),
            "place": place,
            "purpose": purpose,
            "contact_point": cpoint,
            "debt_ids": pa.ListArray.from_arrays(pa.array(np.arange(m + 1, dtype=np.int32)),
                                                 refs.cast(pa.string())),
        }).cast(CONTACTS)  # fmt: skip

    def respond(self, d: int, li: np.ndarray, t: np.ndarray, at: np.ndarray,
                items: pa.Table | None, pays: list[pa.Table]) -> pa.Table:  # fmt: skip
        """Borrowers respond to executed contacts (li sorted by replicate). Returns the
        history rows (the contacts and any inbound calls they caused)."""
        p, pop = self.p, self.pop
        m = len(li)
        r = pop.rep[li]
        b = pop.borrower[li]
        a = self.b_arch[b]
        u = self._uniform(self.rng_contact, r, 12)
        off = self._offsets_us(self.start + timedelta(days=d))[li]
        hour = ((at + off) // US_HOUR) % 24
        stale = self.b_stale[b] & PHONE_DEBTOR[t]
        pref = self.b_preferred_match(b, t)
        p_reach = np.where(stale, 0.0, B.reach_probability(t, a, hour, self.dpd[li], pref, p))
        reached = u[:, 0] < p_reach
        engaged = reached & (u[:, 1] < p.chan["engage"][t])
        resp = p.response
        ec = t == T["call_emergency_contact"]
        visit = t == T["visit"]
        relayed = ec & engaged & (u[:, 2] < float(resp["third_party_relay"]))
        locate = (ec & reached & (u[:, 3] < float(resp["locate"]))) | (
            visit & reached & (u[:, 3] < float(resp["locate_visit"]))
        )
        self.b_stale[b[locate]] = False
        self.b_known[b[locate]] = True
        debtor = np.where(ec, relayed, engaged)
        # outcomes of an engagement -------------------------------------------------------
        open_dispute = (self.dispute_at[li] >= 0) & (self.verify_at[li] < self.dispute_at[li])
        disputes = (
            debtor & ~open_dispute & (self.dispute_at[li] < 0) & (u[:, 4] < p.arch["dispute"][a])
        )
        cash = self.b_cash[b]
        p_pay = B.pay_probability(a, t, self.b_stress[b], cash, p)
        pays_now = debtor & ~disputes & ~open_dispute & self.in_coll[li] & (u[:, 5] < p_pay)
        no_promise = self.promise_due[li] < d
        promise = (debtor & ~pays_now & ~disputes & ~open_dispute & no_promise & self.in_coll[li]
                   & (u[:, 6] < p.arch["promise"][a]))  # fmt: skip
        hardship = debtor & (u[:, 7] < p.arch["hardship"][a])
        pressure = np.minimum(self.b_stress[b] / B.PRESSURE_SCALE, 1.0)
        refuse = (reached & CALLISH[t] & ~pays_now & ~promise
                  & (u[:, 8] < p.arch["refuse"][a] * (1 + pressure)))  # fmt: skip
        # state changes -------------------------------------------------------------------
        self.dispute_at[li[disputes]] = at[disputes]
        np.add.at(self.disputes, r[disputes], 1)
        self.hardship[li[hardship]] = True
        # a legal action is filed once: the account then leaves the collectors (hold)
        self.hold[li[t == T["legal"]]] = True
        vul = hardship & (a == A["vulnerable"])
        self.vulnerable[li[vul]] = True
        amt = self._amount(li, u[:, 9])
        if pays_now.any():
            self._pay(li[pays_now], amt[pays_now], at[pays_now] + 5 * 60_000_000, pays, d)
        if promise.any():
            pl = li[promise]
            days_ahead = 1 + (u[promise, 10] * int(resp["promise_days"])).astype(np.int32)
            self.promise_due[pl] = d + days_ahead
            self.promise_amt[pl] = amt[promise]
            np.add.at(self.promises[:, 0], r[promise], 1)
        inc = B.stress_increment(t, reached, a, p)
        self.b_stress += np.bincount(b, weights=inc, minlength=self.NB)
        # outcomes for the history --------------------------------------------------------
        calls = (t == T["call"]) | ec
        quiet = np.where(u[:, 11] < 0.65, OUT["no_answer"],
                         np.where(u[:, 11] < 0.8, OUT["busy"], OUT["voicemail"]))  # fmt: skip
        out = np.full(m, OUT["sent"], dtype=np.int8)
        out[((t == T["sms"]) & ~stale) | (t == T["email"])] = OUT["delivered"]
        out = np.where(calls, np.where(reached, OUT["conversation"], quiet), out)
        out[calls & stale] = OUT["not_in_service"]
        out = np.where(visit, np.where(reached, OUT["conversation"], OUT["no_answer"]), out)
        out[refuse] = OUT["refused"]
        lost = (t == T["call"]) & stale
        self.b_known[b[lost]] = False  # the lender learns the number is dead
        self.outcomes += np.bincount(out, minlength=len(OUTCOMES))
        rt = r.astype(np.int64) * N_T + t
        per = np.bincount(rt, minlength=self.R * N_T).reshape(self.R, N_T)
        self.executed += per
        self.daily_contacts[d] += per
        cur = pop.currency[li].astype(np.int64)
        n_rtc = np.bincount(rt * N_C + cur, minlength=self.R * N_T * N_C)
        self.cost += n_rtc.reshape(self.R, N_T, N_C) * self.costs[None, :, :]  # exact ints
        if not self.keep_history:  # nobody reads the history (the benchmark's behaviour part)
            return CONTACTS.empty_table()
        rows = [self._contact_rows(li, t, at, out, "collector", items)]
        inbound = (DIGITAL[t] & debtor & (promise | disputes | hardship | pays_now)
                   & (u[:, 11] < float(resp["inbound_after_message"])))  # fmt: skip
        if inbound.any():
            k = np.nonzero(inbound)[0]
            rows.append(self._contact_rows(
                li[k], np.full(len(k), T["call"]), at[k] + 30 * 60_000_000,
                np.full(len(k), OUT["conversation"]), "consumer", None))  # fmt: skip
        return pa.concat_tables(rows)

    def b_preferred_match(self, b: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self.pop.b_preferred[b] == t

    # ---------------------------------------------------------------------------------------
    # one day
    # ---------------------------------------------------------------------------------------
    def _timed(self, name: str, t0: float) -> float:
        import time as _t

        now = _t.perf_counter()
        self.timers[name] = self.timers.get(name, 0.0) + now - t0
        return now

    def plan_day(self, d: int) -> tuple[pa.Table, pa.Table]:
        """(all loans' rows, the planned work items) for day d."""
        import time as _t

        t0 = _t.perf_counter()
        day = self.start + timedelta(days=d)
        acc_all = self.accounts_table(d)
        acc = acc_all.filter(pa.array(self.in_coll))
        t0 = self._timed("snapshot", t0)
        if acc.num_rows == 0:
            return acc_all, pa.table({})
        snap = Snapshot(
            as_of=day,
            accounts=acc,
            contacts=self.contacts_table(d),
            payments=self.payments_table(d),
            collectors=self.pop.collectors,
            field_teams=self.pop.field_teams,
            source="simulation",
        )
        t0 = self._timed("snapshot", t0)
        items = self.planner.plan(snap)
        self._timed("plan", t0)
        return acc_all, items

    def step(self, d: int) -> None:
        import time as _t

        acc_all, items = self.plan_day(d)
        t0 = _t.perf_counter()
        pays: list[pa.Table] = []
        rows: list[pa.Table] = []
        if items.num_rows:
            li = pc.index_in(items.column("loan_ref"), value_set=self.loan_refs).to_numpy(
                zero_copy_only=False
            )
            keep = ~np.isnan(li.astype(np.float64)) if li.dtype.kind == "f" else li >= 0
            tcode = np.array([T[x] for x in items.column("treatment").to_pylist()], np.int64)
            li = li.astype(np.int64)
            order = np.lexsort((tcode, li))
            order = order[keep[order]]
            items = items.take(pa.array(order))
            li, tcode = li[order], tcode[order]
            ws = items.column("window_start").cast(pa.int64()).to_numpy(zero_copy_only=False)
            we = items.column("window_end").cast(pa.int64()).to_numpy(zero_copy_only=False)
            frac = self._uniform(self.rng_contact, self.pop.rep[li], 1)[:, 0]
            at = ws + (frac * SPREAD[tcode] * np.maximum(we - ws - 60_000_000, 0)).astype(np.int64)
            # a debtor's items in time order: round k holds each debtor's k-th item
            b = self.pop.borrower[li]
            o = np.lexsort((at, b))
            rank = np.zeros(len(li), dtype=np.int64)
            if len(o):
                same = np.r_[False, b[o][1:] == b[o][:-1]]
                grp = np.cumsum(~same) - 1
                starts = np.nonzero(~same)[0]
                rank[o] = np.arange(len(o)) - starts[grp]
            for k in range(int(rank.max()) + 1 if len(rank) else 0):
                sel = np.nonzero(rank == k)[0]
                rows.append(self._round(d, sel, li, tcode, at, items, acc_all, rows, pays))
                if k + 1 <= int(rank.max()):
                    acc_all = self.accounts_table(d)
        t0 = self._timed("gate+respond", t0)
        self._end_of_day(d, pays)
        self._timed("end_of_day", t0)
        self._keep(d, rows, pays)

    def _keep(self, d: int, rows: list[pa.Table], pays: list[pa.Table]) -> None:
        if rows and self.keep_history:
            self.hist_chunks.append((d, pa.concat_tables(rows)))
        if pays:
            self.pay_chunks.append((d, pa.concat_tables(pays)))

    def step_fixed(self, d: int, li: np.ndarray, t: np.ndarray, at: np.ndarray) -> None:
        """A day whose contacts are given (li sorted, all executed): the behaviour part of
        the loop alone, without planning or gating (the benchmark's behaviour-only figure)."""
        import time as _t

        t0 = _t.perf_counter()
        pays: list[pa.Table] = []
        rows = [self.respond(d, li, t, at, None, pays)] if len(li) else []
        t0 = self._timed("respond", t0)
        self._end_of_day(d, pays)
        self._timed("end_of_day", t0)
        self._keep(d, rows, pays)

    def _round(self, d: int, sel: np.ndarray, li_all: np.ndarray, t_all: np.ndarray,
               at_all: np.ndarray, items_all: pa.Table, acc_all: pa.Table,
               earlier: list[pa.Table], pays: list[pa.Table]) -> pa.Table:  # fmt: skip
        li, t, at = li_all[sel], t_all[sel], at_all[sel]
        items = items_all.take(pa.array(sel))
        r = self.pop.rep[li]
        day = self.start + timedelta(days=d)
        if self.gate_rules:
            now = pa.array(at.astype("datetime64[us]"), pa.timestamp("us", tz="UTC"))
            cases = build_cases(acc_all.take(pa.array(li)), items, now)
            contacts = pa.concat_tables([self.contacts_table(d), *earlier]) if earlier else \
                self.contacts_table(d)  # fmt: skip
            since = datetime.combine(day - timedelta(days=33), time(0), UTC)
            hist = history_for(contacts, cases.column("debtor_key"), since)
            decided = gate(cases, hist)
            allowed = decided.column("allowed").to_numpy(zero_copy_only=False).astype(bool)
            if self.check_sample:
                k = min(self.check_sample, len(li))
                sample = np.sort(self.rng_sample.choice(len(li), size=k, replace=False))
                chk = realtime_check(cases, hist, decided, sample)
                self.check["sampled"] += chk.sampled
                self.check["agreed"] += chk.agreed
                self.disagreements.extend(chk.disagreements[: max(0, 5 - len(self.disagreements))])
            viol = decided.column("violations").to_pylist()
            for i in np.nonzero(~allowed)[0]:
                for rule in viol[i] or ["?"]:
                    arr = self.by_rule.setdefault(rule, np.zeros(self.R, dtype=np.int64))
                    arr[r[i]] += 1
            np.add.at(self.blocked, (r[~allowed], t[~allowed]), 1)
            violating = np.zeros(len(li), dtype=bool)
        else:  # ungated what-if: everything is executed; violations are judged and counted
            now = pa.array(at.astype("datetime64[us]"), pa.timestamp("us", tz="UTC"))
            cases = build_cases(acc_all.take(pa.array(li)), items, now)
            since = datetime.combine(day - timedelta(days=33), time(0), UTC)
            hist = history_for(self.contacts_table(d), cases.column("debtor_key"), since)
            decided = gate(cases, hist)
            violating = ~decided.column("allowed").to_numpy(zero_copy_only=False).astype(bool)
            allowed = np.ones(len(li), dtype=bool)
        # executed: only what the gate allowed (violating is all False when gated)
        ex = np.nonzero(allowed)[0]
        np.add.at(self.viol_exec, r[ex][violating[ex]], 1)
        np.add.at(self.b_viol, self.pop.borrower[li[ex]][violating[ex]], 1)
        if len(ex) == 0:
            return pa.concat_tables([CONTACTS.empty_table()])
        return self.respond(d, li[ex], t[ex], at[ex], items.take(pa.array(ex)), pays)

    def _end_of_day(self, d: int, pays: list[pa.Table]) -> None:
        p, pop = self.p, self.pop
        day = self.start + timedelta(days=d)
        noon = _ts_us(day, 12) - self._offsets_us(day)  # local noon of each loan, UTC us
        ul = self._uniform(self.rng_daily, pop.rep, 4)
        ub = self._uniform(self.rng_daily, pop.b_rep, 3)
        b = pop.borrower
        a = self.b_arch[b]
        active_b = np.zeros(self.NB, dtype=bool)
        active_b[b[self.in_coll]] = True
        # promises falling due today
        due = (self.promise_due == d) & self.in_coll
        kept = due & (ul[:, 0] < B.keep_probability(a, self.b_cash[b], p))
        broke = due & ~kept
        if kept.any():
            k = np.nonzero(kept)[0]
            self._pay(k, self.promise_amt[k], noon[k], pays, d)
        np.add.at(self.promises[:, 1], pop.rep[kept], 1)
        np.add.at(self.promises[:, 2], pop.rep[broke], 1)
        self.broken[broke] = np.column_stack([np.full(int(broke.sum()), d, np.int32),
                                              self.broken[broke][:, :2]])  # fmt: skip
        self.promise_due[due] = -1
        # unprompted payments
        selfpay = self.in_coll & self.b_cash[b] & (ul[:, 1] < p.arch["self_pay"][a])
        if selfpay.any():
            k = np.nonzero(selfpay)[0]
            self._pay(k, self._amount(k, ul[k, 2]), noon[k] + US_HOUR * 6, pays, d)
        # complaints (borrowers with a loan in collection today)
        pc_ = B.complaint_probability(self.b_stress, self.b_arch, self.b_viol, p)
        comp = active_b & (ub[:, 0] < pc_)
        np.add.at(self.complaints, pop.b_rep[comp], 1)
        self.b_viol[:] = 0
        # disputes answered with verification
        vd = int(p.world["verification_days"])
        pending = (self.dispute_at >= 0) & (self.verify_at < self.dispute_at)
        ready = pending & (self.dispute_at <= _ts_us(day - timedelta(days=vd), 23))
        self.verify_at[ready] = _ts_us(day, 10)
        genuine = np.zeros(self.NB, dtype=bool)
        genuine[b[ready]] = True
        switch = genuine & pop.b_genuine & (self.b_arch == A["not_my_debt"])
        self.b_arch[switch] = A["short_of_cash"]
        # income shocks, stale numbers, stress
        self.b_cash = B.cash_step(self.b_cash, self.b_arch, ub[:, 1], p)
        self.b_stale |= ub[:, 2] < float(p.response["stale_daily"])
        book = self.b_has
        for r in range(self.R):
            mine = book & (pop.b_rep == r)
            self.stress_acc[r] += float(self.b_stress[mine].mean()) if mine.any() else 0.0
        self.b_stress = B.decay(self.b_stress, float(p.stress["half_life_days"]))
        # instalments falling due
        self.next_due -= 1
        fall = (self.next_due <= 0) & (self.balance > 0)
        self.next_due[self.next_due <= 0] = int(p.world["installment_days"])
        inst = pop.installment
        grow = fall & self.in_coll & (self.balance > self.arrears)
        add = np.where(grow, np.minimum(inst, self.balance - self.arrears), 0)
        cured = fall & ~self.in_coll
        miss = cured & (ul[:, 3] < p.arch["redefault"][a])
        add = np.where(miss, np.minimum(inst, self.balance), add)
        self.arrears += add
        np.add.at(self.overdue, (pop.rep, pop.currency), add)
        self.in_coll |= miss
        self.dpd[miss] = 0
        self.redefault_ever |= miss & self.cured_ever
        regular = cured & ~miss
        self.balance[regular] -= np.minimum(inst[regular], self.balance[regular])
        self.dpd[self.in_coll] += 1
        # the recovery curve
        col = (self.collected * self.fx).sum(axis=1)
        ovd = (self.overdue * self.fx).sum(axis=1)
        self.curve[d] = np.where(ovd > 0, col / np.maximum(ovd, 1), 0.0)

    # ---------------------------------------------------------------------------------------
    def run(self) -> RunResult:
        for d in range(self.days):
            self.step(d)
            if self.progress is not None:
                self.progress(d + 1, self.days)
        n = self.pop.per_replicate
        R = self.R
        cured = np.bincount(self.pop.rep[self.cured_ever], minlength=R)
        # what the payment history says was paid (independent of the running totals)
        paid = np.zeros((R, N_C), dtype=np.int64)
        for _, tbl in self.pay_chunks:
            li = pc.index_in(tbl.column("loan_ref"), value_set=self.loan_refs).to_numpy(
                zero_copy_only=False).astype(np.int64)  # fmt: skip
            np.add.at(paid, (self.pop.rep[li], self.pop.currency[li]),
                      tbl.column("amount_minor").to_numpy())  # fmt: skip
        redef = np.bincount(self.pop.rep[self.redefault_ever], minlength=R)
        return RunResult(
            strategy=self.planner.name,
            replicates=R,
            accounts=n,
            days=self.days,
            collected=self.collected,
            overdue=self.overdue,
            payments_total=paid,
            cost=self.cost,
            executed=self.executed,
            blocked=self.blocked,
            violations_executed=self.viol_exec,
            complaints=self.complaints,
            cured=cured,
            redefaulted=redef,
            stress_mean=self.stress_acc / max(self.days, 1),
            promises=self.promises,
            disputes=self.disputes,
            curve=self.curve,
            daily_contacts=self.daily_contacts,
            blocked_by_rule=self.by_rule,
            check=dict(self.check),
            disagreements=list(self.disagreements),
            seconds={k: round(v, 3) for k, v in self.timers.items()},
        )


__all__ += ["ARCHETYPES"]
