"""The strategy's input snapshot: accounts, contact history, payments, capacity (Arrow).

A snapshot is taken from the operational database (`from_db`, through the store repository
`strategy_inputs`, which returns Arrow tables) or read from a folder of Parquet files
(`read_parquet`; `write_parquet` writes one). The engines read the same tables: DuckDB from
Arrow or Parquet, Spark from Parquet.

Schemas (one row per ...)
- `accounts` (overdue loan, `ACCOUNTS`): `loan_ref` (unique), `loan_id`, `debtor_key`
  (creditor code / borrower ref: stable, used for the experiment split), `debtor_id` (int key
  of the borrower: history is keyed by it), creditor, pack, product, region, currency, locale,
  `timezones` (candidate IANA zones; empty: the pack's defaults), `inconvenient` (the debtor's
  inconvenient times as canonical JSON, "" for none), `contact_window` (the creditor's
  stricter hours "HH:MM-HH:MM", "" for none), amounts in minor units (`principal_minor`,
  `outstanding_minor`), `overdue_since`, the debtor and debt facts of DESIGN 4.3 (reachable,
  vulnerable, ..., dispute_received_at, ...), `hold` (停催), the channels that exist
  (`has_phone`, `has_email`, `has_app`, `has_address`, `has_emergency_contact` with the
  emergency contact's point id and source), `broken_promises_90d`, `open_promise`.
- `contacts` (history entry, `CONTACTS`): debtor_key, debtor_id, `seq` (int64, increasing in
  time order within a debtor: among entries with the same `at` the greater is the later),
  loan_ref (null: not tied to a loan), `at` (UTC), channel, party, outcome, initiated_by,
  place, purpose, contact_point, debt_ids — the vocabulary of DESIGN 4.3 (blocked attempts
  are not contacts and are absent).
- `payments` (`PAYMENTS`): loan_ref, debtor_id (of the loan's borrower), paid_at (UTC),
  amount_minor.
- `collectors` (`COLLECTORS`): name, daily_capacity, creditors (codes; empty: all),
  languages (zh, en; empty: all).
- `field_teams` (`FIELD_TEAMS`): name, daily_capacity, regions, creditors (empty: all),
  days (weekdays mon..sun the team works; empty: every day).
Capacity tables with no rows mean "not configured": that pool is not limited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from faircollect import clock

__all__ = [
    "ACCOUNTS",
    "COLLECTORS",
    "CONTACTS",
    "FIELD_TEAMS",
    "PAYMENTS",
    "STICKY_OUTCOMES",
    "Snapshot",
    "from_db",
    "read_parquet",
    "write_parquet",
]

_TS = pa.timestamp("us", tz="UTC")
_STRS = pa.list_(pa.string())

ACCOUNTS = pa.schema(
    [
        ("loan_ref", pa.string()),
        ("loan_id", pa.int64()),
        ("debtor_key", pa.string()),
        ("debtor_id", pa.int64()),
        ("creditor", pa.string()),
        ("pack", pa.string()),
        ("product", pa.string()),
        ("region", pa.string()),
        ("currency", pa.string()),
        ("locale", pa.string()),
        ("timezones", _STRS),
        ("inconvenient", pa.string()),
        ("contact_window", pa.string()),
        ("principal_minor", pa.int64()),
        ("outstanding_minor", pa.int64()),
        ("overdue_since", pa.date32()),
        ("reachable", pa.bool_()),
        ("vulnerable", pa.bool_()),
        ("hardship", pa.bool_()),
        ("deceased", pa.bool_()),
        ("bankruptcy", pa.bool_()),
        ("contact_refused", pa.bool_()),
        ("employer_prohibits", pa.bool_()),
        ("attorney", pa.bool_()),
        ("cease_received_at", _TS),
        ("channel_opt_outs", _STRS),
        ("no_contact_places", _STRS),
        ("breathing_space_start", pa.date32()),
        ("breathing_space_end", pa.date32()),
        ("breathing_space_kind", pa.string()),
        ("dispute_received_at", _TS),
        ("verification_sent_at", _TS),
        ("time_barred", pa.bool_()),
        ("first_communication_at", _TS),
        ("validation_notice_sent_at", _TS),
        ("call_consent_until", _TS),
        ("hold", pa.bool_()),
        ("has_phone", pa.bool_()),
        ("has_email", pa.bool_()),
        ("has_app", pa.bool_()),
        ("has_address", pa.bool_()),
        ("has_emergency_contact", pa.bool_()),
        ("emergency_contact_point", pa.string()),
        ("emergency_contact_source", pa.string()),
        ("broken_promises_90d", pa.int32()),
        ("open_promise", pa.bool_()),
    ]
)
CONTACTS = pa.schema(
    [
        ("debtor_key", pa.string()),
        ("debtor_id", pa.int64()),
        ("seq", pa.int64()),
        ("loan_ref", pa.string()),
        ("at", _TS),
        ("channel", pa.string()),
        ("party", pa.string()),
        ("outcome", pa.string()),
        ("initiated_by", pa.string()),
        ("place", pa.string()),
        ("purpose", pa.string()),
        ("contact_point", pa.string()),
        ("debt_ids", _STRS),
    ]
)
PAYMENTS = pa.schema(
    [
        ("loan_ref", pa.string()),
        ("debtor_id", pa.int64()),
        ("paid_at", _TS),
        ("amount_minor", pa.int64()),
    ]
)
COLLECTORS = pa.schema(
    [
        ("name", pa.string()),
        ("daily_capacity", pa.int64()),
        ("creditors", _STRS),
        ("languages", _STRS),
    ]
)
FIELD_TEAMS = pa.schema(
    [
        ("name", pa.string()),
        ("daily_capacity", pa.int64()),
        ("regions", _STRS),
        ("creditors", _STRS),
        ("days", _STRS),
    ]
)
_TABLES = {
    "accounts": ACCOUNTS,
    "contacts": CONTACTS,
    "payments": PAYMENTS,
    "collectors": COLLECTORS,
    "field_teams": FIELD_TEAMS,
}
#: outcomes the "ever" rules read: older contacts with them stay in the snapshot
STICKY_OUTCOMES = ("refused", "wrong_number", "conversation", "voicemail", "sent", "delivered",
                   "bounced")  # fmt: skip
#: how far back the snapshot reads contacts and payments (the longest strategy window is
#: 90 days; the rules' longest counting window is 30 days)
LOOKBACK_DAYS = 120


@dataclass(frozen=True)
class Snapshot:
    """The input of one run. Each table is an Arrow table in memory or a Parquet file."""

    as_of: date
    accounts: pa.Table | Path
    contacts: pa.Table | Path
    payments: pa.Table | Path
    collectors: pa.Table | Path
    field_teams: pa.Table | Path
    source: str = ""

    def table(self, name: str) -> pa.Table:
        """The table `name` in memory (reads the Parquet file if it is one)."""
        v = getattr(self, name)
        return pq.read_table(v) if isinstance(v, Path) else v

    def tables(self) -> dict[str, pa.Table | Path]:
        return {k: getattr(self, k) for k in _TABLES}

    def with_tables(self, **kw: pa.Table | Path) -> Snapshot:
        return replace(self, **kw)


def write_parquet(snapshot: Snapshot, folder: Path) -> Snapshot:
    """Write the snapshot as a folder of Parquet files (+ snapshot.json); returns the
    snapshot that reads them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, schema in _TABLES.items():
        path = folder / f"{name}.parquet"
        v = getattr(snapshot, name)
        table = pq.read_table(v) if isinstance(v, Path) else v
        pq.write_table(table.cast(schema), path, compression="zstd", row_group_size=1 << 20)
        paths[name] = path
    meta = {"as_of": snapshot.as_of.isoformat(), "source": snapshot.source}
    (folder / "snapshot.json").write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
    return Snapshot(as_of=snapshot.as_of, source=snapshot.source, **paths)  # type: ignore[arg-type]


