"""The contact gate over HTTP (DESIGN 4.4), outcomes, overrides, contact points, promises.

- ``POST /api/v1/contact-attempts`` {loan_ref, channel, party, place, purpose, content?,
  contact_point?} -> 201 {"allowed": true, "attempt_id", ...} or 409 {"allowed": false,
  "violations": [...], "next_allowed_at", "attempt_id", ...}: the attempt (or the block) is
  recorded either way. ``Idempotency-Key`` honoured (a retry replays the first answer).
- ``GET /api/v1/contact-attempts/{attempt_id}``
- ``POST /api/v1/contact-attempts/{attempt_id}/outcome`` {outcome, amount?, due_on?,
  channels?, places?, windows?, breathing_space?, note?}
- ``POST /api/v1/contact-attempts/{attempt_id}/override-requests`` {reason}
- ``GET /api/v1/overrides`` (open requests), ``POST /api/v1/overrides/{id}/decision``
  {approve, reason} (compliance officers: permission ``rules.override``)
- ``GET|POST /api/v1/loans/{loan_ref}/contact-points``, ``POST
  /api/v1/contact-points/{id}/status`` {status, reason}
- ``GET /api/v1/loans/{loan_ref}/promises``
A loan, attempt or contact point outside the caller's creditors answers 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from faircollect.audit import jsonable
from faircollect.contacts import contact_points, gate, outcomes, overrides
from faircollect.contacts.errors import ContactsError
from faircollect.i18n import N_
from faircollect.money import Money
from faircollect.payments.errors import PaymentsError
from faircollect.rules.model import Channel, Party, Place, Purpose
from faircollect.store.repositories import contact_events as events_repo
from faircollect.store.repositories import loans as loans_repo
from faircollect.store.repositories import overrides as overrides_repo
from faircollect.store.repositories import promises as promises_repo

from ..auth.caller import Caller
from ..deps import require
from ..idempotency import Idempotency, idempotency
from ..problems import STATUS_TITLES, Problem, request_locale
from ..state import web_state

router = APIRouter(tags=["contacts"])

#: who works contacts (the auditor reads, compliance approves overrides, admins manage users)
CONTACT_ROLES = ("supervisor", "collector", "field_agent")
DETAIL = N_("%(message)s")


def to_problem(e: ContactsError | PaymentsError, locale: str) -> Problem:
    """A service error as RFC 9457 problem details (the message in the caller's language)."""
    extra = {k: v for k, v in e.details.items() if isinstance(v, str | int | list | dict)}
    extra["code"] = e.code
    return Problem(
        e.status,
        e.code.replace("_", "-"),
        STATUS_TITLES.get(e.status, N_("Error")),
        DETAIL,
        extra=extra,
        message=e.message(locale),
    )


def _point_id(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise Problem(
            404,
            "contact-point-not-found",
            N_("Not found"),
            N_("There is no contact point %(contact_point)s for this loan."),
            contact_point=value,
        )
    return int(value)


# ---------------------------------------------------------------------------------------
# attempts
# ---------------------------------------------------------------------------------------
class AttemptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    loan_ref: str = Field(max_length=64)
    channel: Channel
    party: Party = "debtor"
    place: Place | None = None
    purpose: Purpose = "demand"
    content: str | None = Field(default=None, max_length=10_000)
    contact_point: str | None = Field(default=None, max_length=32, description="contact point id")
    in_response_to_consumer: bool = False


class ViolationOut(BaseModel):
    rule: str
    provision: str
    message: str


class AttemptOut(BaseModel):
    allowed: bool
    attempt_id: int
    status: str
    at: str
    loan_ref: str
    channel: str
    party: str
    place: str | None
    purpose: str
    contact_point: str | None
    pack: str
    pack_version: str
    violations: list[ViolationOut]
    next_allowed_at: str | None


@router.post(
    "/contact-attempts",
    status_code=201,
    response_model=AttemptOut,
    responses={
        409: {
            "model": AttemptOut,
            "description": "blocked: the violations and when the same attempt would be allowed",
        }
    },
)
def create_attempt(
    body: AttemptIn,
    request: Request,
    caller: Caller = Depends(require(CONTACT_ROLES, action="write")),
    idem: Idempotency = Depends(idempotency()),
) -> JSONResponse:
    """Check and record a contact attempt (the contact gate)."""
    st = web_state(request)
    loc = request_locale(request)
    point = _point_id(body.contact_point)

    def work(s: Any) -> tuple[int, Any]:
        try:
            r = gate.attempt(
                s,
                scope=caller.scope,
                actor=caller.actor,
                loan_ref=body.loan_ref,
                channel=body.channel,
                party=body.party,
                place=body.place,
                purpose=body.purpose,
                content=body.content,
                contact_point_id=point,
                in_response_to_consumer=body.in_response_to_consumer,
                vault=st.vault,
                collector=caller.username,
            )
        except ContactsError as e:
            raise to_problem(e, loc) from None
        return (201 if r.allowed else 409), r.to_json(loc)

    return idem.run(caller, body, work, encoded=True)  # to_json: JSON-native already


def _event_json(ev: Any, loc: str) -> dict[str, Any]:
    zh = loc.startswith("zh")
    return {
        "attempt_id": ev.id,
        "status": ev.status,
        "at": ev.at.isoformat(),
        "channel": ev.channel,
        "party": ev.party,
        "place": ev.place,
        "purpose": ev.purpose,
        "outcome": ev.outcome,
        "initiated_by": ev.initiated_by,
        "debt_refs": list(ev.debt_refs or ()),
        "contact_point": None if ev.contact_point_id is None else str(ev.contact_point_id),
        "pack_version": ev.pack_version,
        "violations": [
            {
                "rule": v.get("rule"),
                "provision": v.get("provision"),
                "message": (
                    v.get("message_zh") if zh and v.get("message_zh") else v.get("message")
                ),
            }
            for v in ev.violations or ()
        ],
    }


def _attempt_not_found(attempt_id: int) -> Problem:
    return Problem(
        404,
        "attempt-not-found",
        N_("Not found"),
        N_("There is no contact attempt %(attempt_id)s among the creditors you work for."),
        attempt_id=attempt_id,
    )


@router.get("/contact-attempts/{attempt_id}")
def get_attempt(
    attempt_id: int, request: Request, caller: Caller = Depends(require(action="read"))
) -> JSONResponse:
    """One contact attempt: status, outcome, violations."""
    with web_state(request).db.transaction() as s:
        ev = events_repo.get(s, attempt_id, scope=caller.scope)
        if ev is None:
            raise _attempt_not_found(attempt_id)
        return JSONResponse(_event_json(ev, request_locale(request)))


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] | None = None
    from_: str = Field(default="00:00", alias="from", pattern=r"^\d\d:\d\d$")
    to: str = Field(default="24:00", pattern=r"^\d\d:\d\d$")


class BreathingSpaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: date
    end: date | None = None
    kind: Literal["standard", "crisis"] = "standard"


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal[outcomes.OUTCOMES]  # type: ignore[valid-type]
    amount: str | None = Field(default=None, max_length=32, description="promise_to_pay")
    due_on: date | None = Field(default=None, description="promise_to_pay")
    channels: list[Channel] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    windows: list[Window] = Field(default_factory=list)
    breathing_space: BreathingSpaceIn | None = None
    note: str | None = Field(default=None, max_length=4000)


@router.post("/contact-attempts/{attempt_id}/outcome")
def record_outcome(
    attempt_id: int,
    body: OutcomeIn,
    request: Request,
    caller: Caller = Depends(require(CONTACT_ROLES, action="write")),
) -> JSONResponse:
    """Record what happened, and what it changes for the next contacts."""
    loc = request_locale(request)
    data = outcomes.OutcomeInput(
        outcome=body.outcome,
        amount=body.amount,
        due_on=body.due_on,
        channels=list(body.channels),
        places=list(body.places),
        windows=[w.model_dump(by_alias=True, exclude_none=True) for w in body.windows],
        breathing_space=None
        if body.breathing_space is None
        else body.breathing_space.model_dump(mode="json"),
        note=body.note,
    )
    with web_state(request).db.transaction(immediate=True) as s:
        try:
            r = outcomes.record_outcome(
                s, scope=caller.scope, actor=caller.actor, attempt_id=attempt_id, data=data
            )
        except ContactsError as e:
            raise to_problem(e, loc) from None
        return JSONResponse(jsonable(r.to_json()))


# ---------------------------------------------------------------------------------------
# overrides
# ---------------------------------------------------------------------------------------
class OverrideRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    reason: str = Field(min_length=1, max_length=4000)


def _override_json(o: Any) -> dict[str, Any]:
    return {
        "override_id": o.id,
        "attempt_id": o.blocked_event_id,
        "status": o.status,
        "requested_by": o.requested_by,
        "reason": o.reason,
        "decided_by": o.decided_by,
        "decision_reason": o.decision_reason,
        "overridden_attempt_id": o.overridden_event_id,
        "created_at": o.created_at.isoformat(),
    }


@router.post("/contact-attempts/{attempt_id}/override-requests", status_code=201)
def request_override(
    attempt_id: int,
    body: OverrideRequestIn,
    request: Request,
    caller: Caller = Depends(require(CONTACT_ROLES, action="write")),
) -> JSONResponse:
    """Ask a compliance officer to override a blocked attempt (only rebuttable presumptions
    can be: see contacts/overrides.py)."""
    loc = request_locale(request)
    with web_state(request).db.transaction(immediate=True) as s:
        try:
            o = overrides.request(
                s,
                scope=caller.scope,
                actor=caller.actor,
                attempt_id=attempt_id,
                reason=body.reason,
            )
        except ContactsError as e:
            raise to_problem(e, loc) from None
        return JSONResponse(_override_json(o), status_code=201)


@router.get("/overrides")
def list_overrides(
    request: Request, caller: Caller = Depends(require(action="read"))
) -> JSONResponse:
    """Override requests waiting for a decision."""
    with web_state(request).db.transaction() as s:
        rows = overrides_repo.list_open(s, scope=caller.scope)
        return JSONResponse({"overrides": [_override_json(o) for o in rows]})


@router.post("/overrides/{override_id}/decision")
def decide_override(
    override_id: int,
    body: DecisionIn,
    request: Request,
    caller: Caller = Depends(require(("compliance",), action="write", permission="rules.override")),
) -> JSONResponse:
    """Approve (records an 'overridden' attempt, re-checked now) or reject, with a reason."""
    st = web_state(request)
    loc = request_locale(request)
    with st.db.transaction(immediate=True) as s:
        try:
            d = overrides.decide(
                s,
                scope=caller.scope,
                actor=caller.actor,
                override_id=override_id,
                approve=body.approve,
                reason=body.reason,
                vault=st.vault,
            )
        except ContactsError as e:
            raise to_problem(e, loc) from None
        out = _override_json(d.override)
        if d.attempt is not None:
            out["attempt"] = d.attempt.to_json(loc)
        return JSONResponse(out)


# ---------------------------------------------------------------------------------------
# contact points and promises of a loan
# ---------------------------------------------------------------------------------------
def _loan(s: Any, loan_ref: str, caller: Caller) -> Any:
    loan = loans_repo.get_by_ref(s, loan_ref, scope=caller.scope)
    if loan is None:
        from .loans import loan_not_found

        raise loan_not_found(loan_ref)
    return loan


@router.get("/loans/{loan_ref}/contact-points")
def list_points(
    loan_ref: str, request: Request, caller: Caller = Depends(require(action="read"))
) -> JSONResponse:
    """The borrower's contact points (values masked)."""
    st = web_state(request)
    with st.db.transaction() as s:
        loan = _loan(s, loan_ref, caller)
        views = contact_points.list_points(
            s, st.vault, scope=caller.scope, borrower_id=loan.borrower_id
        )
        return JSONResponse({"contact_points": [v.to_json() for v in views]})


class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["phone", "email", "address", "app"]
    value: str = Field(min_length=1, max_length=500)
    party: Literal[contact_points.PARTIES] = "debtor"  # type: ignore[valid-type]
    place: Place = "mobile"
    source: Literal[contact_points.SOURCES] = "borrower_provided"  # type: ignore[valid-type]
    status: Literal["unverified", "verified"] = "unverified"


@router.post("/loans/{loan_ref}/contact-points", status_code=201)
def add_point(
    loan_ref: str,
    body: PointIn,
    request: Request,
    caller: Caller = Depends(require(CONTACT_ROLES, action="write")),
) -> JSONResponse:
    """Add a phone, e-mail, address or app id for the loan's borrower (or a third party)."""
    st = web_state(request)
    loc = request_locale(request)
    with st.db.transaction(immediate=True) as s:
        loan = _loan(s, loan_ref, caller)
        try:
            cp = contact_points.add_point(
                s,
                st.vault,
                scope=caller.scope,
                actor=caller.actor,
                borrower_id=loan.borrower_id,
                kind=body.kind,
                value=body.value,
                party=body.party,
                place=body.place,
                source=body.source,
                status=body.status,
            )
        except ContactsError as e:
            raise to_problem(e, loc) from None
        return JSONResponse(contact_points.view(st.vault, cp).to_json(), status_code=201)


class PointStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["unverified", "verified", "invalid"]
    reason: str = Field(default="", max_length=500)


@router.post("/contact-points/{contact_point_id}/status")
def set_point_status(
    contact_point_id: int,
    body: PointStatusIn,
    request: Request,
    caller: Caller = Depends(require(CONTACT_ROLES, action="write")),
) -> JSONResponse:
    """Verify or invalidate a contact point (invalid: the gate blocks attempts through it)."""
    st = web_state(request)
    loc = request_locale(request)
    with st.db.transaction(immediate=True) as s:
        try:
            cp = contact_points.set_status(
                s,
                scope=caller.scope,
                actor=caller.actor,
                contact_point_id=contact_point_id,
                status=body.status,
                reason=body.reason,
            )
        except ContactsError as e:
            raise to_problem(e, loc) from None
        return JSONResponse(contact_points.view(st.vault, cp).to_json())


@router.get("/loans/{loan_ref}/promises")
def list_promises(
    loan_ref: str, request: Request, caller: Caller = Depends(require(action="read"))
) -> JSONResponse:
    """The loan's promises to pay (open, kept, broken)."""
    with web_state(request).db.transaction() as s:
        loan = _loan(s, loan_ref, caller)
        rows = promises_repo.list_for_loan(s, loan.id, scope=caller.scope)
        return JSONResponse(
            {
                "promises": [
                    {
                        "promise_id": p.id,
                        "amount": Money(p.amount_minor, p.currency).amount_str(),
                        "currency": p.currency,
                        "due_on": p.due_on.isoformat(),
                        "status": p.status,
                        "attempt_id": p.contact_event_id,
                        "created_at": p.created_at.isoformat(),
                        "resolved_at": None if p.resolved_at is None else p.resolved_at.isoformat(),
                    }
                    for p in rows
                ]
            }
        )
