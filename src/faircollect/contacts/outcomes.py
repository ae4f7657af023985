"""Outcomes of contact attempts. Each one records what happened on the attempt (an outcome of
the rule vocabulary, which the rules count) and updates, in the same transaction, the state
the rules read next time; every change is in one audit event.

| outcome              | history outcome  | state change                                         |
|----------------------|------------------|------------------------------------------------------|
| no_answer, voicemail, busy, conversation | itself | -                                 |
| not_in_service       | not_in_service   | the contact point becomes invalid                    |
| wrong_number, wrong_party | wrong_number | the contact point becomes invalid                   |
| refused              | refused          | a third party refused: borrowers.contact_refused     |
| promise_to_pay       | conversation*    | a promise (amount, due_on) on the loan               |
| dispute              | conversation*    | loans.dispute_received_at (per debt)                 |
| cease                | conversation*    | borrowers.cease_received_at                          |
| not_at_work          | conversation*    | no_contact_places += work; employer_prohibits        |
| not_at_home          | conversation*    | no_contact_places += home                            |
| no_contact_place     | conversation*    | no_contact_places += `places` (work: employer too)   |
| stop_channel         | conversation*    | channel_opt_outs += `channels` ("stop calling")      |
| preferred_channels   | conversation*    | preferred_channels = `channels`                      |
| preferred_times      | conversation*    | inconvenient = every time outside the `windows`      |
| inconvenient_times   | conversation*    | inconvenient += `windows`                            |
| hardship             | conversation*    | borrowers.hardship                                   |
| vulnerable           | conversation*    | borrowers.vulnerable                                 |
| attorney             | conversation*    | borrowers.attorney (represented by an attorney)      |
| breathing_space      | conversation*    | borrowers.breathing_space (UK)                       |
| deceased, bankruptcy | conversation*    | the flag, and every loan of the borrower on hold     |

(*) "conversation" for calls, AI voice and visits; "delivered" for written channels (the
consumer answered a message).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from pydantic import TypeAdapter, ValidationError

from faircollect import audit, clock
from faircollect.money import Money, MoneyError
from faircollect.rules.model import CHANNELS, PLACES, BreathingSpace, InconvenientTime
from faircollect.store.db import Session
from faircollect.store.repositories import contact_events as events_repo
from faircollect.store.repositories import gate as gate_repo
from faircollect.store.scope import Scope
from faircollect.store.tables import Borrower, ContactEvent, Loan

from . import contact_points, promises
from .errors import Conflict, Invalid, NotFound

__all__ = [
    "OUTCOMES",
    "OutcomeInput",
    "OutcomeResult",
    "complement_windows",
    "record_delivery",
    "record_outcome",
]

DIRECT = (
    "no_answer",
    "voicemail",
    "busy",
    "conversation",
    "not_in_service",
    "wrong_number",
    "refused",
)
STATEMENTS = (
    "promise_to_pay",
    "dispute",
    "cease",
    "not_at_work",
    "not_at_home",
    "no_contact_place",
    "stop_channel",
    "preferred_channels",
    "preferred_times",
    "inconvenient_times",
    "hardship",
    "vulnerable",
    "attorney",
    "breathing_space",
    "deceased",
    "bankruptcy",
)
OUTCOMES = (*DIRECT, "wrong_party", *STATEMENTS)
SPOKEN = frozenset({"call", "ai_voice", "visit"})
THIRD = frozenset({"spouse", "emergency_contact", "employer", "third_party"})
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOWS = TypeAdapter(tuple[InconvenientTime, ...])


class OutcomeInput(NamedTuple):
    outcome: str
    amount: str | None = None  # promise_to_pay: decimal string in major units
    due_on: date | None = None  # promise_to_pay
    channels: Sequence[str] = ()  # stop_channel, preferred_channels
    places: Sequence[str] = ()  # no_contact_place
    windows: Sequence[Mapping[str, Any]] = ()  # preferred_times, inconvenient_times
    breathing_space: Mapping[str, Any] | None = None
    note: str | None = None


class OutcomeResult(NamedTuple):
    attempt_id: int
    outcome: str
    history_outcome: str
    changes: dict[str, Any]
    promise_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attempt_id": self.attempt_id,
            "outcome": self.outcome,
            "recorded_as": self.history_outcome,
            "changes": self.changes,
        }
        if self.promise_id is not None:
            out["promise_id"] = self.promise_id
        return out


def _invalid(code: str, en: str, zh: str, **kw: Any) -> Invalid:
    return Invalid(code, en, zh, **kw)


def _history_outcome(kind: str, channel: str) -> str:
    if kind in DIRECT:
        return kind
    if kind == "wrong_party":
        return "wrong_number"
    return "conversation" if channel in SPOKEN else "delivered"


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def complement_windows(preferred: Sequence[InconvenientTime]) -> list[dict[str, Any]]:
    """The inconvenient windows equivalent to "contact me only in these windows": for each
    weekday, every time not inside a preferred window listed for that day (a day with no
    preferred window is inconvenient all day). Preferred windows may not run past midnight."""
    by_day: dict[str, list[tuple[int, int]]] = {d: [] for d in DAYS}
    for w in preferred:
        lo, hi = _minutes(w.from_), _minutes(w.to)
        if hi <= lo:
            raise ValueError("a preferred window may not run past midnight")
        for d in w.days or DAYS:
            by_day[d].append((lo, hi))
    gaps_by_day: dict[str, tuple[tuple[int, int], ...]] = {}
    for d, spans in by_day.items():
        gaps: list[tuple[int, int]] = []
        cursor = 0
        for lo, hi in sorted(spans):
            if lo > cursor:
                gaps.append((cursor, lo))
            cursor = max(cursor, hi)
        if cursor < 1440:
            gaps.append((cursor, 1440))
        gaps_by_day[d] = tuple(gaps)
    # one window per distinct gap, listing the days that share it
    out: dict[tuple[int, int], list[str]] = {}
    for d in DAYS:
        for g in gaps_by_day[d]:
            out.setdefault(g, []).append(d)
    windows = []
    for (lo, hi), days in sorted(out.items()):
        w: dict[str, Any] = {"from": _hhmm(lo), "to": _hhmm(hi)}
        if len(days) < 7:
            w["days"] = days
        windows.append(w)
    return windows


def _windows(raw: Sequence[Mapping[str, Any]]) -> tuple[InconvenientTime, ...]:
    try:
        return _WINDOWS.validate_python(list(raw))
    except ValidationError as e:
        err = e.errors()[0]
        raise _invalid(
            "invalid_windows",
            f"Invalid time window: {err.get('msg')}.",
            f"时间段无效：{err.get('msg')}。",
            field="windows",
        ) from None


def _window_json(w: InconvenientTime) -> dict[str, Any]:
    out: dict[str, Any] = {"from": w.from_, "to": w.to}
    if w.days is not None:
        out["days"] = list(w.days)
    return out


def _channels(raw: Sequence[str]) -> list[str]:
    bad = [c for c in raw if c not in CHANNELS]
    if bad or not raw:
        raise _invalid(
            "invalid_channels",
            f"Give one or more channels of: {', '.join(CHANNELS)}.",
            f"请提供以下渠道中的一个或多个：{', '.join(CHANNELS)}。",
            field="channels",
        )
    return list(dict.fromkeys(raw))


def _add_all(current: Sequence[Any] | None, new: Sequence[Any]) -> list[Any]:
    return list(dict.fromkeys([*(current or ()), *new]))


def _apply(
    session: Session,
    *,
    kind: str,
    data: OutcomeInput,
    event: ContactEvent,
    borrower: Borrower,
    loan: Loan | None,
    actor: str,
    at: datetime,
) -> tuple[dict[str, Any], int | None]:
    b = borrower
    changes: dict[str, Any] = {}
    promise_id = None
    if kind in ("wrong_number", "wrong_party", "not_in_service"):
        if event.contact_point_id is not None:
            contact_points.mark_invalid(
                session,
                actor=actor,
                contact_point_id=event.contact_point_id,
                reason=kind,
                now=at,
            )
            changes["contact_point_invalid"] = event.contact_point_id
    elif kind == "refused":
        if event.party in THIRD and not b.contact_refused:
            b.contact_refused = True
            changes["contact_refused"] = True
    elif kind == "promise_to_pay":
        if loan is None:
            raise _invalid("no_loan", "This attempt is not about a loan.", "该联系不涉及贷款。")
        if data.amount is None or data.due_on is None:
            raise _invalid(
                "promise_fields",
                "A promise needs an amount and a due date (due_on).",
                "承诺还款需要金额和日期（due_on）。",
                field="amount",
            )
        try:
            amount = Money.parse(str(data.amount), loan.currency)
        except MoneyError as e:
            raise _invalid(
                "invalid_amount", f"Invalid amount: {e}.", f"金额无效：{e}。", field="amount"
            ) from None
        p = promises.record(
            session,
            loan=loan,
            amount=amount,
            due_on=data.due_on,
            contact_event_id=event.id,
            actor=actor,
            now=at,
        )
        promise_id = p.id
        changes["promise"] = {"id": p.id, "amount": amount, "due_on": data.due_on}
    elif kind == "dispute":
        if loan is None:
            raise _invalid("no_loan", "This attempt is not about a loan.", "该联系不涉及贷款。")
        if loan.dispute_received_at is None or loan.verification_sent_at is not None:
            loan.dispute_received_at = at
            loan.verification_sent_at = None
            loan.updated_at = at
            changes["dispute_received_at"] = at
    elif kind == "cease":
        if b.cease_received_at is None:
            b.cease_received_at = at
            changes["cease_received_at"] = at
    elif kind in ("not_at_work", "not_at_home", "no_contact_place"):
        places = {"not_at_work": ["work"], "not_at_home": ["home"]}.get(kind, list(data.places))
        if not places or any(p not in PLACES for p in places):
            raise _invalid(
                "invalid_places",
                f"Give one or more places of: {', '.join(PLACES)}.",
                f"请提供以下地点中的一个或多个：{', '.join(PLACES)}。",
                field="places",
            )
        b.no_contact_places = _add_all(b.no_contact_places, places)
        changes["no_contact_places"] = b.no_contact_places
        if "work" in places:
            b.employer_prohibits = True
            changes["employer_prohibits"] = True
    elif kind == "stop_channel":
        b.channel_opt_outs = _add_all(b.channel_opt_outs, _channels(data.channels))
        changes["channel_opt_outs"] = b.channel_opt_outs
    elif kind == "preferred_channels":
        b.preferred_channels = _channels(data.channels)
        changes["preferred_channels"] = b.preferred_channels
    elif kind == "preferred_times":
        try:
            b.inconvenient = complement_windows(_windows(data.windows))
        except ValueError as e:
            raise _invalid(
                "invalid_windows", str(e), "首选时间段不能跨越午夜。", field="windows"
            ) from None
        changes["inconvenient"] = b.inconvenient
    elif kind == "inconvenient_times":
        added = [_window_json(w) for w in _windows(data.windows)]
        current = [dict(x) for x in (b.inconvenient or ())]
        b.inconvenient = current + [w for w in added if w not in current]
        changes["inconvenient"] = b.inconvenient
    elif kind in ("hardship", "vulnerable", "attorney"):
        setattr(b, kind, True)
        changes[kind] = True
    elif kind == "breathing_space":
        try:
            bs = BreathingSpace.model_validate(dict(data.breathing_space or {}))
        except ValidationError as e:
            raise _invalid(
                "invalid_breathing_space",
                f"Invalid breathing space: {e.errors()[0]['msg']}.",
                "喘息期无效。",
                field="breathing_space",
            ) from None
        b.breathing_space = bs.model_dump(mode="json")
        changes["breathing_space"] = b.breathing_space
    elif kind in ("deceased", "bankruptcy"):
        setattr(b, kind, True)
        changes[kind] = True
        held = []
        for ln in gate_repo.loans_of_borrower(session, b.id):
            if not ln.hold_reason:
                ln.hold_reason = kind
                ln.updated_at = at
                held.append(ln.ref)
        changes["loans_on_hold"] = held
    if changes:
        b.updated_at = at
    return changes, promise_id


def record_outcome(
    session: Session,
    *,
    scope: Scope,
    actor: str,
    attempt_id: int,
    data: OutcomeInput,
    now: datetime | None = None,
) -> OutcomeResult:
    """Record the outcome of an allowed (or overridden) attempt and update the debtor and debt
    state it implies. NotFound outside the scope; Conflict for a blocked attempt or one whose
    outcome is already known; Invalid for bad input."""
    kind = data.outcome
    if kind not in OUTCOMES:
        raise _invalid(
            "invalid_outcome",
            f"Unknown outcome {kind!r}: expected one of {', '.join(OUTCOMES)}.",
            f"未知结果 {kind!r}：应为 {', '.join(OUTCOMES)} 之一。",
            field="outcome",
        )
    at = now or clock.now()
    event = events_repo.get(session, attempt_id, scope=scope)
    if event is None:
        raise NotFound("attempt_not_found", "No such contact attempt.", "没有该联系记录。")
    borrower = gate_repo.lock_borrower(session, event.borrower_id)
    session.refresh(event)
    if event.status == "blocked":
        raise Conflict(
            "attempt_blocked",
            "This attempt was blocked: it did not happen.",
            "该联系已被拦截，并未发生。",
            attempt_id=attempt_id,
        )
    if event.outcome is not None:
        raise Conflict(
            "outcome_recorded",
            "The outcome of this attempt is already recorded.",
            "该联系的结果已记录。",
            attempt_id=attempt_id,
        )
    loan = None
    if event.loan_id is not None:
        loan = session.get(Loan, event.loan_id, populate_existing=True)
    history_outcome = _history_outcome(kind, event.channel)
    changes, promise_id = _apply(
        session,
        kind=kind,
        data=data,
        event=event,
        borrower=borrower,
        loan=loan,
        actor=actor,
        at=at,
    )
    event.outcome = history_outcome
    if event.status == "attempted":
        event.status = "completed"
    if data.note:
        event.note = data.note[:4000]
    if (
        loan is not None
        and history_outcome in ("conversation", "voicemail", "delivered")
        and (loan.first_communication_at is None and event.party == "debtor")
    ):
        loan.first_communication_at = event.at
        changes["first_communication_at"] = event.at
    gate_repo.bump_lock_version(session, borrower.id, at)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="contact.outcome",
        entity=f"loan:{loan.ref}" if loan is not None else f"borrower:{borrower.ref}",
        payload={
            "attempt_id": event.id,
            "outcome": kind,
            "recorded_as": history_outcome,
            "changes": changes,
            "has_note": bool(data.note),
        },
    )
    return OutcomeResult(event.id, kind, history_outcome, changes, promise_id)


def record_delivery(
    session: Session, *, event_id: int, outcome: str, actor: str, now: datetime
) -> bool:
    """The dispatcher's and webhooks' outcomes of a message attempt: sent, delivered, bounced
    (later news wins: delivered or bounced replace sent). False when nothing changed."""
    if outcome not in ("sent", "delivered", "bounced"):
        raise ValueError(f"not a delivery outcome: {outcome}")
    event = session.get(ContactEvent, event_id)
    if event is None or event.status == "blocked":
        return False
    if event.outcome == outcome or (outcome == "sent" and event.outcome is not None):
        return False
    event.outcome = outcome
    if event.status == "attempted":
        event.status = "completed"
    if outcome in ("sent", "delivered") and event.party == "debtor" and event.loan_id:
        loan = session.get(Loan, event.loan_id)
        if loan is not None and loan.first_communication_at is None:
            loan.first_communication_at = event.at
    session.flush()
    return True
