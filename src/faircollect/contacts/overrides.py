"""Overrides of blocked attempts: a collector asks (with a reason), a compliance officer
approves or rejects (with a reason); four eyes: the approver is never the requester.

Approval re-runs the gate NOW with the original violations waived: if the debtor's state
changed since (a cease, a dispute, quiet hours ...) and a new violation appears, approval
fails (409) and nothing is recorded; otherwise an attempt with status ``overridden`` is
recorded (its violations are kept on the row) and the collector records its outcome as usual.

What may be overridden (`OVERRIDABLE`), and why only that:
- ``US:call-frequency`` and ``US:call-after-conversation``: Regulation F makes them
  presumptions that may be rebutted (12 CFR 1006.14(b)(2)(ii)), e.g. the consumer asked to be
  called back about a new question; the officer's reason is the rebuttal, kept in the audit.
Never overridable: everything else, in particular holds (deceased, bankruptcy, 停催), cease
and attorney (1006.6(b)(2), (c)), disputes (1006.38), breathing space (SI 2020/1311),
consumer instructions (opt-outs, inconvenient times and places, STOP), quiet hours (a bright
line in every pack, including a creditor's stricter window), third-party rules (PIPL,
harvested contacts, refusal, reachability), Massachusetts and CN caps (bright-line limits),
content findings (threats, disclosure), and the gate's own checks (invalid contact point).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from faircollect import audit, clock
from faircollect.store.db import Session
from faircollect.store.repositories import contact_events as events_repo
from faircollect.store.repositories import overrides as repo
from faircollect.store.scope import Scope
from faircollect.store.tables import ContactOverride, Loan
from faircollect.vault import Vault

from . import gate
from .errors import Conflict, Forbidden, Invalid, NotFound

__all__ = ["OVERRIDABLE", "Decided", "decide", "overridable", "request"]

OVERRIDABLE = frozenset({"US:call-frequency", "US:call-after-conversation"})
MIN_REASON = 10


class Decided(NamedTuple):
    override: ContactOverride
    attempt: gate.AttemptResult | None  # the overridden attempt when approved


def overridable(violations: list[dict[str, Any]]) -> tuple[bool, list[str]]:
    """(all overridable, the rules that are not)."""
    bad = [str(v.get("rule")) for v in violations if v.get("rule") not in OVERRIDABLE]
    return (not bad and bool(violations), bad)


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise Invalid(
            "reason_required",
            f"Give a reason of at least {MIN_REASON} characters.",
            f"请填写至少 {MIN_REASON} 个字符的理由。",
            field="reason",
        )
    return text[:4000]


def request(
    session: Session,
    *,
    scope: Scope,
    actor: str,
    attempt_id: int,
    reason: str,
    now: datetime | None = None,
) -> ContactOverride:
    at = now or clock.now()
    text = _reason(reason)
    event = events_repo.get(session, attempt_id, scope=scope)
    if event is None:
        raise NotFound("attempt_not_found", "No such contact attempt.", "没有该联系记录。")
    if event.status != "blocked":
        raise Conflict(
            "not_blocked",
            "Only a blocked attempt can be overridden.",
            "只有被拦截的联系才能申请例外放行。",
        )
    ok, bad = overridable(list(event.violations or ()))
    if not ok:
        raise Conflict(
            "not_overridable",
            f"These violations can never be overridden: {', '.join(bad)}.",
            f"以下违规不可例外放行：{', '.join(bad)}。",
            rules=bad,
        )
    row = repo.add(
        session,
        creditor_id=event.creditor_id,
        blocked_event_id=event.id,
        requested_by=actor,
        reason=text,
        now=at,
    )
    audit.append(
        session,
        actor=actor,
        action="override.request",
        entity=f"contact_event:{event.id}",
        payload={
            "override_id": row.id,
            "attempt_id": event.id,
            "reason": text,
            "rules": [v.get("rule") for v in event.violations or ()],
        },
    )
    return row


def decide(
    session: Session,
    *,
    scope: Scope,
    actor: str,
    override_id: int,
    approve: bool,
    reason: str,
    now: datetime | None = None,
    vault: Vault | None = None,
) -> Decided:
    """Approve or reject (the caller checks the actor's role: compliance officers only)."""
    at = now or clock.now()
    text = _reason(reason)
    row = repo.get(session, override_id, scope=scope, for_update=True)
    if row is None:
        raise NotFound("override_not_found", "No such override request.", "没有该例外放行申请。")
    if row.status != "requested":
        raise Conflict("already_decided", "This request was already decided.", "该申请已处理。")
    if row.requested_by == actor:
        raise Forbidden(
            "four_eyes", "You cannot decide your own request.", "不能审批自己提交的申请。"
        )
    event = events_repo.get(session, row.blocked_event_id, scope=Scope.system())
    assert event is not None
    result = None
    if approve:
        loan = session.get(Loan, event.loan_id) if event.loan_id is not None else None
        if loan is None:
            raise Conflict(
                "no_loan", "The blocked attempt is not about a loan.", "该联系不涉及贷款。"
            )
        waive = frozenset(str(v.get("rule")) for v in event.violations or ()) & OVERRIDABLE
        result = gate.attempt(
            session,
            scope=scope,
            actor=actor,
            loan_ref=loan.ref,
            channel=event.channel,
            party=event.party,
            place=event.place,
            purpose=event.purpose or "demand",
            contact_point_id=event.contact_point_id,
            now=at,
            vault=vault,
            collector=row.requested_by,
            waive=waive,
            audit_extra={"override_id": row.id, "blocked_attempt_id": event.id},
        )
        if not result.allowed:
            raise Conflict(
                "state_changed",
                "The attempt is now blocked by rules that cannot be overridden.",
                "该联系现在被不可例外放行的规则拦截。",
                violations=[v.to_json() for v in result.violations if v.rule not in waive],
            )
        row.overridden_event_id = result.attempt_id
    row.status = "approved" if approve else "rejected"
    row.decided_by = actor
    row.decision_reason = text
    row.decided_at = at
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="override.approve" if approve else "override.reject",
        entity=f"contact_event:{event.id}",
        payload={
            "override_id": row.id,
            "attempt_id": event.id,
            "reason": text,
            "requested_by": row.requested_by,
            "overridden_attempt_id": row.overridden_event_id,
        },
    )
    return Decided(row, result)
