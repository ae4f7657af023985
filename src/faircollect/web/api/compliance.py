"""Compliance views as data (used by the JSON API below and the pages in
web/ui/compliance.py). Everything tenant-related is restricted to the caller's creditors.

- ``GET /api/v1/compliance/blocks?days=30&rule=``: blocked attempts by rule, and the most
  recent ones;
- complaints: ``GET /api/v1/complaints?status=``, ``POST /api/v1/complaints`` {creditor,
  loan_ref?, source, category, summary, received_at?}, ``POST /api/v1/complaints/{id}/status``
  {status, resolution?}. Each complaint gets a deadline (SLA) when received: the creditor's
  ``complaint_sla_days`` setting, else the default of its pack (`SLA_DAYS`);
- ``GET /api/v1/audit-events?action=&entity=&before=`` (permission ``audit.read``) and
  ``POST /api/v1/audit/verify`` (checks the whole hash chain; changes nothing);
- ``GET /api/v1/rules/packs``, ``GET /api/v1/rules/packs/{pack}``: the rule packs as data
  (rules with provisions and texts in both languages, dated parameters);
- retention: ``GET /api/v1/retention``, ``PUT /api/v1/retention/{creditor}`` {records_years,
  recordings_years}: never below the legal minimum of the creditor's pack (`RETENTION`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from faircollect import audit, clock
from faircollect.i18n import N_
from faircollect.rules.packs import PACK_IDS, get_pack
from faircollect.store import pii
from faircollect.store.db import Session
from faircollect.store.repositories import complaints as complaints_repo
from faircollect.store.repositories import creditor_settings, staff_views
from faircollect.store.repositories import creditors as creditors_repo
from faircollect.store.repositories import loans as loans_repo
from faircollect.store.tables import Complaint
from faircollect.vault import Vault

from ..auth.caller import Caller
from ..deps import require
from ..problems import Problem
from ..state import web_state
from .contacts import CONTACT_ROLES
from .loans import loan_not_found
from .workspace import to_json

router = APIRouter(tags=["compliance"])

__all__ = [
    "AUDITORS",
    "COMPLAINT_CATEGORIES",
    "COMPLAINT_SOURCES",
    "COMPLAINT_STATUSES",
    "READERS",
    "RETENTION",
    "SLA_DAYS",
    "audit_data",
    "blocks_data",
    "complaints_data",
    "create_complaint",
    "pack_detail",
    "packs_data",
    "redact",
    "retention_data",
    "set_retention",
    "update_complaint",
    "verify_chain",
]

READERS = ("admin", "supervisor", "compliance", "auditor")
AUDITORS = ("admin", "compliance", "auditor")
COMPLAINT_WRITERS = (*CONTACT_ROLES, "compliance")
COMPLAINT_SOURCES = ("phone", "letter", "email", "portal", "regulator", "other")
COMPLAINT_CATEGORIES = (
    "harassment",
    "contact_time",
    "third_party",
    "conduct",
    "amount",
    "privacy",
    "other",
)
COMPLAINT_STATUSES = ("open", "in_progress", "resolved")

#: days to answer a complaint when the creditor sets none (configurable defaults: CN 15 days,
#: 《银行业保险业消费投诉处理管理办法》(2020); US 15 days, the CFPB complaint process; UK 8
#: weeks, FCA DISP 1.6.2R)
SLA_DAYS: Mapping[str, int] = {"CN": 15, "US": 15, "US-MA": 15, "UK": 56}


#: legal minimum retention per pack: (records years, recordings years, source) - from the
#: rule catalog (shared/reference/rule-catalog.md, rows "records"). UK: none in the catalog.
RETENTION: Mapping[str, tuple[int, int, str] | None] = {
    "CN": (5, 2, "NIFA 公约 (2018); credit-card rules"),
    "US": (3, 3, "12 CFR 1006.100"),
    "US-MA": (3, 3, "12 CFR 1006.100"),
    "UK": None,
}
MAX_RETENTION_YEARS = 30

_DIGITS = re.compile(r"(?<!\d)\+?\d(?:[ \-]?\d){6,}[Xx]?(?!\d)")


def redact(text: str | None) -> str | None:
    """Free text typed by staff, for a role without ``pii.reveal``: every run of 7 or more
    digits (phone, id, card numbers) keeps its first 3 and last 2 characters."""
    if text is None:
        return None

    def mask(m: re.Match[str]) -> str:
        s = m.group(0)
        return s[:3] + "*" * (len(s) - 5) + s[-2:]

    return _DIGITS.sub(mask, text)


# ---------------------------------------------------------------------------------------
# blocked attempts
# ---------------------------------------------------------------------------------------
def blocks_data(
    s: Session, caller: Caller, *, days: int = 30, rule: str | None = None, locale: str = "en"
) -> dict[str, Any]:
    since = clock.now() - timedelta(days=days)
    counts = staff_views.blocked_by_rule(s, scope=caller.scope, since=since)
    events = staff_views.blocked_events(s, scope=caller.scope, since=since, rule=rule)
    refs = staff_views.loan_refs(s, {e.loan_id for e in events if e.loan_id}, scope=caller.scope)
    zh = locale.startswith("zh")
    return {
        "days": days,
        "since": since,
        "rule": rule,
        "blocks": [
            {"rule": b.rule, "provision": b.provision, "attempts": b.attempts} for b in counts
        ],
        "recent": [
            {
                "attempt_id": e.id,
                "at": e.at,
                "loan_ref": refs.get(e.loan_id) if e.loan_id else None,
                "channel": e.channel,
                "party": e.party,
                "collector": e.collector,
                "violations": [
                    {
                        "rule": v.get("rule"),
                        "provision": v.get("provision"),
                        "message": v.get("message_zh")
                        if zh and v.get("message_zh")
                        else v.get("message"),
                    }
                    for v in e.violations or ()
                ],
            }
            for e in events
        ],
    }


# ---------------------------------------------------------------------------------------
# overrides (the decisions go through POST /api/v1/overrides/{id}/decision)
# ---------------------------------------------------------------------------------------
def overrides_data(s: Session, caller: Caller, *, locale: str) -> dict[str, Any]:
    from faircollect.store.repositories import overrides as overrides_repo

    zh = locale.startswith("zh")
    open_rows = overrides_repo.list_open(s, scope=caller.scope)
    decided = staff_views.decided_overrides(s, scope=caller.scope)
    rows = [*open_rows, *decided]
    events = staff_views.events_by_id(s, [o.blocked_event_id for o in rows], scope=caller.scope)
    refs = staff_views.loan_refs(
        s, {e.loan_id for e in events.values() if e.loan_id}, scope=caller.scope
    )
    uids = [
        int(a.split(":", 1)[1])
        for o in rows
        for a in (o.requested_by, o.decided_by or "")
        if a.startswith("user:") and a.split(":", 1)[1].isdigit()
    ]
    names = staff_views.usernames(s, uids)

    def who(actor: str | None) -> str | None:
        if actor and actor.startswith("user:") and actor[5:].isdigit():
            return names.get(int(actor[5:]), actor)
        return actor

    def one(o: Any) -> dict[str, Any]:
        e = events.get(o.blocked_event_id)
        return {
            "override_id": o.id,
            "status": o.status,
            "attempt_id": o.blocked_event_id,
            "loan_ref": refs.get(e.loan_id) if e is not None and e.loan_id else None,
            "at": None if e is None else e.at,
            "channel": None if e is None else e.channel,
            "party": None if e is None else e.party,
            "violations": []
            if e is None
            else [
                {
                    "rule": v.get("rule"),
                    "provision": v.get("provision"),
                    "message": v.get("message_zh")
                    if zh and v.get("message_zh")
                    else v.get("message"),
                }
                for v in e.violations or ()
            ],
            "requested_by": who(o.requested_by),
            "reason": o.reason,
            "created_at": o.created_at,
            "decided_by": who(o.decided_by),
            "decision_reason": o.decision_reason,
            "decided_at": o.decided_at,
            "mine": o.requested_by == caller.actor,
        }

    return {"open": [one(o) for o in open_rows], "decided": [one(o) for o in decided]}


# ---------------------------------------------------------------------------------------
# complaints
# ---------------------------------------------------------------------------------------
def _sla_days(creditor: Any) -> int:
    raw = (creditor.settings or {}).get("complaint_sla_days")
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        return raw
    return SLA_DAYS.get(creditor.pack, 15)


def _complaint_json(
    c: Complaint, vault: Vault, caller: Caller, refs: Mapping[int, str], codes: Mapping[int, str]
) -> dict[str, Any]:
    summary = vault.decrypt(c.summary_enc, field=pii.COMPLAINT_SUMMARY)
    resolution = vault.decrypt_optional(c.resolution_enc, field=pii.COMPLAINT_RESOLUTION)
    if not caller.can("pii.reveal"):
        summary, resolution = redact(summary) or "", redact(resolution)
    now = clock.now()
    due = clock.to_utc(c.due_at)
    return {
        "complaint_id": c.id,
        "creditor": codes.get(c.creditor_id, str(c.creditor_id)),
        "loan_ref": refs.get(c.loan_id) if c.loan_id is not None else None,
        "source": c.source,
        "category": c.category,
        "summary": summary,
        "status": c.status,
        "received_at": c.received_at,
        "due_at": c.due_at,
        "overdue": c.status != "resolved" and due < now,
        "seconds_left": int((due - now).total_seconds()),
        "resolved_at": c.resolved_at,
        "resolution": resolution,
        "created_by": c.created_by,
        "resolved_by": c.resolved_by,
    }


def complaints_data(
    s: Session, vault: Vault, caller: Caller, *, status: str | None = None
) -> list[dict[str, Any]]:
    statuses = (
        (status,) if status in COMPLAINT_STATUSES else ("open", "in_progress")
        if status is None else None
    )  # fmt: skip
    rows = complaints_repo.list_for(s, scope=caller.scope, statuses=statuses)
    refs = staff_views.loan_refs(s, {c.loan_id for c in rows if c.loan_id}, scope=caller.scope)
    codes = {c.id: c.code for c in creditors_repo.list_all(s, scope=caller.scope)}
    return [_complaint_json(c, vault, caller, refs, codes) for c in rows]


def _complaint_entity(c: Complaint) -> str:
    return f"complaint:{c.creditor_id}:{c.id}"


def create_complaint(
    s: Session,
    vault: Vault,
    caller: Caller,
    *,
    creditor: str | None,
    loan_ref: str | None,
    source: str,
    category: str,
    summary: str,
    received_at: datetime | None = None,
) -> dict[str, Any]:
    """Log a complaint (about a loan, or a creditor when the loan is unknown)."""
    if source not in COMPLAINT_SOURCES or category not in COMPLAINT_CATEGORIES:
        raise Problem(422, "invalid-input")
    text = (summary or "").strip()
    if len(text) < 5:
        raise Problem(
            422,
            "summary-required",
            N_("Describe the complaint"),
            N_("Write what the borrower complains about (at least 5 characters)."),
        )
    loan = None
    if loan_ref:
        loan = loans_repo.get_by_ref(s, loan_ref.strip(), scope=caller.scope)
        if loan is None:
            raise loan_not_found(loan_ref)
        cred = creditors_repo.get(s, loan.creditor_id, scope=caller.scope)
    else:
        cred = creditors_repo.get_by_code(s, creditor, scope=caller.scope) if creditor else None
    if cred is None:
        raise Problem(
            404,
            "creditor-not-found",
            N_("Not found"),
            N_("There is no creditor %(creditor)s among the creditors you work for."),
            creditor=creditor or "",
        )
    now = clock.now()
    received = clock.to_utc(received_at) if received_at is not None else now
    if received > now + timedelta(minutes=5):
        raise Problem(
            422,
            "received-in-future",
            N_("Invalid date"),
            N_("A complaint cannot be received in the future."),
        )
    row = complaints_repo.add(
        s,
        complaints_repo.NewComplaint(
            creditor_id=cred.id,
            loan_id=None if loan is None else loan.id,
            borrower_id=None if loan is None else loan.borrower_id,
            source=source,
            category=category,
            summary_enc=vault.encrypt(text, field=pii.COMPLAINT_SUMMARY),
            received_at=received,
            due_at=received + timedelta(days=_sla_days(cred)),
            created_by=caller.actor,
        ),
        now=now,
    )
    audit.append(
        s,
        actor=caller.actor,
        action="complaint.received",
        entity=_complaint_entity(row),
        payload={
            "complaint_id": row.id,
            "loan_ref": None if loan is None else loan.ref,
            "source": source,
            "category": category,
            "received_at": received,
            "due_at": row.due_at,
        },
    )
    refs = {} if loan is None else {loan.id: loan.ref}
    return _complaint_json(row, vault, caller, refs, {cred.id: cred.code})


def update_complaint(
    s: Session,
    vault: Vault,
    caller: Caller,
    complaint_id: int,
    *,
    status: str,
    resolution: str | None = None,
) -> dict[str, Any]:
    if status not in COMPLAINT_STATUSES:
        raise Problem(422, "invalid-input")
    row = complaints_repo.get(s, complaint_id, scope=caller.scope, for_update=True)
    if row is None:
        raise Problem(
            404,
            "complaint-not-found",
            N_("Not found"),
            N_("There is no complaint %(complaint_id)s among the creditors you work for."),
            complaint_id=complaint_id,
        )
    text = (resolution or "").strip()
    if status == "resolved" and len(text) < 5:
        raise Problem(
            422,
            "resolution-required",
            N_("Describe the resolution"),
            N_("Say how the complaint was resolved (at least 5 characters)."),
        )
    now = clock.now()
    complaints_repo.update(
        s,
        row,
        status=status,
        now=now,
        resolution_enc=vault.encrypt(text, field=pii.COMPLAINT_RESOLUTION) if text else None,
        resolved_by=caller.actor if status == "resolved" else None,
    )
    audit.append(
        s,
        actor=caller.actor,
        action="complaint.resolved" if status == "resolved" else "complaint.updated",
        entity=_complaint_entity(row),
        payload={
            "complaint_id": row.id,
            "status": status,
            "within_sla": clock.to_utc(row.due_at) >= now,
        },
    )
    codes = {c.id: c.code for c in creditors_repo.list_all(s, scope=caller.scope)}
    refs = staff_views.loan_refs(s, [row.loan_id] if row.loan_id else [], scope=caller.scope)
    return _complaint_json(row, vault, caller, refs, codes)


# ---------------------------------------------------------------------------------------
# audit log
# ---------------------------------------------------------------------------------------
def audit_data(
    s: Session,
    caller: Caller,
    *,
    action: str | None = None,
    entity: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    rows = staff_views.audit_page(
        s, scope=caller.scope, action=action, entity=entity, before_seq=before, limit=limit
    )
    return {
        "entries": [
            {
                "seq": r.seq,
                "at": r.at,
                "actor": r.actor,
                "action": r.action,
                "entity": r.entity,
                "payload": r.payload,
                "hash": r.hash,
            }
            for r in rows
        ],
        "next_before": rows[-1].seq if len(rows) == limit else None,
    }


def verify_chain(s: Session) -> dict[str, Any]:
    r = audit.verify(s)
    return {
        "ok": r.ok,
        "checked": r.checked,
        "first_broken_seq": r.first_broken_seq,
        "reason": r.reason,
        "head_hash": r.head_hash,
        "at": clock.now(),
    }


# ---------------------------------------------------------------------------------------
# rule packs
# ---------------------------------------------------------------------------------------
def _fmt(v: Any) -> str:
    if isinstance(v, frozenset | tuple | set):
        return ", ".join(sorted(str(x) for x in v))
    return str(v)


def packs_data() -> list[dict[str, Any]]:
    out = []
    for pid in PACK_IDS:
        p = get_pack(pid)
        out.append(
            {
                "pack": p.id,
                "name": {"en": p.name.en, "zh": p.name.zh},
                "version": p.version,
                "rules": len(p.rules),
                "parameters": len(p.params),
                "default_zones": list(p.default_zones),
            }
        )
    return out


def pack_detail(pack_id: str) -> dict[str, Any]:
    if pack_id not in PACK_IDS:
        raise Problem(
            404,
            "pack-not-found",
            N_("Not found"),
            N_("There is no rule pack %(pack)s."),
            pack=pack_id,
        )
    p = get_pack(pack_id)
    values = {name: _fmt(par.values[-1][1]) for name, par in p.params.items()}

    def both(t: Any) -> dict[str, str]:
        f = t.format(**values)
        return {"en": f.en, "zh": f.zh}

    return {
        "pack": p.id,
        "name": {"en": p.name.en, "zh": p.name.zh},
        "version": p.version,
        "default_zones": list(p.default_zones),
        "rules": [
            {
                "rule": r.id,
                "provision": r.provision,
                "title": both(r.title),
                "explain": both(r.explain),
                "message": both(r.message),
                "rights": None if r.rights is None else both(r.rights),
                "channels": sorted(r.channels),
                "parties": sorted(r.parties),
                "parameters": list(r.params),
            }
            for r in p.rules
        ],
        "parameters": [
            {
                "name": par.name,
                "description": {"en": par.description.en, "zh": par.description.zh},
                "reference": par.reference,
                "unverified": par.unverified,
                "values": [{"from": d, "value": _fmt(v)} for d, v in par.values],
            }
            for par in p.params.values()
        ],
        "notes": None if p.notes is None else {"en": p.notes.en, "zh": p.notes.zh},
    }


# ---------------------------------------------------------------------------------------
# retention
# ---------------------------------------------------------------------------------------
def _minimum(pack: str) -> dict[str, Any] | None:
    m = RETENTION.get(pack)
    if m is None:
        return None
    return {"records_years": m[0], "recordings_years": m[1], "source": m[2]}


def retention_data(s: Session, caller: Caller) -> list[dict[str, Any]]:
    out = []
    for c in creditors_repo.list_all(s, scope=caller.scope):
        minimum = _minimum(c.pack)
        setting = (c.settings or {}).get("retention")
        current = setting if isinstance(setting, dict) else None
        effective = current or (
            {k: minimum[k] for k in ("records_years", "recordings_years")} if minimum else None
        )
        out.append(
            {
                "creditor": c.code,
                "name": c.name,
                "pack": c.pack,
                "minimum": minimum,
                "setting": current,
                "effective": effective,
                "complaint_sla_days": _sla_days(c),
            }
        )
    return out


def set_retention(
    s: Session, caller: Caller, code: str, *, records_years: int, recordings_years: int
) -> dict[str, Any]:
    cred = creditors_repo.get_by_code(s, code, scope=caller.scope)
    if cred is None:
        raise Problem(
            404,
            "creditor-not-found",
            N_("Not found"),
            N_("There is no creditor %(creditor)s among the creditors you work for."),
            creditor=code,
        )
    minimum = _minimum(cred.pack)
    low_rec = minimum["records_years"] if minimum else 1
    low_audio = minimum["recordings_years"] if minimum else 1
    if not (low_rec <= records_years <= MAX_RETENTION_YEARS) or not (
        low_audio <= recordings_years <= MAX_RETENTION_YEARS
    ):
        raise Problem(
            422,
            "retention-below-minimum",
            N_("Retention out of range"),
            N_(
                "Keep records %(records)s to %(max)s years and recordings %(recordings)s to "
                "%(max)s years (legal minimum of pack %(pack)s)."
            ),
            records=low_rec,
            recordings=low_audio,
            max=MAX_RETENTION_YEARS,
            pack=cred.pack,
        )
    value = {"records_years": records_years, "recordings_years": recordings_years}
    creditor_settings.set_key(s, cred.id, "retention", value, scope=caller.scope)
    audit.append(
        s,
        actor=caller.actor,
        action="retention.updated",
        entity=f"creditor:{cred.id}",
        payload={"creditor": cred.code, **value},
    )
    return {"creditor": cred.code, **value}


# ---------------------------------------------------------------------------------------
# JSON API
# ---------------------------------------------------------------------------------------
@router.get("/compliance/blocks")
def get_blocks(
    request: Request,
    days: int = Query(30, ge=1, le=366),
    rule: str | None = Query(None, max_length=64),
    caller: Caller = Depends(require(READERS, action="read")),
) -> JSONResponse:
    """Blocked contact attempts by rule (with provisions) and the latest ones."""
    from ..problems import request_locale

    with web_state(request).db.transaction() as s:
        data = blocks_data(s, caller, days=days, rule=rule, locale=request_locale(request))
    return JSONResponse(to_json(data))


@router.get("/complaints")
def list_complaints(
    request: Request,
    status: Literal["open", "in_progress", "resolved", "all"] | None = None,
    caller: Caller = Depends(require(action="read")),
) -> JSONResponse:
    """Complaints, the most urgent first (default: not resolved yet)."""
    st = web_state(request)
    with st.db.transaction() as s:
        rows = complaints_data(s, st.vault, caller, status=status)
    return JSONResponse(to_json({"complaints": rows}))


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    creditor: str | None = Field(default=None, max_length=64)
    loan_ref: str | None = Field(default=None, max_length=64)
    source: Literal["phone", "letter", "email", "portal", "regulator", "other"]
    category: Literal[
        "harassment", "contact_time", "third_party", "conduct", "amount", "privacy", "other"
    ]
    summary: str = Field(min_length=1, max_length=4000)
    received_at: datetime | None = None


@router.post("/complaints", status_code=201)
def post_complaint(
    body: ComplaintIn,
    request: Request,
    caller: Caller = Depends(require(COMPLAINT_WRITERS, action="write")),
) -> JSONResponse:
    """Log a complaint; its deadline follows the creditor's SLA."""
    st = web_state(request)
    if body.received_at is not None and body.received_at.tzinfo is None:
        raise Problem(422, "invalid-input")
    with st.db.transaction(immediate=True) as s:
        out = create_complaint(
            s, st.vault, caller, creditor=body.creditor, loan_ref=body.loan_ref,
            source=body.source, category=body.category, summary=body.summary,
            received_at=body.received_at,
        )  # fmt: skip
    return JSONResponse(to_json(out), status_code=201)


class ComplaintStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "in_progress", "resolved"]
    resolution: str | None = Field(default=None, max_length=4000)


@router.post("/complaints/{complaint_id}/status")
def post_complaint_status(
    complaint_id: int,
    body: ComplaintStatusIn,
    request: Request,
    caller: Caller = Depends(require(("compliance",), action="write")),
) -> JSONResponse:
    """Move a complaint along (resolved needs a resolution)."""
    st = web_state(request)
    with st.db.transaction(immediate=True) as s:
        out = update_complaint(
            s, st.vault, caller, complaint_id, status=body.status, resolution=body.resolution
        )
    return JSONResponse(to_json(out))


@router.get("/audit-events")
def list_audit_events(
    request: Request,
    action: str | None = Query(None, max_length=64),
    entity: str | None = Query(None, max_length=128),
    before: int | None = Query(None, ge=1),
    caller: Caller = Depends(require(AUDITORS, action="read", permission="audit.read")),
) -> JSONResponse:
    """The audit log, newest first, about the caller's creditors (and system events)."""
    with web_state(request).db.transaction() as s:
        return JSONResponse(
            to_json(audit_data(s, caller, action=action, entity=entity, before=before))
        )


@router.post("/audit/verify")
def post_verify(
    request: Request,
    caller: Caller = Depends(
        require(AUDITORS, action="read", tenant=False, permission="audit.read")
    ),
) -> JSONResponse:
    """Walk the whole hash chain: intact, or the first broken entry and why."""
    with web_state(request).db.transaction() as s:
        return JSONResponse(to_json(verify_chain(s)))


