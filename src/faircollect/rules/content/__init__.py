"""Content lint for collection messages and call scripts (Chinese and English).

    >>> from faircollect.rules.content import lint, LintContext
    >>> [f.code for f in lint("再不还钱就爆你通讯录！")]
    ['publicise_threat']

Refuses threats, insults, obscenity, impersonation of courts/police, threats of arrest, of
telling third parties or of publicising the debt, disclosure of the debt to a third party,
threats of suit on a time-barred debt and pressure to pay (12 CFR 1006.14, 1006.18, 1006.22,
1006.26(b); NIFA conduct rules, Criminal Law art. 293-1; CONC 7.3, 7.11), and checks required
disclosures (1006.18(e), 1006.6(e), 退订). Word lists and rules are data: `lexicon/*.yaml`.
Importing this package is cheap; the lexicons and jieba are built on first use.
"""

from faircollect.rules.content.lint import (
    detect_lang,
    explain,
    has_mini_miranda,
    has_opt_out,
    lint,
    warm_up,
)
from faircollect.rules.content.model import CODES, DISCLOSURES, Finding, LintContext

__all__ = [
    "CODES",
    "DISCLOSURES",
    "Finding",
    "LintContext",
    "detect_lang",
    "explain",
    "has_mini_miranda",
    "has_opt_out",
    "lint",
    "warm_up",
]
