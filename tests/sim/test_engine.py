"""The real strategy and rule engines in the loop (one shared run; a plan costs seconds)."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from faircollect.cli import app
from faircollect.sim.evaluate import Evaluation

from .conftest import ENGINE_RUN, ENGINE_STRATEGIES


def test_same_seed_same_json_through_the_command(engine_eval: Evaluation) -> None:
    """The command, run again with the same seed (and one of the two strategies: a strategy's
    result does not depend on which others run beside it), gives the same JSON."""
    r = ENGINE_RUN
    name = ENGINE_STRATEGIES[1]
    args = ["simulate", "--strategy", name, "--accounts", str(r["accounts"]), "--days",
            str(r["days"]), "--seed", str(r["seed"]), "--replicates", str(r["replicates"]),
            "--check-sample", str(r["check_sample"]), "--json"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    again = json.loads(res.stdout)
    first = json.loads(json.dumps(engine_eval.to_json()))
    assert again["strategies"][name] == first["strategies"][name]
    assert {k: v for k, v in again.items() if k != "strategies"} == {
        k: v for k, v in first.items() if k != "strategies"
    }


def test_engine_run_conserves_money_and_executes_no_violation(engine_eval: Evaluation) -> None:
    for name, s in engine_eval.summary.items():
        res = engine_eval.results[name]
        assert (res.collected <= res.overdue).all()
        np.testing.assert_array_equal(res.payments_total, res.collected)
        assert s["violations_executed"] == 0, name
        assert s["contacts_per_account"] > 0, name
        assert 0 <= s["recovery_rate"] <= 1
        assert s["gate_check"]["agreed"] == s["gate_check"]["sampled"] > 0
        assert res.executed.sum() == res.daily_contacts.sum()


def test_the_escalation_baseline_is_more_intrusive(engine_eval: Evaluation) -> None:
    fair = engine_eval.summary["faircollect-default"]
    dpd = engine_eval.summary["dpd-escalation"]
    assert dpd["contacts_by_channel"]["sms"] > fair["contacts_by_channel"]["sms"]
    assert dpd["contacts_by_channel"]["app"] == 0  # not on its ladders
