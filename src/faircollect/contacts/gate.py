"""The contact gate: check-and-record a contact attempt, atomically.

    with gate.transaction(db) as session:
        result = gate.attempt(session, scope=scope, actor="user:li", loan_ref="L1",
                              channel="call", party="debtor", place="mobile", purpose="demand")

In ONE transaction (the caller's): lock the debtor (``SELECT ... FOR UPDATE`` on the borrower
row on PostgreSQL; on SQLite open the transaction with ``gate.transaction(db)``, i.e. ``BEGIN
IMMEDIATE``), load the debtor's state, the debt's state, the contact points and the history,
evaluate the creditor's rule pack, record the attempt (status ``attempted``) or the block
(status ``blocked`` with its violations and the pack version) and an audit event; for a
message, the outbox row is written in the same transaction (see `Composer`). Concurrent
attempts on one debtor therefore see each other: racing collectors can never exceed a cap.

Beyond the pack, the gate itself blocks (rules ``faircollect:*``, never overridable):
- an attempt through a contact point found invalid (wrong number, bounced, not in service);
- an attempt through a number or address that opted out of the channel (inbound STOP) when
  the pack's own opt-out rule does not cover the party (the debtor's point opt-outs go into
  ``debtor.channel_opt_outs``: the pack's rule and provision apply);
- a loan on collection hold (停催, ``loans.hold_reason``) or settled, unless the purpose is
  a notice that collection ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pydantic import ValidationError

from faircollect import audit, clock
from faircollect.rules.engine import EngineConfig, explain
from faircollect.rules.model import Action, Decision
from faircollect.store.db import Database, Session
from faircollect.store.repositories import gate as repo
from faircollect.store.repositories import outbox as outbox_repo
from faircollect.store.scope import Scope
from faircollect.store.tables import Borrower, ContactPoint, Creditor, Loan
from faircollect.vault import Vault

from . import policy, state
from .errors import Invalid, NotFound, loan_not_found

__all__ = [
    "AttemptResult",
    "Composed",
    "Composer",
    "GateContext",
    "GateViolation",
    "Recheck",
    "attempt",
    "recheck",
    "transaction",
]

OPT_OUT_RULES = {
    "CN": "CN:channel-opt-out",
    "US": "US:media-opt-out",
    "US-MA": "US:media-opt-out",
    "UK": "UK:stated-channels",
}
POLICY = "faircollect policy"
CLOCK_SKEW = timedelta(minutes=5)  # tolerated clock difference between application servers


class GateViolation(NamedTuple):
    rule: str
    provision: str
    message: str
    message_zh: str = ""

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "provision": self.provision, "message": self.message}

    def stored(self) -> dict[str, str]:
        return {**self.to_json(), "message_zh": self.message_zh}


class AttemptResult(NamedTuple):
    allowed: bool
    attempt_id: int
    status: str  # attempted | blocked | overridden (allowed with waived violations)
    at: datetime
    loan_ref: str
    borrower_id: int
    creditor_id: int
    channel: str
    party: str
    place: str | None
    purpose: str
    contact_point_id: int | None
    pack: str
    pack_version: str
    violations: tuple[GateViolation, ...]
    next_allowed_at: datetime | None
    message_id: int | None = None

    def to_json(self, locale: str = "en") -> dict[str, Any]:
        zh = locale.lower().startswith("zh")
        out: dict[str, Any] = {
            "allowed": self.allowed,
            "attempt_id": self.attempt_id,
            "status": self.status,
            "at": self.at.isoformat(),
            "loan_ref": self.loan_ref,
            "channel": self.channel,
            "party": self.party,
            "place": self.place,
            "purpose": self.purpose,
            "contact_point": None if self.contact_point_id is None else str(self.contact_point_id),
            "pack": self.pack,
            "pack_version": self.pack_version,
            "violations": [
                {**v.to_json(), "message": v.message_zh if zh and v.message_zh else v.message}
                for v in self.violations
            ],
            "next_allowed_at": None
            if self.next_allowed_at is None
            else self.next_allowed_at.isoformat(),
        }
        if self.message_id is not None:
            out["message_id"] = self.message_id
        return out


@dataclass(frozen=True)
class GateContext:
    """What the gate loaded (under the debtor lock), for a composer."""

    now: datetime
    creditor: Creditor
    loan: Loan
    borrower: Borrower
    points: tuple[ContactPoint, ...]
    point: ContactPoint | None
    channel: str
    party: str
    purpose: str


class Composed(NamedTuple):
    """A message to send if the attempt is allowed: `content` is what the engine lints."""

    content: str
    recipient: str
    contact_point_id: int | None
    subject: str | None = None
    locale: str = "zh_CN"
    template_code: str | None = None
    template_version: int | None = None
    kind: str = "collection"
    idempotency_key: str | None = None
    purpose: str | None = None  # e.g. the template's purpose (replaces the attempt's)


Composer = Callable[[GateContext], Composed]


@contextmanager
def transaction(db: Database) -> Iterator[Session]:
    """The transaction a gate call needs (SQLite: BEGIN IMMEDIATE)."""
    with db.transaction(immediate=True) as session:
        yield session


def _action(
    channel: str,
    party: str,
    loan_ref: str,
    place: str | None,
    purpose: str,
    content: str | None,
    in_response: bool,
    contact_point: str | None,
) -> Action:
    try:
        return Action.model_validate(
            {
                "channel": channel,
                "party": party,
                "debt_id": loan_ref,
                "place": place,
                "purpose": purpose,
                "content": content,
                "in_response_to_consumer": in_response,
                "contact_point": contact_point,
            }
        )
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err.get("loc", ())) or "action"
        raise Invalid(
            "invalid_action",
            f"Invalid {where}: {err.get('msg', 'invalid value')}.",
            f"{where} 无效：{err.get('msg', 'invalid value')}。",
            field=where,
        ) from None


def _point_checks(pack: str, party: str, channel: str, point: Any) -> list[GateViolation]:
    out: list[GateViolation] = []
    if point is None:
        return out
    if point.status == "invalid":
        out.append(
            GateViolation(
                "faircollect:contact-point-invalid",
                f"{POLICY}: invalid contact point",
                "This number or address was found invalid (wrong number, bounced or not in "
                "service).",
                "该号码或地址已确认无效（错号、退信或空号）。",
            )
        )
    opted = set(point.opted_out_channels or ())
    if (channel in opted or (channel == "ai_voice" and "call" in opted)) and party != "debtor":
        from faircollect.rules.packs import get_pack

        rule = get_pack(pack).rule(OPT_OUT_RULES.get(pack, "CN:channel-opt-out"))
        out.append(
            GateViolation(
                f"{pack}:number-opt-out",
                rule.provision,
                "This number or address opted out of this channel (e.g. replied STOP / 退订).",
                "该号码或地址已退订此渠道（如回复 STOP / 退订）。",
            )
        )
    return out


def _loan_checks(loan: Any, purpose: str) -> list[GateViolation]:
    if purpose == "notice_end":
        return []
    if loan.hold_reason:
        return [
            GateViolation(
                "faircollect:collection-hold",
                f"{POLICY}: collection hold (停催)",
                f"Collection on this loan is on hold ({loan.hold_reason}).",
                f"该贷款已停催（{loan.hold_reason}）。",
            )
        ]
    if loan.status == "settled" and purpose in ("demand", "reminder"):
        return [
            GateViolation(
                "faircollect:settled",
                f"{POLICY}: no collection of a settled debt",
                "This loan is settled: nothing is owed.",
                "该贷款已结清：无欠款。",
            )
        ]
    return []


def _digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def attempt(
    session: Session,
    *,
    scope: Scope,
    actor: str,
    loan_ref: str,
    channel: str,
    party: str = "debtor",
    place: str | None = None,
    purpose: str = "demand",
    content: str | None = None,
    contact_point_id: int | None = None,
    in_response_to_consumer: bool = False,
    now: datetime | None = None,
    vault: Vault | None = None,
    composer: Composer | None = None,
    collector: str | None = None,
    audit_extra: dict[str, Any] | None = None,
    waive: frozenset[str] = frozenset(),
) -> AttemptResult:
    """Check and record one contact attempt (see the module docstring). Raises NotFound for
    a loan or contact point outside the scope, Invalid for input outside the vocabulary."""
    _action(channel, party, loan_ref, place, purpose, content, in_response_to_consumer, None)
    locked = repo.lock_debtor_and_pack(session, loan_ref, scope=scope)
    if locked is None:
        raise loan_not_found(loan_ref)
    borrower, pack_hint, reserved_id = locked
    # "now" is read AFTER the lock: an attempt that waited for the lock is judged after the
    # attempts that went before it (else it would not see them in its history); the loan,
    # the contact points and the history are read after the lock too, in one statement (they
    # see a concurrent outcome's changes)
    at = clock.ensure_aware(now) if now is not None else clock.now()
    if pack_hint is None:  # SQLite (no round trips to save) or a loan that just vanished
        first = repo.loan_row(session, loan_ref)
        pack_hint = None if first is None else first.pack
    st = None
    if pack_hint is not None:
        st = repo.state_rows(
            session,
            borrower.id,
            loan_ref,
            now=at + CLOCK_SKEW,
            since=at - state.lookback(pack_hint, at),
            sticky_outcomes=state.STICKY_OUTCOMES,
        )
    if st is None:
        raise loan_not_found(loan_ref)
    loan = st.loan
    # the history was read for the pack seen by the lock statement: re-read it in the (never
    # seen) case the creditor's pack changed in between; a composer may change things too
    history = st.history if loan.pack == pack_hint and composer is None else None
    points: tuple[Any, ...] = tuple(st.points)
    point: Any = None
    if contact_point_id is not None:
        point = next((p for p in points if p.id == contact_point_id), None)
        if point is None:
            raise NotFound(
                "contact_point_not_found",
                f"No contact point {contact_point_id} for this loan's borrower.",
                f"该贷款的借款人没有联系方式 {contact_point_id}。",
            )
    composed: Composed | None = None
    if composer is not None:
        if vault is None:
            raise ValueError("a composer needs the vault (messages are stored encrypted)")
        composed, content, purpose, points, point = _compose(
            session, composer, at, loan, borrower.id, point, channel, party, purpose
        )
    if point is not None:
        _check_point_fits(point, channel, party)
    action = _action(
        channel,
        party,
        loan_ref,
        place if place is not None or point is None else point.place,
        purpose,
        content,
        in_response_to_consumer,
        None if point is None else str(point.id),
    )
    at, decision, violations, extra = _judge(
        session,
        borrower=borrower,
        loan=loan,
        points=points,
        point=point,
        action=action,
        at=at,
        clock_given=now is not None,
        vault=vault,
        history=history,
    )
    pack = loan.pack
    blocking = [v for v in violations if v.rule not in waive]
    allowed = not blocking
    nxt = None if allowed or extra else decision.next_allowed_at
    status = "blocked" if not allowed else "overridden" if violations else "attempted"
    event: dict[str, Any] = {
        "id": reserved_id,
        "creditor_id": loan.creditor_id,
        "borrower_id": borrower.id,
        "loan_id": loan.id,
        "debt_refs": [loan.ref],
        "at": at,
        "channel": channel,
        "party": party,
        "place": action.place,
        "purpose": purpose,
        "outcome": None,
        "initiated_by": "collector",
        "collector": collector or actor,
        "contact_point_id": None if point is None else point.id,
        "status": status,
        "pack_version": decision.pack_version,
        "violations": [v.stored() for v in violations],
        "created_at": at,
    }
    # PostgreSQL: the event row is written by the audit append's statement (one round trip),
    # unless an outbox row must reference it first
    merged = reserved_id is not None and composed is None
    if merged:
        event_id = reserved_id
    else:
        if reserved_id is None:
            del event["id"]
        event_id = repo.insert_event(session, event)
    message_id = None
    if allowed and composed is not None and vault is not None:
        message_id = _enqueue(session, vault, composed, loan, borrower.id, event_id, channel, at)
    payload: dict[str, Any] = {
        "attempt_id": event_id,
        "loan_ref": loan.ref,
        "borrower_ref": borrower.ref,
        "channel": channel,
        "party": party,
        "place": action.place,
        "purpose": purpose,
        "contact_point_id": None if point is None else point.id,
        "allowed": allowed,
        "pack": pack,
        "pack_version": decision.pack_version,
        "violations": [{"rule": v.rule, "provision": v.provision} for v in violations],
        "next_allowed_at": nxt,
        "content_sha256": _digest(content),
        "in_response_to_consumer": in_response_to_consumer,
    }
    if message_id is not None:
        payload["message_id"] = message_id
    if audit_extra:
        payload.update(audit_extra)
    audit.append(
        session,
        actor=actor,
        action={
            "attempted": "contact.attempt",
            "blocked": "contact.blocked",
            "overridden": "contact.overridden",
        }[status],
        entity=f"loan:{loan.ref}",
        payload=payload,
        also=repo.event_with_audit(event) if merged else None,
    )
    return AttemptResult(
        allowed=allowed,
        attempt_id=event_id,
        status=status,
        at=at,
        loan_ref=loan.ref,
        borrower_id=borrower.id,
        creditor_id=loan.creditor_id,
        channel=channel,
        party=party,
        place=action.place,
        purpose=purpose,
        contact_point_id=None if point is None else point.id,
        pack=pack,
        pack_version=decision.pack_version,
        violations=tuple(violations),
        next_allowed_at=nxt,
        message_id=message_id,
    )


def _judge(
    session: Session,
    *,
    borrower: Any,
    loan: Any,
    points: tuple[Any, ...],
    point: Any,
    action: Action,
    at: datetime,
    clock_given: bool,
    vault: Vault | None,
    exclude_event: int | None = None,
    history: list[repo.HistoryRow] | None = None,
) -> tuple[datetime, Decision, list[GateViolation], list[GateViolation]]:
    """Evaluate the pack (and the gate's own checks) for `action` at `at`: returns the
    instant judged, the decision, every violation and the gate's own ones. `history`: the
    rows `repo.history_rows` returns for `at` (read here when None)."""
    pack = loan.pack
    rows = history
    if rows is None:
        rows = repo.history_rows(
            session,
            borrower.id,
            now=at + CLOCK_SKEW,
            since=at - state.lookback(pack, at),
            sticky_outcomes=state.STICKY_OUTCOMES,
        )
    if not clock_given and rows and rows[-1].at > at:
        at = rows[-1].at  # another server's clock is ahead: never judge before a recorded contact
    rows = [r for r in rows if r.at <= at and r.id != exclude_event]
    scenario = state.build_scenario(
        pack=pack,
        now=at,
        action=action,
        borrower=borrower,
        loan=loan,
        points=points,
        point=point,
        history=state.history_entries(rows),
        zones=state.debtor_zones(borrower, points, vault),
    )
    config = EngineConfig(
        contact_window=policy.contact_window(loan.settings),
        contact_point_sources={str(p.id): p.source for p in points},
    )
    decision: Decision = explain(scenario, config=config).decision
    violations = [
        GateViolation(v.rule, v.provision, v.message, v.message_zh) for v in decision.violations
    ]
    extra = _point_checks(pack, action.party, action.channel, point) + _loan_checks(
        loan, action.purpose
    )
    return at, decision, violations + extra, extra


class Recheck(NamedTuple):
    allowed: bool
    violations: tuple[GateViolation, ...]
    next_allowed_at: datetime | None


def recheck(
    session: Session, *, event_id: int, now: datetime, vault: Vault | None = None
) -> Recheck | None:
    """Would the recorded attempt `event_id` still be allowed at `now`? (Nothing is recorded;
    the attempt itself is left out of the history.) The dispatcher asks before sending a
    message long after it was queued (a retry must not land in quiet hours, after a cease,
    a STOP, a hold ...). None when the attempt or its loan is gone."""
    ev = repo.event_row(session, event_id)
    if ev is None or ev.loan_ref is None:
        return None
    borrower = repo.debtor_row(session, ev.borrower_id)
    loan = repo.loan_row(session, ev.loan_ref)
    if borrower is None or loan is None:
        return None
    points = tuple(repo.point_rows(session, borrower.id))
    point = next((p for p in points if p.id == ev.contact_point_id), None)
    action = Action.model_construct(
        channel=ev.channel,
        party=ev.party,
        debt_id=loan.ref,
        place=ev.place,
        purpose=ev.purpose or "demand",
        content=None,
        in_response_to_consumer=ev.purpose == "response",
        contact_point=None if point is None else str(point.id),
    )
    _, decision, violations, extra = _judge(
        session,
        borrower=borrower,
        loan=loan,
        points=points,
        point=point,
        action=action,
        at=now,
        clock_given=True,
        vault=vault,
        exclude_event=event_id,
    )
    allowed = not violations
    nxt = None if allowed or extra else decision.next_allowed_at
    return Recheck(allowed, tuple(violations), nxt)


def _compose(
    session: Session,
    composer: Composer,
    at: datetime,
    loan_row: repo.LoanRow,
    borrower_id: int,
    point: Any,
    channel: str,
    party: str,
    purpose: str,
) -> tuple[Composed, str, str, tuple[Any, ...], Any]:
    """Run the composer on ORM objects (it may render templates, reveal PII, add the
    borrower's own contact point); returns what the attempt then uses."""
    creditor = session.get(Creditor, loan_row.creditor_id)
    loan = session.get(Loan, loan_row.id, populate_existing=True)
    borrower = session.get(Borrower, borrower_id, populate_existing=True)
    assert creditor is not None and loan is not None and borrower is not None
    orm_points = tuple(repo.contact_points(session, borrower_id))
    chosen = None if point is None else next(p for p in orm_points if p.id == point.id)
    ctx = GateContext(at, creditor, loan, borrower, orm_points, chosen, channel, party, purpose)
    composed = composer(ctx)
    if composed.contact_point_id is not None and chosen is None:
        if all(p.id != composed.contact_point_id for p in orm_points):  # the composer added it
            orm_points = tuple(repo.contact_points(session, borrower_id))
        chosen = next(p for p in orm_points if p.id == composed.contact_point_id)
    return composed, composed.content, composed.purpose or purpose, orm_points, chosen


def _check_point_fits(point: Any, channel: str, party: str) -> None:
    kind = state.KIND_FOR_CHANNEL.get(channel)
    if kind is not None and point.kind != kind:
        raise Invalid(
            "contact_point_kind",
            f"Contact point {point.id} is a {point.kind}: it cannot carry a {channel}.",
            f"联系方式 {point.id} 的类型是 {point.kind}，不能用于 {channel}。",
        )
    if point.party != party:
        raise Invalid(
            "contact_point_party",
            f"Contact point {point.id} belongs to the {point.party}, not the {party}.",
            f"联系方式 {point.id} 属于 {point.party}，而不是 {party}。",
        )


def _enqueue(
    session: Session,
    vault: Vault,
    c: Composed,
    loan: repo.LoanRow,
    borrower_id: int,
    event_id: int,
    channel: str,
    at: datetime,
) -> int:
    from faircollect.store import pii

    key = c.idempotency_key or f"msg-{event_id}-{_short_token()}"
    msg = outbox_repo.add(
        session,
        outbox_repo.NewOutboxMessage(
            idempotency_key=key,
            creditor_id=loan.creditor_id,
            borrower_id=borrower_id,
            loan_id=loan.id,
            contact_event_id=event_id,
            contact_point_id=c.contact_point_id,
            channel=channel,
            kind=c.kind,
            template_code=c.template_code,
            template_version=c.template_version,
            locale=c.locale,
            recipient_enc=vault.encrypt(c.recipient, field=pii.OUTBOX_RECIPIENT),
            subject_enc=vault.encrypt_optional(c.subject, field=pii.OUTBOX_SUBJECT),
            body_enc=vault.encrypt(c.content, field=pii.OUTBOX_BODY),
        ),
        now=at,
    )
    return msg.id


def _short_token() -> str:
    import secrets

    return secrets.token_hex(8)


def retry_after(result: AttemptResult) -> timedelta | None:
    """How long until the same attempt would be allowed (None: not by waiting)."""
    if result.next_allowed_at is None:
        return None
    return max(result.next_allowed_at - result.at, timedelta(0))
