"""The two interpreters agree: spec conditions and the rule-based scores in Ibis (DuckDB)
and in Python (the reference implementation), on random accounts."""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.strategy import compile as C
from faircollect.strategy import spec as S
from faircollect.strategy.reference import cond_value
from faircollect.strategy.scores import RuleBasedScorer
from faircollect.strategy.treatments import TREATMENT_NAMES

_row = st.fixed_dictionaries(
    {
        "bucket": st.sampled_from(["M1", "M2", "M3", "M4", "M5", "M6", "M7+"]),
        "dpd": st.integers(1, 400),
        "outstanding_minor": st.integers(0, 5_000_000),
        "currency": st.sampled_from(["CNY", "USD", "GBP"]),
        "broken_promises_90d": st.integers(0, 5),
        "paid_30d_minor": st.sampled_from([0, 0, 1, 5000]),
        "lost_contact": st.booleans(),
        "vulnerable": st.booleans(),
        "days_since_rpc": st.sampled_from([0, 5, 29, 30, 31, 9999]),
        "digital_attempts_14d": st.integers(0, 6),
        **{f"u_{t}": st.integers(0, 9) for t in
           ("app", "email", "sms", "call", "letter", "ec", "visit", "legal")},
    }
)  # fmt: skip
_SCHEMA = {
    "bucket": pa.string(), "currency": pa.string(), "lost_contact": pa.bool_(),
    "vulnerable": pa.bool_(),
}  # fmt: skip


def _table(rows: list[dict[str, Any]]) -> Any:
    cols = {k: pa.array([r[k] for r in rows], _SCHEMA.get(k, pa.int64())) for k in rows[0]}
    cols["row"] = pa.array(range(len(rows)), pa.int64())
    return ibis.memtable(pa.table(cols))


@settings(max_examples=25, deadline=None)
@given(st.lists(_row, min_size=1, max_size=40))
def test_scores_agree(rows: list[dict[str, Any]]) -> None:
    scorer = RuleBasedScorer()
    out = ibis.duckdb.connect().to_pyarrow(scorer.score(_table(rows)).order_by("row"))
    for i, r in enumerate(rows):
        assert out["score_bp"][i].as_py() == scorer.baseline_row(r)
        for t in TREATMENT_NAMES:
            p, er = scorer.score_row(r, t)
            assert (out[f"p_{t}"][i].as_py(), out[f"er_{t}"][i].as_py()) == (p, er)
            assert 0 <= p <= 9500


_cond = st.recursive(
    st.one_of(
        st.builds(lambda op, n: {"dpd": {op: n}}, st.sampled_from(["<", "<=", ">", ">=", "==",
                                                                   "!="]), st.integers(0, 400)),
        st.builds(lambda b: {"bucket": b}, st.lists(st.sampled_from(["M1", "M4", "M7+"]),
                                                    min_size=1, unique=True)),
        st.builds(lambda b: {"bucket": {"not_in": b}}, st.lists(st.sampled_from(["M1", "M2"]),
                                                                min_size=1, unique=True)),
        st.builds(lambda v: {"lost_contact": v}, st.booleans()),
        st.builds(lambda a, c: {"balance": {">=": {c: f"{a}.00"}}}, st.integers(0, 50_000),
                  st.sampled_from(["CNY", "USD"])),
        st.builds(lambda n: {"days_since_rpc": {">=": n}}, st.sampled_from([0, 30, 9999])),
    ),
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=6,
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(_cond, st.lists(_row, min_size=1, max_size=20))
def test_conditions_agree(raw: Any, rows: list[dict[str, Any]]) -> None:
    c = S.parse_condition(raw)
    t = _table(rows)
    out = ibis.duckdb.connect().to_pyarrow(t.select("row", v=C.cond_expr(c, t)).order_by("row"))
    assert out["v"].to_pylist() == [cond_value(c, r) for r in rows]
