"""Synthetic Chinese online-loan book (DESIGN 4.2 CSVs), deterministic per seed.

    generate_portfolio(out_dir, accounts=5000, seed=42, as_of=date(2026, 3, 4))

writes borrowers.csv, loans.csv, payments.csv, contacts.csv and contact_points.csv. The files
are a pure function of (accounts, seed, as_of): the same arguments give byte-identical files.

The book
- two creditors: ``XY-CFC`` (a consumer finance company, 消费金融公司, ~60% of borrowers) and
  ``HM-MICRO`` (an online microlender, 网络小贷, ~40%); borrowers have 1-3 loans each, all with
  the same creditor;
- principal 500-50,000 CNY (log-normal around 6,000; mostly multiples of 100, some whole yuan,
  some with fen), terms 3-24 months, repayment equal_installment / equal_principal / bullet
  (bullet only up to 12 months); rates quoted as a daily rate (日利率) x 365 or a round APR,
  mostly 7-24%, about 2% at 29-40% (above the caps); an up-front fee (0.5-3%) on ~6% of loans (which
  can push the total annualised cost of credit over 24% even below a 24% APR);
- every loan is open on `as_of` and originated within the previous ~3 years: ~72% current
  (every installment due before `as_of` paid, some early, some late, some in two parts) and
  ~28% overdue 1-360 days (days past due drawn from an exponential, mean ~70), with the
  installments before the missed one paid and sometimes a partial payment on it; the derived
  state the importer computes (overdue_since) matches what the generator intended;
- contact histories for overdue loans: SMS, calls (with outcomes), AI voice, app messages,
  some calls to emergency contacts, some inbound calls, between 09:00 and 21:00 local time;
- every borrower has 1-2 emergency contacts (contact_points.csv, source application; ~7% of
  them harvested from the phone's address book, which the CN rules forbid using), ~5% a
  spouse given by the borrower.

What makes the people synthetic (and how to tell)
- names: a common surname + 1-2 common given-name characters, drawn at random;
- id numbers (身份证号): a real county-level division code of the borrower's district, a birth
  date for an age of 20-60 on `as_of`, and a sequence code in 900-999 (parity = sex), with a
  correct GB 11643 check character. The sequence range 900-999 is this generator's marker:
  every generated number has it;
- phone numbers: random 8 digits after a real mobile prefix (valid for phonenumbers); they may
  by chance exist, so never point real SMS/voice gateways at a demo database;
- e-mails on example.com / example.cn only (RFC 2606 reserved domains);
- addresses: a real province/city/district with a generic street name and house number.

Payments and contacts carry an offset of +08:00 (Asia/Shanghai). Amounts are written with two
decimals. See docs/portfolio.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from faircollect.domain.schedule import schedule_rows

from . import schema
from .names import GIVEN_FEMALE, GIVEN_MALE, GIVEN_NEUTRAL, PROVINCES, STREETS, SURNAMES

__all__ = ["CREDITORS", "GenerateResult", "generate_portfolio"]

# (code, share of borrowers, products)
CREDITORS = (
    ("XY-CFC", 0.6, ("consumer_installment", "cash_loan")),
    ("HM-MICRO", 0.4, ("cash_loan", "micro_business")),
)
# real CN mobile prefixes (all valid for phonenumbers; checked by a test)
MOBILE_PREFIXES = (
    130,
    131,
    132,
    133,
    135,
    136,
    137,
    138,
    139,
    150,
    151,
    152,
    155,
    156,
    157,
    158,
    159,
    166,
    176,
    177,
    178,
    180,
    181,
    182,
    183,
    185,
    186,
    187,
    188,
    189,
    191,
    198,
    199,
)
TERMS = (3, 6, 9, 12, 18, 24)
TERM_P = (0.10, 0.25, 0.10, 0.35, 0.10, 0.10)
KINDS = ("equal_installment", "equal_principal", "bullet")
# daily rates (日利率) in units of 0.0001% -> APR = daily x 365
DAILY_NORMAL = (200, 250, 300, 350, 400, 450, 500, 550, 600, 650)
DAILY_OVER_CAP = (800, 900, 1000, 1100)  # 29.2% .. 40.15%
ROUND_APRS = ("7.2", "9.9", "12", "15.4", "18", "21.6", "23.99", "24")
PAY_CHANNELS = ("bank_card_auto_debit", "alipay", "wechat_pay", "bank_transfer", "app")
PAY_CHANNEL_P = (0.40, 0.25, 0.20, 0.10, 0.05)
OVERDUE_SHARE = 0.28
OVER_CAP_SHARE = 0.02
FEE_SHARE = 0.06
MAX_DPD = 360


@dataclass(frozen=True)
class GenerateResult:
    out: Path
    counts: dict[str, int]


def _months(d: date) -> int:
    return d.year * 12 + d.month - 1


def _day_of(month_index: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[D] of (month index y*12+m-1, day of month <= 28)."""
    months = (month_index - 1970 * 12).astype("datetime64[M]")
    return months.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")


