"""A synthetic strategy snapshot (numpy, seeded): for the benchmark, the tests and the
simulator. `synthetic_snapshot(n, seed=..., as_of=...)` returns a `Snapshot` of `n` overdue
accounts with a realistic 120-day contact and payment history.

The book
- borrowers with 1-3 overdue loans (about 1.3 loans each); days past due exponential (mean
  ~70, 1-360); balances log-normal around 6,000 (CNY) with a long tail;
- packs: CN by default; `packs={"CN": 0.7, "US": 0.1, "US-MA": 0.1, "UK": 0.1}` mixes in
  other jurisdictions (USD / GBP, their time zones, US disputes and cease requests);
- borrower state: ~8% lost contact (more when far overdue), 2% vulnerable, 3% hardship, some
  deceased / bankrupt / refused / opted out of a channel / with inconvenient times / on hold /
  disputed; 60% e-mail, 70% app, 99% phone, 95% address, 90% an emergency contact (7% of those
  harvested from an address book, which the CN rules forbid using);
- history per borrower, denser the further overdue: SMS, app and e-mail messages, calls with
  outcomes (no answer, conversation, voicemail, busy, refused, ...), AI voice, letters, some
  emergency-contact calls and visits, a few inbound calls, 09:00-21:00 local time; payments
  (often partial) for about a third of the loans; broken and open promises to pay.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa

from .snapshot import ACCOUNTS, COLLECTORS, CONTACTS, FIELD_TEAMS, PAYMENTS, Snapshot

__all__ = ["synthetic_capacity", "synthetic_snapshot"]

_PACK_INFO = {
    # currency, zones (weights), regions, locale
    "CN": ("CNY", (("", 0.7), ("Asia/Shanghai", 0.27), ("Asia/Urumqi", 0.03)),
           ("CN-GD", "CN-ZJ", "CN-JS", "CN-SD", "CN-HA", "CN-SC", "CN-HB", "CN-BJ", "CN-SH",
            "CN-XJ"), "zh_CN"),
    "US": ("USD", (("America/New_York", 0.4), ("America/Chicago", 0.25),
                   ("America/Denver", 0.1), ("America/Los_Angeles", 0.2), ("", 0.05)),
           ("US-NY", "US-TX", "US-CA", "US-FL", "US-IL", "US-CO"), "en"),
    "US-MA": ("USD", (("America/New_York", 0.95), ("", 0.05)), ("US-MA",), "en"),
    "UK": ("GBP", (("Europe/London", 0.9), ("", 0.1)), ("GB-ENG", "GB-SCT", "GB-WLS"), "en"),
}  # fmt: skip
_INCONVENIENT = (
    '[{"days":["mon","tue","wed","thu","fri"],"from":"09:00","to":"12:00"}]',
    '[{"from":"12:00","to":"14:00"}]',
    '[{"from":"19:00","to":"22:00"}]',
    '[{"days":["sat","sun"],"from":"08:00","to":"24:00"}]',
)
_CHANNELS = np.array(["sms", "call", "ai_voice", "app", "email", "letter", "visit"])
_CH_P = np.array([0.34, 0.30, 0.10, 0.12, 0.08, 0.04, 0.02])
_CALL_OUT = np.array(
    ["no_answer", "conversation", "busy", "voicemail", "not_in_service", "refused", "wrong_number"]
)
_CALL_P = np.array([0.45, 0.24, 0.10, 0.09, 0.05, 0.04, 0.03])
_CREDITORS = ("XY-CFC", "HM-MICRO")
_PRODUCTS = ("consumer_installment", "cash_loan", "micro_business")


def _dict_array(codes: np.ndarray, values: tuple[str, ...] | np.ndarray) -> pa.Array:
    """A dictionary-encoded string column, cast to plain strings (Parquet keeps the
    dictionary encoding; readers see strings)."""
    d = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(list(values)))
    return d.cast(pa.string())


def _pick(rng: np.random.Generator, n: int, p: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right").clip(0, len(p) - 1)


def _refs(prefix: str, idx: np.ndarray, width: int) -> pa.Array:
    s = np.char.add(prefix, np.char.zfill(idx.astype(str), width))
    return pa.array(s.astype(object), pa.string())


def synthetic_snapshot(
    n: int,
    *,
    seed: int = 7,
    as_of: date = date(2026, 3, 4),
    packs: Mapping[str, float] | None = None,
    history_days: int = 120,
    first_loan: int = 0,
    first_borrower: int = 0,
    first_seq: int = 0,
) -> Snapshot:
    """`n` accounts; `first_loan` / `first_borrower` / `first_seq` offset the ids so that a
    large book can be generated in chunks (the benchmark writes 10M accounts that way)."""
    rng = np.random.default_rng(seed)
    mix = dict(packs or {"CN": 1.0})
    pack_names = tuple(mix)
    # -- borrowers and loans ----------------------------------------------------------------
    loans_per = rng.choice([1, 2, 3], size=n, p=[0.78, 0.17, 0.05])
    owner = np.repeat(np.arange(n), loans_per)[:n]  # loan i belongs to borrower owner[i]
    nb = int(owner[-1]) + 1 if n else 0
    b_pack = _pick(rng, nb, np.array([mix[p] for p in pack_names]))
    b_creditor = (rng.random(nb) < 0.4).astype(np.int64)
    pack_i = b_pack[owner]
    dpd = np.clip(np.ceil(rng.exponential(70, n)), 1, 360).astype(np.int64)
    as_of_d = np.datetime64(as_of, "D")
    overdue_since = as_of_d - dpd.astype("timedelta64[D]")
    principal = np.round(np.exp(rng.normal(np.log(6000), 0.8, n)) / 100) * 10000
    principal = np.clip(principal, 50_000, 5_000_000).astype(np.int64)
    share = np.clip(rng.beta(4, 3, n), 0.05, 1.0)
    outstanding = np.maximum((principal * share).astype(np.int64), 1000)
    # lost contact (a borrower-level fact) grows with days past due
    first = np.searchsorted(owner, np.arange(nb))
    b_dpd = dpd[first] if n else dpd
    lost = rng.random(nb) < 0.03 + 0.05 * np.minimum(b_dpd, 180) / 90
    lost_l = lost[owner]
    # per-borrower flags
    flags = {
        "vulnerable": rng.random(nb) < 0.02,
        "hardship": rng.random(nb) < 0.03,
        "deceased": rng.random(nb) < 0.001,
        "bankruptcy": rng.random(nb) < 0.002,
        "contact_refused": rng.random(nb) < 0.01,
        "employer_prohibits": rng.random(nb) < 0.02,
        "attorney": rng.random(nb) < 0.003,
    }
    has_phone = rng.random(nb) < 0.99
    has_email = rng.random(nb) < 0.6
    has_app = rng.random(nb) < 0.7
    has_address = rng.random(nb) < 0.95
    has_ec = rng.random(nb) < 0.9
    ec_harvested = rng.random(nb) < 0.07
    inconvenient_i = np.where(rng.random(nb) < 0.04, rng.integers(0, len(_INCONVENIENT), nb), -1)
    opt_out = np.where(rng.random(nb) < 0.03, rng.integers(0, 3, nb), -1)  # sms call email
    # zones, regions, currencies per pack
    zone_code = np.zeros(nb, dtype=np.int64)
    region_code = np.zeros(nb, dtype=np.int64)
    zones_all: list[str] = []
    regions_all: list[str] = []
    zone_base: dict[int, int] = {}
    region_base: dict[int, int] = {}
    for k, p in enumerate(pack_names):
        _, zones, regions, _ = _PACK_INFO[p]
        zone_base[k], region_base[k] = len(zones_all), len(regions_all)
        zones_all += [z for z, _ in zones]
        regions_all += list(regions)
        m = b_pack == k
        zw = np.array([w for _, w in zones])
        zone_code[m] = zone_base[k] + _pick(rng, int(m.sum()), zw)
        region_code[m] = region_base[k] + rng.integers(0, len(regions), int(m.sum()))
    currencies = tuple(_PACK_INFO[p][0] for p in pack_names)
    locales = tuple(_PACK_INFO[p][3] for p in pack_names)
    is_us = np.isin(np.array(pack_names)[b_pack], ["US", "US-MA"]) if nb else np.zeros(0, bool)
    cease = is_us & (rng.random(nb) < 0.01)
    dispute = rng.random(n) < np.where(is_us[owner], 0.03, 0.01)
    hold = rng.random(n) < 0.005
    t_ref = datetime.combine(as_of, datetime.min.time(), UTC)
    ts_ref = np.datetime64(t_ref.replace(tzinfo=None), "us")
    cease_at = ts_ref - (rng.integers(1, 60, nb) * 86_400_000_000).astype("timedelta64[us]")
    dispute_at = ts_ref - (rng.integers(1, 60, n) * 86_400_000_000).astype("timedelta64[us]")
    broken = np.where(rng.random(n) < 0.12, rng.integers(1, 4, n), 0).astype(np.int32)
    open_promise = rng.random(n) < 0.05
    bidx = np.arange(nb) + first_borrower
    debtor_key = _refs("SYN/B", bidx, 9)
    loan_ref = _refs("L", np.arange(n) + first_loan, 10)
    ec_point = np.char.add("ec", bidx.astype(str)).astype(object)
    bs_start = np.where(
        (np.array(pack_names)[b_pack] == "UK") & (rng.random(nb) < 0.03),
        (as_of_d - rng.integers(0, 80, nb).astype("timedelta64[D]")),
        np.datetime64("NaT"),
    ).astype("datetime64[D]")
    o = owner

    def per_loan(x: np.ndarray) -> np.ndarray:
        return x[o]

    empty_list = (
        pa.array([[]] * n, pa.list_(pa.string())) if n else pa.array([], pa.list_(pa.string()))
    )
    opt_values = np.array(["sms", "call", "email"])
    opt_lists = [[opt_values[c]] if c >= 0 else [] for c in per_loan(opt_out).tolist()]
    accounts = pa.table(
        {
            "loan_ref": loan_ref,
            "loan_id": pa.array(np.arange(1, n + 1, dtype=np.int64) + first_loan),
            "debtor_key": debtor_key.take(pa.array(o)),
            "debtor_id": pa.array(o.astype(np.int64) + 1 + first_borrower),
            "creditor": _dict_array(per_loan(b_creditor), _CREDITORS),
            "pack": _dict_array(pack_i, pack_names),
            "product": _dict_array(rng.integers(0, len(_PRODUCTS), n), _PRODUCTS),
            "region": _dict_array(per_loan(region_code), tuple(regions_all)),
            "currency": _dict_array(pack_i, currencies),
            "locale": _dict_array(pack_i, locales),
            "timezones": _zone_lists(per_loan(zone_code), zones_all),
            "inconvenient": _dict_array(per_loan(inconvenient_i) + 1, ("", *_INCONVENIENT)),
            "contact_window": _dict_array(
                np.where(per_loan(b_creditor) == 1, 1, 0), ("", "08:00-21:00")
            ),
            "principal_minor": pa.array(principal),
            "outstanding_minor": pa.array(outstanding),
            "overdue_since": pa.array(overdue_since, pa.date32()),
            "reachable": pa.array(~lost_l & per_loan(has_phone)),
            **{k: pa.array(per_loan(v)) for k, v in flags.items()},
            "cease_received_at": pa.array(
                np.where(per_loan(cease), per_loan(cease_at), np.datetime64("NaT")),
                pa.timestamp("us", tz="UTC"),
            ),
            "channel_opt_outs": pa.array(opt_lists, pa.list_(pa.string())),
            "no_contact_places": empty_list,
            "breathing_space_start": pa.array(per_loan(bs_start), pa.date32()),
            "breathing_space_end": pa.nulls(n, pa.date32()),
            "breathing_space_kind": pa.array(
                np.where(np.isnat(per_loan(bs_start)), None, "standard").astype(object),
                pa.string(),
            ),
            "dispute_received_at": pa.array(
                np.where(dispute, dispute_at, np.datetime64("NaT")), pa.timestamp("us", tz="UTC")
            ),
            "verification_sent_at": pa.nulls(n, pa.timestamp("us", tz="UTC")),
            "time_barred": pa.array(dpd > 9999),
            "first_communication_at": pa.array(
                ts_ref - ((dpd + 1) * 86_400_000_000).astype("timedelta64[us]"),
                pa.timestamp("us", tz="UTC"),
            ),
            "validation_notice_sent_at": pa.array(
                ts_ref - ((dpd + 1) * 86_400_000_000).astype("timedelta64[us]"),
                pa.timestamp("us", tz="UTC"),
            ),
            "call_consent_until": pa.nulls(n, pa.timestamp("us", tz="UTC")),
            "hold": pa.array(hold),
            "has_phone": pa.array(per_loan(has_phone)),
            "has_email": pa.array(per_loan(has_email)),
            "has_app": pa.array(per_loan(has_app)),
            "has_address": pa.array(per_loan(has_address)),
            "has_emergency_contact": pa.array(per_loan(has_ec)),
            "emergency_contact_point": pa.array(
                np.where(per_loan(has_ec), ec_point[o], None), pa.string()
            ),
            "emergency_contact_source": _dict_array(
                np.where(per_loan(has_ec), np.where(per_loan(ec_harvested), 2, 1), 0),
                ("", "application", "address_book"),
            ),
            "broken_promises_90d": pa.array(broken),
            "open_promise": pa.array(open_promise),
        }
    )
    accounts = accounts.cast(ACCOUNTS)
    contacts = _history(rng, n, nb, o, dpd, lost_l, ec_point, loan_ref, debtor_key, as_of,
                        history_days, zone_code, zones_all, first_borrower, first_seq)  # fmt: skip
    payments = _payments(rng, n, loan_ref, dpd, outstanding, as_of, o + 1 + first_borrower)
    collectors, teams = synthetic_capacity(n, pack_names, tuple(regions_all))
    return Snapshot(
        as_of=as_of,
        accounts=accounts,
        contacts=contacts,
        payments=payments,
        collectors=collectors,
        field_teams=teams,
        source=f"synthetic n={n} seed={seed}",
    )


def _zone_lists(code: np.ndarray, zones: list[str]) -> pa.Array:
    values = pa.array([[z] if z else [] for z in zones], pa.list_(pa.string()))
    return values.take(pa.array(code))


def _history(
    rng: np.random.Generator,
    n: int,
    nb: int,
    owner: np.ndarray,
    dpd: np.ndarray,
    lost: np.ndarray,
    ec_point: np.ndarray,
    loan_ref: pa.Array,
    debtor_key: pa.Array,
    as_of: date,
    days: int,
    zone_code: np.ndarray,
    zones: list[str],
    first_borrower: int = 0,
    first_seq: int = 0,
) -> pa.Table:
    """Contacts per loan: a Poisson number growing with days past due, spread over the
    overdue period within the last `days` days, at 09:00-21:00 (Beijing time, shifted for
    other zones: good enough for realism; the rules judge them as they are)."""
    span = np.minimum(dpd, days)
    lam = 0.6 + span / 12.0
    count = np.minimum(rng.poisson(lam), 40)
    loan = np.repeat(np.arange(n), count)
    m = len(loan)
    if m == 0:
        return CONTACTS.empty_table()
    day_back = np.floor(rng.random(m) * span[loan]).astype(np.int64) + 1
    seconds = rng.integers(9 * 3600, 21 * 3600, m) - 8 * 3600  # Beijing local -> UTC
    shift = np.array([_ZONE_SHIFT.get(z, 8) for z in zones] or [8])[zone_code[owner[loan]]]
    seconds = seconds + (8 - shift) * 3600
    ref = np.datetime64(datetime.combine(as_of, datetime.min.time()), "s")
    at = ref - day_back.astype("timedelta64[D]") + seconds.astype("timedelta64[s]")
    ch = _pick(rng, m, _CH_P)
    call_like = (ch == 1) | (ch == 2)
    out_call = _pick(rng, m, _CALL_P)
    lost_e = lost[loan]
    out_call = np.where(lost_e & (rng.random(m) < 0.8), 0, out_call)  # mostly unanswered
    msg_out = np.where(rng.random(m) < 0.92, 1, np.where(rng.random(m) < 0.5, 0, 2))
    outcome_names = np.array([*_CALL_OUT, "sent", "delivered", "bounced"])
    outcome = np.where(call_like, out_call, 7 + msg_out)
    visit = ch == 6
    outcome = np.where(visit, np.where(rng.random(m) < 0.5, 1, 0), outcome)  # met / not home
    emergency = (ch == 1) & (dpd[loan] > 30) & (rng.random(m) < 0.08)
    party = np.where(emergency, 1, 0)
    inbound = (ch == 1) & ~emergency & (rng.random(m) < 0.04)
    outcome = np.where(inbound, 1, outcome)
    place_code = np.where(np.isin(ch, [5, 6]), 2, np.where(np.isin(ch, [0, 1, 2]), 1, 0))
    purpose_code = np.where(emergency, 2, 1)
    order = np.lexsort((at, owner[loan]))
    loan, at, ch, outcome, party, inbound = (
        loan[order], at[order], ch[order], outcome[order], party[order], inbound[order]
    )  # fmt: skip
    place_code, purpose_code = place_code[order], purpose_code[order]
    cp = np.where(party == 1, ec_point[owner[loan]], None)
    refs = loan_ref.take(pa.array(loan))
    offsets = pa.array(np.arange(m + 1, dtype=np.int32))
    return pa.table(
        {
            "debtor_key": debtor_key.take(pa.array(owner[loan])),
            "debtor_id": pa.array(owner[loan].astype(np.int64) + 1 + first_borrower),
            "seq": pa.array(np.arange(m, dtype=np.int64) + first_seq),
            "loan_ref": refs,
            "at": pa.array(at.astype("datetime64[us]"), pa.timestamp("us", tz="UTC")),
            "channel": _dict_array(ch, tuple(_CHANNELS.tolist())),
            "party": _dict_array(party, ("debtor", "emergency_contact")),
            "outcome": _dict_array(outcome, tuple(outcome_names.tolist())),
            "initiated_by": _dict_array(inbound.astype(np.int64), ("collector", "consumer")),
            "place": _dict_array(place_code, ("", "mobile", "home")).cast(pa.string()),
            "purpose": _dict_array(purpose_code, ("", "demand", "location")),
            "contact_point": pa.array(cp, pa.string()),
            "debt_ids": pa.ListArray.from_arrays(offsets, refs),
        }
    ).cast(CONTACTS)


_ZONE_SHIFT = {
    "": 8,
    "Asia/Shanghai": 8,
    "Asia/Urumqi": 6,
    "America/New_York": -5,
    "America/Chicago": -6,
    "America/Denver": -7,
    "America/Los_Angeles": -8,
    "Europe/London": 0,
}


def _payments(
    rng: np.random.Generator,
    n: int,
    loan_ref: pa.Array,
    dpd: np.ndarray,
    outstanding: np.ndarray,
    as_of: date,
    debtor_of_loan: np.ndarray,
) -> pa.Table:
    payer = rng.random(n) < 0.33
    count = np.where(payer, rng.integers(1, 3, n), 0)
    loan = np.repeat(np.arange(n), count)
    m = len(loan)
    if m == 0:
        return PAYMENTS.empty_table()
    back = rng.integers(1, 90, m)
    ref = np.datetime64(datetime.combine(as_of, datetime.min.time()), "s")
    at = ref - back.astype("timedelta64[D]") + rng.integers(0, 86400, m).astype("timedelta64[s]")
    amount = np.maximum((outstanding[loan] * rng.uniform(0.02, 0.3, m)).astype(np.int64), 100)
    return pa.table(
        {
            "loan_ref": loan_ref.take(pa.array(loan)),
            "debtor_id": pa.array(debtor_of_loan[loan].astype(np.int64)),
            "paid_at": pa.array(at.astype("datetime64[us]"), pa.timestamp("us", tz="UTC")),
            "amount_minor": pa.array(amount),
        }
    ).cast(PAYMENTS)


def synthetic_capacity(
    n: int, packs: tuple[str, ...] = ("CN",), regions: tuple[str, ...] = ()
) -> tuple[pa.Table, pa.Table]:
    """Collectors and field teams sized for `n` accounts: calls for about 6% of them a day,
    visits for about 0.3% (a real shop is capacity-bound: that is what ranking is for)."""
    languages = sorted({"en" if p != "CN" else "zh" for p in packs})
    per_collector = 120
    total_calls = max(int(n * 0.06), len(languages))
    ncol = max(total_calls // per_collector, 1)
    names, caps, creds, langs = [], [], [], []
    for i in range(ncol):
        names.append(f"collector-{i + 1:05d}")
        caps.append(per_collector if i < ncol - 1 else total_calls - per_collector * (ncol - 1))
        creds.append([] if i % 3 else [_CREDITORS[i % 2]])
        langs.append([languages[i % len(languages)]])
    collectors = pa.table(
        {
            "name": names,
            "daily_capacity": pa.array(caps, pa.int64()),
            "creditors": pa.array(creds, pa.list_(pa.string())),
            "languages": pa.array(langs, pa.list_(pa.string())),
        }
    ).cast(COLLECTORS)
    total_visits = max(int(n * 0.003), 1)
    regs = list(regions) or ["CN-GD"]
    per = max(total_visits // len(regs), 1)
    teams = pa.table(
        {
            "name": [f"field-{r}" for r in regs],
            "daily_capacity": pa.array([per] * len(regs), pa.int64()),
            "regions": pa.array([[r] for r in regs], pa.list_(pa.string())),
            "creditors": pa.array([[] for _ in regs], pa.list_(pa.string())),
            "days": pa.array(
                [["mon", "tue", "wed", "thu", "fri", "sat"] for _ in regs], pa.list_(pa.string())
            ),
        }
    ).cast(FIELD_TEAMS)
    return collectors, teams
