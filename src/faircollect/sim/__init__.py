"""The borrower simulator: strategies through the real strategy and rule engines, against
simulated borrowers, reporting recovery next to harm (docs/simulator.md).

    from faircollect.sim.evaluate import simulate
    ev = simulate(["faircollect-default", "dpd-escalation"], accounts=1000, days=30, seed=1)
    ev.to_json()

Modules: params (params.yaml, the behaviour parameters), population (the books), behaviour
(the borrower model), gate (the rules at execution time), planners (the strategy engine),
world (the day loop), metrics, evaluate (the service), report (table, plots, HTML).
"""
