"""Route policies and the caller: the dependencies every route uses.

Every route declares exactly ONE policy, and gets the caller (with its tenant scope) from it::

    @router.get("/loans/{loan_ref}")
    def get_loan(loan_ref: str, caller: Caller = Depends(require(action="read"))) -> ...:
        with web_state(request).db.transaction() as s:
            loan = loans.get_by_ref(s, loan_ref, scope=caller.scope)   # None outside scope
            if loan is None:
                raise Problem(404, "loan-not-found", ...)

- ``require(roles=None, action="read"|"write"|"self", tenant=True, permission=None)``: staff.
  ``roles=None`` means every role for read/self and every role but the auditor for write.
- ``public()``: anyone (sign-in, language switch, health, static files).
- ``require_borrower(action=..., tenant=True)``: a signed-in borrower (portal, /me).

What the dependency does, in order: authenticates (``Authorization: Bearer <token>``, else
the session cookie; a bad bearer token is a 401, never a fallback to the cookie), answers
401 to anonymous callers of non-public routes (pages redirect to /sign-in), 403 to the wrong
kind of caller, checks CSRF on every unsafe method (POST/PUT/PATCH/DELETE) unless the request
is bearer-authenticated (``X-CSRF-Token`` header or ``csrf_token`` form field, bound to the
session or, for anonymous forms, to the pre-session cookie), then the role (403), then TOTP
enrolment when `WebSettings.totp_enforce` is on. The policy object is attached to the
dependency (``__faircollect_policy__``) so that `create_app` and the authorization matrix test
can read every route's policy.

Bearer tokens are resolved through a short-lived per-process cache (`auth.cache`): a revoked
token, a disabled user or changed roles/creditors take effect on the JSON API within
`TOKEN_CACHE_SECONDS` (5 s). A cached token is checked on the event loop, without a database
transaction or a thread-pool hop; session cookies are always looked up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from faircollect import clock
from faircollect.i18n import N_
from faircollect.store.repositories import api_tokens as tokens_repo
from faircollect.store.repositories import borrowers as borrowers_repo
from faircollect.store.repositories import users as users_repo
from faircollect.store.scope import Scope

from .auth import cache as caller_cache
from .auth import sessions
from .auth.caller import ANONYMOUS, Caller, borrower_caller, staff_caller
from .auth.policy import Action, Policy
from .auth.tokens import token_hashes
from .problems import Problem, is_api
from .state import web_state

__all__ = [
    "POLICY_ATTR",
    "UNSAFE_METHODS",
    "client_ip",
    "current_caller",
    "policy_of",
    "public",
    "require",
    "require_borrower",
    "webhook",
]

POLICY_ATTR = "__faircollect_policy__"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_BEARER_CHALLENGE = 'Bearer realm="faircollect"'


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _bad_token() -> Problem:
    return Problem(
        401,
        "invalid-token",
        N_("Invalid token"),
        N_("The bearer token is unknown, revoked or malformed."),
        headers={"WWW-Authenticate": _BEARER_CHALLENGE + ', error="invalid_token"'},
    )


def current_caller(request: Request) -> Caller:
    """Authenticate the request once (cached on request.state). Sync: it queries the DB.

    Also sets ``request.state.csrf_binding`` (("session", id) / ("pre", value) / None),
    ``request.state.session_id`` (the live session's id or None) and
    ``request.state.mfa_user_id`` (a user whose password was accepted, TOTP pending)."""
    cached = getattr(request.state, "caller", None)
    if isinstance(cached, Caller):
        return cached
    st = web_state(request)
    settings, vault = st.settings, st.vault
    caller = ANONYMOUS
    binding: tuple[str, str] | None = None
    live_sid: str | None = None
    mfa_user: int | None = None
    authz = request.headers.get("authorization")
    if authz is not None:
        macs = _bearer_macs(request, authz)
        cache = caller_cache.for_app(request.app)
        hit = cache.get(macs)
        if hit is not None:
            caller = hit
        else:
            read_at = cache.now()
            with st.db.transaction() as s:
                found = tokens_repo.find_active(s, macs)
                if found is None:
                    raise _bad_token()
                tok, user = found
                caller = staff_caller(s, user, auth="token", token_id=tok.id)
            cache.put(macs, caller, read_at=read_at)
    else:
        now = clock.now()
        sid = request.cookies.get(settings.session_cookie)
        stale = touch = False
        if sid:
            with st.db.transaction() as s:
                r = sessions.resolve(s, vault, settings, sid, now=now)
                stale, touch = r.stale, r.touch
                row = r.row
                if row is not None and row.stage == sessions.ACTIVE and row.user_id is not None:
                    staff = users_repo.get(s, row.user_id)
                    if staff is not None and staff.active:
                        caller = staff_caller(s, staff, auth="session")
                    else:
                        stale = True
                elif row is not None and row.stage == sessions.ACTIVE and row.borrower_id:
                    b = borrowers_repo.get(s, row.borrower_id, scope=Scope.system())
                    if b is not None:
                        caller = borrower_caller(b, auth="session")
                    else:
                        stale = True
                elif row is not None and row.stage == sessions.MFA:
                    mfa_user = row.user_id
                if row is not None and not stale:
                    binding = ("session", sid)
                    live_sid = sid
        if sid and (stale or touch):
            with st.db.transaction(immediate=True) as s:
                if stale:
                    sessions.end(s, vault, sid)
                else:
                    sessions.touch(s, vault, sid, now=now)
        if binding is None:
            pre = request.cookies.get(settings.pre_session_cookie)
            if pre and 20 <= len(pre) <= 128:
                binding = ("pre", pre)
    _remember(request, caller, binding, live_sid, mfa_user)
    return caller


def _remember(
    request: Request,
    caller: Caller,
    binding: tuple[str, str] | None = None,
    live_sid: str | None = None,
    mfa_user: int | None = None,
) -> None:
    state = request.state
    state.caller = caller
    state.csrf_binding = binding
    state.session_id = live_sid
    state.mfa_user_id = mfa_user


def _bearer_macs(request: Request, authz: str) -> tuple[str, ...]:
    """The MACs of the bearer token in an Authorization header (401 when it is not one)."""
    scheme, _, token = authz.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _bad_token()
    return token_hashes(web_state(request).vault, token)


def _cached_caller(request: Request) -> Caller | None:
    """The caller without any I/O, when the request carries a bearer token the cache knows
    (else None: resolve it with `current_caller` in the thread pool)."""
    cached = getattr(request.state, "caller", None)
    if isinstance(cached, Caller):
        return cached
    authz = request.headers.get("authorization")
    if authz is None:
        return None
    caller = caller_cache.for_app(request.app).get(_bearer_macs(request, authz))
    if caller is not None:
        _remember(request, caller)
    return caller


async def _csrf_candidate(request: Request) -> str | None:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def _check_csrf(request: Request) -> None:
    st = web_state(request)
    binding = getattr(request.state, "csrf_binding", None)
    token = await _csrf_candidate(request)
    if binding is None or not sessions.csrf_ok(st.vault, binding[0], binding[1], token):
        raise Problem(
            403,
            "csrf",
            N_("Security check failed"),
            N_(
                "This form has expired or was not sent from this site. "
                "Reload the page and try again."
            ),
        )


def _unauthenticated(request: Request) -> Problem:
    headers = {"WWW-Authenticate": _BEARER_CHALLENGE} if is_api(request) else None
    return Problem(401, "sign-in-required", headers=headers)


async def _enforce(request: Request, policy: Policy, caller: Caller) -> None:
    st = web_state(request)
    if policy.audience == "staff":
        if caller.kind == "anonymous":
            raise _unauthenticated(request)
        if caller.kind != "staff":
            raise Problem(403, "forbidden")
    elif policy.audience == "borrower":
        if caller.kind == "anonymous":
            raise _unauthenticated(request)
        if caller.kind != "borrower":
            raise Problem(403, "forbidden")
    if request.method in UNSAFE_METHODS and caller.auth != "token" and policy.csrf:
        await _check_csrf(request)
    if policy.audience == "staff":
        if not policy.allows_role(caller.role):
            raise Problem(403, "forbidden")
        s = st.settings
        if (
            s.totp_enforce
            and caller.auth == "session"
            and caller.role in s.totp_required_roles
            and not caller.totp_enrolled
            and policy.action != "self"
        ):
            raise Problem(
                403,
                "totp-required",
                N_("Two-step sign-in required"),
                N_("Your role must set up two-step sign-in (TOTP) before using the app."),
            )


def _dependency(policy: Policy, *, resolve: bool) -> Callable[..., Awaitable[Any]]:
    if resolve:

        async def dependency(request: Request) -> Caller:
            caller = _cached_caller(request) or await run_in_threadpool(current_caller, request)
            await _enforce(request, policy, caller)
            return caller

    else:

        async def dependency(request: Request) -> Caller:  # public: resolve only if needed
            if request.method not in UNSAFE_METHODS:
                return ANONYMOUS
            caller = _cached_caller(request) or await run_in_threadpool(current_caller, request)
            await _enforce(request, policy, caller)
            return caller

    setattr(dependency, POLICY_ATTR, policy)
    dependency.__name__ = f"policy_{policy.audience}_{policy.action}"
    return dependency


def require(
    roles: Iterable[str] | None = None,
    *,
    action: Action = "read",
    tenant: bool = True,
    permission: str | None = None,
) -> Callable[..., Awaitable[Caller]]:
    """A staff route's policy; the dependency returns the `Caller` (use ``caller.scope``)."""
    return _dependency(
        Policy.staff(roles, action=action, tenant=tenant, permission=permission), resolve=True
    )


def public(*, action: Action = "read") -> Callable[..., Awaitable[Caller]]:
    """A route anyone may call. Safe methods return ANONYMOUS without touching the database
    (call `current_caller(request)` if the route needs to know who is there); unsafe methods
    authenticate and check CSRF."""
    return _dependency(Policy("public", frozenset(), action, False), resolve=False)


def webhook() -> Callable[..., Awaitable[Caller]]:
    """A provider webhook (inbound SMS, bounces): anyone may POST, no CSRF check (no browser
    session is involved); the route MUST verify the request's signature itself."""
    return _dependency(Policy("public", frozenset(), "write", False, csrf=False), resolve=False)


def require_borrower(
    *, action: Action = "read", tenant: bool = True
) -> Callable[..., Awaitable[Caller]]:
    """A borrower-portal route (/me): the caller is a signed-in borrower, scoped to their
    own rows (`Scope.for_borrower`)."""
    return _dependency(Policy("borrower", frozenset(), action, tenant), resolve=True)


def policy_of(call: object) -> Policy | None:
    p = getattr(call, POLICY_ATTR, None)
    return p if isinstance(p, Policy) else None
