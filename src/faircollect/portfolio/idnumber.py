"""Chinese resident identity card numbers (GB 11643-1999): 18 characters =
6-digit administrative division code + 8-digit birth date (YYYYMMDD) + 3-digit sequence code
(odd = male, even = female) + check character (ISO 7064 MOD 11-2, "0"-"9" or "X").

Only the 18-character form is accepted (the 15-digit form was retired in 2013).
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from .issues import CellError

__all__ = ["PROVINCE_CODES", "IdNumber", "check_char", "parse_id_number"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # indexed by sum mod 11

# first two digits of the division code (GB/T 2260 provinces; 71/81/82 are Taiwan, Hong Kong
# and Macao, which appear on residence permits)
PROVINCE_CODES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    }
)

_SHAPE = re.compile(r"\d{17}[\dX]", re.ASCII)


class IdNumber(NamedTuple):
    value: str  # canonical: upper-case X, no blanks
    area: str
    birth: date
    sequence: int

    @property
    def female(self) -> bool:
        return self.sequence % 2 == 0


def check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def parse_id_number(text: str, *, today: date | None = None) -> IdNumber | CellError:
    """The parsed number, or why it is not a valid 18-character id number."""
    v = text.strip().upper()
    if not _SHAPE.fullmatch(v):
        return CellError(
            f"{text!r} is not an id number: 18 characters, 17 digits and a digit or X",
            f"{text!r} 不是身份证号码：须为 18 位，前 17 位为数字，末位为数字或 X",
        )
    if v[:2] not in PROVINCE_CODES:
        return CellError(
            f"id number has an unknown province code {v[:2]}",
            f"身份证号码的省级行政区划代码 {v[:2]} 不存在",
        )
    try:
        birth = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return CellError(
            f"id number has a birth date {v[6:14]} that does not exist",
            f"身份证号码中的出生日期 {v[6:14]} 不存在",
        )
    if birth.year < 1900 or (today is not None and birth > today):
        return CellError(
            f"id number has an implausible birth date {birth.isoformat()}",
            f"身份证号码中的出生日期 {birth.isoformat()} 不合理",
        )
    expected = check_char(v[:17])
    if v[17] != expected:
        return CellError(
            f"id number check character is {v[17]}, expected {expected} (GB 11643)",
            f"身份证号码校验码为 {v[17]}，应为 {expected}（GB 11643）",
        )
    return IdNumber(v, v[:6], birth, int(v[14:17]))
