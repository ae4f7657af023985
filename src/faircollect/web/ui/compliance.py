"""Compliance pages.

GET  /compliance/blocks?days=30&rule=        blocked attempts by rule, the latest ones
GET  /compliance/overrides                   open override requests, recent decisions
POST /compliance/overrides/{id}/decision     approve or reject, with a reason
GET  /compliance/complaints?status=&loan=    complaints queue with SLA clocks, new form
POST /compliance/complaints                  log a complaint
POST /compliance/complaints/{id}/status      move it along / resolve it
GET  /compliance/audit?action=&entity=&before=   the audit log (permission audit.read)
POST /compliance/audit/verify                check the hash chain
GET  /compliance/rules, /compliance/rules/{pack}  rule packs rendered from the packs
GET  /compliance/retention, POST /compliance/retention   retention per creditor
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import Response

from faircollect import clock
from faircollect.contacts import overrides
from faircollect.contacts.errors import ContactsError
from faircollect.i18n import N_, translate
from faircollect.rules.packs import PACK_IDS

from ..api.compliance import (
    AUDITORS,
    COMPLAINT_CATEGORIES,
    COMPLAINT_SOURCES,
    COMPLAINT_STATUSES,
    COMPLAINT_WRITERS,
    READERS,
    RETENTION,
    audit_data,
    blocks_data,
    complaints_data,
    create_complaint,
    overrides_data,
    pack_detail,
    packs_data,
    retention_data,
    set_retention,
    update_complaint,
    verify_chain,
)
from ..auth.caller import Caller
from ..deps import require
from ..problems import Problem, request_locale
from ..state import web_state
from .pages import page
from .util import redirect

router = APIRouter(include_in_schema=False, prefix="/compliance")

FLASHES = {
    "approved": N_("Override approved: the contact is recorded as allowed by override."),
    "rejected": N_("Override rejected."),
    "complaint": N_("Complaint logged; its deadline is shown below."),
    "updated": N_("Complaint updated."),
    "retention": N_("Retention saved."),
}


def _problem_text(p: Problem, locale: str) -> str:
    return translate(p.detail or p.title, locale, **p.params)


@router.get("/blocks")
def blocks_page(
    request: Request,
    days: int = Query(30, ge=1, le=366),
    rule: str | None = Query(None, max_length=64),
    caller: Caller = Depends(require(READERS, action="read")),
) -> Response:
    from . import charts

    loc = request_locale(request)
    with web_state(request).db.transaction() as s:
        d = blocks_data(s, caller, days=days, rule=rule or None, locale=loc)
    return page(
        request,
        "compliance/blocks.html",
        {"d": d, "figures": {"fig-blocks": charts.blocks_figure(d["blocks"], loc)}},
    )


def _overrides_page(
    request: Request,
    caller: Caller,
    *,
    flash: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with web_state(request).db.transaction() as s:
        d = overrides_data(s, caller, locale=request_locale(request))
    return page(
        request,
        "compliance/overrides.html",
        {
            "d": d,
            "flash": flash,
            "error": error,
            "can_decide": caller.can("rules.override"),
        },
        status=status,
    )


@router.get("/overrides")
def overrides_page(
    request: Request,
    done: str | None = Query(None, max_length=16),
    caller: Caller = Depends(require(READERS, action="read")),
) -> Response:
    return _overrides_page(request, caller, flash=FLASHES.get(done or ""))


@router.post("/overrides/{override_id}/decision")
def decide(
    override_id: int,
    request: Request,
    decision: str = Form(..., max_length=16),
    reason: str = Form("", max_length=4000),
    caller: Caller = Depends(require(("compliance",), action="write", permission="rules.override")),
) -> Response:
    """Approve (re-runs the gate now with the presumption waived) or reject, with a reason;
    never one's own request (four eyes)."""
    st = web_state(request)
    try:
        with st.db.transaction(immediate=True) as s:
            overrides.decide(
                s,
                scope=caller.scope,
                actor=caller.actor,
                override_id=override_id,
                approve=decision == "approve",
                reason=reason,
                vault=st.vault,
            )
    except ContactsError as e:
        if e.status == 404:
            raise Problem(404, "override-not-found") from None
        return _overrides_page(
            request, caller, status=e.status, error=e.message(request_locale(request))
        )
    return redirect(
        f"/compliance/overrides?done={'approved' if decision == 'approve' else 'rejected'}"
    )


