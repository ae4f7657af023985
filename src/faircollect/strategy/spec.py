"""Strategy spec: YAML, validated, canonical (hashable, diffable), versioned in the database.

A spec says, for every overdue account: which segment it is in (by bucket, balance, product,
region, score ...), the segment's escalation ladder of treatments (ordered by intrusiveness,
see `treatments.py`), when a treatment may be escalated to (conditions), the harm budget per
borrower, how to choose (the least intrusive treatment whose expected recovery clears the
segment's threshold, or — industry practice — the most intrusive permitted one), the costs
used to rank work under capacity, and the experiment (challenger arms on a stable hash split
and a permanent holdout).

    name: faircollect-default
    title: {en: ..., zh: ...}
    harm_budget: {contacts_per_week: 3, visits_per_90_days: 1}
    conditions:
      visit:
        - any: [{lost_contact: true}, {days_since_rpc: {">=": 30}}]
        - balance: {">=": "5000.00 CNY"}
        - digital_attempts_14d: {">=": 3}
    segments:
      - name: early
        when: {bucket: [M1]}
        ladder: [app, email, sms, call]
        threshold: "30.00 CNY"

Conditions (closed grammar, compiled to Ibis; nothing is evaluated as Python code):
- a list, or a mapping with several keys: all of them;
- `{all: [...]}`, `{any: [...]}`, `{not: ...}`;
- `{feature: value}`: equality (a list: membership);
- `{feature: {op: value}}` with op in `==, !=, <, <=, >, >=, in, not_in`.
Features are listed in `FEATURES` with their kinds. Money values are `"5000.00 CNY"` or
`{CNY: "5000.00", USD: "800.00"}` (an account in a currency that is not listed never matches
a money comparison); rates (`score`) are decimals in [0, 1]; days are integers.

Platform floor (not configurable, see compile.py): a visit is never planned for a vulnerable
borrower or a disputed debt, and every treatment passes the rule packs.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from faircollect.money import Money, MoneyError, is_currency

from .treatments import TREATMENT_NAMES, TreatmentName

__all__ = [
    "FEATURES",
    "All",
    "Any_",
    "Cmp",
    "Cond",
    "Not",
    "SpecError",
    "StrategySpec",
    "canonical_yaml",
    "diff",
    "digest",
    "load_file",
    "load_text",
    "shipped",
    "shipped_names",
]

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

#: features a condition may name: kind (int, money, bool, str, rate) and meaning
FEATURES: dict[str, tuple[str, str]] = {
    "dpd": ("int", "days past due on the as-of date"),
    "bucket": ("str", "delinquency bucket M1 .. M7+"),
    "balance": ("money", "outstanding amount"),
    "principal": ("money", "original principal"),
    "product": ("str", "loan product"),
    "region": ("str", "borrower's region (province / state)"),
    "creditor": ("str", "creditor code"),
    "pack": ("str", "rule pack of the creditor (CN, US, US-MA, UK)"),
    "currency": ("str", "loan currency"),
    "language": ("str", "borrower's language (zh, en)"),
    "score": ("rate", "baseline propensity to pay (0-1) from the scorer"),
    "lost_contact": ("bool", "失联: the debtor cannot be reached on any known number"),
    "days_since_rpc": ("int", "days since the last right-party conversation (9999: never)"),
    "days_since_payment": ("int", "days since the last payment (9999: never)"),
    "digital_attempts_14d": ("int", "app, e-mail and SMS messages sent in 14 days"),
    "calls_7d": ("int", "call attempts to the debtor in 7 days"),
    "contacts_7d": ("int", "collector-initiated contacts about the debtor in 7 days"),
    "third_party_contacts_7d": ("int", "contacts with third parties in 7 days"),
    "visits_90d": ("int", "visits in 90 days"),
    "letters_30d": ("int", "letters in 30 days"),
    "broken_promises_90d": ("int", "promises to pay broken in 90 days"),
    "open_promise": ("bool", "a promise to pay is open and not yet due"),
    "paid_30d": ("money", "amount paid in 30 days"),
    "disputed": ("bool", "the debt is disputed"),
    "vulnerable": ("bool", "the borrower is known to be vulnerable"),
    "hardship": ("bool", "the borrower declared hardship"),
    "has_phone": ("bool", "a phone number is on file"),
    "has_email": ("bool", "an e-mail address is on file"),
    "has_app": ("bool", "the borrower uses the app"),
    "has_address": ("bool", "an address is on file"),
    "has_emergency_contact": ("bool", "an emergency contact is on file"),
}

CMP_OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in")


class SpecError(ValueError):
    """An invalid spec: `problems` are (location, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]], source: str = "") -> None:
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "; ".join(f"{loc}: {msg}" for loc, msg in problems))


