"""Sign-in (password, then TOTP when enrolled), sign-out and TOTP enrolment pages."""

from __future__ import annotations

import base64
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from faircollect.i18n import N_

from ..auth import totp
from ..auth.caller import Caller
from ..deps import client_ip, current_caller, public, require
from ..services import signin
from ..state import web_state
from ..templating import render
from .cookies import clear_session_cookie, set_session_cookie
from .util import redirect, safe_next

router = APIRouter(include_in_schema=False)


def _locked_message(retry_after: int) -> tuple[str, dict[str, int]]:
    minutes = max(1, -(-retry_after // 60))
    return N_("Too many failed sign-ins. Try again in %(minutes)s minutes."), {"minutes": minutes}


@router.get("/sign-in", dependencies=[Depends(public())])
def sign_in_page(request: Request, next: str = "/") -> Response:
    caller = current_caller(request)
    target = safe_next(next)
    if caller.is_staff:
        return redirect(target)
    if getattr(request.state, "mfa_user_id", None) is not None:
        return redirect(f"/sign-in/totp?next={quote(target, safe='/')}")
    expired = request.query_params.get("expired") == "1"
    return render(
        request,
        "auth/sign_in.html",
        {"next": target, "error": None, "params": {}, "username": "", "expired": expired},
    )


@router.post("/sign-in", dependencies=[Depends(public(action="self"))])
def sign_in(
    request: Request,
    username: str = Form("", max_length=200),
    password: str = Form("", max_length=2000),
    next: str = Form("/", max_length=2000),
) -> Response:
    st = web_state(request)
    target = safe_next(next)
    old = request.cookies.get(st.settings.session_cookie)
    out = signin.password_sign_in(
        st, username=username, password=password, ip=client_ip(request), old_session_id=old
    )
    if out.status in ("ok", "mfa"):
        assert out.session_id is not None
        response = redirect(
            target if out.status == "ok" else f"/sign-in/totp?next={quote(target, safe='/')}"
        )
        set_session_cookie(response, st.settings, out.session_id)
        return response
    if out.status == "locked":
        msg, params = _locked_message(out.retry_after)
        ctx = {
            "next": target,
            "error": msg,
            "params": params,
            "username": username,
            "expired": False,
        }
        return render(
            request,
            "auth/sign_in.html",
            ctx,
            status=429,
            headers={"Retry-After": str(out.retry_after)},
        )
    ctx = {
        "next": target,
        "error": N_("Wrong user name or password."),
        "params": {},
        "username": username,
        "expired": False,
    }
    return render(request, "auth/sign_in.html", ctx, status=400)


@router.get("/sign-in/totp", dependencies=[Depends(public())])
def totp_page(request: Request, next: str = "/") -> Response:
    current_caller(request)
    if getattr(request.state, "mfa_user_id", None) is None:
        return redirect("/sign-in")
    return render(request, "auth/totp.html", {"next": safe_next(next), "error": None, "params": {}})


@router.post("/sign-in/totp", dependencies=[Depends(public(action="self"))])
def totp_submit(
    request: Request,
    code: str = Form("", max_length=20),
    next: str = Form("/", max_length=2000),
) -> Response:
    st = web_state(request)
    target = safe_next(next)
    sid = request.cookies.get(st.settings.session_cookie)
    out = signin.totp_sign_in(st, mfa_session_id=sid, code=code, ip=client_ip(request))
    response: Response
    if out.status == "ok":
        assert out.session_id is not None
        response = redirect(target)
        set_session_cookie(response, st.settings, out.session_id)
        return response
    if out.status == "expired":
        response = redirect("/sign-in?expired=1")
        clear_session_cookie(response, st.settings)
        return response
    if out.status == "locked":
        msg, params = _locked_message(out.retry_after)
        response = render(
            request,
            "auth/sign_in.html",
            {"next": target, "error": msg, "params": params, "username": "", "expired": False},
            status=429,
            headers={"Retry-After": str(out.retry_after)},
        )
        clear_session_cookie(response, st.settings)
        return response
    return render(
        request,
        "auth/totp.html",
        {"next": target, "error": N_("That code is not valid. Try the current one."), "params": {}},
        status=400,
    )


@router.post("/sign-out", dependencies=[Depends(public(action="self"))])
def sign_out(request: Request) -> Response:
    st = web_state(request)
    caller = current_caller(request)
    signin.sign_out(
        st,
        session_id=getattr(request.state, "session_id", None)
        or request.cookies.get(st.settings.session_cookie),
        user_id=caller.user_id if caller.auth == "session" else None,
    )
    response = redirect("/sign-in")
    clear_session_cookie(response, st.settings)
    return response


def _enrol_context(request: Request, caller: Caller, secret: str) -> dict[str, object]:
    st = web_state(request)
    sid = getattr(request.state, "session_id", "") or ""
    return {
        "secret": secret,
        "secret_grouped": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "secret_mac": st.vault.token_mac(f"totp-enrol\x00{sid}\x00{secret}"),
        "uri": totp.provisioning_uri(secret, caller.username),
        "error": None,
    }


@router.get("/account/totp")
def totp_enrol_page(
    request: Request, caller: Caller = Depends(require(action="self", tenant=False))
) -> Response:
    if caller.totp_enrolled:
        return render(request, "auth/totp_enrol.html", {"enrolled": True})
    ctx = _enrol_context(request, caller, totp.new_secret())
    return render(request, "auth/totp_enrol.html", {"enrolled": False, **ctx})


@router.post("/account/totp")
def totp_enrol(
    request: Request,
    secret: str = Form(..., max_length=64),
    secret_mac: str = Form(..., max_length=64),
    code: str = Form("", max_length=20),
    caller: Caller = Depends(require(action="self", tenant=False)),
) -> Response:
    st = web_state(request)
    if caller.auth != "session" or caller.user_id is None or caller.totp_enrolled:
        return redirect("/account/totp")
    sid = getattr(request.state, "session_id", "") or ""
    try:
        base64.b32decode(secret + "=" * (-len(secret) % 8))
        genuine = st.vault.verify_token_mac(f"totp-enrol\x00{sid}\x00{secret}", secret_mac)
    except ValueError:
        genuine = False
    if not genuine:
        return redirect("/account/totp")
    if not signin.enrol_totp(st, user_id=caller.user_id, secret=secret, code=code):
        ctx = _enrol_context(request, caller, secret)
        ctx["error"] = N_("That code is not valid. Try the current one.")
        return render(request, "auth/totp_enrol.html", {"enrolled": False, **ctx}, status=400)
    return redirect("/?totp=on")