def _strings(values: np.ndarray | list[str]) -> pa.Array:
    return pa.array(values, pa.string())


def _int_str(values: np.ndarray, width: int = 0) -> pa.Array:
    s = pc.cast(pa.array(values, pa.int64()), pa.string())
    return pc.utf8_lpad(s, width=width, padding="0") if width else s


def _amounts(minor: np.ndarray) -> pa.Array:
    """Minor units -> "1234.56"."""
    whole = _int_str(minor // 100)
    frac = _int_str(minor % 100, 2)
    return pc.binary_join_element_wise(whole, frac, ".")


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _dates(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[D]"), pa.date32()).cast(pa.string())


def _local_times(values: np.ndarray) -> pa.Array:
    """Local (+08:00) wall times (datetime64[s]) -> "YYYY-MM-DDTHH:MM:SS+08:00"."""
    ts = pa.array(values.astype("datetime64[s]"), pa.timestamp("s"))
    return _join(pc.strftime(ts, format="%Y-%m-%dT%H:%M:%S"), "+08:00")


def _write(path: Path, columns: tuple[str, ...], data: dict[str, pa.Array]) -> int:
    table = pa.table({c: data[c] for c in columns})
    with path.open("wb") as f:
        f.write((",".join(columns) + "\n").encode())
        if table.num_rows:
            pa_csv.write_csv(
                table,
                f,
                write_options=pa_csv.WriteOptions(include_header=False, quoting_style="none"),
            )
    return table.num_rows


def _pick(rng: np.random.Generator, n: int, p: tuple[float, ...]) -> np.ndarray:
    return rng.choice(len(p), size=n, p=np.asarray(p) / np.sum(p))


def generate_portfolio(
    out: str | Path,
    *,
    accounts: int,
    seed: int,
    as_of: date,
    progress: Callable[[str], None] | None = None,
) -> GenerateResult:
    """Write the five CSVs for `accounts` loans into `out` (created if missing)."""
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    say = progress or (lambda _msg: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(np.random.PCG64(seed))
    today = np.datetime64(as_of, "D")

    # -- borrowers ---------------------------------------------------------------------------
    say("borrowers")
    per = rng.choice([1, 2, 3], size=accounts, p=[0.60, 0.28, 0.12])
    cum = np.cumsum(per)
    nb = int(np.searchsorted(cum, accounts) + 1)
    per = per[:nb].copy()
    per[-1] -= int(cum[nb - 1] - accounts)
    owner = np.repeat(np.arange(nb), per)
    b = _borrowers(rng, nb, as_of)

    # -- loans -------------------------------------------------------------------------------
    say("loans")
    n = accounts
    creditor = b["creditor"][owner]
    term = np.asarray(TERMS)[_pick(rng, n, TERM_P)]
    kind = _pick(rng, n, (0.60, 0.25, 0.15))
    kind[(kind == 2) & (term > 12)] = 0
    raw = np.exp(rng.normal(np.log(6000), 0.9, size=n))
    raw = np.clip(raw, 500, 50_000)
    style = rng.random(n)
    principal = np.where(
        style < 0.70,
        np.maximum(np.round(raw / 100) * 100, 500) * 100,
        np.where(style < 0.90, np.round(raw) * 100, np.round(raw * 100)),
    ).astype(np.int64)
    principal = np.clip(principal, 500_00, 50_000_00)
    apr_text = _aprs(rng, creditor)
    fee = np.where(
        rng.random(n) < FEE_SHARE, np.round(principal * rng.uniform(0.005, 0.03, n) / 100) * 100, 0
    )
    fee = np.minimum(fee, principal - 100).astype(np.int64)
    products = np.array(
        [CREDITORS[c][2][k] for c in range(len(CREDITORS)) for k in range(2)], dtype=object
    )
    product = products[creditor * 2 + (rng.random(n) < 0.3)]

    overdue = rng.random(n) < OVERDUE_SHARE
    dpd = np.minimum(1 + np.floor(rng.exponential(70, n)).astype(np.int64), MAX_DPD)
    missed_due = today - dpd.astype("timedelta64[D]")
    missed_day = (missed_due - missed_due.astype("datetime64[M]")).astype(np.int64) + 1
    shift = np.maximum(missed_day - 28, 0)  # due days are 1..28
    missed_due = missed_due - shift.astype("timedelta64[D]")
    dpd = dpd + shift
    dom = np.where(overdue, np.minimum(missed_day, 28), rng.integers(1, 29, n))
    missed_seq = rng.integers(1, term + 1)  # the oldest unpaid installment (overdue loans)
    elapsed = rng.integers(0, term)  # installments due before as_of (current loans)
    today_m = _months(as_of)
    next_m = np.where(as_of.day <= dom, today_m, today_m + 1)
    missed_m = missed_due.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    first_m = np.where(overdue, missed_m - (missed_seq - 1), next_m - elapsed)
    first_due = _day_of(first_m, dom)
    originated = _day_of(first_m - 1, dom)
    paid_count = np.where(overdue, missed_seq - 1, elapsed)  # installments paid in full

    # -- schedules (domain) for the installments that carry payments ---------------------------
    say("schedules")
    need = paid_count + overdue.astype(np.int64)  # + the missed one (a partial payment)
    totals = _installment_totals(principal, apr_text, term, kind, first_due, need)
    inst_loan = np.repeat(np.arange(n), need)
    inst_seq = (
        np.concatenate([np.arange(1, k + 1) for k in need.tolist()])
        if need.sum()
        else np.zeros(0, np.int64)
    )
    inst_due = _day_of(first_m[inst_loan] + inst_seq - 1, dom[inst_loan])

    # -- payments -------------------------------------------------------------------------------
    say("payments")
    pay = _payments(
        rng,
        inst_loan,
        inst_seq,
        inst_due,
        totals,
        paid_count,
        overdue,
        dpd,
        missed_due,
        originated,
        today,
    )

    # -- contacts for overdue loans ---------------------------------------------------------------
    say("contacts")
    contacts = _contacts(rng, overdue, dpd, missed_due, today)

    # -- write ------------------------------------------------------------------------------------
    say("writing")
    counts: dict[str, int] = {}
    codes = np.array([c[0] for c in CREDITORS], dtype=object)
    b_refs = _join("B", _int_str(np.arange(1, nb + 1), 8))
    counts["borrowers"] = _write(
        out / schema.BORROWERS.name,
        schema.BORROWERS.columns,
        {
            "borrower_ref": b_refs,
            "creditor": _strings(codes[b["creditor"]].tolist()),
            "name": b["name"],
            "id_number": b["id_number"],
            "phone": b["phone"],
            "email": b["email"],
            "address": b["address"],
            "region": b["region"],
            "timezone": b["timezone"],
            "locale": _strings(["zh_CN"] * nb),
        },
    )
    l_refs = _join("L", _int_str(np.arange(1, n + 1), 9))
    kinds = np.array(KINDS, dtype=object)
    counts["loans"] = _write(
        out / schema.LOANS.name,
        schema.LOANS.columns,
        {
            "loan_ref": l_refs,
            "borrower_ref": b_refs.take(pa.array(owner)),
            "creditor": _strings(codes[creditor].tolist()),
            "product": _strings(product.tolist()),
            "currency": _strings(["CNY"] * n),
            "principal": _amounts(principal),
            "apr": apr_text,
            "originated_on": _dates(originated),
            "term_months": _int_str(term),
            "repayment": _strings(kinds[kind].tolist()),
            "first_due_on": _dates(first_due),
            "fee": pc.if_else(pa.array(fee > 0), _amounts(fee), pa.scalar("")),
        },
    )
    m = len(pay["loan"])
    counts["payments"] = _write(
        out / schema.PAYMENTS.name,
        schema.PAYMENTS.columns,
        {
            "payment_ref": _join("P", _int_str(np.arange(1, m + 1), 10)),
            "loan_ref": l_refs.take(pa.array(pay["loan"])),
            "paid_at": _local_times(pay["at"]),
            "amount": _amounts(pay["amount"]),
            "channel": _strings(np.asarray(PAY_CHANNELS, dtype=object)[pay["channel"]].tolist()),
        },
    )
    k = len(contacts["loan"])
    counts["contacts"] = _write(
        out / schema.CONTACTS.name,
        schema.CONTACTS.columns,
        {
            "contact_ref": _join("C", _int_str(np.arange(1, k + 1), 10)),
            "loan_ref": l_refs.take(pa.array(contacts["loan"])),
            "at": _local_times(contacts["at"]),
            "channel": _strings(contacts["channel"]),
            "party": _strings(contacts["party"]),
            "outcome": _strings(contacts["outcome"]),
            "initiated_by": _strings(contacts["initiated_by"]),
            "collector": _strings(contacts["collector"]),
        },
    )
    cp = _contact_points(rng, nb)
    counts["contact_points"] = _write(
        out / schema.CONTACT_POINTS.name,
        schema.CONTACT_POINTS.columns,
        {
            "borrower_ref": b_refs.take(pa.array(cp["borrower"])),
            "kind": _strings(["phone"] * len(cp["borrower"])),
            "value": cp["phone"],
            "party": _strings(cp["party"]),
            "source": _strings(cp["source"]),
        },
    )
    return GenerateResult(out, counts)


# ---------------------------------------------------------------------------------------------
def _phones(rng: np.random.Generator, n: int) -> pa.Array:
    prefix = np.asarray(MOBILE_PREFIXES, dtype=np.int64)[rng.integers(0, len(MOBILE_PREFIXES), n)]
    return _int_str(prefix * 100_000_000 + rng.integers(0, 100_000_000, n))


def _borrowers(rng: np.random.Generator, nb: int, as_of: date) -> dict[str, np.ndarray | pa.Array]:
    shares = np.array([c[1] for c in CREDITORS])
    creditor = rng.choice(len(CREDITORS), size=nb, p=shares / shares.sum())
    female = rng.random(nb) < 0.5
    # where they live
    weights = np.array([p.weight for p in PROVINCES])
    prov = rng.choice(len(PROVINCES), size=nb, p=weights / weights.sum())
    ndist = np.array([len(p.districts) for p in PROVINCES])
    offsets = np.concatenate([[0], np.cumsum(ndist)[:-1]])
    dist = offsets[prov] + np.floor(rng.random(nb) * ndist[prov]).astype(np.int64)
    districts = [d for p in PROVINCES for d in p.districts]
    d_code = np.array([d.code for d in districts], dtype="S6")[dist]
    d_city = np.array([d.city for d in districts], dtype=object)[dist]
    d_name = np.array([d.name for d in districts], dtype=object)[dist]
    p_name = np.array([p.name for p in PROVINCES], dtype=object)[prov]
    p_iso = np.array([p.iso for p in PROVINCES], dtype=object)[prov]
    # who they are
    today = np.datetime64(as_of, "D")
    age_days = rng.integers(int(20 * 365.25) + 1, int(60 * 365.25), nb)
    birth = today - age_days.astype("timedelta64[D]")
    seq = 900 + 2 * rng.integers(0, 50, nb) + (~female).astype(np.int64)
    id_number = _id_numbers(d_code, birth, seq)
    s_w = np.array([s[2] for s in SURNAMES])
    sur = rng.choice(len(SURNAMES), size=nb, p=s_w / s_w.sum())
    surname = np.array([s[0] for s in SURNAMES], dtype=object)[sur]
    pinyin = np.array([s[1] for s in SURNAMES], dtype=object)[sur]
    male_pool = np.array(GIVEN_MALE + GIVEN_NEUTRAL, dtype=object)
    female_pool = np.array(GIVEN_FEMALE + GIVEN_NEUTRAL, dtype=object)
    g1 = np.where(
        female,
        female_pool[rng.integers(0, len(female_pool), nb)],
        male_pool[rng.integers(0, len(male_pool), nb)],
    )
    g2 = np.where(
        female,
        female_pool[rng.integers(0, len(female_pool), nb)],
        male_pool[rng.integers(0, len(male_pool), nb)],
    )
    g2 = np.where(rng.random(nb) < 0.7, g2, "")
    name = _join(_strings(surname.tolist()), _strings(g1.tolist()), _strings(g2.tolist()))
    phone = _phones(rng, nb)
    has_email = rng.random(nb) < 0.6
    domain = np.where(rng.random(nb) < 0.5, "@example.com", "@example.cn")
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    tail = np.where(rng.random(nb) < 0.5, year, rng.integers(10, 10_000, nb))
    email = _join(_strings(pinyin.tolist()), _int_str(tail), _strings(domain.tolist()))
    email = pc.if_else(pa.array(has_email), email, pa.scalar(""))
    streets = np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), nb)]
    address = _join(
        _strings(p_name.tolist()),
        _strings(
            [c if c != p else "" for c, p in zip(d_city.tolist(), p_name.tolist(), strict=True)]
        ),
        _strings(d_name.tolist()),
        _strings(streets.tolist()),
        _int_str(rng.integers(1, 400, nb)),
        "号",
        _int_str(rng.integers(1, 30, nb)),
        "栋",
        _int_str(rng.integers(1, 6, nb)),
        "单元",
        _int_str(rng.integers(1, 33, nb) * 100 + rng.integers(1, 5, nb)),
        "室",
    )
    zones = np.array([p.zone or "" for p in PROVINCES], dtype=object)[prov]
    r = rng.random(nb)
    tz = np.where((zones != "") & (r < 0.3), zones, np.where(r > 0.97, "Asia/Shanghai", ""))
    return {
        "creditor": creditor,
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "email": email,
        "address": address,
        "region": _strings(p_iso.tolist()),
        "timezone": _strings(tz.tolist()),
    }