# ---------------------------------------------------------------------------------------
# conditions
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cmp:
    feature: str
    op: str
    value: Any  # int, bool, str, tuple[str, ...], Money-by-currency dict (tuple of pairs), bp


@dataclass(frozen=True)
class All:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class Any_:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class Not:
    item: Cond


Cond = Cmp | All | Any_ | Not
TRUE = All(())


def _money_map(v: Any, where: str) -> tuple[tuple[str, int], ...]:
    """ "5000.00 CNY" or {CNY: "5000.00"} -> ((currency, minor), ...)."""
    pairs: list[tuple[str, str]] = []
    if isinstance(v, str):
        parts = v.split()
        if len(parts) != 2:
            raise ValueError(f"{where}: expected an amount like '5000.00 CNY', got {v!r}")
        pairs.append((parts[1], parts[0]))
    elif isinstance(v, dict) and v:
        pairs.extend((str(k), str(x)) for k, x in v.items())
    else:
        raise ValueError(f"{where}: expected '5000.00 CNY' or {{CNY: '5000.00'}}, got {v!r}")
    out = []
    for cur, amount in pairs:
        if not is_currency(cur):
            raise ValueError(f"{where}: unknown currency {cur!r}")
        try:
            out.append((cur, Money.parse(amount, cur).minor))
        except MoneyError as e:
            raise ValueError(f"{where}: {e}") from None
    return tuple(sorted(out))


def _rate_bp(v: Any, where: str) -> int:
    try:
        d = Decimal(str(v))
    except InvalidOperation:
        raise ValueError(f"{where}: expected a rate between 0 and 1, got {v!r}") from None
    if not (0 <= d <= 1) or (d * 10000) != (d * 10000).to_integral_value():
        raise ValueError(f"{where}: a rate between 0 and 1 with at most 4 decimals, got {v!r}")
    return int(d * 10000)


def _scalar(feature: str, kind: str, v: Any, where: str) -> Any:
    if kind == "int":
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"{where}: {feature} takes an integer, got {v!r}")
        return v
    if kind == "bool":
        if not isinstance(v, bool):
            raise ValueError(f"{where}: {feature} takes true or false, got {v!r}")
        return v
    if kind == "str":
        if not isinstance(v, str | int) or isinstance(v, bool):
            raise ValueError(f"{where}: {feature} takes text, got {v!r}")
        return str(v)
    if kind == "money":
        return _money_map(v, where)
    if kind == "rate":
        return _rate_bp(v, where)
    raise AssertionError(kind)  # pragma: no cover


def parse_condition(raw: Any, where: str = "condition") -> Cond:
    """Parse the YAML form of a condition (see the module docstring)."""
    if raw is None:
        return TRUE
    if isinstance(raw, list):
        return All(tuple(parse_condition(x, f"{where}[{i}]") for i, x in enumerate(raw)))
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{where}: expected a mapping or a list of conditions, got {raw!r}")
    if len(raw) > 1:
        return All(tuple(parse_condition({k: v}, f"{where}.{k}") for k, v in raw.items()))
    ((key, val),) = raw.items()
    key = str(key)
    if key in ("all", "any"):
        if not isinstance(val, list):
            raise ValueError(f"{where}.{key}: expected a list")
        items = tuple(parse_condition(x, f"{where}.{key}[{i}]") for i, x in enumerate(val))
        return All(items) if key == "all" else Any_(items)
    if key == "not":
        return Not(parse_condition(val, f"{where}.not"))
    if key not in FEATURES:
        raise ValueError(f"{where}: unknown feature {key!r} (known: {', '.join(sorted(FEATURES))})")
    kind = FEATURES[key][0]
    if isinstance(val, dict) and len(val) == 1 and str(next(iter(val))) in CMP_OPS:
        ((op, v),) = val.items()
        op = str(op)
    elif isinstance(val, list):
        op, v = "in", val
    else:
        op, v = "==", val
    loc = f"{where}.{key}"
    if op in ("in", "not_in"):
        if not isinstance(v, list) or not v or kind not in ("str", "int"):
            raise ValueError(f"{loc}: '{op}' takes a non-empty list of {kind} values")
        return Cmp(key, op, tuple(sorted({_scalar(key, kind, x, loc) for x in v}, key=str)))
    if kind in ("bool", "str") and op not in ("==", "!="):
        raise ValueError(f"{loc}: {kind} features compare with == or != only")
    return Cmp(key, op, _scalar(key, kind, v, loc))


