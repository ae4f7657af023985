"""faircollect.domain: the pure loan model (no I/O beyond reading packaged data once).

- loan: `LoanTerms`, `RepaymentKind`, `parse_terms`/`validate_terms` (errors as values)
- schedule: `build_schedule` (Money) and `schedule_rows` (integer fast path, equal results)
- waterfall: `allocate_payment` / `allocate_minor`, `WaterfallConfig` per creditor
- penalty: overdue interest, legal cap on apr + penalty, holds
- delinquency: `replay` / `replay_rows` as of a date, days past due, buckets M0..M7+
- cost, lpr: cash flows, monthly IRR, annualised cost, CN legality verdict, dated LPR table
- quote: schedule + totals + cost + verdict in one value (and its DESIGN 4.1 JSON)
"""
