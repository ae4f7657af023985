"""Arrow schemas of the columnar engine's input and output tables (see the package docstring)."""

from __future__ import annotations

import pyarrow as pa  # type: ignore[import-untyped]

from faircollect.rules.model import CHANNELS, OUTCOMES, PARTIES, PLACES, PURPOSES
from faircollect.rules.vocab import FACTS

__all__ = [
    "CASES_SCHEMA",
    "CATEGORIES",
    "FACT_COLUMNS",
    "HISTORY_SCHEMA",
    "OUTPUT_COLUMNS",
    "WINDOW_TYPE",
    "duckdb_enum",
    "fact_column",
]

TS = pa.timestamp("us", tz="UTC")
STRS = pa.list_(pa.string())
WINDOW_TYPE = pa.struct([("days", STRS), ("from", pa.string()), ("to", pa.string())])


def fact_column(name: str) -> str:
    """The `cases` column holding a fact of `vocab.FACTS`."""
    return name.replace(".", "_")


#: fact name -> column of `cases`
FACT_COLUMNS: dict[str, str] = {name: fact_column(name) for name in FACTS}

_FACT_TYPES: dict[str, pa.DataType] = {
    "now": TS,
    "action.channel": pa.string(),
    "action.party": pa.string(),
    "action.debt_id": pa.string(),
    "action.place": pa.string(),
    "action.purpose": pa.string(),
    "action.has_content": pa.bool_(),
    "action.in_response_to_consumer": pa.bool_(),
    "action.contact_point": pa.string(),
    "debtor.no_contact_places": STRS,
    "debtor.employer_prohibits": pa.bool_(),
    "debtor.attorney": pa.bool_(),
    "debtor.cease_received_at": TS,
    "debtor.channel_opt_outs": STRS,
    "debtor.dispute_received_at": TS,
    "debtor.verification_sent_at": TS,
    "debtor.breathing_space.start": pa.date32(),
    "debtor.breathing_space.end": pa.date32(),
    "debtor.breathing_space.kind": pa.string(),
    "debtor.vulnerable": pa.bool_(),
    "debtor.reachable": pa.bool_(),
    "debtor.contact_refused": pa.bool_(),
    "debtor.deceased": pa.bool_(),
    "debtor.bankruptcy": pa.bool_(),
    "debt.time_barred": pa.bool_(),
    "debt.first_communication_at": TS,
    "debt.validation_notice_sent_at": TS,
    "debt.call_consent_until": TS,
    "content.findings": STRS,
    "content.has_opt_out": pa.bool_(),
    "content.has_mini_miranda": pa.bool_(),
    "config.contact_point_source": pa.string(),
}
assert set(_FACT_TYPES) == set(FACTS), "a fact of vocab.FACTS has no column type"

CASES_SCHEMA = pa.schema(
    [
        ("case_id", pa.int64()),
        ("debtor_key", pa.int64()),
        ("pack", pa.string()),
        *((fact_column(n), t) for n, t in _FACT_TYPES.items()),
        ("debtor_timezones", STRS),
        ("debtor_inconvenient", pa.list_(WINDOW_TYPE)),
        ("config_contact_start", pa.string()),
        ("config_contact_end", pa.string()),
    ]
)

HISTORY_SCHEMA = pa.schema(
    [
        ("debtor_key", pa.int64()),
        ("seq", pa.int64()),
        ("at", TS),
        ("channel", pa.string()),
        ("party", pa.string()),
        ("debt_ids", STRS),
        ("outcome", pa.string()),
        ("initiated_by", pa.string()),
        ("contact_point", pa.string()),
        ("place", pa.string()),
        ("purpose", pa.string()),
    ]
)

OUTPUT_COLUMNS: tuple[str, ...] = (
    "case_id",
    "allowed",
    "violations",
    "first_provision",
    "pack_version",
)

#: the closed vocabularies of the categorical history columns (and of the matching `cases`
#: columns: action_channel, action_party, action_place, action_purpose). On DuckDB these
#: columns may be ENUM types over them (`duckdb_enum`): filters and keys on them are
#: integer operations instead of string comparisons. The decisions are the same.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "channel": CHANNELS,
    "party": PARTIES,
    "outcome": OUTCOMES,
    "initiated_by": ("collector", "consumer"),
    "place": PLACES,
    "purpose": PURPOSES,
}


def duckdb_enum(column: str) -> str:
    """The DuckDB type `ENUM('a', ...)` of a categorical column (a key of CATEGORIES)."""
    return "ENUM(" + ", ".join(f"'{v}'" for v in CATEGORIES[column]) + ")"
