"""POST /lang: the language switcher (a form with one button per language; works without
JavaScript). Sets the language cookie for a year and, for a signed-in staff user, their
stored locale."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from faircollect.i18n import normalise_locale
from faircollect.store.repositories import accounts as accounts_repo

from ..auth.caller import Caller
from ..deps import public
from ..state import web_state
from .util import redirect, safe_next

router = APIRouter(include_in_schema=False)


@router.post("/lang")
def switch_language(
    request: Request,
    locale: str = Form(..., max_length=16),
    next: str = Form("/", max_length=2000),
    caller: Caller = Depends(public(action="self")),
) -> Response:
    st = web_state(request)
    response = redirect(safe_next(next))
    chosen = normalise_locale(locale)
    if chosen is None:
        return response
    response.set_cookie(
        st.settings.lang_cookie,
        chosen,
        max_age=365 * 24 * 3600,
        path="/",
        secure=st.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    if caller.is_staff and caller.user_id is not None and caller.locale != chosen:
        with st.db.transaction(immediate=True) as s:
            accounts_repo.set_locale(s, caller.user_id, chosen)
    return response
