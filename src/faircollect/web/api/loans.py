"""GET /api/v1/loans/{loan_ref}: one loan with its balance, days past due and bucket as of
today (DESIGN 4.4). Outside the caller's creditors the loan does not exist (404)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from faircollect import clock
from faircollect.domain.delinquency import bucket_for
from faircollect.i18n import N_
from faircollect.money import Money
from faircollect.store.repositories import borrowers as borrowers_repo
from faircollect.store.repositories import creditors as creditors_repo
from faircollect.store.repositories import loans as loans_repo

from ..auth.caller import Caller
from ..deps import require
from ..problems import Problem
from ..state import web_state

router = APIRouter(tags=["loans"])

#: the business calendar of a creditor's rule pack when the borrower has no time zone
PACK_ZONES = {
    "CN": "Asia/Shanghai",
    "US": "America/New_York",
    "US-MA": "America/New_York",
    "UK": "Europe/London",
}


class BorrowerSummary(BaseModel):
    ref: str
    name: str = Field(description="masked")
    phone: str | None = Field(description="masked")


class LoanOut(BaseModel):
    loan_ref: str
    creditor: str = Field(description="creditor code")
    product: str
    status: str
    currency: str
    principal: str = Field(description="decimal string in major units", examples=["1200.00"])
    outstanding: str = Field(
        description="everything still owed under the schedule (cached when payments last "
        "posted), decimal string",
    )
    paid: str
    apr: str = Field(description="percent", examples=["18.25"])
    originated_on: date
    first_due_on: date
    term_months: int
    repayment: str
    as_of: date = Field(description="today in the borrower's (or the pack's) time zone")
    overdue_since: date | None
    days_past_due: int
    bucket: str = Field(examples=["M0", "M1", "M7+"])
    hold_reason: str | None
    borrower: BorrowerSummary


def loan_not_found(loan_ref: str) -> Problem:
    return Problem(
        404,
        "loan-not-found",
        N_("Loan not found"),
        N_("There is no loan %(loan_ref)s among the creditors you work for."),
        loan_ref=loan_ref,
    )


@router.get(
    "/loans/{loan_ref}",
    response_model=LoanOut,
    responses={404: {"description": "no such loan in the caller's creditors"}},
)
def get_loan(
    loan_ref: str, request: Request, caller: Caller = Depends(require(action="read"))
) -> LoanOut:
    """One loan of the caller's creditors: balance, days past due and bucket as of today."""
    st = web_state(request)
    with st.db.transaction() as s:
        loan = loans_repo.get_by_ref(s, loan_ref, scope=caller.scope)
        if loan is None:
            raise loan_not_found(loan_ref)
        creditor = creditors_repo.get(s, loan.creditor_id, scope=caller.scope)
        borrower = borrowers_repo.get(s, loan.borrower_id, scope=caller.scope)
        if creditor is None or borrower is None:  # pragma: no cover - same scope as the loan
            raise loan_not_found(loan_ref)
        masked = borrowers_repo.masked(st.vault, borrower)
        zone = borrower.timezone or PACK_ZONES.get(creditor.pack, clock.SHANGHAI)
        today = clock.today(zone)
        since = loan.overdue_since if loan.status == "active" else None
        dpd = max(0, (today - since).days) if since is not None else 0

        def amount(minor: int) -> str:
            return Money(minor, loan.currency).amount_str()

        return LoanOut(
            loan_ref=loan.ref,
            creditor=creditor.code,
            product=loan.product,
            status=loan.status,
            currency=loan.currency,
            principal=amount(loan.principal_minor),
            outstanding=amount(loan.outstanding_minor),
            paid=amount(loan.paid_minor),
            apr=format(loan.apr, "f"),
            originated_on=loan.originated_on,
            first_due_on=loan.first_due_on,
            term_months=loan.term_months,
            repayment=loan.repayment,
            as_of=today,
            overdue_since=since,
            days_past_due=dpd,
            bucket=bucket_for(dpd),
            hold_reason=loan.hold_reason,
            borrower=BorrowerSummary(ref=borrower.ref, name=masked.name, phone=masked.phone),
        )
