"""Shared fixtures for the simulator tests. The real strategy engine costs seconds per plan
whatever the book size, so the engine-driven evaluation is made once per session."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest

from faircollect.sim.evaluate import Evaluation, simulate
from faircollect.strategy.snapshot import Snapshot
from faircollect.strategy.treatments import BY_NAME

#: the engine-driven run the tests share (and the CLI test repeats through the command)
ENGINE_RUN: dict[str, Any] = {
    "accounts": 300, "days": 2, "seed": 5, "replicates": 2, "check_sample": 5,
}  # fmt: skip
ENGINE_STRATEGIES = ["faircollect-default", "dpd-escalation"]


@pytest.fixture(scope="session")
def engine_eval() -> Evaluation:
    return simulate(ENGINE_STRATEGIES, **ENGINE_RUN)


class ScriptedPlanner:
    """A stand-in planner (tests only): plans `treatment` for every account of the snapshot
    (or those `where(accounts)` selects) at `hour` local time, bypassing the strategy engine
    and its rule checks — so whatever it plans reaches the execution-time gate."""

    def __init__(self, name: str, treatment: str, hour: int,
                 where: Any = None) -> None:  # fmt: skip
        self.name, self.treatment, self.hour, self.where = name, treatment, hour, where

    def plan(self, snapshot: Snapshot) -> pa.Table:
        acc = snapshot.table("accounts")
        if self.where is not None:
            acc = acc.filter(self.where(acc))
        n = acc.num_rows
        tr = BY_NAME[self.treatment]
        zones = [z[0] if z else {"CN": "Asia/Shanghai", "UK": "Europe/London"}.get(p, "UTC")
                 for z, p in zip(acc.column("timezones").to_pylist(),
                                 acc.column("pack").to_pylist(), strict=True)]  # fmt: skip
        starts = [datetime.combine(snapshot.as_of, time(self.hour), ZoneInfo(z)).astimezone(UTC)
                  for z in zones]  # fmt: skip
        ts = pa.timestamp("us", tz="UTC")
        return pa.table({
            "loan_ref": acc.column("loan_ref"),
            "treatment": pa.array([self.treatment] * n, pa.string()),
            "window_start": pa.array(starts, ts),
            "window_end": pa.array([s + timedelta(minutes=50) for s in starts], ts),
            "channel": pa.array([tr.channel] * n, pa.string()),
            "party": pa.array([tr.party] * n, pa.string()),
            "place": pa.array([tr.place] * n, pa.string()),
            "purpose": pa.array([tr.purpose] * n, pa.string()),
            "contact_point": acc.column("emergency_contact_point")
            if self.treatment == "call_emergency_contact" else pa.nulls(n, pa.string()),
        })  # fmt: skip


def vulnerable(acc: pa.Table) -> pa.Array:
    return pa.array(np.asarray(acc.column("vulnerable").to_numpy(zero_copy_only=False)))