@router.get("/rules/packs")
def list_packs(caller: Caller = Depends(require(action="read", tenant=False))) -> JSONResponse:
    """The rule packs and their versions."""
    return JSONResponse({"packs": packs_data()})


@router.get("/rules/packs/{pack_id}")
def get_pack_detail(
    pack_id: str, caller: Caller = Depends(require(action="read", tenant=False))
) -> JSONResponse:
    """One rule pack: rules with provisions and texts (en, zh), dated parameters."""
    return JSONResponse(to_json(pack_detail(pack_id)))


@router.get("/retention")
def get_retention(
    request: Request, caller: Caller = Depends(require(READERS, action="read"))
) -> JSONResponse:
    """Retention per creditor with the legal minimum of its pack."""
    with web_state(request).db.transaction() as s:
        return JSONResponse({"creditors": retention_data(s, caller)})


class RetentionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records_years: int = Field(ge=1, le=MAX_RETENTION_YEARS)
    recordings_years: int = Field(ge=1, le=MAX_RETENTION_YEARS)


@router.put("/retention/{creditor}")
def put_retention(
    creditor: str,
    body: RetentionIn,
    request: Request,
    caller: Caller = Depends(require(("admin", "compliance"), action="write")),
) -> JSONResponse:
    """Set how long a creditor keeps records and recordings (never below the minimum)."""
    with web_state(request).db.transaction(immediate=True) as s:
        out = set_retention(
            s, caller, creditor, records_years=body.records_years,
            recordings_years=body.recordings_years,
        )  # fmt: skip
    return JSONResponse(out)
