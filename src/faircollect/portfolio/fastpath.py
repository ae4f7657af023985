"""Vectorised cell checks (pyarrow compute and numpy) for the bulk importer.

Each function takes a column of cells (a pyarrow string array without nulls) and returns a
boolean numpy mask of the cells it *accepts*, plus the converted values where the column has
a type. The contract, checked by property tests against `schema.py`: a cell accepted here is
accepted by the scalar validator with the same value. A cell not accepted here is not
necessarily wrong (e.g. "+86 138 0013 8000", "2026-03-04T14:05:00Z"): the caller hands it to
the scalar validator, which decides and writes the message.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from .idnumber import PROVINCE_CODES

__all__ = [
    "amounts",
    "choices",
    "dates",
    "datetimes",
    "emails",
    "id_numbers",
    "ints",
    "matches",
    "phones",
    "texts",
]

EPOCH_DAY = np.datetime64("1970-01-01", "D")


def _mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)


def matches(arr: pa.Array, pattern: str) -> np.ndarray:
    """Cells that fully match an RE2 pattern (anchors added here)."""
    return _mask(pc.fill_null(pc.match_substring_regex(arr, f"^(?:{pattern})$"), False))


def choices(arr: pa.Array, allowed: tuple[str, ...] | frozenset[str]) -> np.ndarray:
    return _mask(pc.is_in(arr, value_set=pa.array(sorted(allowed), pa.string())))


def texts(arr: pa.Array, max_len: int) -> np.ndarray:
    """No control characters, no leading/trailing blanks, at most max_len characters."""
    short = pc.less_equal(pc.utf8_length(arr), max_len)
    clean = pc.invert(pc.match_substring_regex(arr, r"[\x00-\x1f\x7f]"))
    trimmed = pc.equal(pc.utf8_trim_whitespace(arr), arr)
    return _mask(pc.and_(pc.and_(short, clean), trimmed))


# -- fixed-width byte views ------------------------------------------------------------------
def _fixed(arr: pa.Array, width: int, filler: str) -> tuple[np.ndarray, np.ndarray]:
    """(cells whose UTF-8 length is `width`, an (n, width) uint8 matrix of those cells; other
    rows hold `filler`)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    ok = _mask(pc.equal(pc.binary_length(arr), width))
    if n == 0:
        return ok, np.zeros((0, width), dtype=np.uint8)
    same = pc.if_else(pa.array(ok), arr, pa.scalar(filler, pa.string()))
    if isinstance(same, pa.ChunkedArray):
        same = same.combine_chunks()
    same = same.cast(pa.string())
    _, offsets_buf, data_buf = same.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[same.offset : same.offset + n + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)
    start = int(offsets[0])
    matrix = data[start : start + n * width].reshape(n, width)
    return ok, matrix


