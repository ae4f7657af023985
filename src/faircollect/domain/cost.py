"""Cost of credit: cash flows, monthly IRR, annualised cost and the CN legality verdict.

Cash flows are monthly periods: t0 = -(principal - fee) (what the borrower receives), then
installment k at period k (each installment carries exactly one month of interest, so the
periods follow the schedule, not the calendar days between due dates).
`annualised_cost_percent` = monthly IRR x 12 x 100, quantized to 2 places half-up (DESIGN
4.1). The IRR is solved in Decimal (50 digits; Newton inside a bisection bracket): no float
touches the result.

Caps (rule catalog, "cost of credit"):
- licensed lenders (online microlenders, consumer finance companies; the default): courts cut
  the total cost above 24% a year (法发〔2017〕22号); above 36% the cost is not supported at
  all ("cash loans", 整治办函〔2017〕141号);
- private lending (民间借贷): interest, overdue interest, penalties and fees together capped at
  4x the one-year LPR in force at the contract date (SPC 法释〔2020〕17号 arts. 25, 28, 29);
  there is no LPR before 2019-08-20: then no cap can be established and the verdict says so
  (`determined` False, `lawful` False: the loan cannot be shown to be lawful).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import NamedTuple

from faircollect.money import Money

from .loan import LoanTerms
from .lpr import FIRST_LPR_DATE, LprQuote, lpr_table, one_year_lpr
from .schedule import Installment, build_schedule

__all__ = [
    "BASIS_CASH_LOAN",
    "BASIS_LICENSED",
    "BASIS_PRIVATE",
    "CASH_LOAN_CAP_PERCENT",
    "LICENSED_CAP_PERCENT",
    "LenderKind",
    "Verdict",
    "annualised_cost_percent",
    "applicable_cap_percent",
    "cash_flows",
    "cost_verdict",
    "monthly_irr",
]

LICENSED_CAP_PERCENT = Decimal(24)
CASH_LOAN_CAP_PERCENT = Decimal(36)
# as written in ../shared/reference/rule-catalog.md, "cost of credit"
BASIS_LICENSED = "法发〔2017〕22号"
BASIS_CASH_LOAN = "整治办函〔2017〕141号"
BASIS_PRIVATE = "SPC 法释〔2020〕17号 arts. 25, 28, 29"

_CENT = Decimal("0.01")


class LenderKind(StrEnum):
    LICENSED = "licensed"  # 持牌: microlender, consumer finance company, bank (default)
    PRIVATE = "private"  # 民间借贷


def cash_flows(terms: LoanTerms, schedule: Sequence[Installment] | None = None) -> list[Money]:
    """[-(principal - fee), installment 1 total, ..., installment n total] (monthly periods)."""
    sched = build_schedule(terms) if schedule is None else schedule
    return [-terms.net_disbursed, *(i.total for i in sched)]


def _npv_and_slope(flows: Sequence[Decimal], r: Decimal) -> tuple[Decimal, Decimal]:
    v = 1 / (1 + r)
    npv = Decimal(0)
    weighted = Decimal(0)  # sum(k c_k v^k); d npv / d r = -v * weighted (dv/dr = -v^2)
    for k in range(len(flows) - 1, -1, -1):  # Horner in v
        npv = npv * v + flows[k]
        weighted = weighted * v + k * flows[k]
    return npv, -v * weighted


def _npv(flows: Sequence[Decimal], r: Decimal) -> Decimal:
    v = 1 / (1 + r)
    acc = Decimal(0)
    for c in reversed(flows):
        acc = acc * v + c
    return acc


def monthly_irr(flows: Sequence[Money] | Sequence[int]) -> Decimal:
    """The per-period rate r with sum(c_k / (1+r)^k) = 0, to about 1e-30.

    Needs a first flow < 0 and the rest >= 0 with a positive sum (a single sign change, so
    the root is unique). Raises ValueError otherwise."""
    ints = [f.minor if isinstance(f, Money) else f for f in flows]
    if len(ints) < 2 or ints[0] >= 0 or any(c < 0 for c in ints[1:]) or sum(ints[1:]) <= 0:
        raise ValueError("cash flows must be one outflow followed by non-negative inflows")
    with localcontext() as ctx:
        ctx.prec = 50
        cs = [Decimal(c) for c in ints]
        # bracket: npv is decreasing in r; npv(lo) > 0 > npv(hi)
        lo, hi = Decimal("-0.999999"), Decimal(1)
        while _npv(cs, hi) > 0:
            lo, hi = hi, hi * 2
        r = (lo + hi) / 2 if lo > 0 else Decimal(0)
        if not lo < r < hi:
            r = (lo + hi) / 2
        tol = Decimal("1e-32")
        for _ in range(400):
            f, df = _npv_and_slope(cs, r)
            if f == 0:
                return +r
            if f > 0:
                lo = r
            else:
                hi = r
            step = f / df if df != 0 else Decimal(0)
            nxt = r - step
            if df == 0 or not lo < nxt < hi:
                nxt = (lo + hi) / 2  # Newton left the bracket: bisect
            if abs(nxt - r) < tol or hi - lo < tol:
                return +nxt
            r = nxt
        return +r  # pragma: no cover - Newton/bisection converge long before


def annualised_cost_percent(
    terms: LoanTerms, schedule: Sequence[Installment] | None = None
) -> Decimal:
    """Monthly IRR of `cash_flows` x 12 x 100, quantized to 0.01 half-up."""
    irr = monthly_irr(cash_flows(terms, schedule))
    with localcontext() as ctx:
        ctx.prec = 50
        return (irr * 1200).quantize(_CENT, rounding=ROUND_HALF_UP)


def applicable_cap_percent(kind: LenderKind | str, contract_date: date) -> Decimal | None:
    """The cap on the total annual cost: 24 for licensed lenders; 4 x one-year LPR at the
    contract date for private lending (None before the first LPR, 2019-08-20)."""
    if LenderKind(kind) is LenderKind.LICENSED:
        return LICENSED_CAP_PERCENT
    q = one_year_lpr(contract_date)
    return None if q is None else q.percent * 4


class Verdict(NamedTuple):
    lawful: bool
    cap_percent: Decimal | None  # None only when no cap can be established
    basis: str  # the source(s) as written in the rule catalog
    message: str
    message_zh: str
    determined: bool = True  # False when the rules give no cap for this contract date
    unsupported: bool = False  # licensed, cost > 36%: not supported at all
    lpr: LprQuote | None = None  # the LPR used (private lending)


def _pct(d: Decimal) -> str:
    return f"{d.quantize(_CENT, rounding=ROUND_HALF_UP)}%"


def cost_verdict(cost_percent: Decimal, kind: LenderKind | str, contract_date: date) -> Verdict:
    """Is a total annualised cost lawful for this kind of lender at the contract date?
    A cost exactly at the cap is lawful."""
    kind = LenderKind(kind)
    c = _pct(cost_percent)
    if kind is LenderKind.LICENSED:
        cap = LICENSED_CAP_PERCENT
        if cost_percent <= cap:
            return Verdict(
                True,
                cap,
                BASIS_LICENSED,
                f"Total annualised cost {c} is within the 24% cap for licensed lenders.",
                f"综合年化成本 {c}，未超过持牌机构 24% 的上限。",
            )
        if cost_percent <= CASH_LOAN_CAP_PERCENT:
            return Verdict(
                False,
                cap,
                BASIS_LICENSED,
                f"Total annualised cost {c} exceeds 24%: courts cut the cost above 24% a year.",
                f"综合年化成本 {c} 超过 24%：超过部分法院不予支持（予以调减）。",
            )
        return Verdict(
            False,
            cap,
            f"{BASIS_LICENSED}; {BASIS_CASH_LOAN}",
            f"Total annualised cost {c} exceeds 36%: such a cost is not supported at all "
            "(cash-loan rule), and courts cut any cost above 24% a year.",
            f"综合年化成本 {c} 超过 36%：现金贷规定不予支持，且超过 24% 的部分法院予以调减。",
            unsupported=True,
        )
    q = one_year_lpr(contract_date)
    if q is None:
        return Verdict(
            False,
            None,
            BASIS_PRIVATE,
            f"No LPR was published before {FIRST_LPR_DATE}: the 4x one-year LPR cap cannot be "
            f"applied to a contract dated {contract_date}; the cost ({c}) cannot be confirmed "
            "lawful under this rule. Assess it under the rules in force at the time.",
            f"{FIRST_LPR_DATE} 之前没有 LPR：无法对 {contract_date} 订立的合同适用一年期 LPR "
            f"四倍上限，综合年化成本 {c} 无法据此确认合法，请按当时有效的规定评估。",
            determined=False,
        )
    cap = q.percent * 4
    note_en = note_zh = ""
    if not q.verified:
        checked = lpr_table().checked_through
        note_en = f" (LPR table checked through {checked}: value not verified for this date)"
        note_zh = f"（LPR 数据核对至 {checked}，该日期的数值未经核实）"
    lpr_en = f"4 x one-year LPR {q.percent}% (in force since {q.effective_from}) = {_pct(cap)}"
    lpr_zh = f"一年期 LPR {q.percent}%（{q.effective_from} 起适用）的四倍 = {_pct(cap)}"
    if cost_percent <= cap:
        return Verdict(
            True,
            cap,
            BASIS_PRIVATE,
            f"Total annualised cost {c} is within the private-lending cap: {lpr_en}{note_en}.",
            f"综合年化成本 {c}，未超过民间借贷上限：{lpr_zh}{note_zh}。",
            lpr=q,
        )
    return Verdict(
        False,
        cap,
        BASIS_PRIVATE,
        f"Total annualised cost {c} exceeds the private-lending cap: {lpr_en}{note_en}; "
        "interest, overdue interest, penalties and fees above it are not supported.",
        f"综合年化成本 {c} 超过民间借贷上限：{lpr_zh}{note_zh}；超过部分的利息、逾期利息、"
        "违约金和其他费用不受支持。",
        lpr=q,
    )
