"""Dated pack parameters (OpenFisca style).

A pack's parameters live in a YAML file next to its module (packs/us.yaml, ...). Each entry:

```yaml
call_max_7d:
  description:
    en: Most telephone calls about one debt in 7 consecutive days.
    zh: 7 个连续日内就同一笔债务拨打电话的最多次数。
  reference: 12 CFR 1006.14(b)(2)(i)(A)
  unverified: false          # optional; true where the catalog marks the source unverified
  values:
    2021-11-30: 7            # the value in force from that date (until the next key)
```

A scenario is judged by the values in force on its `now` (UTC calendar date). A date before
the first key takes the first value (packs do not model law older than their first date).
Lists become frozensets (membership tests); "HH:MM" stays text.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any, NamedTuple

import yaml

from faircollect.rules.vocab import Value

__all__ = ["Parameter", "Text", "load_parameters", "snapshot_dates", "values_at"]


class Text(NamedTuple):
    """A user-facing text in English and Chinese."""

    en: str
    zh: str

    def format(self, **kw: Any) -> Text:
        return Text(self.en.format(**kw), self.zh.format(**kw))


@dataclass(frozen=True)
class Parameter:
    name: str
    description: Text
    reference: str
    values: tuple[tuple[date, Value], ...]
    unverified: bool = False

    def at(self, day: date) -> Value:
        dates = [d for d, _ in self.values]
        i = bisect_right(dates, day) - 1
        return self.values[max(i, 0)][1]


def _value(v: Any) -> Value:
    if isinstance(v, list):
        return frozenset(str(x) for x in v)
    if v is None or isinstance(v, bool | int | str):
        return v
    raise ValueError(f"unsupported parameter value {v!r}")


def load_parameters(package: str, filename: str) -> dict[str, Parameter]:
    """Read a parameter file shipped inside `package`."""
    text = resources.files(package).joinpath(filename).read_text(encoding="utf-8")
    raw = yaml.safe_load(text) or {}
    out: dict[str, Parameter] = {}
    for name, spec in raw.items():
        desc = spec["description"]
        vals = spec["values"]
        if not isinstance(vals, dict) or not vals:
            raise ValueError(f"{filename}: {name}: 'values' must map dates to values")
        items = []
        for k, v in vals.items():
            if not isinstance(k, date):
                raise ValueError(f"{filename}: {name}: value key {k!r} is not a date")
            items.append((k, _value(v)))
        out[name] = Parameter(
            name=name,
            description=Text(str(desc["en"]), str(desc["zh"])),
            reference=str(spec["reference"]),
            values=tuple(sorted(items, key=lambda kv: kv[0])),
            unverified=bool(spec.get("unverified", False)),
        )
    return out


def snapshot_dates(params: dict[str, Parameter]) -> tuple[date, ...]:
    """Every date on which some parameter changes, sorted."""
    return tuple(sorted({d for p in params.values() for d, _ in p.values}))


def values_at(params: dict[str, Parameter], day: date) -> dict[str, Value]:
    return {name: p.at(day) for name, p in params.items()}