class SnapshotError(ValueError):
    pass


def read_parquet(folder: Path, *, as_of: date | None = None) -> Snapshot:
    """A snapshot folder written by `write_parquet` (or by hand: accounts.parquet is
    required; the other files may be absent = empty). Schemas are checked."""
    meta_path = folder / "snapshot.json"
    meta: dict[str, Any] = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
    day = as_of or (date.fromisoformat(meta["as_of"]) if "as_of" in meta else None)
    if day is None:
        raise SnapshotError(f"{folder}: no snapshot.json with as_of; pass --as-of")
    parts: dict[str, pa.Table | Path] = {}
    for name, schema in _TABLES.items():
        path = folder / f"{name}.parquet"
        if not path.exists():
            if name == "accounts":
                raise SnapshotError(f"{folder}: accounts.parquet is missing")
            parts[name] = schema.empty_table()
            continue
        have = pq.read_schema(path)
        missing = [f.name for f in schema if f.name not in have.names]
        if missing:
            raise SnapshotError(f"{path}: missing columns {', '.join(missing)}")
        parts[name] = path
    return Snapshot(as_of=day, source=str(folder), **parts)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# from the operational database
# ---------------------------------------------------------------------------------------
def from_db(session: Any, *, as_of: date, scope: Any = None, vault: Any = None) -> Snapshot:
    """Take the snapshot from the operational database (a store `Session`).

    Time zones: the borrower's zone, else (with a `vault`) the zones of the borrower's phone
    number, else none (the pack's default candidate zones)."""
    from faircollect.store.repositories import capacity as setup
    from faircollect.store.repositories import strategy_inputs as repo
    from faircollect.store.scope import Scope

    sc = scope or Scope.system()
    since_day = as_of - timedelta(days=LOOKBACK_DAYS)
    since = datetime.combine(since_day, time(0), UTC)
    until = datetime.combine(as_of + timedelta(days=1), time(0), UTC) + timedelta(hours=14)
    raw = repo.accounts(session, as_of=as_of, scope=sc, since=as_of - timedelta(days=90))
    accounts = _finish_accounts(raw, vault)
    contacts = repo.contacts(
        session, as_of=as_of, since=since, until=until, scope=sc, sticky_outcomes=STICKY_OUTCOMES
    )
    contacts = _with_debtor_ids(contacts, accounts)
    payments = _with_loan_debtor(repo.payments(session, as_of=as_of, since=since, scope=sc),
                                 accounts)  # fmt: skip
    collectors = setup.collectors_arrow(session)
    teams = setup.field_teams_arrow(session)
    return Snapshot(
        as_of=as_of,
        accounts=accounts,
        contacts=contacts.cast(CONTACTS),
        payments=payments.cast(PAYMENTS),
        collectors=collectors.cast(COLLECTORS),
        field_teams=teams.cast(FIELD_TEAMS),
        source="database",
    )


