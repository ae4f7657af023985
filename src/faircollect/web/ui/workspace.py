"""The collector workspace: today's queue and the account page, with the forms that act on an
account (every form works without JavaScript; each POST answers with a redirect back to the
account page, or the page again with the error).

    GET  /queue                                   today's queue by priority, reasons in words
    GET  /loans/{loan_ref}                        the account (PII masked)
    POST /loans/{loan_ref}/reveal                 the same page with the full personal data
                                                  (permission pii.reveal; audited)
    POST /loans/{loan_ref}/attempts               start a contact through the contact gate
    POST /loans/{loan_ref}/attempts/{id}/outcome  record what happened
    POST /loans/{loan_ref}/attempts/{id}/override-request   ask compliance for an override
    POST /loans/{loan_ref}/messages               send an SMS / e-mail / app message from a
                                                  template (through the gate and the outbox)
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import Response

from faircollect import clock
from faircollect.contacts import gate, messages, outcomes, overrides
from faircollect.contacts.errors import ContactsError
from faircollect.i18n import N_, translate
from faircollect.store.repositories import contact_events as events_repo
from faircollect.store.repositories import loans as loans_repo

from ..api.contacts import CONTACT_ROLES
from ..api.loans import loan_not_found
from ..api.workspace import PII_FIELDS, account_data, queue_data, reveal_pii
from ..auth.caller import Caller
from ..deps import require
from ..problems import Problem, request_locale
from ..state import web_state
from .pages import page
from .util import redirect

router = APIRouter(include_in_schema=False)

#: what the contact form offers (messages have their own form)
CONTACT_CHANNELS = ("call", "ai_voice", "visit", "letter")
PARTIES = ("debtor", "spouse", "emergency_contact", "employer", "third_party", "attorney")
PLACES = ("mobile", "home", "work", "other")
PURPOSES = ("demand", "reminder", "location", "verification", "response", "notice_end")
MESSAGE_CHANNELS = messages.MESSAGE_CHANNELS
WEEKDAYS = outcomes.DAYS
FLASHES = {
    "outcome": N_("The outcome is recorded."),
    "override": N_("Override requested: a compliance officer will decide."),
    "message": N_("The message is queued for delivery."),
    "attempt": N_("The contact is allowed and recorded: record its outcome below."),
}


@router.get("/queue")
def queue_page(
    request: Request,
    caller: Caller = Depends(require(action="read")),
    treatment: str | None = Query(None, max_length=32),
    bucket: str | None = Query(None, max_length=8),
    mine: bool = False,
    run: int | None = None,
    page_no: int = Query(1, alias="page", ge=1, le=100_000),
    q: str | None = Query(None, max_length=64),
) -> Response:
    if q and q.strip():
        return redirect(f"/loans/{quote(q.strip(), safe='')}")
    loc = request_locale(request)
    with web_state(request).db.transaction() as s:
        data = queue_data(
            s, caller, locale=loc, run_id=run, treatment=treatment, bucket=bucket, mine=mine,
            page=page_no,
        )  # fmt: skip
    return page(request, "workspace/queue.html", {"q": data})


def _account(
    request: Request,
    caller: Caller,
    loan_ref: str,
    *,
    status: int = 200,
    error: str | None = None,
    revealed: dict[str, str | None] | None = None,
    attempt_id: int | None = None,
    flash: str | None = None,
) -> Response:
    st = web_state(request)
    loc = request_locale(request)
    attempt = None
    with st.db.transaction() as s:
        data = account_data(s, st.vault, caller, loan_ref, locale=loc)
        if attempt_id is not None:
            attempt = next((e for e in data["timeline"] if e["attempt_id"] == attempt_id), None)
        if attempt is not None and attempt["status"] == "blocked":
            # when the same contact would be allowed (the gate's judgement, nothing recorded)
            again = gate.recheck(s, event_id=attempt_id or 0, now=data["now"], vault=st.vault)
            data["attempt_next"] = None if again is None else again.next_allowed_at
    return page(
        request,
        "workspace/account.html",
        {
            "a": data,
            "error": error,
            "revealed": revealed,
            "attempt": attempt,
            "flash": flash,
            "can_contact": caller.role in CONTACT_ROLES,
            "can_reveal": caller.can("pii.reveal"),
            "contact_channels": CONTACT_CHANNELS,
            "message_channels": MESSAGE_CHANNELS,
            "parties": PARTIES,
            "places": PLACES,
            "purposes": PURPOSES,
            "outcome_codes": outcomes.OUTCOMES,
            "weekdays": WEEKDAYS,
            "pii_fields": PII_FIELDS,
            "today": clock.today(),
            "idem": secrets.token_urlsafe(16),
        },
        status=status,
    )


@router.get("/loans/{loan_ref}")
def account_page(
    loan_ref: str,
    request: Request,
    caller: Caller = Depends(require(action="read")),
    attempt: int | None = None,
    done: str | None = Query(None, max_length=16),
) -> Response:
    return _account(request, caller, loan_ref, attempt_id=attempt, flash=FLASHES.get(done or ""))


@router.post("/loans/{loan_ref}/reveal")
def reveal_page(
    loan_ref: str,
    request: Request,
    reason: str = Form("", max_length=1000),
    fields: list[str] = Form(default_factory=list),
    caller: Caller = Depends(require(action="read", permission="pii.reveal")),
) -> Response:
    st = web_state(request)
    try:
        with st.db.transaction(immediate=True) as s:
            data = reveal_pii(
                s, st.vault, caller, loan_ref, reason=reason, fields=tuple(fields) or PII_FIELDS
            )
    except Problem as p:
        if p.status == 404:
            raise
        return _account(
            request, caller, loan_ref, status=p.status,
            error=translate(p.detail or p.title, request_locale(request), **p.params),
        )  # fmt: skip
    return _account(request, caller, loan_ref, revealed=data)


def _service_error(request: Request, caller: Caller, loan_ref: str, e: ContactsError) -> Response:
    if e.status == 404:
        raise loan_not_found(loan_ref)
    return _account(
        request, caller, loan_ref, status=e.status, error=e.message(request_locale(request))
    )


def _after(loan_ref: str, attempt_id: int | None = None, done: str | None = None) -> Response:
    target = f"/loans/{quote(loan_ref, safe='')}"
    params = []
    if attempt_id is not None:
        params.append(f"attempt={attempt_id}")
    if done:
        params.append(f"done={done}")
    if params:
        target += "?" + "&".join(params)
    return redirect(target + ("#attempt" if attempt_id is not None else ""))


def _point(value: str) -> int | None:
    v = (value or "").strip()
    return int(v) if v.isdigit() else None


@router.post("/loans/{loan_ref}/attempts")
def start_contact(
    loan_ref: str,
    request: Request,
    channel: str = Form(..., max_length=16),
    party: str = Form("debtor", max_length=32),
    place: str = Form("", max_length=16),
    purpose: str = Form("demand", max_length=24),
    contact_point: str = Form("", max_length=32),
    caller: Caller = Depends(require(CONTACT_ROLES, action="write")),
) -> Response:
    """Start a call (or a visit, a letter ...) through the contact gate: allowed -> recorded
    and the outcome form is shown; blocked -> recorded as blocked, with its provisions."""
    st = web_state(request)
    try:
        with gate.transaction(st.db) as s:
            r = gate.attempt(
                s,
                scope=caller.scope,
                actor=caller.actor,
                loan_ref=loan_ref,
                channel=channel,
                party=party,
                place=place or None,
                purpose=purpose,
                contact_point_id=_point(contact_point),
                vault=st.vault,
                collector=caller.username,
            )
    except ContactsError as e:
        return _service_error(request, caller, loan_ref, e)
    return _after(loan_ref, r.attempt_id, "attempt" if r.allowed else None)


def _attempt_of_loan(s: Any, caller: Caller, loan_ref: str, attempt_id: int) -> None:
    """404 unless the attempt is one of this loan's (in the caller's scope)."""
    loan = loans_repo.get_by_ref(s, loan_ref, scope=caller.scope)
    ev = events_repo.get(s, attempt_id, scope=caller.scope)
    if loan is None:
        raise loan_not_found(loan_ref)
    if ev is None or ev.loan_id != loan.id:
        raise Problem(
            404,
            "attempt-not-found",
            N_("Not found"),
            N_("There is no contact attempt %(attempt_id)s among the creditors you work for."),
            attempt_id=attempt_id,
        )


def _windows(frm: str, to: str, days: list[str]) -> list[dict[str, Any]]:
    if not frm and not to:
        return []
    w: dict[str, Any] = {"from": frm or "00:00", "to": to or "24:00"}
    chosen = [d for d in WEEKDAYS if d in days]
    if chosen and len(chosen) < len(WEEKDAYS):
        w["days"] = chosen
    return [w]


@router.post("/loans/{loan_ref}/attempts/{attempt_id}/outcome")
def record_outcome(
    loan_ref: str,
    attempt_id: int,
    request: Request,
    outcome: str = Form(..., max_length=32),
    amount: str = Form("", max_length=32),
    due_on: str = Form("", max_length=10),
    channels: list[str] = Form(default_factory=list),
    places: list[str] = Form(default_factory=list),
    window_from: str = Form("", max_length=5),
    window_to: str = Form("", max_length=5),
    days: list[str] = Form(default_factory=list),
    bs_start: str = Form("", max_length=10),
    bs_end: str = Form("", max_length=10),
    bs_kind: str = Form("standard", max_length=16),
    note: str = Form("", max_length=4000),
    caller: Caller = Depends(require(CONTACT_ROLES, action="write")),
) -> Response:
    st = web_state(request)
    loc = request_locale(request)
    try:
        due = date.fromisoformat(due_on) if due_on else None
        bs_from = date.fromisoformat(bs_start) if bs_start else None
        bs_to = date.fromisoformat(bs_end) if bs_end else None
    except ValueError:
        return _account(
            request, caller, loan_ref, status=422, attempt_id=attempt_id,
            error=translate(N_("Enter dates as YYYY-MM-DD."), loc),
        )  # fmt: skip
    data = outcomes.OutcomeInput(
        outcome=outcome,
        amount=amount.strip() or None,
        due_on=due,
        channels=list(channels),
        places=list(places),
        windows=_windows(window_from.strip(), window_to.strip(), days),
        breathing_space=None
        if bs_from is None
        else {
            "start": bs_from.isoformat(),
            "end": None if bs_to is None else bs_to.isoformat(),
            "kind": bs_kind,
        },
        note=note.strip() or None,
    )
    try:
        with st.db.transaction(immediate=True) as s:
            _attempt_of_loan(s, caller, loan_ref, attempt_id)
            outcomes.record_outcome(
                s, scope=caller.scope, actor=caller.actor, attempt_id=attempt_id, data=data
            )
    except ContactsError as e:
        if e.status == 404:
            raise
        return _account(
            request, caller, loan_ref, status=e.status, attempt_id=attempt_id,
            error=e.message(loc),
        )  # fmt: skip
    return _after(loan_ref, attempt_id, "outcome")


@router.post("/loans/{loan_ref}/attempts/{attempt_id}/override-request")
def request_override(
    loan_ref: str,
    attempt_id: int,
    request: Request,
    reason: str = Form("", max_length=4000),
    caller: Caller = Depends(require(CONTACT_ROLES, action="write")),
) -> Response:
    st = web_state(request)
    try:
        with st.db.transaction(immediate=True) as s:
            _attempt_of_loan(s, caller, loan_ref, attempt_id)
            overrides.request(
                s, scope=caller.scope, actor=caller.actor, attempt_id=attempt_id, reason=reason
            )
    except ContactsError as e:
        if e.status == 404:
            raise
        return _account(
            request, caller, loan_ref, status=e.status, attempt_id=attempt_id,
            error=e.message(request_locale(request)),
        )  # fmt: skip
    return _after(loan_ref, attempt_id, "override")


@router.post("/loans/{loan_ref}/messages")
def send_message(
    loan_ref: str,
    request: Request,
    channel: str = Form(..., max_length=16),
    template: str = Form(..., max_length=64),
    party: str = Form("debtor", max_length=32),
    contact_point: str = Form("", max_length=32),
    idem: str = Form("", max_length=64),
    caller: Caller = Depends(require(CONTACT_ROLES, action="write")),
) -> Response:
    """Render a template in the borrower's language, check it (gate + content lint) and queue
    it in the outbox. The form carries a one-off key: a double submit sends once."""
    st = web_state(request)
    try:
        with gate.transaction(st.db) as s:
            r = messages.send(
                s,
                st.vault,
                scope=caller.scope,
                actor=caller.actor,
                loan_ref=loan_ref,
                channel=channel,
                template=template,
                party=party,
                contact_point_id=_point(contact_point),
                idempotency_key=f"page:{caller.actor}:{idem.strip()}" if idem.strip() else None,
            )
    except ContactsError as e:
        return _service_error(request, caller, loan_ref, e)
    return _after(loan_ref, r.attempt_id, "message" if r.allowed else None)