def _complaints_page(
    request: Request,
    caller: Caller,
    *,
    status_filter: str | None = None,
    loan: str | None = None,
    flash: str | None = None,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    st = web_state(request)
    with st.db.transaction() as s:
        rows = complaints_data(s, st.vault, caller, status=status_filter)
        creditors = [r["creditor"] for r in retention_data(s, caller)]
    return page(
        request,
        "compliance/complaints.html",
        {
            "rows": rows,
            "status_filter": status_filter,
            "loan": loan or "",
            "flash": flash,
            "error": error,
            "form": form or {},
            "creditors": creditors,
            "sources": COMPLAINT_SOURCES,
            "categories": COMPLAINT_CATEGORIES,
            "statuses": COMPLAINT_STATUSES,
            "can_create": caller.role in COMPLAINT_WRITERS,
            "can_update": caller.role == "compliance",
            "server_now": clock.now(),
        },
        status=status,
    )


@router.get("/complaints")
def complaints_page(
    request: Request,
    status: str | None = Query(None, max_length=16),
    loan: str | None = Query(None, max_length=64),
    done: str | None = Query(None, max_length=16),
    caller: Caller = Depends(require(action="read")),
) -> Response:
    return _complaints_page(
        request, caller, status_filter=status, loan=loan, flash=FLASHES.get(done or "")
    )


@router.post("/complaints")
def post_complaint(
    request: Request,
    creditor: str = Form("", max_length=64),
    loan_ref: str = Form("", max_length=64),
    source: str = Form(..., max_length=16),
    category: str = Form(..., max_length=32),
    summary: str = Form("", max_length=4000),
    received_at: str = Form("", max_length=32),
    caller: Caller = Depends(require(COMPLAINT_WRITERS, action="write")),
) -> Response:
    st = web_state(request)
    loc = request_locale(request)
    form = {"creditor": creditor, "loan_ref": loan_ref, "source": source,
            "category": category, "summary": summary}  # fmt: skip
    received: datetime | None = None
    if received_at.strip():
        try:  # a datetime-local field: the time in Beijing
            naive = datetime.fromisoformat(received_at.strip())
            received = naive if naive.tzinfo else naive.replace(tzinfo=clock.zone(clock.SHANGHAI))
        except ValueError:
            return _complaints_page(
                request, caller, form=form, status=422,
                error=translate(N_("Enter the date and time the complaint arrived."), loc),
            )  # fmt: skip
    try:
        with st.db.transaction(immediate=True) as s:
            create_complaint(
                s, st.vault, caller, creditor=creditor or None, loan_ref=loan_ref or None,
                source=source, category=category, summary=summary, received_at=received,
            )  # fmt: skip
    except Problem as p:
        if p.status not in (404, 422):
            raise
        return _complaints_page(
            request, caller, form=form, status=p.status, error=_problem_text(p, loc)
        )
    return redirect("/compliance/complaints?done=complaint")


@router.post("/complaints/{complaint_id}/status")
def post_complaint_status(
    complaint_id: int,
    request: Request,
    status: str = Form(..., max_length=16),
    resolution: str = Form("", max_length=4000),
    caller: Caller = Depends(require(("compliance",), action="write")),
) -> Response:
    st = web_state(request)
    try:
        with st.db.transaction(immediate=True) as s:
            update_complaint(
                s, st.vault, caller, complaint_id, status=status, resolution=resolution or None
            )
    except Problem as p:
        if p.status != 422:
            raise
        return _complaints_page(
            request, caller, status=422, error=_problem_text(p, request_locale(request))
        )
    return redirect("/compliance/complaints?done=updated")


def _audit_page(
    request: Request,
    caller: Caller,
    *,
    action: str | None = None,
    entity: str | None = None,
    before: int | None = None,
    verified: dict[str, Any] | None = None,
) -> Response:
    with web_state(request).db.transaction() as s:
        d = audit_data(s, caller, action=action or None, entity=entity or None, before=before)
    return page(
        request,
        "compliance/audit.html",
        {"d": d, "action": action or "", "entity": entity or "", "verified": verified},
    )


@router.get("/audit")
def audit_page(
    request: Request,
    action: str | None = Query(None, max_length=64),
    entity: str | None = Query(None, max_length=128),
    before: int | None = Query(None, ge=1),
    caller: Caller = Depends(require(AUDITORS, action="read", permission="audit.read")),
) -> Response:
    return _audit_page(request, caller, action=action, entity=entity, before=before)


@router.post("/audit/verify")
def audit_verify(
    request: Request,
    caller: Caller = Depends(
        require(AUDITORS, action="read", tenant=False, permission="audit.read")
    ),
) -> Response:
    with web_state(request).db.transaction() as s:
        result = verify_chain(s)
    return _audit_page(request, caller, verified=result)


@router.get("/rules")
def packs_page(
    request: Request, caller: Caller = Depends(require(action="read", tenant=False))
) -> Response:
    return page(request, "compliance/packs.html", {"packs": packs_data()})


@router.get("/rules/{pack_id}")
def pack_page(
    pack_id: str, request: Request, caller: Caller = Depends(require(action="read", tenant=False))
) -> Response:
    return page(request, "compliance/pack.html", {"p": pack_detail(pack_id), "pack_ids": PACK_IDS})


def _retention_page(
    request: Request,
    caller: Caller,
    *,
    flash: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    with web_state(request).db.transaction() as s:
        rows = retention_data(s, caller)
    return page(
        request,
        "compliance/retention.html",
        {
            "rows": rows,
            "flash": flash,
            "error": error,
            "can_edit": caller.role in ("admin", "compliance"),
            "catalog": RETENTION,
        },
        status=status,
    )


@router.get("/retention")
def retention_page(
    request: Request,
    done: str | None = Query(None, max_length=16),
    caller: Caller = Depends(require(READERS, action="read")),
) -> Response:
    return _retention_page(request, caller, flash=FLASHES.get(done or ""))


@router.post("/retention")
def post_retention(
    request: Request,
    creditor: str = Form(..., max_length=64),
    records_years: int = Form(..., ge=0, le=1000),
    recordings_years: int = Form(..., ge=0, le=1000),
    caller: Caller = Depends(require(("admin", "compliance"), action="write")),
) -> Response:
    try:
        with web_state(request).db.transaction(immediate=True) as s:
            set_retention(
                s, caller, creditor, records_years=records_years,
                recordings_years=recordings_years,
            )  # fmt: skip
    except Problem as p:
        if p.status != 422:
            raise
        return _retention_page(
            request, caller, status=422, error=_problem_text(p, request_locale(request))
        )
    return redirect("/compliance/retention?done=retention")
