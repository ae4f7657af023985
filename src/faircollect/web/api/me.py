"""GET /api/v1/me: who am I (any signed-in staff user or token)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from faircollect.store.repositories import accounts as accounts_repo

from ..auth import sessions
from ..auth.caller import Caller
from ..deps import require
from ..state import web_state

router = APIRouter(tags=["account"])


class MeOut(BaseModel):
    username: str
    display_name: str
    role: str
    locale: str | None
    creditors: list[str]
    permissions: list[str]
    auth: str
    totp_enrolled: bool
    csrf_token: str | None = None  # for cookie-authenticated API clients (X-CSRF-Token)


@router.get("/me", response_model=MeOut)
def me(request: Request, caller: Caller = Depends(require(action="read", tenant=False))) -> MeOut:
    """The caller's account: role, creditors (codes), permissions, and - when signed in with
    a session cookie - the CSRF token to send as `X-CSRF-Token` on unsafe requests."""
    st = web_state(request)
    assert caller.user_id is not None and caller.role is not None
    with st.db.transaction() as s:
        codes = accounts_repo.creditor_codes(s, caller.user_id)
    csrf = None
    binding = getattr(request.state, "csrf_binding", None)
    if caller.auth == "session" and binding is not None:
        csrf = sessions.csrf_token(st.vault, binding[0], binding[1])
    return MeOut(
        username=caller.username,
        display_name=caller.display_name,
        role=caller.role,
        locale=caller.locale,
        creditors=codes,
        permissions=sorted(caller.permissions),
        auth=caller.auth,
        totp_enrolled=caller.totp_enrolled,
        csrf_token=csrf,
    )
