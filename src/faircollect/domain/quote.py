"""A loan quote: schedule, totals, annualised cost and legality verdict in one value, and its
JSON shape (DESIGN 4.1 `faircollect loans quote --json`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from faircollect.money import Money, total

from .cost import LenderKind, Verdict, annualised_cost_percent, cost_verdict
from .loan import LoanTerms, RepaymentKind
from .schedule import Installment, annuity_payment, build_schedule

__all__ = ["Quote", "quote"]


class Quote(NamedTuple):
    terms: LoanTerms
    lender_kind: LenderKind
    installments: tuple[Installment, ...]
    payment: Money | None  # the constant payment of an equal-installment loan
    total_principal: Money
    total_interest: Money
    total_fees: Money  # upfront fee + installment fees
    total_repaid: Money  # sum of installment totals (the upfront fee was withheld, not repaid)
    net_disbursed: Money
    annualised_cost_percent: Decimal
    verdict: Verdict

    def as_json(self) -> dict[str, Any]:
        """The DESIGN 4.1 shape (amounts as major-unit strings with the currency's places)
        plus extra keys: currency, repayment, lender_kind, payment, net_disbursed,
        verdict.message_zh, verdict.determined, verdict.unsupported."""
        v = self.verdict
        return {
            "installments": [
                {
                    "seq": i.seq,
                    "due_on": i.due_on.isoformat(),
                    "principal": i.principal.amount_str(),
                    "interest": i.interest.amount_str(),
                    "fee": i.fee.amount_str(),
                    "total": i.total.amount_str(),
                }
                for i in self.installments
            ],
            "total_interest": self.total_interest.amount_str(),
            "total_fees": self.total_fees.amount_str(),
            "total_repaid": self.total_repaid.amount_str(),
            "annualised_cost_percent": str(self.annualised_cost_percent),
            "verdict": {
                "lawful": v.lawful,
                "cap_percent": None if v.cap_percent is None else f"{v.cap_percent:.2f}",
                "basis": v.basis,
                "message": v.message,
                "message_zh": v.message_zh,
                "determined": v.determined,
                "unsupported": v.unsupported,
            },
            "currency": self.terms.currency,
            "repayment": self.terms.repayment.value,
            "lender_kind": self.lender_kind.value,
            "payment": None if self.payment is None else self.payment.amount_str(),
            "net_disbursed": self.net_disbursed.amount_str(),
        }


def quote(terms: LoanTerms, lender_kind: LenderKind | str = LenderKind.LICENSED) -> Quote:
    """Everything a borrower should see before signing. Raises ValueError on invalid terms
    (check them with `validate_terms` / `parse_terms` first)."""
    kind = LenderKind(lender_kind)
    sched = build_schedule(terms)
    cur = terms.currency
    cost = annualised_cost_percent(terms, sched)
    payment = (
        annuity_payment(terms.principal, terms.apr, terms.term_months)
        if terms.repayment is RepaymentKind.EQUAL_INSTALLMENT
        else None
    )
    return Quote(
        terms=terms,
        lender_kind=kind,
        installments=sched,
        payment=payment,
        total_principal=total((i.principal for i in sched), cur),
        total_interest=total((i.interest for i in sched), cur),
        total_fees=terms.upfront_fee + total((i.fee for i in sched), cur),
        total_repaid=total((i.total for i in sched), cur),
        net_disbursed=terms.net_disbursed,
        annualised_cost_percent=cost,
        verdict=cost_verdict(cost, kind, terms.originated_on),
    )
