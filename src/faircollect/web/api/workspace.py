"""The collector workspace as data (used by the JSON API below and by the pages in
web/ui/workspace.py):

- ``GET /api/v1/work-items`` today's queue: the latest strategy run's work items in the
  caller's creditors by priority, with the reason in words (``?treatment=&bucket=&mine=1
  &run=&page=``);
- ``GET /api/v1/loans/{loan_ref}/account`` one account: the loan, masked borrower, schedule,
  payments, promises, contact points (masked), the full contact timeline, today's work items
  and which actions are allowed now (each blocked one with its provisions and when it
  becomes allowed);
- ``GET /api/v1/loans/{loan_ref}/allowed-actions`` only the last part;
- ``POST /api/v1/loans/{loan_ref}/reveal`` {reason, fields?}: the borrower's full personal
  data, for roles with the ``pii.reveal`` permission; every reveal is an audit event
  (``pii.reveal``: who, which fields, why).

"Allowed now" runs the contact gate's own judgement (the creditor's rule pack plus the gate's
checks) for each candidate action WITHOUT recording anything: a preview. Starting a contact
still goes through the gate (``POST /api/v1/contact-attempts``), which decides again, under
the debtor's lock, at that moment.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from faircollect import audit, clock
from faircollect.audit import PIIInPayload
from faircollect.contacts import contact_points, gate, overrides, state, templates
from faircollect.domain.delinquency import bucket_for
from faircollect.i18n import N_
from faircollect.money import Money
from faircollect.rules.model import Action
from faircollect.store.db import Session
from faircollect.store.repositories import borrowers as borrowers_repo
from faircollect.store.repositories import capacity as capacity_repo
from faircollect.store.repositories import contact_events as events_repo
from faircollect.store.repositories import creditors as creditors_repo
from faircollect.store.repositories import gate as gate_repo
from faircollect.store.repositories import installments as installments_repo
from faircollect.store.repositories import loans as loans_repo
from faircollect.store.repositories import payments as payments_repo
from faircollect.store.repositories import promises as promises_repo
from faircollect.store.repositories import staff_views
from faircollect.store.repositories import strategies as strategies_repo
from faircollect.store.repositories import templates as templates_repo
from faircollect.store.tables import Loan, WorkItem
from faircollect.vault import Vault

from ..auth.caller import Caller
from ..deps import require
from ..problems import Problem, request_locale
from ..state import web_state
from .loans import PACK_ZONES, loan_not_found

router = APIRouter(tags=["workspace"])

__all__ = [
    "PII_FIELDS",
    "PREVIEW_ACTIONS",
    "account_data",
    "allowed_now",
    "loan_zone",
    "queue_data",
    "reveal_pii",
    "to_json",
]

PER_PAGE = 50
#: the candidate actions judged for "allowed now" (channel, party)
PREVIEW_ACTIONS: tuple[tuple[str, str], ...] = (
    ("call", "debtor"),
    ("sms", "debtor"),
    ("email", "debtor"),
    ("app", "debtor"),
    ("letter", "debtor"),
    ("visit", "debtor"),
    ("call", "emergency_contact"),
)
PII_FIELDS = ("name", "id_number", "phone", "email", "address")
MIN_REVEAL_REASON = 10


def to_json(value: Any) -> Any:
    """Plain JSON: Money as a decimal string, dates and times in ISO 8601 (with offset)."""
    if isinstance(value, Money):
        return value.amount_str()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def _lang(locale: str) -> str:
    return "zh" if locale.startswith("zh") else "en"


# ---------------------------------------------------------------------------------------
# the queue
# ---------------------------------------------------------------------------------------
def collector_name(s: Session, user_id: int | None) -> str | None:
    """The collector (capacity) record linked to a staff user, if any."""
    if user_id is None:
        return None
    for c in capacity_repo.list_collectors(s, active_only=False):
        if c.user_id == user_id:
            return c.name
    return None


def work_item_json(w: WorkItem, locale: str) -> dict[str, Any]:
    zh = locale.startswith("zh")
    return {
        "work_item_id": w.id,
        "priority": w.priority,
        "loan_ref": w.loan_ref,
        "treatment": w.treatment,
        "channel": w.channel,
        "party": w.party,
        "place": w.place,
        "purpose": w.purpose,
        "bucket": w.bucket,
        "balance": Money(w.balance_minor, w.currency),
        "expected_recovery": Money(w.expected_recovery_minor, w.currency),
        "currency": w.currency,
        "reason_code": w.reason_code,
        "reason": w.reason_zh if zh and w.reason_zh else w.reason,
        "window_start": w.window_start,
        "window_end": w.window_end,
        "timezone": w.timezone,
        "assignee": w.assignee,
        "arm": w.arm,
        "segment": w.segment,
        "strategy": w.strategy,
        "strategy_version": w.strategy_version,
        "fallback_from": w.fallback_from,
        "status": w.status,
    }


def queue_data(
    s: Session,
    caller: Caller,
    *,
    locale: str,
    run_id: int | None = None,
    treatment: str | None = None,
    bucket: str | None = None,
    mine: bool = False,
    page: int = 1,
) -> dict[str, Any]:
    """Today's queue (the latest completed run, or `run_id`) within the caller's creditors."""
    run = strategies_repo.run_by_id(s, run_id) if run_id is not None else staff_views.latest_run(s)
    me = collector_name(s, caller.user_id)
    base: dict[str, Any] = {
        "run": None,
        "work_items": [],
        "total": 0,
        "page": page,
        "pages": 0,
        "facets": {"treatment": {}, "bucket": {}, "assignee": {}},
        "collector": me,
        "filters": {"treatment": treatment, "bucket": bucket, "mine": mine},
        "today": clock.today(),
    }
    if run is None:
        return base
    assignee = (me or "\x00nobody") if mine else None
    page = max(page, 1)
    items, total = staff_views.queue_page(
        s,
        run.id,
        scope=caller.scope,
        treatment=treatment or None,
        bucket=bucket or None,
        assignee=assignee,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    since = clock.at_local(clock.today(), time(0), clock.SHANGHAI)
    done = staff_views.contacted_since(
        s, [i.loan_id for i in items if i.loan_id is not None], since, scope=caller.scope
    )
    rows = []
    for w in items:
        row = work_item_json(w, locale)
        row["contacted_today"] = w.loan_id in done
        rows.append(row)
    base.update(
        run={
            "run_id": run.id,
            "strategy": run.strategy,
            "version": run.strategy_version,
            "as_of": run.as_of,
            "status": run.status,
            "finished_at": run.finished_at,
        },
        work_items=rows,
        total=total,
        page=page,
        pages=-(-total // PER_PAGE),
        facets=staff_views.queue_facets(s, run.id, scope=caller.scope),
    )
    return base


# ---------------------------------------------------------------------------------------
# allowed now (a preview through the gate's own judgement; nothing is recorded)
# ---------------------------------------------------------------------------------------
def _usable_point(points: tuple[Any, ...], channel: str, party: str) -> Any:
    kind = state.KIND_FOR_CHANNEL.get(channel)
    if kind is None:
        return None
    for p in points:
        if p.kind == kind and p.party == party and p.status != "invalid":
            return p
    return None


def allowed_now(
    s: Session, vault: Vault, loan: Loan, *, now: datetime, locale: str
) -> list[dict[str, Any]]:
    """For each candidate action: allowed or not at `now`, the violations (rule, provision,
    message in `locale`) and when the same action becomes allowed (None: not by waiting).
    The loan must already be in the caller's scope."""
    borrower = gate_repo.debtor_row(s, loan.borrower_id)
    lrow = gate_repo.loan_row(s, loan.ref)
    if borrower is None or lrow is None:  # pragma: no cover - the loan was just read
        return []
    points = tuple(gate_repo.point_rows(s, borrower.id))
    zh = locale.startswith("zh")
    out = []
    for channel, party in PREVIEW_ACTIONS:
        point = _usable_point(points, channel, party)
        if party != "debtor" and point is None:
            out.append(
                {
                    "channel": channel,
                    "party": party,
                    "allowed": False,
                    "available": False,
                    "contact_point": None,
                    "violations": [],
                    "next_allowed_at": None,
                }
            )
            continue
        purpose = "location" if party != "debtor" else "demand"
        action = Action.model_validate(
            {
                "channel": channel,
                "party": party,
                "debt_id": loan.ref,
                "place": None if point is None else point.place,
                "purpose": purpose,
                "content": None,
                "in_response_to_consumer": False,
                "contact_point": None if point is None else str(point.id),
            }
        )
        _, decision, violations, extra = gate._judge(
            s,
            borrower=borrower,
            loan=lrow,
            points=points,
            point=point,
            action=action,
            at=now,
            clock_given=True,
            vault=vault,
        )
        allowed = not violations
        nxt = None if allowed or extra else decision.next_allowed_at
        out.append(
            {
                "channel": channel,
                "party": party,
                "allowed": allowed,
                "available": True,
                "contact_point": None if point is None else str(point.id),
                "violations": [
                    {
                        "rule": v.rule,
                        "provision": v.provision,
                        "message": v.message_zh if zh and v.message_zh else v.message,
                    }
                    for v in violations
                ],
                "next_allowed_at": nxt,
            }
        )
    return out


