"""The compliance contract (DESIGN 4.3): a Scenario in, a Decision out.

Pydantic v2 models with closed vocabularies, `extra="forbid"` everywhere and aware datetimes
only (a naive datetime, an integer or anything else that is not an ISO 8601 string with an
offset is invalid input; the error's `loc` names the field). Instants are converted to UTC when
parsed (the offset a caller used carries no meaning for the rules).

Missing optional fields take the defaults of DESIGN 4.3. Choices where the contract is silent:
- `debtor`, `debt` and `history` may be left out (all defaults).
- `debtor.timezones` may be empty: the pack's default candidate zones are used (CN
  Asia/Shanghai; UK Europe/London; US-MA America/New_York; US every principal US zone).
- an inconvenient window may leave out `from`/`to` (default 00:00 and 24:00: the whole day);
  `to` may be "24:00"; a window whose `to` is earlier than its `from` runs past midnight and
  belongs to the day it starts.
- `action.party` defaults to "debtor", `action.purpose` to "demand"; `action.place`,
  `action.debt_id`, `action.contact_point` may be null (unknown / not tied to a place).
- a history entry's `party` defaults to "debtor", `initiated_by` to "collector", `debt_ids` to
  [] (a call not attributed to a debt counts toward every debt, the protective reading of comment
  14(b)(4)-1), `outcome` to null (unknown: counted as a connected attempt).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from itertools import pairwise
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    field_validator,
    model_validator,
)

__all__ = [
    "CHANNELS",
    "COMMUNICATION_CHANNELS",
    "CONSUMER_PARTIES",
    "ELECTRONIC_CHANNELS",
    "OUTCOMES",
    "PARTIES",
    "PLACES",
    "PURPOSES",
    "THIRD_PARTIES",
    "Action",
    "BreathingSpace",
    "Channel",
    "Debt",
    "Debtor",
    "Decision",
    "HistoryEntry",
    "InconvenientTime",
    "InitiatedBy",
    "Outcome",
    "PackId",
    "Party",
    "Place",
    "Purpose",
    "Scenario",
    "Violation",
]


Channel = Literal[
    "call",
    "ai_voice",
    "sms",
    "email",
    "app",
    "social",
    "letter",
    "visit",
    "legal",
    "credit_report",
]
Party = Literal["debtor", "spouse", "attorney", "emergency_contact", "employer", "third_party"]
Place = Literal["mobile", "home", "work", "other"]
Purpose = Literal[
    "demand", "reminder", "notice_end", "remedy_notice", "verification", "location", "response"
]
Outcome = Literal[
    "no_answer",
    "voicemail",
    "conversation",
    "busy",
    "not_in_service",
    "wrong_number",
    "sent",
    "delivered",
    "bounced",
    "refused",
]
InitiatedBy = Literal["collector", "consumer"]

CHANNELS: tuple[str, ...] = get_args(Channel)
PARTIES: tuple[str, ...] = get_args(Party)
PLACES: tuple[str, ...] = get_args(Place)
PURPOSES: tuple[str, ...] = get_args(Purpose)
OUTCOMES: tuple[str, ...] = get_args(Outcome)

PackId = Literal["CN", "US", "US-MA", "UK"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

#: channels through which a person is reached (not `legal` filings nor `credit_report`)
COMMUNICATION_CHANNELS: frozenset[str] = frozenset(
    {"call", "ai_voice", "sms", "email", "app", "social", "letter", "visit"}
)
#: electronic media of 12 CFR 1006.6(e)
ELECTRONIC_CHANNELS: frozenset[str] = frozenset({"sms", "email", "app", "social"})
#: persons who are "the consumer" for 12 CFR 1006.6 (1006.6(a)(1): the spouse)
CONSUMER_PARTIES: frozenset[str] = frozenset({"debtor", "spouse"})
THIRD_PARTIES: frozenset[str] = frozenset({"emergency_contact", "employer", "third_party"})


# ---------------------------------------------------------------------------------------
# field types
# ---------------------------------------------------------------------------------------
def _iso_text_only(v: Any) -> Any:
    """Refuse numbers (Unix times carry no offset) before pydantic's lax parsing."""
    if isinstance(v, bool | int | float):
        raise ValueError("expected an ISO 8601 datetime string with an offset")
    return v


def _to_utc(v: datetime) -> datetime:
    return v.astimezone(UTC)


def _iso_date_only(v: Any) -> Any:
    if isinstance(v, str) and _DATE_RE.match(v):
        return v
    if isinstance(v, date) and not isinstance(v, datetime):
        return v
    raise ValueError("expected a date YYYY-MM-DD")


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HHMM_RE = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")

