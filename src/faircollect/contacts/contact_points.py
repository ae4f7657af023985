"""Contact points: several per borrower, each with a party, a source and a status.

- kind: ``phone``, ``email``, ``address``, ``app`` (a device or app account id);
- party: ``debtor`` (the borrower), ``spouse``, ``emergency_contact``, ``employer``,
  ``third_party``, ``attorney``;
- source: ``application`` (given when applying), ``borrower_provided`` (given later, e.g. in
  the portal), ``skip_trace``, ``address_book`` and ``call_log`` (harvested from the phone:
  never usable under CN: the gate passes the source to the rule engine);
- status: ``unverified``, ``verified``, ``invalid`` (wrong number, bounced, not in service:
  the gate blocks attempts through it).

Every change is audited; values are stored encrypted and shown masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from faircollect import audit, clock
from faircollect.store.db import Session
from faircollect.store.repositories import borrowers as borrowers_repo
from faircollect.store.repositories import contact_points as repo
from faircollect.store.repositories import gate as gate_repo
from faircollect.store.repositories import outbox as outbox_repo
from faircollect.store.scope import Scope
from faircollect.store.tables import Borrower, ContactPoint
from faircollect.vault import InvalidValue, Vault, mask_address, mask_email, mask_phone

from .errors import Invalid, NotFound

__all__ = [
    "KINDS",
    "PARTIES",
    "SOURCES",
    "STATUSES",
    "PointView",
    "add_point",
    "best_point",
    "list_points",
    "mark_invalid",
    "opt_out",
    "own_point",
    "points_for_value",
    "set_status",
    "view",
]

KINDS = ("phone", "email", "address", "app")
PARTIES = ("debtor", "spouse", "emergency_contact", "employer", "third_party", "attorney")
SOURCES = ("application", "borrower_provided", "skip_trace", "address_book", "call_log")
STATUSES = ("unverified", "verified", "invalid")
PLACES = ("mobile", "home", "work", "other")


class PointView(NamedTuple):
    id: int
    kind: str
    party: str
    place: str
    source: str
    status: str
    masked: str
    opted_out_channels: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "kind": self.kind,
            "party": self.party,
            "place": self.place,
            "source": self.source,
            "status": self.status,
            "value": self.masked,
            "opted_out_channels": list(self.opted_out_channels),
        }


def _mask(vault: Vault, cp: ContactPoint) -> str:
    value = repo.reveal_value(vault, cp)
    if cp.kind == "phone":
        return mask_phone(value, vault.phone_region)
    if cp.kind == "email":
        return mask_email(value)
    if cp.kind == "address":
        return mask_address(value)
    return value[:3] + "***" if len(value) > 3 else "***"


def view(vault: Vault, cp: ContactPoint) -> PointView:
    return PointView(
        cp.id,
        cp.kind,
        cp.party,
        cp.place,
        cp.source,
        cp.status,
        _mask(vault, cp),
        tuple(cp.opted_out_channels or ()),
    )


def _check(value: str, allowed: Sequence[str], what: str, zh: str) -> None:
    if value not in allowed:
        raise Invalid(
            f"invalid_{what}",
            f"Invalid {what} {value!r}: expected one of {', '.join(allowed)}.",
            f"{zh} {value!r} 无效：应为 {', '.join(allowed)} 之一。",
            field=what,
        )


def _borrower(session: Session, borrower_id: int, scope: Scope) -> Borrower:
    b = borrowers_repo.get(session, borrower_id, scope=scope)
    if b is None:
        raise NotFound("borrower_not_found", "No such borrower.", "没有该借款人。")
    return b


def add_point(
    session: Session,
    vault: Vault,
    *,
    scope: Scope,
    actor: str,
    borrower_id: int,
    kind: str,
    value: str,
    party: str = "debtor",
    place: str = "mobile",
    source: str = "borrower_provided",
    status: str = "unverified",
    now: datetime | None = None,
) -> ContactPoint:
    _check(kind, KINDS, "kind", "类型")
    _check(party, PARTIES, "party", "联系对象")
    _check(place, PLACES, "place", "地点")
    _check(source, SOURCES, "source", "来源")
    _check(status, STATUSES, "status", "状态")
    b = _borrower(session, borrower_id, scope)
    at = now or clock.now()
    try:
        cp = repo.add(
            session,
            vault,
            repo.NewContactPoint(
                borrower_id=b.id,
                kind=kind,
                value=value,
                party=party,
                place=place,
                source=source,
                status=status,
            ),
            now=at,
        )
    except InvalidValue as e:
        raise Invalid("invalid_value", f"Invalid {kind}: {e}.", f"{kind} 无效：{e}。") from None
    audit.append(
        session,
        actor=actor,
        action="contact_point.add",
        entity=f"borrower:{b.ref}",
        payload={
            "contact_point_id": cp.id,
            "kind": kind,
            "party": party,
            "place": place,
            "source": source,
            "status": status,
            "value": _mask(vault, cp),
        },
    )
    return cp


def list_points(
    session: Session, vault: Vault, *, scope: Scope, borrower_id: int
) -> list[PointView]:
    _borrower(session, borrower_id, scope)
    return [view(vault, cp) for cp in repo.list_for_borrower(session, borrower_id, scope=scope)]


def _get(session: Session, scope: Scope, contact_point_id: int) -> ContactPoint:
    cp = repo.get(session, contact_point_id, scope=scope)
    if cp is None:
        raise NotFound("contact_point_not_found", "No such contact point.", "没有该联系方式。")
    return cp


def set_status(
    session: Session,
    *,
    scope: Scope,
    actor: str,
    contact_point_id: int,
    status: str,
    reason: str = "",
    now: datetime | None = None,
) -> ContactPoint:
    """Verify or invalidate a contact point (the borrower row is locked: the gate reads it)."""
    _check(status, STATUSES, "status", "状态")
    cp = _get(session, scope, contact_point_id)
    b = gate_repo.lock_borrower(session, cp.borrower_id)
    at = now or clock.now()
    old = cp.status
    cp.status = status
    cp.updated_at = at
    cancelled: list[int] = []
    if status == "invalid":
        for ch in ("sms", "email", "app"):
            cancelled += outbox_repo.cancel_for_contact_point(
                session, cp.id, ch, reason="contact point invalid", now=at
            )
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="contact_point.status",
        entity=f"borrower:{b.ref}",
        payload={
            "contact_point_id": cp.id,
            "from": old,
            "to": status,
            "reason": reason[:500],
            "cancelled_messages": cancelled,
        },
    )
    return cp


def mark_invalid(
    session: Session, *, actor: str, contact_point_id: int, reason: str, now: datetime
) -> ContactPoint:
    """System use (outcomes, bounces): invalidate a point found by id."""
    return set_status(
        session,
        scope=Scope.system(),
        actor=actor,
        contact_point_id=contact_point_id,
        status="invalid",
        reason=reason,
        now=now,
    )


def opt_out(
    session: Session,
    *,
    actor: str,
    contact_point_id: int,
    channel: str,
    reason: str,
    now: datetime,
    scope: Scope | None = None,
) -> tuple[ContactPoint, list[int]]:
    """The point opts out of `channel` (e.g. after STOP): the gate blocks further messages of
    that channel through it, and pending ones are cancelled. Returns the point and the ids of
    the cancelled messages."""
    cp = _get(session, scope or Scope.system(), contact_point_id)
    b = gate_repo.lock_borrower(session, cp.borrower_id)
    channels = list(cp.opted_out_channels or ())
    if channel not in channels:
        cp.opted_out_channels = [*channels, channel]
        cp.updated_at = now
    cancelled = outbox_repo.cancel_for_contact_point(
        session, cp.id, channel, reason=f"opted out ({reason})", now=now
    )
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="contact_point.opt_out",
        entity=f"borrower:{b.ref}",
        payload={
            "contact_point_id": cp.id,
            "channel": channel,
            "reason": reason[:200],
            "cancelled_messages": cancelled,
        },
    )
    return cp, cancelled


def own_point(
    session: Session, vault: Vault, borrower: Borrower, kind: str, now: datetime
) -> ContactPoint | None:
    """A debtor contact point for the borrower's own phone or e-mail (borrowers.phone /
    email), created when missing; None when the borrower has none."""
    pii = borrowers_repo.reveal(vault, borrower)
    value = pii.phone if kind == "phone" else pii.email if kind == "email" else None
    if not value:
        return None
    for cp in repo.find_by_value(session, vault, kind=kind, value=value, scope=Scope.system()):
        if cp.borrower_id == borrower.id and cp.party == "debtor":
            return cp
    return repo.add(
        session,
        vault,
        repo.NewContactPoint(
            borrower_id=borrower.id,
            kind=kind,
            value=value,
            party="debtor",
            place="mobile" if kind == "phone" else "other",
            source="application",
        ),
        now=now,
    )


def points_for_value(
    session: Session, vault: Vault, *, kind: str, value: str, now: datetime
) -> list[ContactPoint]:
    """Every contact point (any creditor) with this phone number / e-mail address; a borrower
    whose own phone or e-mail matches but who has no contact point for it gets one (debtor,
    application, unverified), so that an opt-out or a bounce always has a row to bind."""
    found = repo.find_by_value(session, vault, kind=kind, value=value, scope=Scope.system())
    have = {cp.borrower_id for cp in found if cp.party == "debtor"}
    for b in borrowers_repo.find_by_blind_index(
        session, vault, kind=kind, value=value, scope=Scope.system()
    ):
        if b.id in have:
            continue
        found.append(
            repo.add(
                session,
                vault,
                repo.NewContactPoint(
                    borrower_id=b.id,
                    kind=kind,
                    value=value,
                    party="debtor",
                    place="mobile" if kind == "phone" else "other",
                    source="application",
                ),
                now=now,
            )
        )
    return sorted(found, key=lambda cp: cp.id)


def best_point(
    points: Sequence[ContactPoint], *, kind: str, party: str, channel: str
) -> ContactPoint | None:
    """The point to use for a message: of that kind and party, not invalid; preferring points
    that did not opt out of the channel, then verified ones, then the oldest. A point that
    opted out is still returned when it is the only one, so that the gate blocks the attempt
    with the opt-out provision instead of silently finding no recipient."""
    usable = [p for p in points if p.kind == kind and p.party == party and p.status != "invalid"]
    if not usable:
        return None

    def rank(p: ContactPoint) -> tuple[int, int, int]:
        opted = channel in (p.opted_out_channels or ())
        return (1 if opted else 0, 0 if p.status == "verified" else 1, p.id)

    return min(usable, key=rank)