# ---------------------------------------------------------------------------------------
# one account
# ---------------------------------------------------------------------------------------
def loan_zone(borrower_tz: str | None, pack: str) -> str:
    return borrower_tz or PACK_ZONES.get(pack, clock.SHANGHAI)


def _event_json(ev: Any, refs: dict[int, str], overrides_of: dict[int, list[Any]], zh: bool) -> Any:
    return {
        "attempt_id": ev.id,
        "at": ev.at,
        "loan_ref": refs.get(ev.loan_id) if ev.loan_id is not None else None,
        "debt_refs": list(ev.debt_refs or ()),
        "channel": ev.channel,
        "party": ev.party,
        "place": ev.place,
        "purpose": ev.purpose,
        "status": ev.status,
        "outcome": ev.outcome,
        "initiated_by": ev.initiated_by,
        "collector": ev.collector,
        "contact_point": None if ev.contact_point_id is None else str(ev.contact_point_id),
        "pack_version": ev.pack_version,
        "note": ev.note,
        "violations": [
            {
                "rule": v.get("rule"),
                "provision": v.get("provision"),
                "message": v.get("message_zh") if zh and v.get("message_zh") else v.get("message"),
            }
            for v in ev.violations or ()
        ],
        "overridable": ev.status == "blocked"
        and overrides.overridable(list(ev.violations or ()))[0],
        "overrides": [
            {
                "override_id": o.id,
                "status": o.status,
                "requested_by": o.requested_by,
                "reason": o.reason,
                "decided_by": o.decided_by,
                "decision_reason": o.decision_reason,
            }
            for o in overrides_of.get(ev.id, ())
        ],
    }


