"""Building blocks shared by the packs: named sub-conditions written in the vocabulary.

Each function returns a tree (no Python logic runs at evaluation time). Read them as sentences.
"""

from __future__ import annotations

from faircollect.rules.params import Text
from faircollect.rules.vocab import (
    And,
    Coalesce,
    Count,
    Ever,
    Fact,
    If,
    In,
    InconvenientSlot,
    IsEmpty,
    IsNull,
    Last,
    LocalDate,
    LocalTimeInAllZones,
    Node,
    Not,
    Or,
    Param,
    add_business_days,
    add_days,
    contains,
    eq,
    ev,
    exists,
    fact,
    ge,
    gt,
    is_set,
    le,
    one_of,
    outer,
    today,
)

ALL_CHANNELS = frozenset(
    {
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
    }
)
COMMUNICATION = frozenset({"call", "ai_voice", "sms", "email", "app", "social", "letter", "visit"})
ELECTRONIC = frozenset({"sms", "email", "app", "social"})
WRITTEN = frozenset({"sms", "email", "app", "social", "letter"})
CALLS = frozenset({"call", "ai_voice"})
ALL_PARTIES = frozenset(
    {"debtor", "spouse", "attorney", "emergency_contact", "employer", "third_party"}
)
NOT_ATTORNEY = ALL_PARTIES - {"attorney"}
DEBTOR = frozenset({"debtor"})
US_CONSUMER = frozenset({"debtor", "spouse"})
US_THIRD = frozenset({"emergency_contact", "employer", "third_party"})
CN_UK_THIRD = frozenset({"spouse", "emergency_contact", "employer", "third_party"})


def action(name: str) -> Fact:
    return fact(f"action.{name}")


def debtor(name: str) -> Fact:
    return fact(f"debtor.{name}")


def debt(name: str) -> Fact:
    return fact(f"debt.{name}")


# -- time of day ------------------------------------------------------------------------------
def outside_hours() -> Node:
    """Local time in some candidate zone is before `contact_start` or at/after `contact_end`."""
    return Not(LocalTimeInAllZones(Param("contact_start"), Param("contact_end")))


def in_designated_window() -> Node:
    """`now` falls in a window the debtor called inconvenient (first zone)."""
    return is_set(InconvenientSlot(fact("now")))


# -- who ---------------------------------------------------------------------------------------
def same_person() -> Node:
    """The entry reached the same person as the action: same party and, for anyone but the
    debtor or spouse, the same contact point when both are known."""
    return And(
        eq(ev("party"), action("party")),
        Or(
            one_of(action("party"), "debtor", "spouse"),
            IsNull(action("contact_point")),
            IsNull(ev("contact_point")),
            eq(ev("contact_point"), action("contact_point")),
        ),
    )


def same_number() -> Node:
    """The entry used the action's contact point (the action's party when it has none)."""
    return If(
        IsNull(action("contact_point")),
        eq(ev("party"), action("party")),
        eq(ev("contact_point"), action("contact_point")),
    )


def about_action_debt() -> Node:
    """The entry concerns the action's debt: it names it, names no debt (an unattributed
    contact counts toward every debt), or the action names no debt."""
    return Or(
        IsNull(action("debt_id")),
        IsEmpty(ev("debt_ids")),
        In(action("debt_id"), ev("debt_ids")),
    )


# -- the one-reply exception -----------------------------------------------------------------
def _consumer_last(column: str) -> Last:
    """`column` of the latest contact the action's party initiated."""
    return Last(And(eq(ev("initiated_by"), "consumer"), eq(ev("party"), action("party"))), column)


def reply_once(*, same_place: bool = False, same_slot: bool = False) -> Node:
    """The action answers the party's latest own contact, in the same medium, and nothing was
    sent back through that medium since (comments 6(b)(1)-2, 6(b)(2)-1; 1006.14(h)(2)(ii)).
    `same_place`: the contact came from the action's place; `same_slot`: it was made in the
    inconvenient window occurrence the action falls in ("respond once at that time")."""
    parts: list[Node] = [
        action("in_response_to_consumer"),
        eq(_consumer_last("channel"), action("channel")),
        eq(
            Count(
                And(
                    eq(ev("initiated_by"), "collector"),
                    eq(ev("channel"), action("channel")),
                    eq(ev("party"), action("party")),
                    gt(ev("at"), _consumer_last("at")),
                ),
                Ever(),
            ),
            0,
        ),
    ]
    if same_place:
        parts.append(eq(_consumer_last("place"), action("place")))
    if same_slot:
        parts.append(eq(InconvenientSlot(_consumer_last("at")), InconvenientSlot(fact("now"))))
    return And(*parts)


# -- holds ---------------------------------------------------------------------------------------
def hold(flag: str) -> Node:
    """The debtor is flagged (deceased / bankrupt) and the action is not a notice that
    collection ends."""
    return And(debtor(flag), Not(eq(action("purpose"), "notice_end")))


HOLD_DECEASED = Text(
    "Collection hold: the debtor is deceased. Only a notice that collection ends may be sent.",
    "停催：债务人已身故。仅可发送停止催收的通知。",
)
HOLD_BANKRUPT = Text(
    "Collection hold: the debtor is in bankruptcy. Only a notice that collection ends may be sent.",
    "停催：债务人处于破产程序中。仅可发送停止催收的通知。",
)


# -- breathing space / dispute helpers ----------------------------------------------------------
def validation_period_contains(instant: Node) -> Node:
    """`instant` (a dispute) falls in the validation period (1006.34(b)(5)): from the day the
    validation information was provided (notice sent, else first communication) to 30 days
    after assumed receipt (5 business days later). Unknown start: treated as inside."""
    start = LocalDate(Coalesce(debt("validation_notice_sent_at"), debt("first_communication_at")))
    end = add_days(add_business_days(start, "us_receipt_business_days"), "us_validation_days")
    d = LocalDate(instant)
    return Or(IsNull(start), And(ge(d, start), le(d, end)))


def breathing_space_in_force() -> Node:
    """Today is within the breathing space: from `start`; standard: through `end` if it ended
    early, else through start + 59 days (60 days); crisis: through treatment end + 30 days,
    open-ended while treatment has not ended."""
    start = debtor("breathing_space.start")
    last_day = If(
        eq(debtor("breathing_space.kind"), "crisis"),
        add_days(debtor("breathing_space.end"), "uk_crisis_extra_days"),
        If(
            IsNull(debtor("breathing_space.end")),
            add_days(start, "uk_standard_last_day_offset"),
            debtor("breathing_space.end"),
        ),
    )
    return And(
        is_set(start),
        ge(today(), start),
        Or(IsNull(last_day), le(today(), last_day)),
    )


__all__ = [
    "ALL_CHANNELS",
    "ALL_PARTIES",
    "CALLS",
    "CN_UK_THIRD",
    "COMMUNICATION",
    "DEBTOR",
    "ELECTRONIC",
    "NOT_ATTORNEY",
    "US_CONSUMER",
    "US_THIRD",
    "WRITTEN",
    "about_action_debt",
    "action",
    "breathing_space_in_force",
    "contains",
    "debt",
    "debtor",
    "exists",
    "hold",
    "in_designated_window",
    "outer",
    "outside_hours",
    "reply_once",
    "same_number",
    "same_person",
    "validation_period_contains",
]
