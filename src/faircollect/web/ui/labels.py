"""Words for the codes the pages show (message ids: translate with ``_()`` in templates).

`LABELS[kind][code]` -> message id; `label(kind, code)` falls back to the code itself for a
code the table does not know (a new outcome, a new treatment: shown, never an error)."""

from __future__ import annotations

from collections.abc import Mapping

from faircollect.i18n import N_

__all__ = ["LABELS", "label"]

CHANNELS: Mapping[str, str] = {
    "call": N_("Call"),
    "ai_voice": N_("AI voice call"),
    "sms": N_("SMS"),
    "email": N_("E-mail"),
    "app": N_("App message"),
    "social": N_("Social media"),
    "letter": N_("Letter"),
    "visit": N_("Field visit"),
    "legal": N_("Legal action"),
    "credit_report": N_("Credit report"),
}
PARTIES: Mapping[str, str] = {
    "debtor": N_("Debtor"),
    "spouse": N_("Spouse"),
    "attorney": N_("Attorney"),
    "emergency_contact": N_("Emergency contact"),
    "employer": N_("Employer"),
    "third_party": N_("Third party"),
}
PLACES: Mapping[str, str] = {
    "mobile": N_("Mobile"),
    "home": N_("Home"),
    "work": N_("Work"),
    "other": N_("Other place"),
}
PURPOSES: Mapping[str, str] = {
    "demand": N_("Ask for payment"),
    "reminder": N_("Reminder"),
    "notice_end": N_("Notice that collection ends"),
    "remedy_notice": N_("Notice of a remedy"),
    "verification": N_("Verification of the debt"),
    "location": N_("Finding the debtor"),
    "response": N_("Reply to the borrower"),
}
OUTCOMES: Mapping[str, str] = {
    "no_answer": N_("No answer"),
    "voicemail": N_("Voicemail"),
    "busy": N_("Busy"),
    "conversation": N_("Spoke with the person"),
    "not_in_service": N_("Number not in service"),
    "wrong_number": N_("Wrong number"),
    "wrong_party": N_("Wrong person"),
    "refused": N_("Third party refused to talk"),
    "promise_to_pay": N_("Promise to pay"),
    "dispute": N_("Disputes the debt"),
    "cease": N_("Asked us to stop contacting"),
    "not_at_work": N_("Do not contact at work"),
    "not_at_home": N_("Do not contact at home"),
    "no_contact_place": N_("Do not contact at these places"),
    "stop_channel": N_("Stop using these channels"),
    "preferred_channels": N_("Preferred channels"),
    "preferred_times": N_("Preferred times"),
    "inconvenient_times": N_("Inconvenient times"),
    "hardship": N_("Financial hardship"),
    "vulnerable": N_("Vulnerable person"),
    "attorney": N_("Represented by an attorney"),
    "breathing_space": N_("Breathing space"),
    "deceased": N_("Deceased"),
    "bankruptcy": N_("Bankruptcy"),
    "sent": N_("Sent"),
    "delivered": N_("Delivered"),
    "bounced": N_("Bounced"),
}
CONTACT_STATUSES: Mapping[str, str] = {
    "attempted": N_("Attempted"),
    "completed": N_("Completed"),
    "blocked": N_("Blocked"),
    "overridden": N_("Allowed by override"),
}
TREATMENTS: Mapping[str, str] = {
    "app": N_("App message"),
    "email": N_("E-mail"),
    "sms": N_("SMS"),
    "call": N_("Call"),
    "letter": N_("Letter"),
    "call_emergency_contact": N_("Call an emergency contact"),
    "visit": N_("Field visit"),
    "legal": N_("Legal action"),
}
COMPLAINT_SOURCES: Mapping[str, str] = {
    "phone": N_("Phone"),
    "letter": N_("Letter"),
    "email": N_("E-mail"),
    "portal": N_("Borrower portal"),
    "regulator": N_("Via a regulator"),
    "other": N_("Other"),
}
COMPLAINT_CATEGORIES: Mapping[str, str] = {
    "harassment": N_("Harassment or too many contacts"),
    "contact_time": N_("Contact at an inconvenient time"),
    "third_party": N_("Contact with family, friends or employer"),
    "conduct": N_("Rude or threatening behaviour"),
    "amount": N_("Amount, interest or fees"),
    "privacy": N_("Personal information"),
    "other": N_("Other"),
}
COMPLAINT_STATUSES: Mapping[str, str] = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "resolved": N_("Resolved"),
}
OVERRIDE_STATUSES: Mapping[str, str] = {
    "requested": N_("Waiting for a decision"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}
LOAN_STATUSES: Mapping[str, str] = {
    "active": N_("Not settled"),
    "settled": N_("Settled"),
    "written_off": N_("Written off"),
}
PROMISE_STATUSES: Mapping[str, str] = {
    "open": N_("Pending"),
    "kept": N_("Kept"),
    "broken": N_("Broken"),
    "cancelled": N_("Cancelled"),
}
REPAYMENTS: Mapping[str, str] = {
    "equal_installment": N_("Equal installments"),
    "equal_principal": N_("Equal principal"),
    "bullet": N_("Bullet"),
}
POINT_STATUSES: Mapping[str, str] = {
    "unverified": N_("Unverified"),
    "verified": N_("Verified"),
    "invalid": N_("Invalid"),
}
WEEKDAYS: Mapping[str, str] = {
    "mon": N_("Mon"),
    "tue": N_("Tue"),
    "wed": N_("Wed"),
    "thu": N_("Thu"),
    "fri": N_("Fri"),
    "sat": N_("Sat"),
    "sun": N_("Sun"),
}

LABELS: Mapping[str, Mapping[str, str]] = {
    "channel": CHANNELS,
    "party": PARTIES,
    "place": PLACES,
    "purpose": PURPOSES,
    "outcome": OUTCOMES,
    "contact_status": CONTACT_STATUSES,
    "treatment": TREATMENTS,
    "complaint_source": COMPLAINT_SOURCES,
    "complaint_category": COMPLAINT_CATEGORIES,
    "complaint_status": COMPLAINT_STATUSES,
    "override_status": OVERRIDE_STATUSES,
    "loan_status": LOAN_STATUSES,
    "promise_status": PROMISE_STATUSES,
    "repayment": REPAYMENTS,
    "point_status": POINT_STATUSES,
    "weekday": WEEKDAYS,
}


def label(kind: str, code: str | None) -> str:
    """The message id for a code (the code itself when unknown; "" for None)."""
    if code is None:
        return ""
    return LABELS.get(kind, {}).get(code, code)