_W = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_C = np.frombuffer(b"10X98765432", dtype=np.uint8)


def _id_numbers(area: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> pa.Array:
    n = len(area)
    m = np.zeros((n, 18), dtype=np.uint8)
    m[:, :6] = np.frombuffer(area.tobytes(), dtype=np.uint8).reshape(n, 6)
    ymd = np.datetime_as_string(birth, unit="D").astype("S10")
    b = np.frombuffer(ymd.tobytes(), dtype=np.uint8).reshape(n, 10)
    m[:, 6:10], m[:, 10:12], m[:, 12:14] = b[:, 0:4], b[:, 5:7], b[:, 8:10]
    m[:, 14] = 48 + seq // 100
    m[:, 15] = 48 + (seq // 10) % 10
    m[:, 16] = 48 + seq % 10
    digits = m[:, :17].astype(np.int64) - 48
    m[:, 17] = _C[(digits * _W).sum(axis=1) % 11]
    return pa.array(m.view("S18").ravel()).cast(pa.string())


def _aprs(rng: np.random.Generator, creditor: np.ndarray) -> pa.Array:
    n = len(creditor)
    micro = creditor == 1
    normal = np.asarray(DAILY_NORMAL)
    lo = np.where(micro, 4, 0)  # microlenders price higher
    daily = normal[rng.integers(lo, len(normal))]
    over = rng.random(n) < OVER_CAP_SHARE
    daily = np.where(
        over, np.asarray(DAILY_OVER_CAP)[rng.integers(0, len(DAILY_OVER_CAP), n)], daily
    )
    units = daily * 365  # 1e-4 percent
    texts = {u: _percent(int(u)) for u in np.unique(units).tolist()}
    daily_text = np.array([texts[u] for u in units.tolist()], dtype=object)
    round_apr = np.asarray(ROUND_APRS, dtype=object)[rng.integers(0, len(ROUND_APRS), n)]
    use_round = (~over) & (rng.random(n) < 0.3)
    return _strings(np.where(use_round, round_apr, daily_text).tolist())


def _percent(units: int) -> str:
    d = Decimal(units).scaleb(-4).normalize()
    return format(d, "f")


def _installment_totals(
    principal: np.ndarray,
    apr_text: pa.Array,
    term: np.ndarray,
    kind: np.ndarray,
    first_due: np.ndarray,
    need: np.ndarray,
) -> np.ndarray:
    """principal + interest of installments 1..need[i] of every loan, flat. The schedule comes
    from domain.schedule.schedule_rows; amounts depend only on (principal, apr, term, kind)
    (schedule.py: interest is balance x apr / 1200), so they are computed once per such key."""
    aprs = apr_text.to_pylist()
    dec = {t: Decimal(t) for t in set(aprs)}
    cache: dict[tuple[int, str, int, int], list[int]] = {}
    out: list[int] = []
    extend = out.extend
    p_list, t_list, k_list, n_list = principal.tolist(), term.tolist(), kind.tolist(), need.tolist()
    f_list = first_due.tolist()
    for i in range(len(p_list)):
        m = n_list[i]
        if m == 0:
            continue
        key = (p_list[i], aprs[i], t_list[i], k_list[i])
        tot = cache.get(key)
        if tot is None:
            rows = schedule_rows(p_list[i], dec[aprs[i]], t_list[i], KINDS[k_list[i]], f_list[i])
            tot = cache[key] = [r[2] + r[3] for r in rows]
        extend(tot[:m])
    return np.asarray(out, dtype=np.int64)


def _payments(
    rng: np.random.Generator,
    loan: np.ndarray,
    seq: np.ndarray,
    due: np.ndarray,
    total: np.ndarray,
    paid_count: np.ndarray,
    overdue: np.ndarray,
    dpd: np.ndarray,
    missed_due: np.ndarray,
    originated: np.ndarray,
    today: np.datetime64,
) -> dict[str, np.ndarray]:
    n = len(loan)
    full = seq <= paid_count[loan]
    # when full payments arrive: mostly on time, some early, some late (<= 12 days)
    offsets = np.array([-5, -3, -2, -1, 0, 0, 0, 0, 0, 0, 1, 2, 3, 5, 8, 12])
    day = due + offsets[rng.integers(0, len(offsets), n)].astype("timedelta64[D]")
    last_ok = today - np.timedelta64(1, "D")
    earliest = originated[loan] + np.timedelta64(1, "D")
    day = np.minimum(np.maximum(day, earliest), last_ok)
    amount = total.copy()
    # partial payment on the missed installment of some overdue loans
    partial = (~full) & overdue[loan] & (rng.random(n) < 0.25)
    share = rng.uniform(0.1, 0.9, n)
    part = np.maximum(np.floor(total * share / 100) * 100, 1).astype(np.int64)
    part = np.minimum(part, total - 1)
    amount = np.where(partial, part, amount)
    lag = np.floor(rng.random(n) * np.maximum(dpd[loan], 1)).astype(np.int64)
    day = np.where(
        partial, np.minimum(missed_due[loan] + lag.astype("timedelta64[D]"), last_ok), day
    )
    keep = full | partial
    # some full payments arrive in two parts a few days apart
    split = full & (rng.random(n) < 0.08) & (total >= 200)
    first_part = np.floor(total * rng.uniform(0.3, 0.7, n) / 100).astype(np.int64) * 100
    first_part = np.clip(first_part, 100, np.maximum(total - 100, 100))
    early_day = np.maximum(day - rng.integers(1, 6, n).astype("timedelta64[D]"), earliest)
    idx = np.flatnonzero(keep)
    sidx = np.flatnonzero(split & keep)
    p_loan = np.concatenate([loan[idx], loan[sidx]])
    p_day = np.concatenate([day[idx], early_day[sidx]])
    p_amount = np.concatenate(
        [np.where(split[idx], amount[idx] - first_part[idx], amount[idx]), first_part[sidx]]
    )
    seconds = rng.integers(7 * 3600, 23 * 3600, len(p_loan))
    at = p_day.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    order = np.lexsort((at, p_loan))
    channel = _pick(rng, len(p_loan), PAY_CHANNEL_P)
    return {"loan": p_loan[order], "at": at[order], "amount": p_amount[order], "channel": channel}


_CALL_OUTCOMES = (
    "no_answer",
    "conversation",
    "busy",
    "voicemail",
    "not_in_service",
    "refused",
    "wrong_number",
)
_CALL_P = (0.45, 0.22, 0.10, 0.08, 0.06, 0.06, 0.03)


def _contacts(
    rng: np.random.Generator,
    overdue: np.ndarray,
    dpd: np.ndarray,
    missed_due: np.ndarray,
    today: np.datetime64,
) -> dict[str, np.ndarray | list[str]]:
    loans = np.flatnonzero(overdue)
    lam = 1.5 + np.minimum(dpd[loans], 180) / 30
    count = np.clip(rng.poisson(lam), 1, 25)
    loan = np.repeat(loans, count)
    m = len(loan)
    span = np.maximum(dpd[loan], 1)
    day = missed_due[loan] + np.floor(rng.random(m) * span).astype("timedelta64[D]")
    day = np.minimum(day, today - np.timedelta64(1, "D"))
    late = rng.random(m) < 0.02
    seconds = np.where(
        late, rng.integers(21 * 3600, 22 * 3600, m), rng.integers(9 * 3600, 21 * 3600, m)
    )
    at = day.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    kind = _pick(rng, m, (0.45, 0.38, 0.10, 0.07))  # sms call ai_voice app
    channel = np.asarray(("sms", "call", "ai_voice", "app"), dtype=object)[kind]
    call_like = (kind == 1) | (kind == 2)
    call_out = np.asarray(_CALL_OUTCOMES, dtype=object)[_pick(rng, m, _CALL_P)]
    msg_out = np.where(
        rng.random(m) < 0.92, "delivered", np.where(rng.random(m) < 0.5, "sent", "bounced")
    )
    outcome = np.where(call_like, call_out, msg_out)
    emergency = (kind == 1) & (dpd[loan] > 30) & (rng.random(m) < 0.10)
    party = np.where(emergency, "emergency_contact", "debtor")
    inbound = (kind == 1) & ~emergency & (rng.random(m) < 0.04)
    outcome = np.where(inbound, "conversation", outcome)
    initiated = np.where(inbound, "consumer", "collector")
    agent = rng.integers(1, 120, m)
    collector = np.where(kind == 1, np.char.add("agent", np.char.zfill(agent.astype(str), 3)), "")
    collector = np.where(kind == 2, "ai-voice", collector)
    order = np.lexsort((at, loan))
    return {
        "loan": loan[order],
        "at": at[order],
        "channel": channel[order].tolist(),
        "party": party[order].tolist(),
        "outcome": outcome[order].tolist(),
        "initiated_by": initiated[order].tolist(),
        "collector": collector[order].tolist(),
    }


def _contact_points(
    rng: np.random.Generator, nb: int
) -> dict[str, np.ndarray | pa.Array | list[str]]:
    count = np.where(rng.random(nb) < 0.65, 1, 2)
    borrower = np.repeat(np.arange(nb), count)
    m = len(borrower)
    source = np.where(rng.random(m) < 0.07, "address_book", "application")
    party = np.full(m, "emergency_contact", dtype=object)
    spouse_b = np.flatnonzero(rng.random(nb) < 0.05)
    borrower = np.concatenate([borrower, spouse_b])
    party = np.concatenate([party, np.full(len(spouse_b), "spouse", dtype=object)])
    source = np.concatenate([source, np.full(len(spouse_b), "borrower_provided", dtype=object)])
    order = np.argsort(borrower, kind="stable")
    phone = _phones(rng, len(borrower))
    return {
        "borrower": borrower[order],
        "phone": phone.take(pa.array(order)),
        "party": party[order].tolist(),
        "source": source[order].tolist(),
    }