def condition_yaml(c: Cond) -> Any:
    """The canonical YAML form of a parsed condition (inverse of `parse_condition`)."""
    if isinstance(c, All):
        return {"all": [condition_yaml(x) for x in c.items]}
    if isinstance(c, Any_):
        return {"any": [condition_yaml(x) for x in c.items]}
    if isinstance(c, Not):
        return {"not": condition_yaml(c.item)}
    kind = FEATURES[c.feature][0]
    v: Any = c.value
    if kind == "money":
        v = {cur: Money(minor, cur).amount_str() for cur, minor in v}
    elif kind == "rate":
        v = str(Decimal(v) / 10000)
    elif isinstance(v, tuple):
        v = list(v)
    return {c.feature: {c.op: v}}


def features_of(c: Cond) -> set[str]:
    if isinstance(c, Cmp):
        return {c.feature}
    if isinstance(c, Not):
        return features_of(c.item)
    out: set[str] = set()
    for x in c.items:
        out |= features_of(x)
    return out


def _cond(v: Any) -> Cond:
    if isinstance(v, Cmp | All | Any_ | Not):
        return v
    try:
        return parse_condition(v, "")
    except ValueError as e:  # the location inside the condition, without a leading dot
        raise ValueError(str(e).lstrip(".: ")) from None


CondField = Annotated[Any, BeforeValidator(_cond)]


def _money_field(v: Any) -> Any:
    if v is None or (isinstance(v, tuple) and all(isinstance(x, tuple) for x in v)):
        return v
    return _money_map(v, "amount")


MoneyByCurrency = Annotated[tuple[tuple[str, int], ...] | None, BeforeValidator(_money_field)]


# ---------------------------------------------------------------------------------------
# the spec
# ---------------------------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Text(_Model):
    en: str
    zh: str


class HarmBudget(_Model):
    """Per borrower, across all channels and loans; stricter than the law is allowed. None:
    no budget beyond the rules."""

    contacts_per_week: int | None = Field(default=None, ge=0)
    visits_per_90_days: int | None = Field(default=None, ge=0)
    third_party_contacts_per_week: int | None = Field(default=None, ge=0)


class Holdout(_Model):
    """A permanent holdout: a fixed share of borrowers, chosen by a hash with a salt that does
    not change with the strategy's versions or challengers, gets only the baseline (the least
    intrusive permitted treatment of its segment, whatever its expected recovery) or nothing."""

    share: Decimal = Field(ge=0, lt=1)
    salt: str = "faircollect-holdout-v1"
    treatment: Literal["baseline", "none"] = "baseline"


class Challenger(_Model):
    arm: str
    strategy: str  # another strategy's name (its active version) run on this arm's share
    share: Decimal = Field(gt=0, lt=1)

    @field_validator("arm", "strategy")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError("lower-case letters, digits, '-' and '_' only")
        return v


