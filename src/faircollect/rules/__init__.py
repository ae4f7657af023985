"""faircollect.rules — regulation as code.

Public API:
- `faircollect.rules.model`: `Scenario`, `Decision`, `Violation` (the DESIGN 4.3 contract).
- `faircollect.rules.engine`: `evaluate(scenario, *, config=None) -> Decision`,
  `explain(...)` (decision + failed rules), `next_allowed_at(...)`, `EngineConfig`.
- `faircollect.rules.packs`: `get_pack(id)`, `all_packs()`, `PACK_IDS`.
- `faircollect.rules.vocab`: the predicate vocabulary (read its docstring); `pyeval`: the
  Python interpreter; `columnar`: the Ibis interpreter (batch).
- `faircollect.rules.docs`: Markdown reference and "your rights" pages from the packs.
- `faircollect.rules.samples`: seeded random scenarios (benchmarks, property tests).
- `faircollect.rules.content`: the content lint (its own package).
"""
