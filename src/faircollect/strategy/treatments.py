"""The treatment catalogue: what the strategy can plan, in ladder order of intrusiveness.

Every treatment is one candidate action of the rule vocabulary (DESIGN 4.3: channel, party,
place, purpose), so the rules gate it exactly as the contact gate will gate it at the desk:

    app / email  <  sms  <  call  <  letter  <  emergency-contact call  <  visit  <  legal

`level` is the intrusiveness rank (app and email share level 0). A segment's ladder must be
ordered by level. The emergency-contact call is a separate candidate (a third party, purpose
`location`: asking how to reach the debtor, never pressing them to pay); it sits above a letter
because it involves someone other than the debtor.

`needs` names the snapshot column that says whether the channel exists for the account (a
phone, an e-mail address, the app, an address, a usable emergency contact). `capacity` names
the pool that limits it: calls go to collectors, visits to field teams.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

__all__ = [
    "BY_NAME",
    "TREATMENTS",
    "TREATMENT_NAMES",
    "Capacity",
    "Treatment",
    "TreatmentName",
]

TreatmentName = Literal[
    "app", "email", "sms", "call", "letter", "call_emergency_contact", "visit", "legal"
]
Capacity = Literal["collectors", "field_teams"]


class Treatment(NamedTuple):
    name: str
    level: int  # intrusiveness: higher is more intrusive
    channel: str
    party: str
    place: str | None
    purpose: str
    needs: str  # snapshot column (bool) that says the channel exists for the account
    capacity: Capacity | None
    title_en: str
    title_zh: str


TREATMENTS: tuple[Treatment, ...] = (
    Treatment("app", 0, "app", "debtor", None, "demand", "has_app", None,
              "app message", "App 消息"),
    Treatment("email", 0, "email", "debtor", None, "demand", "has_email", None,
              "e-mail", "电子邮件"),
    Treatment("sms", 1, "sms", "debtor", "mobile", "demand", "has_phone", None,
              "SMS", "短信"),
    Treatment("call", 2, "call", "debtor", "mobile", "demand", "has_phone", "collectors",
              "call", "电话"),
    Treatment("letter", 3, "letter", "debtor", "home", "demand", "has_address", None,
              "letter", "信函"),
    Treatment("call_emergency_contact", 4, "call", "emergency_contact", "mobile", "location",
              "has_emergency_contact", "collectors",
              "call to the emergency contact (to locate the debtor)",
              "致电紧急联系人（仅为联系上债务人）"),
    Treatment("visit", 5, "visit", "debtor", "home", "demand", "has_address", "field_teams",
              "home visit", "上门拜访"),
    Treatment("legal", 6, "legal", "debtor", None, "demand", "has_address", None,
              "legal action", "法律途径"),
)  # fmt: skip

TREATMENT_NAMES: tuple[str, ...] = get_args(TreatmentName)
BY_NAME: dict[str, Treatment] = {t.name: t for t in TREATMENTS}
assert tuple(BY_NAME) == TREATMENT_NAMES
