"""Tests as data (OpenFisca style): every case in tests/rules/cases/*.yaml is a scenario and
the decision expected for it (`allowed`, the exact set of violated `rules`, optionally their
`provisions` and `next_allowed_at`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from faircollect.rules.engine import evaluate
from faircollect.rules.model import Scenario

CASES = Path(__file__).parent / "cases"


def _load() -> list[Any]:
    out = []
    for f in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(f.read_text(encoding="utf-8")):
            out.append(pytest.param(case, id=f"{f.stem}: {case['name']}"))
    return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_jsonable(v) for v in x]
    if hasattr(x, "isoformat"):
        return x.isoformat()
    return x


@pytest.mark.parametrize("case", _load())
def test_case(case: dict[str, Any]) -> None:
    d = evaluate(Scenario.model_validate(_jsonable(case["scenario"])))
    exp = case["expect"]
    assert d.allowed is exp["allowed"]
    assert {v.rule for v in d.violations} == set(exp.get("rules", []))
    if "provisions" in exp:
        assert [v.provision for v in d.violations] == exp["provisions"]
    if "next_allowed_at" in exp:
        want = exp["next_allowed_at"]
        if want is None:
            assert d.next_allowed_at is None
        else:
            assert d.next_allowed_at == datetime.fromisoformat(want)
            assert d.next_allowed_at.isoformat() == want