def _finish_accounts(raw: pa.Table, vault: Any) -> pa.Table:
    n = raw.num_rows
    keys = raw.column("debtor_key")
    uniq = pc.unique(keys)
    debtor_id = pc.add(pc.index_in(keys, value_set=uniq), 1).cast(pa.int64())
    tz = raw.column("timezone").to_pylist()
    tokens = raw.column("phone_token").to_pylist()
    zones: list[list[str]] = []
    cache: dict[str, list[str]] = {}
    for z, token in zip(tz, tokens, strict=True):
        if z:
            zones.append([z])
        elif vault is not None and token:
            if token not in cache:
                cache[token] = list(_phone_zones(vault, token))
            zones.append(cache[token])
        else:
            zones.append([])
    cols: dict[str, Any] = {}
    for f in ACCOUNTS:
        if f.name == "loan_id":
            cols[f.name] = pa.array(range(1, n + 1), pa.int64())
        elif f.name == "debtor_id":
            cols[f.name] = debtor_id
        elif f.name == "timezones":
            cols[f.name] = pa.array(zones, _STRS)
        else:
            cols[f.name] = raw.column(f.name)
    return pa.table(cols).cast(ACCOUNTS)


def _phone_zones(vault: Any, token: str) -> tuple[str, ...]:
    from faircollect.store import pii

    try:
        phone = vault.decrypt(token, field=pii.BORROWER_PHONE)
    except Exception:  # a token we cannot read: the pack's default zones (the strictest)
        return ()
    return clock.zones_for_phone(phone, getattr(vault, "phone_region", "CN"))


def _with_debtor_ids(contacts: pa.Table, accounts: pa.Table) -> pa.Table:
    keys = accounts.column("debtor_key")
    ids = accounts.column("debtor_id")
    uniq_keys = pc.unique(keys)
    first = pc.index_in(uniq_keys, value_set=keys)
    id_of = ids.take(first)
    pos = pc.index_in(contacts.column("debtor_key"), value_set=uniq_keys)
    debtor_id = id_of.take(pos) if contacts.num_rows else pa.array([], pa.int64())
    cols = {f.name: contacts.column(f.name) for f in contacts.schema if f.name != "debtor_id"}
    cols["debtor_id"] = debtor_id
    cols["seq"] = pa.array(range(contacts.num_rows), pa.int64())  # rows come in time order
    return pa.table({f.name: cols[f.name] for f in CONTACTS})


def _with_loan_debtor(payments: pa.Table, accounts: pa.Table) -> pa.Table:
    pos = pc.index_in(payments.column("loan_ref"), value_set=accounts.column("loan_ref"))
    debtor_id = (
        accounts.column("debtor_id").take(pos) if payments.num_rows else pa.array([], pa.int64())
    )
    return pa.table(
        {
            "loan_ref": payments.column("loan_ref"),
            "debtor_id": debtor_id,
            "paid_at": payments.column("paid_at"),
            "amount_minor": payments.column("amount_minor"),
        }
    )
