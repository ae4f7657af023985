"""Strategy specs: validation with located errors, canonical form, digest, diff."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.strategy import spec as S


def _data(**changes: Any) -> dict[str, Any]:
    d = S.shipped("faircollect-default").to_data()
    d.update(changes)
    return d


def test_shipped_strategies_are_valid_and_canonical() -> None:
    assert S.shipped_names() == ("dpd-escalation", "faircollect-default")
    for name in S.shipped_names():
        s = S.shipped(name)
        assert s.name == name
        again = S.load_text(S.canonical_yaml(s))
        assert again == s and S.digest(again) == S.digest(s)
        assert S.diff(s, again) == ""
    default = S.shipped("faircollect-default")
    assert default.harm_budget.contacts_per_week == 3
    assert default.holdout is not None and str(default.holdout.share) == "0.02"
    assert S.shipped("dpd-escalation").selection == "most_intrusive"


def test_a_different_meaning_has_a_different_digest_and_a_diff() -> None:
    a = S.shipped("faircollect-default")
    b = S.from_data(_data(harm_budget={"contacts_per_week": 2}))
    assert S.digest(a) != S.digest(b)
    text = S.diff(a, b, "a", "b")
    assert "-  contacts_per_week: 3" in text and "+  contacts_per_week: 2" in text


@pytest.mark.parametrize(
    ("change", "where", "needle"),
    [
        ({"name": "Bad Name"}, "name", "lower-case"),
        ({"segments": []}, "(spec)", "at least one segment"),
        ({"segments": [{"name": "a", "ladder": ["call", "sms"]}]}, "segments[0].ladder",
         "less to more intrusive"),
        ({"segments": [{"name": "a", "ladder": ["fax"]}]}, "segments[0].ladder[0]", "'visit'"),
        ({"segments": [{"name": "a", "ladder": ["sms"], "when": {"colour": "red"}}]},
         "segments[0].when", "unknown feature 'colour'"),
        ({"segments": [{"name": "a", "ladder": ["sms"], "when": {"dpd": {">=": "ten"}}}]},
         "segments[0].when", "integer"),
        ({"segments": [{"name": "a", "ladder": ["sms"], "threshold": "12.345 CNY"}]},
         "segments[0].threshold", "decimal places"),
        ({"segments": [{"name": "a", "ladder": ["sms"], "threshold": "12 XYZ"}]},
         "segments[0].threshold", "unknown currency"),
        ({"segments": [{"name": "a", "ladder": ["sms"]}, {"name": "a", "ladder": ["sms"]}]},
         "(spec)", "unique"),
        ({"challengers": [{"arm": "x", "strategy": "dpd-escalation", "share": "1.2"}]},
         "challengers[0].share", "less than 1"),
        ({"challengers": [{"arm": "holdout", "strategy": "dpd-escalation", "share": "0.2"}]},
         "(spec)", "not 'champion' or 'holdout'"),
        ({"unknown_key": 1}, "unknown_key", "Extra inputs"),
        ({"conditions": {"visit": {"score": {">=": "1.5"}}}}, "conditions.visit", "rate"),
        ({"conditions": {"visit": {"vulnerable": {">=": True}}}}, "conditions.visit",
         "compare with == or != only"),
    ],
)  # fmt: skip
def test_invalid_specs_are_refused_with_the_location(
    change: dict[str, Any], where: str, needle: str
) -> None:
    with pytest.raises(S.SpecError) as e:
        S.from_data(_data(**change), "x.yaml")
    assert any(loc == where and needle in msg for loc, msg in e.value.problems), e.value.problems


def test_yaml_errors_are_reported() -> None:
    with pytest.raises(S.SpecError) as e:
        S.load_text("name: [unclosed", "broken.yaml")
    assert e.value.problems[0][0] == "(yaml)"
    assert str(e.value).startswith("broken.yaml: ")


_leaf = st.one_of(
    st.builds(lambda n: {"dpd": {">=": n}}, st.integers(0, 400)),
    st.builds(lambda b: {"bucket": b}, st.lists(st.sampled_from(["M1", "M2", "M7+"]),
                                                min_size=1, max_size=3, unique=True)),
    st.builds(lambda v: {"lost_contact": v}, st.booleans()),
    st.builds(lambda a: {"balance": {"<": f"{a}.00 CNY"}}, st.integers(0, 10**6)),
    st.builds(lambda r: {"score": {">": f"0.{r:04d}"}}, st.integers(0, 9999)),
)  # fmt: skip
_cond = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(_cond)
def test_conditions_round_trip_through_their_canonical_form(raw: Any) -> None:
    c = S.parse_condition(raw)
    assert S.parse_condition(S.condition_yaml(c)) == c