def _templates(s: Session, creditor: Any, scope: Any) -> list[dict[str, Any]]:
    """The message templates a collector can send (stored versions and built-in defaults)."""
    have: dict[tuple[str, str, str], dict[str, Any]] = {}
    for t in templates_repo.list_for_creditor(s, creditor.id, scope=scope):
        have[(t.code, t.channel, t.locale)] = {
            "code": t.code,
            "channel": t.channel,
            "locale": t.locale,
            "purpose": t.purpose,
        }
    for d in templates.defaults_for(creditor.currency):
        key = (d["code"], d["channel"], d["locale"])
        have.setdefault(
            key,
            {"code": d["code"], "channel": d["channel"], "locale": d["locale"],
             "purpose": d.get("purpose", "reminder")},
        )  # fmt: skip
    order = {"reminder": 0, "overdue_notice": 1}
    keys = sorted(have, key=lambda k: (order.get(k[0], 9), k))
    return [have[k] for k in keys if templates.kind_of(k[0]) == "collection"]


def account_data(
    s: Session,
    vault: Vault,
    caller: Caller,
    loan_ref: str,
    *,
    locale: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the account page shows (PII masked). Raises the 404 problem for a loan
    outside the caller's creditors."""
    loan = loans_repo.get_by_ref(s, loan_ref, scope=caller.scope)
    if loan is None:
        raise loan_not_found(loan_ref)
    creditor = creditors_repo.get(s, loan.creditor_id, scope=caller.scope)
    borrower = borrowers_repo.get(s, loan.borrower_id, scope=caller.scope)
    if creditor is None or borrower is None:  # pragma: no cover - same scope as the loan
        raise loan_not_found(loan_ref)
    at = now or clock.now()
    zh = locale.startswith("zh")
    zone = loan_zone(borrower.timezone, creditor.pack)
    today = clock.local_date(at, zone)
    since = loan.overdue_since if loan.status == "active" else None
    dpd = max(0, (today - since).days) if since is not None else 0
    masked = borrowers_repo.masked(vault, borrower)

    def money(minor: int) -> Money:
        return Money(minor, loan.currency)

    schedule = [
        {
            "seq": i.seq,
            "due_on": i.due_on,
            "principal": money(i.principal_minor),
            "interest": money(i.interest_minor),
            "fee": money(i.fee_minor),
            "total": money(i.principal_minor + i.interest_minor + i.fee_minor),
            "paid": money(
                i.paid_principal_minor
                + i.paid_interest_minor
                + i.paid_fee_minor
                + i.paid_penalty_minor
            ),
            "settled_on": i.settled_on,
            "overdue": i.settled_on is None and i.due_on < today,
        }
        for i in installments_repo.list_for_loan(s, loan.id, scope=caller.scope)
    ]
    payments = [
        {
            "payment_ref": p.ref,
            "paid_at": p.paid_at,
            "amount": Money(p.amount_minor, p.currency),
            "channel": p.channel,
        }
        for p in payments_repo.list_for_loan(s, loan.id, scope=caller.scope)
    ]
    payments.sort(key=lambda p: p["paid_at"], reverse=True)
    promises = [
        {
            "promise_id": p.id,
            "amount": Money(p.amount_minor, p.currency),
            "due_on": p.due_on,
            "status": p.status,
            "created_at": p.created_at,
        }
        for p in promises_repo.list_for_loan(s, loan.id, scope=caller.scope)
    ]
    events = events_repo.history(s, borrower.id, scope=caller.scope)
    events.reverse()  # newest first
    refs = staff_views.loan_refs(s, {e.loan_id for e in events if e.loan_id}, scope=caller.scope)
    ov = staff_views.overrides_for_events(
        s, [e.id for e in events if e.status == "blocked"], scope=caller.scope
    )
    points = contact_points.list_points(s, vault, scope=caller.scope, borrower_id=borrower.id)
    run = staff_views.latest_run(s)
    items: list[dict[str, Any]] = []
    if run is not None:
        found, _ = staff_views.queue_page(s, run.id, scope=caller.scope, loan_ref=loan.ref)
        items = [work_item_json(w, locale) for w in found]
    other_loans = [
        {"loan_ref": x.ref, "status": x.status, "outstanding": money(x.outstanding_minor)}
        for x in loans_repo.list_for_borrower(s, borrower.id, scope=caller.scope)
        if x.id != loan.id
    ]
    return {
        "loan": {
            "loan_ref": loan.ref,
            "creditor": creditor.code,
            "creditor_name": creditor.name,
            "pack": creditor.pack,
            "product": loan.product,
            "status": loan.status,
            "currency": loan.currency,
            "principal": money(loan.principal_minor),
            "outstanding": money(loan.outstanding_minor),
            "paid": money(loan.paid_minor),
            "fee": money(loan.fee_minor),
            "apr": format(loan.apr, "f"),
            "originated_on": loan.originated_on,
            "first_due_on": loan.first_due_on,
            "term_months": loan.term_months,
            "repayment": loan.repayment,
            "as_of": today,
            "overdue_since": since,
            "days_past_due": dpd,
            "bucket": bucket_for(dpd),
            "hold_reason": loan.hold_reason,
            "dispute_received_at": loan.dispute_received_at,
        },
        "borrower": {
            "ref": borrower.ref,
            "name": masked.name,
            "id_number": masked.id_number,
            "phone": masked.phone,
            "email": masked.email,
            "address": masked.address,
            "region": borrower.region,
            "timezone": zone,
            "locale": borrower.locale,
            "flags": {
                "cease": borrower.cease_received_at is not None,
                "attorney": borrower.attorney,
                "hardship": borrower.hardship,
                "vulnerable": borrower.vulnerable,
                "lost_contact": borrower.lost_contact,
                "deceased": borrower.deceased,
                "bankruptcy": borrower.bankruptcy,
                "employer_prohibits": borrower.employer_prohibits,
            },
            "channel_opt_outs": list(borrower.channel_opt_outs or ()),
            "no_contact_places": list(borrower.no_contact_places or ()),
            "inconvenient": list(borrower.inconvenient or ()),
            "preferred_channels": list(borrower.preferred_channels or ()),
            "masked": True,
        },
        "other_loans": other_loans,
        "schedule": schedule,
        "payments": payments,
        "promises": promises,
        "contact_points": [p.to_json() for p in points],
        "timeline": [_event_json(e, refs, ov, zh) for e in events],
        "work_items": items,
        "allowed_now": allowed_now(s, vault, loan, now=at, locale=locale),
        "now": at,
        "templates": _templates(s, creditor, caller.scope),
    }


def reveal_pii(
    s: Session,
    vault: Vault,
    caller: Caller,
    loan_ref: str,
    *,
    reason: str,
    fields: tuple[str, ...] = PII_FIELDS,
) -> dict[str, str | None]:
    """The borrower's clear personal data (the caller has ``pii.reveal``; the route's policy
    checked it) and one audit event ``pii.reveal`` in the caller's transaction."""
    text = (reason or "").strip()
    if len(text) < MIN_REVEAL_REASON:
        raise Problem(
            422,
            "reason-required",
            N_("A reason is required"),
            N_("Say why you need to see the full data (at least %(min)s characters)."),
            min=MIN_REVEAL_REASON,
        )
    wanted = tuple(f for f in PII_FIELDS if f in fields) or PII_FIELDS
    loan = loans_repo.get_by_ref(s, loan_ref, scope=caller.scope)
    if loan is None:
        raise loan_not_found(loan_ref)
    borrower = borrowers_repo.get(s, loan.borrower_id, scope=caller.scope)
    if borrower is None:  # pragma: no cover
        raise loan_not_found(loan_ref)
    clear = borrowers_repo.reveal(vault, borrower)
    try:
        audit.append(
            s,
            actor=caller.actor,
            action="pii.reveal",
            entity=f"loan:{loan.ref}",
            payload={
                "borrower_ref": borrower.ref,
                "fields": list(wanted),
                "reason": text[:1000],
                "role": caller.role,
            },
        )
    except PIIInPayload:
        raise Problem(
            422,
            "reason-has-personal-data",
            N_("Remove personal data from the reason"),
            N_("The reason is kept in the audit log: write it without phone or id numbers."),
        ) from None
    return {f: getattr(clear, f) for f in wanted}


# ---------------------------------------------------------------------------------------
# JSON API
# ---------------------------------------------------------------------------------------
@router.get("/work-items")
def list_work_items(
    request: Request,
    caller: Caller = Depends(require(action="read")),
    treatment: str | None = Query(None, max_length=32),
    bucket: str | None = Query(None, max_length=8),
    mine: bool = False,
    run: int | None = None,
    page: int = Query(1, ge=1, le=100_000),
) -> JSONResponse:
    """Today's queue: work items of the latest strategy run in the caller's creditors, by
    priority, with the reason in the caller's language (Accept-Language)."""
    loc = request_locale(request)
    with web_state(request).db.transaction() as s:
        data = queue_data(
            s, caller, locale=loc, run_id=run, treatment=treatment, bucket=bucket, mine=mine,
            page=page,
        )  # fmt: skip
    return JSONResponse(to_json(data))


@router.get("/loans/{loan_ref}/account")
def get_account(
    loan_ref: str, request: Request, caller: Caller = Depends(require(action="read"))
) -> JSONResponse:
    """One account as the collector sees it (personal data masked)."""
    st = web_state(request)
    with st.db.transaction() as s:
        data = account_data(s, st.vault, caller, loan_ref, locale=request_locale(request))
    return JSONResponse(to_json(data))


@router.get("/loans/{loan_ref}/allowed-actions")
def get_allowed_actions(
    loan_ref: str, request: Request, caller: Caller = Depends(require(action="read"))
) -> JSONResponse:
    """Which contacts the rules allow now; for each blocked one, the provisions and when it
    becomes allowed. A preview: nothing is recorded."""
    st = web_state(request)
    with st.db.transaction() as s:
        loan = loans_repo.get_by_ref(s, loan_ref, scope=caller.scope)
        if loan is None:
            raise loan_not_found(loan_ref)
        now = clock.now()
        rows = allowed_now(s, st.vault, loan, now=now, locale=request_locale(request))
    return JSONResponse(to_json({"loan_ref": loan_ref, "at": now, "actions": rows}))


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)
    fields: list[Literal["name", "id_number", "phone", "email", "address"]] = Field(
        default_factory=lambda: list(PII_FIELDS)
    )


@router.post("/loans/{loan_ref}/reveal")
def post_reveal(
    loan_ref: str,
    body: RevealIn,
    request: Request,
    caller: Caller = Depends(require(action="read", permission="pii.reveal")),
) -> JSONResponse:
    """The borrower's full personal data, with a reason (audited: ``pii.reveal``)."""
    st = web_state(request)
    with st.db.transaction(immediate=True) as s:
        data = reveal_pii(
            s, st.vault, caller, loan_ref, reason=body.reason, fields=tuple(body.fields)
        )
    return JSONResponse({"loan_ref": loan_ref, "revealed": data})
