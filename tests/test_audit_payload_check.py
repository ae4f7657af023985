"""audit.append checks and converts a payload in one walk (`audit._checked_payload`): it must
agree with the reference (`jsonable` then `_check_no_pii`) on every payload."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faircollect import audit
from faircollect.money import Money

PII = ["13812345678", "call +86 138 1234 5678", "+14155552671", "110101199003071234", "a@b.cn"]
SAFE = ["138****5678", "L0000013812", "loan:L1", "2026-03-04T14:05:00+08:00", "张*", "", "call"]

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(PII + SAFE),
    st.text(max_size=20),
    st.just(Decimal("12.30")),
    st.just(Money.parse("1.00", "CNY")),
    st.just(datetime(2026, 3, 4, 6, 5, tzinfo=UTC)),
    st.just(date(2026, 3, 4)),
    st.floats(allow_nan=False, allow_infinity=False),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.sampled_from(["a", "b", "loan_ref", "x"]), inner, max_size=4),
    ),
    max_leaves=12,
)


def _reference(payload: dict[str, Any]) -> Any:
    out = audit.jsonable(payload)
    audit._check_no_pii(out)
    return out


@given(st.dictionaries(st.sampled_from(["p", "q", "violations"]), values, max_size=4))
def test_one_walk_agrees_with_the_reference(payload: dict[str, Any]) -> None:
    try:
        expected: Any = _reference(payload)
    except audit.PIIInPayload as e:
        with pytest.raises(audit.PIIInPayload) as got:
            audit._checked_payload(payload)
        assert str(got.value) == str(e)  # same message, same path
        return
    assert audit._checked_payload(payload) == expected


@pytest.mark.parametrize("value", PII)
def test_pii_deep_inside_is_refused_with_its_path(value: str) -> None:
    with pytest.raises(audit.PIIInPayload, match=r"payload\.a\[1\]\.b looks like"):
        audit._checked_payload({"a": [1, {"b": value}]})


def test_non_string_keys_and_nan_are_refused() -> None:
    with pytest.raises(TypeError):
        audit._checked_payload({"a": {1: "x"}})
    with pytest.raises(ValueError):
        audit._checked_payload({"a": [float("nan")]})