class Segment(_Model):
    name: str
    title: Text | None = None
    when: CondField = TRUE
    ladder: tuple[TreatmentName, ...]
    selection: Literal["least_intrusive", "most_intrusive"] | None = None
    threshold: MoneyByCurrency = None  # expected recovery a treatment must clear

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError("lower-case letters, digits, '-' and '_' only")
        return v

    @field_validator("ladder")
    @classmethod
    def _ladder(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("a ladder needs at least one treatment")
        if len(set(v)) != len(v):
            raise ValueError("a treatment appears twice in the ladder")
        pos = [TREATMENT_NAMES.index(t) for t in v]
        if pos != sorted(pos):
            order = " < ".join(TREATMENT_NAMES)
            raise ValueError(f"the ladder must go from less to more intrusive ({order})")
        return v


class StrategySpec(_Model):
    name: str
    title: Text
    description: Text | None = None
    selection: Literal["least_intrusive", "most_intrusive"] = "least_intrusive"
    harm_budget: HarmBudget = HarmBudget()
    conditions: dict[TreatmentName, CondField] = Field(default_factory=dict)
    costs: dict[TreatmentName, MoneyByCurrency] = Field(default_factory=dict)
    exclude: CondField | None = None  # accounts the strategy leaves alone (reason: excluded)
    segments: tuple[Segment, ...]
    salt: str | None = None  # challenger split salt (default: the name)
    holdout: Holdout | None = None
    challengers: tuple[Challenger, ...] = ()

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError("lower-case letters, digits, '-' and '_' only")
        return v

    @model_validator(mode="after")
    def _check(self) -> StrategySpec:
        names = [s.name for s in self.segments]
        if not names:
            raise ValueError("at least one segment is needed")
        if len(set(names)) != len(names):
            raise ValueError("segment names must be unique")
        arms = [c.arm for c in self.challengers]
        if len(set(arms)) != len(arms) or {"champion", "holdout"} & set(arms):
            raise ValueError("challenger arms must be unique and not 'champion' or 'holdout'")
        if any(c.strategy == self.name for c in self.challengers):
            raise ValueError("a challenger must be another strategy")
        total = sum((c.share for c in self.challengers), Decimal(0))
        if total >= 1:
            raise ValueError("challenger shares must leave a share for the champion")
        return self

    # -- views --------------------------------------------------------------------------
    @property
    def split_salt(self) -> str:
        return self.salt or self.name

    def selection_of(self, seg: Segment) -> str:
        return seg.selection or self.selection

    def to_data(self) -> dict[str, Any]:
        """Canonical plain data (YAML/JSON-able; parsing it gives an equal spec)."""

        def money(v: tuple[tuple[str, int], ...] | None) -> Any:
            if v is None:
                return None
            return {cur: Money(minor, cur).amount_str() for cur, minor in v}

        out: dict[str, Any] = {
            "name": self.name,
            "title": self.title.model_dump(),
        }
        if self.description is not None:
            out["description"] = self.description.model_dump()
        out["selection"] = self.selection
        out["harm_budget"] = self.harm_budget.model_dump()
        out["conditions"] = {
            t: condition_yaml(c) for t, c in sorted(self.conditions.items(), key=_tkey)
        }
        out["costs"] = {t: money(c) for t, c in sorted(self.costs.items(), key=_tkey)}
        if self.exclude is not None:
            out["exclude"] = condition_yaml(self.exclude)
        out["segments"] = []
        for s in self.segments:
            seg: dict[str, Any] = {"name": s.name}
            if s.title is not None:
                seg["title"] = s.title.model_dump()
            seg["when"] = condition_yaml(s.when)
            seg["ladder"] = list(s.ladder)
            if s.selection is not None:
                seg["selection"] = s.selection
            seg["threshold"] = money(s.threshold)
            out["segments"].append(seg)
        if self.salt is not None:
            out["salt"] = self.salt
        if self.holdout is not None:
            out["holdout"] = {
                "share": str(self.holdout.share),
                "salt": self.holdout.salt,
                "treatment": self.holdout.treatment,
            }
        if self.challengers:
            out["challengers"] = [
                {"arm": c.arm, "strategy": c.strategy, "share": str(c.share)}
                for c in self.challengers
            ]
        return out


def _tkey(item: tuple[str, Any]) -> int:
    return TREATMENT_NAMES.index(item[0])


# ---------------------------------------------------------------------------------------
# loading, canonical form, digest, diff
# ---------------------------------------------------------------------------------------
def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(spec)"


def from_data(data: Any, source: str = "") -> StrategySpec:
    if not isinstance(data, dict):
        raise SpecError([("(spec)", "expected a mapping at the top level")], source)
    try:
        return StrategySpec.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append((_loc(tuple(err["loc"])), msg))
        raise SpecError(problems, source) from None


def load_text(text: str, source: str = "") -> StrategySpec:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SpecError([("(yaml)", str(e).replace("\n", " "))], source) from None
    return from_data(data, source)


def load_file(path: Path) -> StrategySpec:
    return load_text(path.read_text(encoding="utf-8"), str(path))


def canonical_yaml(spec: StrategySpec) -> str:
    return yaml.safe_dump(spec.to_data(), allow_unicode=True, sort_keys=False, width=100)


def canonical_json(spec: StrategySpec) -> str:
    return json.dumps(spec.to_data(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(spec: StrategySpec) -> str:
    """sha256 of the canonical JSON: two specs that mean the same have the same digest."""
    return hashlib.sha256(canonical_json(spec).encode("utf-8")).hexdigest()


def diff(a: StrategySpec, b: StrategySpec, a_name: str = "a", b_name: str = "b") -> str:
    """Unified diff of the canonical YAML forms ("" when they mean the same)."""
    lines = difflib.unified_diff(
        canonical_yaml(a).splitlines(keepends=True),
        canonical_yaml(b).splitlines(keepends=True),
        fromfile=a_name,
        tofile=b_name,
    )
    return "".join(lines)


def shipped_names() -> tuple[str, ...]:
    """Names of the strategies shipped with faircollect (strategy/strategies/*.yaml)."""
    folder = resources.files("faircollect.strategy").joinpath("strategies")
    return tuple(
        sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))
    )


def shipped(name: str) -> StrategySpec:
    if name not in shipped_names():
        raise KeyError(name)
    res = resources.files("faircollect.strategy").joinpath("strategies", f"{name}.yaml")
    return load_text(res.read_text(encoding="utf-8"), f"strategies/{name}.yaml")
