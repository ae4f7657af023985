"""From stored rows to the rule engine's Scenario (DESIGN 4.3).

- debtor state: the borrower row (inconvenient times, places, channel opt-outs, employer,
  attorney, cease, breathing space, vulnerable, deceased, bankruptcy, contact refused) plus,
  for an attempt through a contact point, the channels that point opted out of (an inbound
  STOP); `reachable` is derived: the debtor has a phone that is not invalid and is not flagged
  as lost contact (失联); dispute and verification are per debt (the loan row);
- time zones: the borrower's zone, else the zones of the debtor's phone number, else none
  (the pack's default candidate zones: for the US, every principal zone: the strictest);
- history: the borrower's contacts (attempted, completed, overridden; a blocked attempt never
  happened) within the longest counting window of the pack, plus older contacts the "ever"
  rules read. An attempt whose outcome is not known yet goes in with outcome null.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from faircollect import clock
from faircollect.rules.model import (
    CHANNELS,
    OUTCOMES,
    PARTIES,
    PLACES,
    PURPOSES,
    Action,
    Debt,
    Debtor,
    HistoryEntry,
    Scenario,
)
from faircollect.rules.packs import get_pack
from faircollect.rules.vocab import Const, Count, Days, Ever, Hours, walk
from faircollect.store import pii
from faircollect.store.repositories.gate import HistoryRow
from faircollect.store.tables import Borrower, ContactPoint, Loan
from faircollect.vault import Vault

__all__ = [
    "KIND_FOR_CHANNEL",
    "STICKY_OUTCOMES",
    "build_scenario",
    "debtor_zones",
    "history_entries",
    "lookback",
    "reachable",
]

#: which kind of contact point carries each channel
KIND_FOR_CHANNEL = {
    "call": "phone",
    "ai_voice": "phone",
    "sms": "phone",
    "email": "email",
    "app": "app",
    "social": "app",
    "letter": "address",
    "visit": "address",
}
#: outcomes that rules look at over the whole history ("ever"): kept beyond the window
STICKY_OUTCOMES = (
    "refused",
    "wrong_number",
    "conversation",
    "voicemail",
    "sent",
    "delivered",
    "bounced",
)
_CHANNELS = frozenset(CHANNELS)
_PARTIES = frozenset(PARTIES)
_PLACES = frozenset(PLACES)
_PURPOSES = frozenset(PURPOSES)
_OUTCOMES = frozenset(OUTCOMES)
_MARGIN_DAYS = 2  # local-day windows seen from UTC, DST


@lru_cache(maxsize=64)
def _lookback_days(pack_id: str, day_ord: int) -> int:
    from datetime import date

    snap = get_pack(pack_id).snapshot(date.fromordinal(day_ord))
    longest = 1
    for r in snap.rules:
        for node in walk(r.bound):
            if isinstance(node, Count):
                w = node.window
                if isinstance(w, Days) and isinstance(w.n, Const):
                    longest = max(longest, int(w.n.value))  # type: ignore[arg-type]
                elif isinstance(w, Hours) and isinstance(w.n, Const):
                    longest = max(longest, -(-int(w.n.value) // 24))  # type: ignore[arg-type]
                elif isinstance(w, Ever):
                    pass  # served by the sticky rows
    return longest + _MARGIN_DAYS


def lookback(pack_id: str, now: datetime) -> timedelta:
    """How far back the pack's counting windows reach at `now` (plus a margin)."""
    return timedelta(days=_lookback_days(pack_id, now.astimezone(UTC).date().toordinal()))


def debtor_zones(
    borrower: Borrower, points: Sequence[ContactPoint], vault: Vault | None
) -> tuple[str, ...]:
    if borrower.timezone:
        return (borrower.timezone,)
    if vault is None:
        return ()
    token = borrower.phone_enc
    field = pii.BORROWER_PHONE
    if token is None:
        for p in points:
            if p.party == "debtor" and p.kind == "phone" and p.status != "invalid":
                token, field = p.value_enc, pii.CONTACT_POINT_VALUE
                break
    if token is None:
        return ()
    return _zones(vault.decrypt(token, field=field), vault.phone_region)


