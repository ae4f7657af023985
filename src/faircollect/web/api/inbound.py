"""Provider webhooks (no session, no CSRF: the body is signed).

Both routes need ``X-Faircollect-Timestamp`` (Unix seconds, within 5 minutes) and
``X-Faircollect-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + raw body>`` with the
shared secret ``FAIRCOLLECT_INBOUND_SMS_SECRET`` / ``FAIRCOLLECT_INBOUND_EMAIL_SECRET`` (or
``FAIRCOLLECT_INBOUND_SECRET`` for both); without a valid signature (or with no secret
configured) the answer is 401.

- ``POST /api/v1/inbound/sms`` JSON ``{"from": "+8613812345678", "text": "TD",
  "message_id": "<provider id>", "received_at"?: ISO time}``: STOP/退订/TD/T ... opt the
  number out of SMS, HELP/帮助 is answered through the outbox (contacts/inbound.py).
- ``POST /api/v1/inbound/email``: a bounce, either JSON ``{"recipient", "status": "5.1.1",
  "action"?: "failed", "original_message_id"?, "id"?}`` or a raw RFC 3464 DSN
  (``multipart/report`` / ``message/*`` / ``text/plain``). A permanent failure marks the
  address invalid.
A provider id already seen is acknowledged again without effect (webhook retries).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from faircollect import clock
from faircollect.contacts import gate, inbound
from faircollect.contacts.channels import inbound_secret
from faircollect.contacts.errors import ContactsError
from faircollect.i18n import N_

from ..auth.caller import Caller
from ..deps import webhook
from ..problems import Problem, request_locale
from ..state import web_state
from .contacts import to_problem

router = APIRouter(tags=["inbound"])
MAX_BODY = 256 * 1024


def _unsigned() -> Problem:
    return Problem(
        401,
        "bad-signature",
        N_("Invalid signature"),
        N_("The webhook signature is missing, wrong or too old (or no secret is configured)."),
    )


def _bad_body(reason: str) -> Problem:
    return Problem(
        422,
        "invalid-webhook",
        N_("Invalid input"),
        N_("The webhook body is not valid: %(reason)s"),
        reason=reason,
    )


async def _verified_body(request: Request, channel: str) -> bytes:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Problem(413, "too-large")
    secret = inbound_secret(channel)
    ok = secret is not None and inbound.verify_signature(
        secret,
        timestamp=request.headers.get("x-faircollect-timestamp"),
        signature=request.headers.get("x-faircollect-signature"),
        body=raw,
        now=clock.now(),
    )
    if not ok:
        raise _unsigned()
    return raw


@router.post("/inbound/sms")
async def inbound_sms(request: Request, caller: Caller = Depends(webhook())) -> JSONResponse:
    """An SMS reply from a borrower or another contact (STOP, 退订, HELP, ...)."""
    raw = await _verified_body(request, "sms")
    try:
        data = json.loads(raw)
        sender, text, mid = str(data["from"]), str(data.get("text") or ""), str(data["message_id"])
        received = data.get("received_at")
        received_at = None if received is None else clock.parse_aware(str(received))
    except (ValueError, KeyError, TypeError) as e:
        raise _bad_body(type(e).__name__) from None
    if not sender or not mid or len(mid) > 200 or len(text) > 2000:
        raise _bad_body("from, message_id or text out of range")
    st = web_state(request)
    loc = request_locale(request)

    def work() -> dict[str, Any]:
        with gate.transaction(st.db) as s:
            try:
                r = inbound.handle_sms(
                    s,
                    st.vault,
                    sender=sender,
                    text=text,
                    provider_message_id=mid,
                    received_at=received_at,
                )
            except ContactsError as e:
                raise to_problem(e, loc) from None
            return r.to_json()

    return JSONResponse(await run_in_threadpool(work))


@router.post("/inbound/email")
async def inbound_email(request: Request, caller: Caller = Depends(webhook())) -> JSONResponse:
    """A bounce (delivery status notification) for an e-mail we sent."""
    raw = await _verified_body(request, "email")
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("application/json"):
            data = json.loads(raw)
            dsns = [inbound.dsn_from_json(data)]
            pid = str(data.get("id") or "") or None
        else:
            dsns = inbound.parse_dsn(raw)
            pid = None
    except (ValueError, TypeError) as e:
        raise _bad_body(type(e).__name__) from None
    dsns = [d for d in dsns if d.recipient]
    if not dsns:
        raise _bad_body("no recipient")
    base = pid or request.headers.get("x-provider-message-id") or hashlib.sha256(raw).hexdigest()
    st = web_state(request)
    loc = request_locale(request)

    def work() -> dict[str, Any]:
        out = []
        with gate.transaction(st.db) as s:
            for i, d in enumerate(dsns):
                try:
                    r = inbound.handle_bounce(
                        s, st.vault, dsn=d, provider_message_id=f"{base}#{i}"[:200]
                    )
                except ContactsError as e:
                    raise to_problem(e, loc) from None
                out.append(r.to_json())
        return {"results": out}

    return JSONResponse(await run_in_threadpool(work))
