"""Helpers for the rule tests: build scenarios tersely, judge them, read the verdict."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from faircollect.rules.engine import EngineConfig, evaluate
from faircollect.rules.model import Decision, Scenario

NY = "America/New_York"


def scenario(
    pack: str = "US",
    now: str = "2026-04-08T10:00:00-04:00",
    *,
    action: dict[str, Any] | None = None,
    debtor: dict[str, Any] | None = None,
    debt: dict[str, Any] | None = None,
    history: Iterable[dict[str, Any]] = (),
    zones: list[str] | None = None,
) -> Scenario:
    d = {"timezones": zones if zones is not None else [NY]}
    d.update(debtor or {})
    return Scenario.model_validate(
        {
            "pack": pack,
            "now": now,
            "action": {"channel": "call", **(action or {})},
            "debtor": d,
            "debt": debt or {},
            "history": list(history),
        }
    )


def decide(*args: Any, config: EngineConfig | None = None, **kw: Any) -> Decision:
    return evaluate(scenario(*args, **kw), config=config)


def rules(d: Decision) -> set[str]:
    return {v.rule for v in d.violations}


def call(
    at: str, outcome: str = "no_answer", debts: Iterable[str] = ("CC",), **kw: Any
) -> dict[str, Any]:
    return {"at": at, "channel": "call", "debt_ids": list(debts), "outcome": outcome, **kw}


def iso(dt: datetime) -> str:
    return dt.isoformat()