@lru_cache(maxsize=4096)
def _zones(phone: str, region: str) -> tuple[str, ...]:
    return clock.zones_for_phone(phone, region)


def reachable(borrower: Borrower, points: Sequence[ContactPoint]) -> bool:
    """The debtor has a phone that is not invalid and is not flagged as lost contact."""
    if borrower.lost_contact:
        return False
    phones = [p for p in points if p.party == "debtor" and p.kind == "phone"]
    if phones:
        return any(p.status != "invalid" for p in phones)
    return borrower.phone_enc is not None


def history_entries(
    rows: Iterable[HistoryRow], loan_refs: dict[int, str] | None = None
) -> tuple[HistoryEntry, ...]:
    """Stored contacts as engine history entries (values outside the contract vocabulary are
    dropped to the protective default: unknown outcome -> null, unknown place -> null)."""
    out = []
    for r in rows:
        if r.channel not in _CHANNELS:
            continue
        debt_ids = tuple(str(x) for x in (r.debt_refs or ()))
        out.append(
            HistoryEntry.model_construct(
                at=r.at.astimezone(UTC),
                channel=r.channel,
                party=r.party if r.party in _PARTIES else "third_party",
                debt_ids=debt_ids,
                outcome=r.outcome if r.outcome in _OUTCOMES else None,
                initiated_by="consumer" if r.initiated_by == "consumer" else "collector",
                contact_point=None if r.contact_point_id is None else str(r.contact_point_id),
                place=r.place if r.place in _PLACES else None,
                purpose=r.purpose if r.purpose in _PURPOSES else None,
            )
        )
    return tuple(out)


def build_scenario(
    *,
    pack: str,
    now: datetime,
    action: Action,
    borrower: Borrower,
    loan: Loan,
    points: Sequence[ContactPoint],
    point: ContactPoint | None,
    history: tuple[HistoryEntry, ...],
    zones: tuple[str, ...],
) -> Scenario:
    opt_outs = list(
        dict.fromkeys(
            [
                *(borrower.channel_opt_outs or ()),
                *(point.opted_out_channels or () if point is not None else ()),
            ]
        )
    )
    debtor: dict[str, Any] = {
        "timezones": zones,
        "inconvenient": borrower.inconvenient or [],
        "no_contact_places": [p for p in (borrower.no_contact_places or ()) if p in _PLACES],
        "employer_prohibits": bool(borrower.employer_prohibits),
        "attorney": bool(borrower.attorney),
        "cease_received_at": borrower.cease_received_at,
        "channel_opt_outs": [c for c in opt_outs if c in _CHANNELS],
        "dispute_received_at": loan.dispute_received_at,
        "verification_sent_at": loan.verification_sent_at,
        "breathing_space": borrower.breathing_space,
        "vulnerable": bool(borrower.vulnerable),
        "reachable": reachable(borrower, points),
        "contact_refused": bool(borrower.contact_refused),
        "deceased": bool(borrower.deceased),
        "bankruptcy": bool(borrower.bankruptcy),
    }
    debt = Debt.model_construct(
        time_barred=bool(loan.time_barred),
        first_communication_at=_utc(loan.first_communication_at),
        validation_notice_sent_at=_utc(loan.validation_notice_sent_at),
        call_consent_until=_utc(loan.call_consent_until),
    )
    return Scenario.model_construct(
        pack=pack,
        now=now.astimezone(UTC),
        action=action,
        debtor=Debtor.model_validate(debtor),
        debt=debt,
        history=history,
    )


def _utc(dt: datetime | None) -> datetime | None:
    return None if dt is None else dt.astimezone(UTC)
