"""Benchmark of the rule engine. Prints ONE JSON line.

Real time: random scenarios (faircollect.rules.samples, 50 history entries each, all packs),
each parsed once (timed separately: `parse_*`) and evaluated once, cold (no state carried
between evaluations except the compiled packs and the cache of local-time instants). An
evaluation is the whole `evaluate()`: the decision AND `next_allowed_at`. `decision_*` times
the same scenarios with the search for `next_allowed_at` left out, for comparison.

Columnar (faircollect.rules.columnar on DuckDB): `--accounts` accounts (all four packs in
turn) x `--actions` candidate actions each (call, SMS, e-mail, then a visit, a letter, an AI
call or a call to another person), 10-20 history entries per account over 30 days, generated
directly in DuckDB (`columnar_generate_s`, not counted). The query is compiled once
(`columnar_compile_s`, cached per process, not counted) and run once, writing every decision
into a table: `columnar_seconds`, `columnar_account_actions_per_s` = cases / seconds
(`columnar_cpu_s`: the process CPU time of that run, less sensitive to other load).

    python bench/rules.py [--n 3000] [--seed 7] [--accounts 1000000 --actions 4]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from datetime import date

from faircollect.rules import engine
from faircollect.rules.model import Scenario
from faircollect.rules.samples import random_scenario_dict

AS_OF = date(2026, 3, 4)
NOW = "2026-03-04 15:05:00+00"  # 10:05 in New York, 23:05 in Shanghai, 15:05 in London


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return round(s[min(len(s) - 1, int(len(s) * p))] * 1e6, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--history", type=int, default=50)
    ap.add_argument("--accounts", type=int, default=1_000_000, help="columnar: 0 to skip")
    ap.add_argument("--actions", type=int, default=4, help="columnar: candidate actions each")
    ap.add_argument("--threads", type=int, default=2, help="columnar: DuckDB threads")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    payloads = [json.dumps(random_scenario_dict(rng, history=args.history)) for _ in range(args.n)]
    # warm-up: compile every pack snapshot, load the zones
    for p in payloads[:200]:
        engine.evaluate(Scenario.model_validate_json(p))

    parse: list[float] = []
    scenarios: list[Scenario] = []
    for p in payloads:
        t0 = time.perf_counter()
        s = Scenario.model_validate_json(p)
        parse.append(time.perf_counter() - t0)
        scenarios.append(s)

    gc.collect()
    gc.disable()
    full: list[float] = []
    blocked = 0
    for s in scenarios:
        t0 = time.perf_counter()
        d = engine.evaluate(s)
        full.append(time.perf_counter() - t0)
        blocked += not d.allowed

    decision: list[float] = []
    search = engine._next_allowed
    engine._next_allowed = lambda *a, **k: None  # type: ignore[assignment]
    try:
        for s in scenarios:
            t0 = time.perf_counter()
            engine.evaluate(s)
            decision.append(time.perf_counter() - t0)
    finally:
        engine._next_allowed = search  # type: ignore[assignment]
        gc.enable()

    out = {
        "scenarios": args.n,
        "history_events": args.history,
        "blocked_share": round(blocked / args.n, 3),
        "realtime_p50_us": _pct(full, 0.50),
        "realtime_p99_us": _pct(full, 0.99),
        "realtime_mean_us": round(statistics.fmean(full) * 1e6, 1),
        "decision_p50_us": _pct(decision, 0.50),
        "decision_p99_us": _pct(decision, 0.99),
        "parse_p50_us": _pct(parse, 0.50),
        "parse_p99_us": _pct(parse, 0.99),
    }
    if args.accounts > 0:
        out.update(_columnar(args.accounts, args.actions, args.seed, args.threads))
    print(json.dumps(out))


# --- columnar (batch) -------------------------------------------------------------------
def _columnar(accounts: int, actions: int, seed: int, threads: int) -> dict[str, object]:
    import duckdb

    from faircollect.rules.columnar import compile_sql

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    t0 = time.perf_counter()
    _generate(con, accounts, actions, seed)
    generate_s = time.perf_counter() - t0
    cases = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
    history = con.execute("SELECT count(*) FROM history").fetchall()[0][0]

    t0 = time.perf_counter()
    compiled = compile_sql(as_of=AS_OF)
    compile_s = time.perf_counter() - t0
    for name, table in compiled.tables.items():
        con.register(name, table)

    t0, c0 = time.perf_counter(), _cpu()
    con.execute(f"CREATE TEMP TABLE decisions AS {compiled.sql}")
    seconds, cpu = time.perf_counter() - t0, _cpu() - c0
    n, allowed = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE allowed) FROM decisions"
    ).fetchall()[0]
    assert n == cases, (n, cases)
    return {
        "columnar_accounts": accounts,
        "columnar_cases": cases,
        "columnar_history_rows": history,
        "columnar_generate_s": round(generate_s, 2),
        "columnar_compile_s": round(compile_s, 2),
        "columnar_seconds": round(seconds, 3),
        "columnar_cpu_s": round(cpu, 3),  # process CPU (both threads): load-independent
        "columnar_account_actions_per_s": round(cases / seconds),
        "columnar_allowed_share": round(allowed / n, 3),
    }


def _cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _generate(con: object, accounts: int, actions: int, seed: int) -> None:
    """`cases` and `history` (the schemas of faircollect.rules.columnar) in DuckDB SQL."""

    def h(expr: str, salt: int) -> str:  # a pseudo-random UBIGINT
        return f"hash({expr}, {seed * 1000 + salt})"

    run = con.execute  # type: ignore[attr-defined]
    run(
        f"""CREATE OR REPLACE TABLE accounts AS
        SELECT a AS debtor_key, ['CN', 'US', 'US-MA', 'UK'][1 + (a % 4)::INT] AS pack,
               {h("a", 1)} AS r1, {h("a", 2)} AS r2, {h("a", 3)} AS r3, {h("a", 4)} AS r4
        FROM range({accounts}) t(a)"""
    )
    k = "a.debtor_key * 16 + k"
    run(
        f"""CREATE OR REPLACE TABLE cases AS
        SELECT a.debtor_key * {actions} + k AS case_id, a.debtor_key, a.pack,
          TIMESTAMPTZ '{NOW}' AS now,
          CASE WHEN k < 3 THEN ['call', 'sms', 'email'][1 + k::INT]
               ELSE ['visit', 'letter', 'ai_voice', 'call'][1 + ({h(k, 5)} % 4)::INT]
          END AS action_channel,
          CASE WHEN k >= 3 AND {h(k, 6)} % 4 = 3 THEN 'emergency_contact'
               ELSE 'debtor' END AS action_party,
          'L' || (a.r1 % 3)::VARCHAR AS action_debt_id,
          ['mobile', 'mobile', 'home', 'work'][1 + ({h(k, 7)} % 4)::INT] AS action_place,
          CASE WHEN {h(k, 8)} % 10 < 8 THEN 'demand' ELSE 'reminder' END AS action_purpose,
          FALSE AS action_has_content,
          {h(k, 9)} % 20 = 0 AS action_in_response_to_consumer,
          'p' || ({h(k, 10)} % 3)::VARCHAR AS action_contact_point,
          CASE WHEN a.r2 % 7 = 0 THEN ['home'] ELSE [] END::VARCHAR[] AS debtor_no_contact_places,
          a.r2 % 11 = 0 AS debtor_employer_prohibits,
          a.r2 % 23 = 0 AS debtor_attorney,
          CASE WHEN a.r3 % 29 = 0 THEN TIMESTAMPTZ '2026-02-20 10:00:00+00' END
            AS debtor_cease_received_at,
          CASE WHEN a.r3 % 13 = 0 THEN ['sms'] ELSE [] END::VARCHAR[] AS debtor_channel_opt_outs,
          CASE WHEN a.r3 % 31 = 0 THEN TIMESTAMPTZ '2026-02-25 10:00:00+00' END
            AS debtor_dispute_received_at,
          CASE WHEN a.r3 % 93 = 0 THEN TIMESTAMPTZ '2026-03-01 10:00:00+00' END
            AS debtor_verification_sent_at,
          CASE WHEN a.pack = 'UK' AND a.r4 % 10 = 0 THEN DATE '2026-02-01' END
            AS debtor_breathing_space_start,
          NULL::DATE AS debtor_breathing_space_end,
          CASE WHEN a.pack = 'UK' AND a.r4 % 10 = 0 THEN 'standard' END
            AS debtor_breathing_space_kind,
          a.r4 % 19 = 0 AS debtor_vulnerable,
          a.r4 % 5 <> 0 AS debtor_reachable,
          a.r4 % 37 = 0 AS debtor_contact_refused,
          a.r4 % 101 = 0 AS debtor_deceased,
          a.r4 % 103 = 0 AS debtor_bankruptcy,
          a.r1 % 17 = 0 AS debt_time_barred,
          TIMESTAMPTZ '2026-01-10 10:00:00+00' AS debt_first_communication_at,
          CASE WHEN a.r1 % 2 = 0 THEN TIMESTAMPTZ '2026-01-12 10:00:00+00' END
            AS debt_validation_notice_sent_at,
          CASE WHEN a.r1 % 41 = 0 THEN TIMESTAMPTZ '2026-03-05 10:00:00+00' END
            AS debt_call_consent_until,
          []::VARCHAR[] AS content_findings,
          NULL::BOOLEAN AS content_has_opt_out,
          NULL::BOOLEAN AS content_has_mini_miranda,
          NULL::VARCHAR AS config_contact_point_source,
          CASE a.pack WHEN 'CN' THEN ['Asia/Shanghai']
            WHEN 'UK' THEN ['Europe/London']
            WHEN 'US-MA' THEN ['America/New_York']
            ELSE [['America/New_York'], ['America/Chicago'], ['America/Los_Angeles'],
                  ['America/New_York', 'America/Los_Angeles']][1 + (a.r2 % 4)::INT]
          END AS debtor_timezones,
          CASE WHEN a.r2 % 10 = 0
            THEN [{{'days': ['mon', 'tue', 'wed'], 'from': '12:00', 'to': '14:00'}}]
            ELSE []::STRUCT(days VARCHAR[], "from" VARCHAR, "to" VARCHAR)[]
          END AS debtor_inconvenient,
          CASE WHEN a.pack = 'CN' THEN '08:00' END AS config_contact_start,
          CASE WHEN a.pack = 'CN' THEN '21:00' END AS config_contact_end
        FROM accounts a, range({actions}) t(k)"""
    )
    e = "a.debtor_key * 64 + e"
    run(
        f"""CREATE OR REPLACE TABLE history AS
        WITH ev AS (
          SELECT a.debtor_key, e AS seq, {h(e, 11)} AS x, {h(e, 12)} AS y
          FROM accounts a, range(10 + (a.r1 % 11)::BIGINT) t(e)
        )
        SELECT debtor_key, seq,
          TIMESTAMPTZ '{NOW}' - to_seconds((1 + x % (30 * 86400))::BIGINT) AS "at",
          ['call', 'call', 'call', 'ai_voice', 'sms', 'email', 'letter', 'visit'][1 + (y % 8)::INT]
            AS channel,
          CASE WHEN (y >> 8) % 10 < 9 THEN 'debtor' ELSE 'emergency_contact' END AS party,
          CASE (y >> 12) % 4 WHEN 0 THEN [] WHEN 1 THEN ['L0'] WHEN 2 THEN ['L1']
            ELSE ['L0', 'L1'] END::VARCHAR[] AS debt_ids,
          ['no_answer', 'no_answer', 'voicemail', 'conversation', 'busy', 'sent', 'delivered',
           'wrong_number', 'bounced', 'refused'][1 + ((x >> 20) % 10)::INT] AS outcome,
          CASE WHEN (y >> 16) % 10 < 9 THEN 'collector' ELSE 'consumer' END AS initiated_by,
          'p' || ((y >> 20) % 3)::VARCHAR AS contact_point,
          ['mobile', 'home', 'work', 'other'][1 + ((y >> 24) % 4)::INT] AS place,
          NULL::VARCHAR AS purpose
        FROM ev"""
    )


if __name__ == "__main__":
    main()
