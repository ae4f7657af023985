"""Value types of the content lint: the context a text is judged in and what it finds."""

from __future__ import annotations

from typing import Literal, NamedTuple

__all__ = ["CODES", "DISCLOSURES", "Finding", "LintContext"]

CODES = frozenset(
    {
        "threat",
        "insult",
        "obscenity",
        "impersonation",
        "arrest_threat",
        "contact_third_party_threat",
        "publicise_threat",
        "debt_disclosure",
        "time_barred_suit_threat",
        "false_urgency",
        "missing_disclosure",
    }
)

DISCLOSURES = frozenset({"mini_miranda_initial", "mini_miranda", "opt_out", "unsubscribe_zh"})


class LintContext(NamedTuple):
    """Who reads the text and what must be in it.

    `lang` None means: detect — CJK text is read with the Chinese lexicon and Latin words with
    the English one (a mixed message gets both); "zh" or "en" reads it with that lexicon only.
    `channel` uses the DESIGN 4.3 vocabulary; the detectors do not depend on it (a threat is a
    threat in an SMS and in a call script). `required_disclosures` is a subset of DISCLOSURES.
    """

    lang: Literal["zh", "en"] | None = None
    audience: Literal["debtor", "third_party"] = "debtor"
    channel: str = "sms"
    time_barred: bool = False
    required_disclosures: frozenset[str] = frozenset()


class Finding(NamedTuple):
    """One problem in a text. `excerpt == text[start:end]`; a missing disclosure has
    start == end == 0 and names the disclosure key in its messages ("[opt_out] ...")."""

    code: str
    start: int
    end: int
    excerpt: str
    message_en: str
    message_zh: str
