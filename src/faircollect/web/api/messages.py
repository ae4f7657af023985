"""Messages and templates over HTTP.

- ``POST /api/v1/messages`` {loan_ref, channel: sms|email|app, template? | content?,
  subject?, party?, contact_point?, locale?} -> 201 (queued in the outbox, in the same
  transaction as the gate's decision) or 409 (blocked: violations, next_allowed_at).
  ``Idempotency-Key`` honoured; it is also the key the provider deduplicates on.
- ``GET /api/v1/messages/{message_id}``: delivery state (no recipient, no text).
- ``GET /api/v1/templates?creditor=CODE``: the latest version of each template;
  ``POST /api/v1/templates``: save a new version (422 with the content-lint findings when
  the text is refused).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from faircollect.contacts import messages, templates
from faircollect.contacts.errors import ContactsError
from faircollect.i18n import N_
from faircollect.rules.model import Party, Purpose
from faircollect.store.repositories import creditors as creditors_repo
from faircollect.store.repositories import outbox as outbox_repo
from faircollect.store.repositories import templates as templates_repo

from ..auth.caller import Caller
from ..deps import require
from ..idempotency import Idempotency, idempotency
from ..problems import Problem, request_locale
from ..state import web_state
from .contacts import CONTACT_ROLES, _point_id, to_problem

router = APIRouter(tags=["messages"])

TEMPLATE_ROLES = ("supervisor", "compliance")


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    loan_ref: str = Field(max_length=64)
    channel: Literal["sms", "email", "app"]
    template: str | None = Field(default=None, max_length=64, examples=["reminder"])
    content: str | None = Field(default=None, max_length=10_000)
    subject: str | None = Field(default=None, max_length=500)
    party: Party = "debtor"
    purpose: Purpose | None = None
    contact_point: str | None = Field(default=None, max_length=32)
    locale: Literal["zh_CN", "en"] | None = None


@router.post("/messages", status_code=201)
def send_message(
    body: MessageIn,
    request: Request,
    caller: Caller = Depends(require(CONTACT_ROLES, action="write")),
    idem: Idempotency = Depends(idempotency()),
) -> JSONResponse:
    """Render, check (contact gate and content lint) and queue a message."""
    st = web_state(request)
    loc = request_locale(request)
    point = _point_id(body.contact_point)

    def work(s: Any) -> tuple[int, Any]:
        try:
            r = messages.send(
                s,
                st.vault,
                scope=caller.scope,
                actor=caller.actor,
                loan_ref=body.loan_ref,
                channel=body.channel,
                template=body.template,
                content=body.content,
                subject=body.subject,
                party=body.party,
                purpose=body.purpose,
                contact_point_id=point,
                locale=body.locale,
                idempotency_key=None if idem.key is None else f"http:{caller.actor}:{idem.key}",
            )
        except ContactsError as e:
            raise to_problem(e, loc) from None
        return (201 if r.allowed else 409), r.to_json(loc)

    return idem.run(caller, body, work)


@router.get("/messages/{message_id}")
def get_message(
    message_id: int, request: Request, caller: Caller = Depends(require(action="read"))
) -> JSONResponse:
    """A message's delivery state."""
    with web_state(request).db.transaction() as s:
        m = outbox_repo.get(s, message_id, scope=caller.scope)
        if m is None:
            raise Problem(
                404,
                "message-not-found",
                N_("Not found"),
                N_("There is no message %(message_id)s among the creditors you work for."),
                message_id=message_id,
            )
        return JSONResponse(messages.message_view(m))


def _creditor(s: Any, code: str, caller: Caller) -> Any:
    c = creditors_repo.get_by_code(s, code, scope=caller.scope)
    if c is None:
        raise Problem(
            404,
            "creditor-not-found",
            N_("Not found"),
            N_("There is no creditor %(creditor)s among the creditors you work for."),
            creditor=code,
        )
    return c


def _template_json(t: Any) -> dict[str, Any]:
    return {
        "template_id": t.id,
        "code": t.code,
        "channel": t.channel,
        "locale": t.locale,
        "version": t.version,
        "purpose": t.purpose,
        "subject": t.subject,
        "body": t.body,
        "created_by": t.created_by,
        "created_at": t.created_at.isoformat(),
    }


@router.get("/templates")
def list_templates(
    request: Request,
    creditor: str = Query(max_length=64, description="creditor code"),
    caller: Caller = Depends(require(action="read")),
) -> JSONResponse:
    """The latest version of every template of a creditor, and the built-in defaults it has
    not replaced yet (version 0, ``stored: false``: used, and stored, on first send)."""
    with web_state(request).db.transaction() as s:
        c = _creditor(s, creditor, caller)
        rows = [
            {**_template_json(t), "stored": True}
            for t in templates_repo.list_for_creditor(s, c.id, scope=caller.scope)
        ]
    have = {(t["code"], t["channel"], t["locale"]) for t in rows}
    for d in templates.defaults_for(c.currency):
        if (d["code"], d["channel"], d["locale"]) not in have:
            rows.append({**d, "template_id": None, "version": 0, "stored": False})
    rows.sort(key=lambda t: (t["code"], t["channel"], t["locale"]))
    return JSONResponse({"templates": rows})


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    creditor: str = Field(max_length=64)
    code: str = Field(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    channel: Literal["sms", "email", "app"]
    locale: Literal["zh_CN", "en"]
    purpose: Purpose = "reminder"
    subject: str | None = Field(default=None, max_length=500)
    body: str = Field(min_length=1, max_length=10_000)


@router.post("/templates", status_code=201)
def save_template(
    body: TemplateIn,
    request: Request,
    caller: Caller = Depends(require(TEMPLATE_ROLES, action="write")),
) -> JSONResponse:
    """Save a new version of a template; the content lint runs first (422 with findings)."""
    loc = request_locale(request)
    with web_state(request).db.transaction(immediate=True) as s:
        c = _creditor(s, body.creditor, caller)
        try:
            t = templates.save(
                s,
                scope=caller.scope,
                actor=caller.actor,
                creditor_id=c.id,
                code=body.code,
                channel=body.channel,
                locale=body.locale,
                body=body.body,
                subject=body.subject,
                purpose=body.purpose,
                currency=c.currency,
            )
        except ContactsError as e:
            raise to_problem(e, loc) from None
        return JSONResponse(_template_json(t), status_code=201)
