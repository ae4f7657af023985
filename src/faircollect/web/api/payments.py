"""``POST /api/v1/payments`` {loan_ref, payment_ref, amount, paid_at, channel?}: post a
payment (replay through the creditor's waterfall, refresh the loan, decide promises to pay).
``Idempotency-Key`` honoured; a payment ref is also idempotent on its own (same ref and data:
the first answer; other data: 409)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from faircollect.payments import posting
from faircollect.payments.errors import PaymentsError

from ..auth.caller import Caller
from ..deps import require
from ..idempotency import Idempotency, idempotency
from ..problems import request_locale
from .contacts import to_problem

router = APIRouter(tags=["payments"])

PAYMENT_ROLES = ("supervisor",)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    loan_ref: str = Field(max_length=64)
    payment_ref: str = Field(min_length=1, max_length=64)
    amount: str = Field(max_length=32, examples=["300.00"], description="major units")
    paid_at: AwareDatetime
    channel: str = Field(default="", max_length=32)


@router.post("/payments", status_code=201)
def post_payment(
    body: PaymentIn,
    request: Request,
    caller: Caller = Depends(require(PAYMENT_ROLES, action="write")),
    idem: Idempotency = Depends(idempotency()),
) -> JSONResponse:
    """Post a payment to a loan of the caller's creditors."""
    loc = request_locale(request)

    def work(s: Any) -> tuple[int, Any]:
        try:
            r = posting.post_payment(
                s,
                scope=caller.scope,
                actor=caller.actor,
                loan_ref=body.loan_ref,
                payment_ref=body.payment_ref,
                amount=body.amount,
                paid_at=datetime.fromisoformat(body.paid_at.isoformat()),
                channel=body.channel,
            )
        except PaymentsError as e:
            raise to_problem(e, loc) from None
        return (200 if r.replayed else 201), r.to_json()

    return idem.run(caller, body, work)