#: an instant: ISO 8601 text with an offset, stored as UTC
Instant = Annotated[AwareDatetime, BeforeValidator(_iso_text_only), AfterValidator(_to_utc)]
Day = Annotated[date, BeforeValidator(_iso_date_only)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# ---------------------------------------------------------------------------------------
# scenario
# ---------------------------------------------------------------------------------------
class InconvenientTime(_Model):
    """A consumer-designated inconvenient window, read in the debtor's FIRST time zone.
    `from` inclusive, `to` exclusive; `to` < `from` runs past midnight."""

    days: tuple[Weekday, ...] | None = None
    from_: StrictStr = Field(default="00:00", alias="from")
    to: StrictStr = "24:00"

    @field_validator("from_")
    @classmethod
    def _from_hhmm(cls, v: str) -> str:
        if not _HHMM_RE.match(v):
            raise ValueError("expected a time HH:MM (00:00-23:59)")
        return v

    @field_validator("to")
    @classmethod
    def _to_hhmm(cls, v: str) -> str:
        if v != "24:00" and not _HHMM_RE.match(v):
            raise ValueError("expected a time HH:MM (00:00-24:00)")
        return v

    @model_validator(mode="after")
    def _not_empty(self) -> InconvenientTime:
        if self.from_ == self.to or (self.from_ == "00:00" and self.to == "00:00"):
            raise ValueError("'from' and 'to' must differ")
        return self

    @property
    def start_minute(self) -> int:
        return _minutes(self.from_)

    @property
    def end_minute(self) -> int:
        return _minutes(self.to)


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def hhmm_to_time(hhmm: str) -> time:
    """ "HH:MM" -> time ("24:00" is not a time: callers handle it as the next midnight)."""
    h, m = hhmm.split(":")
    return time(int(h), int(m))


class BreathingSpace(_Model):
    """UK Debt Respite Scheme moratorium (SI 2020/1311). `start`: first day. `end`: for a
    standard breathing space, the last day when it ended early (else start + 59 days); for a
    mental-health crisis breathing space, the day crisis treatment ended (null: ongoing)."""

    start: Day
    end: Day | None = None
    kind: Literal["standard", "crisis"] = "standard"

    @model_validator(mode="after")
    def _order(self) -> BreathingSpace:
        if self.end is not None and self.end < self.start:
            raise ValueError("'end' is before 'start'")
        return self


class Debtor(_Model):
    timezones: tuple[StrictStr, ...] = ()
    inconvenient: tuple[InconvenientTime, ...] = ()
    no_contact_places: tuple[Place, ...] = ()
    employer_prohibits: StrictBool = False
    attorney: StrictBool = False
    cease_received_at: Instant | None = None
    channel_opt_outs: tuple[Channel, ...] = ()
    dispute_received_at: Instant | None = None
    verification_sent_at: Instant | None = None
    breathing_space: BreathingSpace | None = None
    vulnerable: StrictBool = False
    reachable: StrictBool = True
    contact_refused: StrictBool = False
    deceased: StrictBool = False
    bankruptcy: StrictBool = False

    @field_validator("timezones")
    @classmethod
    def _zones(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for name in v:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError) as e:
                raise ValueError(f"unknown time zone {name!r} (use an IANA name)") from e
        return v


class Debt(_Model):
    time_barred: StrictBool = False
    first_communication_at: Instant | None = None
    validation_notice_sent_at: Instant | None = None
    call_consent_until: Instant | None = None


class Action(_Model):
    channel: Channel
    party: Party = "debtor"
    debt_id: StrictStr | None = None
    place: Place | None = None
    purpose: Purpose = "demand"
    content: StrictStr | None = None
    in_response_to_consumer: StrictBool = False
    contact_point: StrictStr | None = None


class HistoryEntry(_Model):
    at: Instant
    channel: Channel
    party: Party = "debtor"
    debt_ids: tuple[StrictStr, ...] = ()
    outcome: Outcome | None = None
    initiated_by: InitiatedBy = "collector"
    contact_point: StrictStr | None = None
    place: Place | None = None
    purpose: Purpose | None = None


class Scenario(_Model):
    """One action judged at `now`, with what is known at `now` (later facts are ignored)."""

    pack: PackId
    now: Instant
    action: Action
    debtor: Debtor = Field(default_factory=Debtor)
    debt: Debt = Field(default_factory=Debt)
    history: tuple[HistoryEntry, ...] = ()

    @field_validator("history")
    @classmethod
    def _in_time_order(cls, v: tuple[HistoryEntry, ...]) -> tuple[HistoryEntry, ...]:
        """History is kept in time order (stable for equal instants)."""
        if any(a.at > b.at for a, b in pairwise(v)):
            return tuple(sorted(v, key=lambda e: e.at))
        return v


# ---------------------------------------------------------------------------------------
# decision
# ---------------------------------------------------------------------------------------
class Violation(_Model):
    """JSON keys exactly rule/provision/message; the Chinese message is kept on the object
    (`message_zh`) and left out of the JSON."""

    rule: str
    provision: str
    message: str
    message_zh: str = Field(default="", exclude=True)


class Decision(_Model):
    allowed: bool
    pack: PackId
    pack_version: str
    violations: tuple[Violation, ...] = ()
    next_allowed_at: datetime | None = None

    def to_json(self) -> str:
        return self.model_dump_json()

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
