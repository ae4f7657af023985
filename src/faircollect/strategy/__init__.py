"""faircollect.strategy — the nightly strategy engine (docs/strategy.md).

Public API:
- `run.plan(snapshot, arms, *, engine="duckdb"|"spark", scorer=None, progress=None,
  chunk_accounts=None)`: Arrow in (a `snapshot.Snapshot`), Arrow out
  (`PlanResult.work_items`, `.no_action`); big snapshots in borrower chunks on DuckDB.
- `run.run_nightly(db, *, as_of=None, strategy=..., engine=..., out=None, ...)`: the nightly
  job against the operational database (idempotent per strategy and date).
- `compile.arms_for(spec, version, challengers)` / `run.resolve_arms(session, name)`.
- `spec`: the YAML spec (load, validate, canonical form, digest, diff, shipped strategies).
- `manage`: activate / list / resolve strategies, import capacity.
- `report`: report data (JSON) and charts (PNG) across runs.
- `recheck.recheck(snapshot, work_items)`: the real-time engine's verdict on a plan.
- `synth.synthetic_snapshot(n, ...)`: synthetic books (tests, benchmark, simulator).
"""
