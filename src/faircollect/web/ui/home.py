"""The staff home page: what the signed-in user may do (from the policy registry)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from ..api import PREFIX
from ..auth.caller import Caller
from ..deps import require
from ..state import web_state
from ..templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(
    request: Request, caller: Caller = Depends(require(action="read", tenant=False))
) -> Response:
    st = web_state(request)
    api = sorted(
        (path, method, p.action)
        for (method, path), p in st.policies.items()
        if path.startswith(PREFIX + "/") and p.audience == "staff" and p.allows_role(caller.role)
    )
    totp_hint = caller.role in st.settings.totp_required_roles and not caller.totp_enrolled
    return render(
        request,
        "home.html",
        {
            "api": [(m, p, a) for p, m, a in api],
            "totp_hint": totp_hint,
            "totp_on": request.query_params.get("totp") == "on",
            "creditor_count": len(caller.creditor_ids),
        },
    )
