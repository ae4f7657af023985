"""The columnar form of the rule engine: the SAME packs over whole tables (Ibis on DuckDB).

Every rule's blocking condition (`Rule.condition()`: channel gate, party gate and `when`, with
the dated parameters in force on the UTC date of each case's `now`) is interpreted as Ibis
expressions by `faircollect.rules.columnar.interp`, an interpreter of the vocabulary of
`faircollect.rules.vocab` (read its docstring: it is the contract). No rule is written twice.
Property tests (tests/rules/test_columnar_equivalence.py) prove that `decide` and
`faircollect.rules.engine.evaluate` agree on `allowed` and on the set of violated rules.

Public API
----------
    from faircollect.rules.columnar import build_cases, decide, decide_arrow

`build_cases(scenarios, *, config=None, debtor_keys=None) -> (pyarrow.Table, pyarrow.Table)`
    The `cases` and `history` tables of scenarios (tests, small inputs). Case `i` has
    `case_id = i`. Each scenario is its own debtor (`debtor_key = i`) unless `debtor_keys`
    gives one key per scenario; scenarios that share a key must carry the same history, which
    is then written once. The content lint runs here for actions with text (its results are
    the `content_*` columns); `config.contact_point_sources` fills
    `config_contact_point_source`, `config.contact_window` the `config_contact_*` columns.

`decide(cases, history, *, packs=None, config=None, as_of=None) -> ibis.Table`
    A lazy table with ONE row per case row whose `pack` is in `packs` (default: all packs):

    ============== ============== =====================================================
    column         type           meaning
    ============== ============== =====================================================
    case_id        as in `cases`  the case
    allowed        boolean        no rule blocks the action
    violations     array<string>  ids of the rules that block it, in pack order
    first_provision string (null) provision of the first violated rule (null: allowed)
    pack_version   string         e.g. "US-2021.11.30-1"
    ============== ============== =====================================================

    `cases` and `history` are Ibis tables on a DuckDB backend (the interpreter uses DuckDB's
    built-in ICU functions `timezone()`, `make_timestamp()`, `epoch_us()`; no lambdas, so no
    DuckDB setting is needed). `config` (an `EngineConfig`): its `contact_window` narrows the
    hours of every case (as in the real-time engine); per-case windows go in the
    `config_contact_*` columns; its `contact_point_sources` is NOT read: the source of each
    action's contact point is the `config_contact_point_source` column. `as_of`: when every
    case's `now` falls on that UTC date, only that date's parameter snapshot is compiled
    (smaller SQL); None compiles every snapshot period of each pack and judges each case by
    the one in force on its `now`.

`compile_sql(*, packs=None, config=None, as_of=None, cases="cases", history="history")
-> CompiledSQL(sql: str, tables: Mapping[str, pyarrow.Table])`
    The same query as DuckDB SQL over tables (or views) named `cases` / `history`, compiled
    once per (packs, contact window, as_of, names) and cached: building the Ibis expression
    and its SQL takes a few seconds, which `decide` pays on every call. Register
    `tables` (business-day calendars) on the connection under their names, then e.g.
    `con.execute(f"CREATE TABLE decisions AS {compiled.sql}")`.

`decide_arrow(cases, history, *, con=None, packs=None, config=None, as_of=None)
-> pyarrow.Table`
    Convenience: the cached SQL over Arrow tables on a DuckDB connection (a `duckdb`
    connection or an Ibis DuckDB backend; a new in-memory one when `con` is None), executed,
    sorted by `case_id`.

Input tables (columns may come in any order; extra columns are ignored)
-------------------------------------------------------------------------
Types are Arrow/Ibis types; `ts` is `timestamp[us, tz=UTC]` (Ibis `timestamp('UTC')`, DuckDB
TIMESTAMPTZ); `str[]` is a list of strings. A fact column is named after the fact of
`vocab.FACTS` with dots replaced by underscores (`debtor.cease_received_at` ->
`debtor_cease_received_at`). Nullable columns are marked "null".

`cases`: one row per account x candidate action (see `CASES_SCHEMA`):
- `case_id` (any type, unique), `debtor_key` (any type, the same as `history.debtor_key`;
  int64 is fastest), `pack` (str: CN, US, US-MA, UK), `now` (ts);
- the action: `action_channel`, `action_party`, `action_purpose` (str), `action_debt_id`,
  `action_place`, `action_contact_point` (str, null), `action_has_content`,
  `action_in_response_to_consumer` (bool);
- the debtor: `debtor_timezones` (str[]: IANA names, empty = the pack's default zones),
  `debtor_inconvenient` (list<struct<days: str[] (null = every day), from: str "HH:MM",
  to: str "HH:MM" or "24:00">>), `debtor_no_contact_places`, `debtor_channel_opt_outs`
  (str[]), `debtor_employer_prohibits`, `debtor_attorney`, `debtor_vulnerable`,
  `debtor_reachable`, `debtor_contact_refused`, `debtor_deceased`, `debtor_bankruptcy`
  (bool), `debtor_cease_received_at`, `debtor_dispute_received_at`,
  `debtor_verification_sent_at` (ts, null), `debtor_breathing_space_start`,
  `debtor_breathing_space_end` (date32, null), `debtor_breathing_space_kind` (str, null);
- the debt: `debt_time_barred` (bool), `debt_first_communication_at`,
  `debt_validation_notice_sent_at`, `debt_call_consent_until` (ts, null);
- content facts of the content lint (null content: `content_findings` empty or null, the
  two booleans null): `content_findings` (str[]), `content_has_opt_out`,
  `content_has_mini_miranda` (bool, null);
- configuration: `config_contact_point_source` (str, null: source of the action's contact
  point, e.g. `address_book`), `config_contact_start`, `config_contact_end` (str "HH:MM",
  null: a creditor's own window; it only narrows the pack's hours; end "00:00" or "24:00"
  is midnight).
Timestamped facts dated after `now` are ignored by `decide` (as known at `now`), so the
columns may carry them as stored.

`history`: contact history, once per debtor (NOT per candidate action; see
`HISTORY_SCHEMA`): `debtor_key`, `seq` (int64, unique within a debtor: among entries with the
same `at`, the greater `seq` is the later), `at` (ts), `channel`, `party`, `initiated_by`
(str), `debt_ids` (str[], empty = not attributed to a debt), `outcome`, `contact_point`,
`place`, `purpose` (str, null). Entries after a case's `now` do not exist for that case.

Output semantics equal `engine.evaluate(...)`: `allowed` and the violated rules (same ids,
same order). `next_allowed_at` and messages are not computed in the batch.
"""

from __future__ import annotations

from faircollect.rules.columnar.build import build_cases
from faircollect.rules.columnar.interp import CompiledSQL, compile_sql, decide, decide_arrow
from faircollect.rules.columnar.schema import CASES_SCHEMA, HISTORY_SCHEMA, OUTPUT_COLUMNS

__all__ = [
    "CASES_SCHEMA",
    "HISTORY_SCHEMA",
    "OUTPUT_COLUMNS",
    "CompiledSQL",
    "build_cases",
    "compile_sql",
    "decide",
    "decide_arrow",
]
