"""The vectorised checks may only accept what the scalar validators accept, with the same value
(fastpath.py's contract): property tests on valid-looking and random cells."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.portfolio import fastpath, schema
from faircollect.portfolio.idnumber import check_char
from faircollect.portfolio.issues import CellError

CASES = settings(max_examples=120, deadline=None)


def _batch(values: list[str]) -> pa.Array:
    return pa.array(values, pa.string())


ymd = st.builds(
    lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
)
date_cells = st.lists(
    st.one_of(ymd, st.dates().map(date.isoformat), st.text(max_size=12)), max_size=20
)


@CASES
@given(date_cells)
def test_dates(cells: list[str]) -> None:
    ok, values = fastpath.dates(_batch(cells))
    for cell, accepted, value in zip(cells, ok, values, strict=True):
        scalar = schema.check_date(cell)
        if accepted:
            assert not isinstance(scalar, CellError), cell
            assert np.datetime64(scalar, "D") == value
        if not isinstance(scalar, CellError) and len(cell) == 10:
            assert accepted, cell  # and it takes every plain valid date


offset = st.builds(
    lambda s, h, m: f"{s}{h:02d}:{m:02d}",
    st.sampled_from("+-"),
    st.integers(0, 25),
    st.integers(0, 61),
)
stamp = st.builds(
    lambda d, h, mi, s, o: f"{d}T{h:02d}:{mi:02d}:{s:02d}{o}",
    st.one_of(ymd, st.dates().map(date.isoformat)),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.one_of(offset, st.just("Z"), st.just("")),
)


@CASES
@given(st.lists(st.one_of(stamp, st.text(max_size=26)), max_size=20))
def test_datetimes(cells: list[str]) -> None:
    ok, values = fastpath.datetimes(_batch(cells))
    for cell, accepted, value in zip(cells, ok, values, strict=True):
        if accepted:
            scalar = schema.check_datetime(cell)
            assert isinstance(scalar, datetime), cell
            assert np.datetime64(scalar.replace(tzinfo=None), "us") == value


amount_text = st.from_regex(r"\A[+-]?[0-9]{0,16}(\.[0-9]{0,4})?\Z")


@CASES
@given(
    st.lists(st.one_of(amount_text, st.text(max_size=10)), max_size=20), st.sampled_from([0, 2, 3])
)
def test_amounts(cells: list[str], places: int) -> None:
    currency = {0: "JPY", 2: "CNY", 3: "KWD"}[places]
    ok, values = fastpath.amounts(_batch(cells), places)
    for cell, accepted, value in zip(cells, ok, values, strict=True):
        if accepted:
            assert schema.check_amount(cell, currency) == value, cell


phone_text = st.one_of(
    st.from_regex(r"\A(\+86)?1[0-9]{10}\Z"),
    st.from_regex(r"\A\+?[0-9 ]{5,16}\Z"),
    st.text(max_size=14),
)


@CASES
@given(st.lists(phone_text, max_size=20))
def test_phones(cells: list[str]) -> None:
    ok, values = fastpath.phones(_batch(cells))
    for cell, accepted, value in zip(cells, ok, values.to_pylist(), strict=True):
        if accepted:
            assert schema.check_phone(cell) == value, cell


def _with_check(first17: str) -> str:
    return first17 + check_char(first17)


id_text = st.one_of(
    st.from_regex(r"\A[0-9]{17}[0-9X]\Z"),
    st.from_regex(r"\A[1-8][0-9]{5}(19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}\Z").map(_with_check),
    st.text(max_size=18),
)


@CASES
@given(st.lists(id_text, max_size=20))
def test_id_numbers(cells: list[str]) -> None:
    ok = fastpath.id_numbers(_batch(cells))
    for cell, accepted in zip(cells, ok, strict=True):
        if accepted:
            assert schema.check_id_number(cell) == cell, cell


@CASES
@given(st.lists(st.one_of(st.emails().map(str), st.text(max_size=20)), max_size=20))
def test_emails(cells: list[str]) -> None:
    ok = fastpath.emails(_batch(cells))
    for cell, accepted in zip(cells, ok, strict=True):
        if accepted:
            assert schema.check_email(cell) == cell, cell


@CASES
@given(st.lists(st.text(max_size=70), max_size=20), st.sampled_from([5, 64]))
def test_texts_and_refs(cells: list[str], max_len: int) -> None:
    ok = fastpath.texts(_batch(cells), max_len)
    check = schema.check_text(max_len)
    refs = fastpath.matches(_batch(cells), r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}")
    for cell, accepted, ref_ok in zip(cells, ok, refs, strict=True):
        if accepted:
            assert check(cell) == cell, cell
        assert bool(ref_ok) == (schema.check_ref(cell) == cell), cell


@CASES
@given(st.lists(st.one_of(st.integers(-5, 700).map(str), st.text(max_size=4)), max_size=20))
def test_ints(cells: list[str]) -> None:
    ok, values = fastpath.ints(_batch(cells), 1, 600)
    for cell, accepted, value in zip(cells, ok, values, strict=True):
        if accepted:
            assert schema.check_term_months(cell) == value, cell


def test_timezones_and_choices() -> None:
    names = sorted(fastpath.timezone_names())
    assert all(schema.check_timezone(n) == n for n in names)
    ok = fastpath.choices(_batch(["sms", "SMS", "", "call"]), schema.CHANNELS)
    assert ok.tolist() == [True, False, False, True]