def _digits(m: np.ndarray, cols: range | list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(all given columns are ASCII digits, their decimal value)."""
    d = m[:, list(cols)].astype(np.int64) - 48
    ok = np.all((d >= 0) & (d <= 9), axis=1)
    value = np.zeros(len(m), dtype=np.int64)
    for j in range(d.shape[1]):
        value = value * 10 + d[:, j]
    return ok, value


_MDAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _ymd(y: np.ndarray, mo: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the date exists (year 1-9999), datetime64[D] values; 1970-01-01 where invalid)."""
    month_ok = (mo >= 1) & (mo <= 12) & (y >= 1)
    mi = np.clip(mo - 1, 0, 11)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    last = _MDAYS[mi] + ((mi == 1) & leap)
    ok = month_ok & (d >= 1) & (d <= last)
    months = np.where(ok, (y - 1970) * 12 + mi, 0).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    return ok, days


def _date_matrix(m: np.ndarray, at: int = 0) -> tuple[np.ndarray, np.ndarray]:
    oy, y = _digits(m, range(at, at + 4))
    om, mo = _digits(m, range(at + 5, at + 7))
    od, d = _digits(m, range(at + 8, at + 10))
    dashes = (m[:, at + 4] == 45) & (m[:, at + 7] == 45)
    ok, days = _ymd(y, mo, d)
    return oy & om & od & dashes & ok, days


def dates(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """YYYY-MM-DD dates that exist -> datetime64[D]."""
    ok_len, m = _fixed(arr, 10, "1970-01-01")
    ok, days = _date_matrix(m)
    return ok_len & ok, days


def datetimes(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """YYYY-MM-DDTHH:MM:SS+HH:MM (25 characters) -> datetime64[us] in UTC."""
    ok_len, m = _fixed(arr, 25, "1970-01-01T00:00:00+00:00")
    ok_date, days = _date_matrix(m)
    oh, hh = _digits(m, [11, 12])
    omi, mi = _digits(m, [14, 15])
    os_, ss = _digits(m, [17, 18])
    ooh, offh = _digits(m, [20, 21])
    oom, offm = _digits(m, [23, 24])
    seps = (m[:, 10] == 84) & (m[:, 13] == 58) & (m[:, 16] == 58) & (m[:, 22] == 58)
    sign_ok = (m[:, 19] == 43) | (m[:, 19] == 45)
    ranges = (hh <= 23) & (mi <= 59) & (ss <= 59) & (offh <= 23) & (offm <= 59)
    ok = ok_len & ok_date & oh & omi & os_ & ooh & oom & seps & sign_ok & ranges
    sign = np.where(m[:, 19] == 45, -1, 1)
    seconds = hh * 3600 + mi * 60 + ss - sign * (offh * 3600 + offm * 60)
    us = days.astype("datetime64[us]") + (np.where(ok, seconds, 0) * 1_000_000).astype(
        "timedelta64[us]"
    )
    return ok, us


def ints(arr: pa.Array, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Plain positive integers without leading zeros in [lo, hi] (lo >= 1)."""
    ok = matches(arr, r"[1-9][0-9]{0,8}")
    safe = pc.if_else(pa.array(ok), arr, pa.scalar("0", pa.string()))
    values = np.asarray(pc.cast(safe, pa.int64()).to_numpy(zero_copy_only=False))
    ok &= (values >= lo) & (values <= hi)
    return ok, values


def amounts(arr: pa.Array, places: int) -> tuple[np.ndarray, np.ndarray]:
    """Unsigned plain decimals with at most `places` decimals -> minor units (int64)."""
    frac = rf"(?:\.(?P<f>[0-9]{{1,{places}}}))?" if places else ""
    parts = pc.extract_regex(arr, rf"^(?P<w>[0-9]{{1,13}}){frac}$")
    ok = _mask(pc.is_valid(parts))
    whole = pc.if_else(pa.array(ok), pc.struct_field(parts, "w"), pa.scalar("0"))
    minor = np.asarray(pc.cast(whole, pa.int64()).to_numpy(zero_copy_only=False)) * 10**places
    if places:
        f = pc.struct_field(parts, "f")
        f = pc.if_else(pa.array(ok), f, pa.scalar(""))
        padded = pc.utf8_rpad(f, width=places, padding="0")
        minor = minor + np.asarray(pc.cast(padded, pa.int64()).to_numpy(zero_copy_only=False))
    return ok, np.where(ok, minor, 0)


@lru_cache(maxsize=1)
def _cn_mobile_pattern() -> str:
    md = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    assert md is not None and md.mobile is not None
    pattern = md.mobile.national_number_pattern
    assert pattern is not None
    return pattern


def phones(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Chinese mobile numbers (national or +86) -> E.164. A sufficient test: it uses the
    mobile pattern from phonenumbers' own metadata; anything else goes to phonenumbers."""
    pattern = _cn_mobile_pattern()
    national = matches(arr, f"(?:{pattern})")
    e164 = matches(arr, rf"\+86(?:{pattern})")
    prefixed = pc.binary_join_element_wise(pa.scalar("+86"), arr, "")
    values = pc.if_else(pa.array(national), prefixed, arr)
    return national | e164, values


_EMAIL_FAST = (
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}"
)


def emails(arr: pa.Array) -> np.ndarray:
    ok = matches(arr, _EMAIL_FAST)
    return ok & _mask(pc.less_equal(pc.binary_length(arr), 254))


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    return frozenset(z for z in available_timezones() if "/" in z or z == "UTC")


_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_PROVINCES = np.array(sorted(int(p) for p in PROVINCE_CODES), dtype=np.int64)


def id_numbers(arr: pa.Array) -> np.ndarray:
    """18-character GB 11643 numbers (upper-case X) with a known province, an existing birth
    date from 1900 on and a correct check character."""
    ok_len, m = _fixed(arr, 18, "110101199001010017")
    ok_digits, _ = _digits(m, range(17))
    d = m[:, :17].astype(np.int64) - 48
    check = _CHECK[(d * _WEIGHTS).sum(axis=1) % 11]
    ok_check = m[:, 17] == check
    _, province = _digits(m, [0, 1])
    ok_prov = np.isin(province, _PROVINCES)
    _, y = _digits(m, range(6, 10))
    _, mo = _digits(m, range(10, 12))
    _, dd = _digits(m, range(12, 14))
    ok_birth, _ = _ymd(y, mo, dd)
    return ok_len & ok_digits & ok_check & ok_prov & ok_birth & (y >= 1900)
