"""Payment waterfall: how one payment is split over a loan's open installments.

Components: fee, penalty (overdue interest), interest, principal. The default order is
fees, overdue interest, interest, principal; installments are paid oldest first. Two modes:
- `per_installment` (default): clear the oldest installment component by component in the
  configured order, then the next installment;
- `component_first`: take the first component across all open installments (oldest first),
  then the next component across all of them.

The split is exact: allocations plus `unapplied` (overpayment) always equal the payment.
`allocate_minor` is the integer core (used by the delinquency replay and the importer);
`allocate_payment` is the same on Money values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, NamedTuple

from faircollect.money import CurrencyMismatch, Money

__all__ = [
    "DEFAULT_WATERFALL",
    "Allocation",
    "Component",
    "ComponentAmounts",
    "InvalidWaterfall",
    "OpenInstallment",
    "WaterfallConfig",
    "WaterfallMode",
    "WaterfallResult",
    "allocate_minor",
    "allocate_payment",
    "parse_waterfall",
]


class Component(StrEnum):
    FEE = "fee"
    PENALTY = "penalty"  # overdue (penalty) interest, 罚息
    INTEREST = "interest"
    PRINCIPAL = "principal"


# canonical index of each component in ComponentAmounts / the integer core
_INDEX = {Component.FEE: 0, Component.PENALTY: 1, Component.INTEREST: 2, Component.PRINCIPAL: 3}


class ComponentAmounts(NamedTuple):
    """Integer minor amounts by component (canonical order fee, penalty, interest, principal)."""

    fee: int
    penalty: int
    interest: int
    principal: int

    @property
    def total(self) -> int:
        return self.fee + self.penalty + self.interest + self.principal


class WaterfallMode(StrEnum):
    PER_INSTALLMENT = "per_installment"
    COMPONENT_FIRST = "component_first"


class WaterfallConfig(NamedTuple):
    """A creditor's waterfall: component order (a permutation of all four) and mode."""

    order: tuple[Component, ...] = (
        Component.FEE,
        Component.PENALTY,
        Component.INTEREST,
        Component.PRINCIPAL,
    )
    mode: WaterfallMode = WaterfallMode.PER_INSTALLMENT

    def problems(self) -> tuple[str, ...]:
        """Why this config is unusable; () when it is fine."""
        out = []
        if sorted(self.order) != sorted(Component) or len(self.order) != len(Component):
            out.append("order must list fee, penalty, interest and principal exactly once")
        if not isinstance(self.mode, WaterfallMode):
            out.append(f"unknown mode {self.mode!r}")
        return tuple(out)

    @property
    def order_indexes(self) -> tuple[int, ...]:
        return tuple(_INDEX[c] for c in self.order)


DEFAULT_WATERFALL = WaterfallConfig()


class InvalidWaterfall(NamedTuple):
    problems: tuple[str, ...]


def parse_waterfall(settings: Mapping[str, Any] | None) -> WaterfallConfig | InvalidWaterfall:
    """A config from creditor settings {"order": ["fee", ...], "mode": "per_installment"}
    (keys optional; None or {} gives the default). Returns the config or `InvalidWaterfall`."""
    if not settings:
        return DEFAULT_WATERFALL
    try:
        order = tuple(Component(c) for c in settings.get("order", DEFAULT_WATERFALL.order))
        mode = WaterfallMode(settings.get("mode", DEFAULT_WATERFALL.mode))
    except (ValueError, TypeError) as e:
        return InvalidWaterfall((f"invalid waterfall setting: {e}",))
    cfg = WaterfallConfig(order, mode)
    problems = cfg.problems()
    return InvalidWaterfall(problems) if problems else cfg


class OpenInstallment(NamedTuple):
    """What is still owed on one installment, by component."""

    seq: int
    fee: Money
    penalty: Money
    interest: Money
    principal: Money


class Allocation(NamedTuple):
    seq: int
    component: Component
    amount: Money


class WaterfallResult(NamedTuple):
    allocations: tuple[Allocation, ...]  # non-zero parts, in the order they were paid
    unapplied: Money  # overpayment: nothing left to pay

    def by_installment(self) -> dict[int, dict[Component, Money]]:
        out: dict[int, dict[Component, Money]] = {}
        for a in self.allocations:
            slot = out.setdefault(a.seq, {})
            slot[a.component] = slot[a.component] + a.amount if a.component in slot else a.amount
        return out


def allocate_minor(
    amount: int, owed: Sequence[list[int]], order: Sequence[int], mode: WaterfallMode
) -> tuple[list[tuple[int, int, int]], int]:
    """Integer core. `owed` lists installments oldest first, each a mutable [fee, penalty,
    interest, principal] in minor units; it is reduced in place by what is paid. `order` holds
    canonical component indexes (`WaterfallConfig.order_indexes`). Returns the allocations as
    (installment position in `owed`, component index, amount) and the unapplied rest."""
    if amount < 0:
        raise ValueError("a payment cannot be negative")
    paid: list[tuple[int, int, int]] = []
    left = amount
    if mode is WaterfallMode.PER_INSTALLMENT:
        pairs = ((i, c) for i in range(len(owed)) for c in order)
    else:
        pairs = ((i, c) for c in order for i in range(len(owed)))
    for i, c in pairs:
        if left == 0:
            break
        due = owed[i][c]
        if due > 0:
            take = due if due < left else left
            owed[i][c] = due - take
            left -= take
            paid.append((i, c, take))
    return paid, left


_BY_INDEX = tuple(sorted(_INDEX, key=_INDEX.__getitem__))


def allocate_payment(
    payment: Money,
    open_installments: Sequence[OpenInstallment],
    config: WaterfallConfig = DEFAULT_WATERFALL,
) -> WaterfallResult:
    """Split `payment` over `open_installments` (sorted oldest first by seq here) following
    `config`. Raises ValueError on a negative payment or an invalid config, CurrencyMismatch
    when amounts mix currencies."""
    problems = config.problems()
    if problems:
        raise ValueError("; ".join(problems))
    cur = payment.currency
    items = sorted(open_installments, key=lambda o: o.seq)
    owed: list[list[int]] = []
    for o in items:
        row = []
        for m in (o.fee, o.penalty, o.interest, o.principal):
            if m.currency != cur:
                raise CurrencyMismatch(cur, m.currency)
            if m.minor < 0:
                raise ValueError(f"installment {o.seq} owes a negative amount")
            row.append(m.minor)
        owed.append(row)
    paid, left = allocate_minor(payment.minor, owed, config.order_indexes, config.mode)
    allocations = tuple(Allocation(items[i].seq, _BY_INDEX[c], Money(a, cur)) for i, c, a in paid)
    return WaterfallResult(allocations, Money(left, cur))
