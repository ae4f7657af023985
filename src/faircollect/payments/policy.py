"""A creditor's payment settings (``creditors.settings``), read with defaults.

- ``waterfall``: ``{"order": [...], "mode": ...}`` (see domain.waterfall; default fees, penalty,
  interest, principal, per installment);
- ``penalty_rate_percent``: the creditor's overdue-interest rate before the legal cap (0);
- ``lender_kind``: ``licensed`` (default) or ``private`` (which legal cap applies);
- ``timezone``: the zone whose calendar dates payments and promises (Asia/Shanghai);
- ``promise``: promise-to-pay tolerance, ``{"grace_days": 0, "amount_tolerance_percent": "0",
  "amount_tolerance": "0.00", "max_days_ahead": 30}``: a promise is kept when the payments
  made from its creation through ``due_on + grace_days`` (local dates) reach the promised
  amount minus the larger of the two tolerances. Default: 100% by the promised date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from faircollect import clock
from faircollect.domain.cost import applicable_cap_percent
from faircollect.domain.penalty import effective_penalty_rate
from faircollect.domain.waterfall import DEFAULT_WATERFALL, WaterfallConfig, parse_waterfall
from faircollect.money import Money, MoneyError

__all__ = ["PromisePolicy", "ReplayPolicy", "promise_policy", "replay_policy", "timezone"]


class PromisePolicy(NamedTuple):
    grace_days: int = 0
    amount_tolerance_percent: Decimal = Decimal(0)
    amount_tolerance_minor: int = 0
    max_days_ahead: int = 30

    def required(self, promised: Money) -> Money:
        """The least total that keeps a promise of `promised`."""
        pct = promised.scale(self.amount_tolerance_percent / Decimal(100))
        slack = max(pct.minor, self.amount_tolerance_minor)
        return Money(max(promised.minor - slack, 0), promised.currency)


def promise_policy(settings: Mapping[str, Any] | None, currency: str) -> PromisePolicy:
    raw = (settings or {}).get("promise") or {}
    if not isinstance(raw, Mapping):
        return PromisePolicy()
    try:
        grace = max(int(raw.get("grace_days", 0)), 0)
        pct = Decimal(str(raw.get("amount_tolerance_percent", "0")))
        if not pct.is_finite() or pct < 0 or pct > 100:
            pct = Decimal(0)
        tol = raw.get("amount_tolerance")
        tol_minor = Money.parse(str(tol), currency).minor if tol is not None else 0
        ahead = max(int(raw.get("max_days_ahead", 30)), 0)
    except (ValueError, TypeError, InvalidOperation, MoneyError):
        return PromisePolicy()
    return PromisePolicy(grace, pct, max(tol_minor, 0), ahead)


class ReplayPolicy(NamedTuple):
    waterfall: WaterfallConfig
    penalty_rate_percent: Decimal
    lender_kind: str

    def capped_rate(self, apr: Decimal, originated_on: date) -> Decimal:
        if self.penalty_rate_percent <= 0:
            return Decimal(0)
        cap = applicable_cap_percent(self.lender_kind, originated_on)
        return effective_penalty_rate(apr, self.penalty_rate_percent, cap)


def replay_policy(settings: Mapping[str, Any] | None) -> ReplayPolicy:
    s = settings or {}
    wf = parse_waterfall(s.get("waterfall"))
    try:
        rate = Decimal(str(s.get("penalty_rate_percent", "0")))
    except InvalidOperation:
        rate = Decimal(0)
    return ReplayPolicy(
        wf if isinstance(wf, WaterfallConfig) else DEFAULT_WATERFALL,
        rate if rate.is_finite() and rate > 0 else Decimal(0),
        str(s.get("lender_kind", "licensed")),
    )


def timezone(settings: Mapping[str, Any] | None) -> str:
    tz = str((settings or {}).get("timezone") or clock.SHANGHAI)
    try:
        clock.zone(tz)
    except clock.ClockError:
        return clock.SHANGHAI
    return tz
