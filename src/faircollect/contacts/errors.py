"""Errors of the contacts services, with a code and a message in English and Chinese.

The HTTP layer maps them: `NotFound` -> 404 (also for rows outside the caller's scope: no
existence leak), `Invalid` -> 422, `Conflict` -> 409, `Forbidden` -> 403.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Conflict", "ContactsError", "Forbidden", "Invalid", "NotFound"]


class ContactsError(Exception):
    status = 400

    def __init__(self, code: str, en: str, zh: str, **details: Any) -> None:
        super().__init__(en)
        self.code = code
        self.message_en = en
        self.message_zh = zh
        self.details = details

    def message(self, locale: str = "en") -> str:
        return self.message_zh if locale.lower().startswith("zh") else self.message_en


class NotFound(ContactsError):
    status = 404


class Invalid(ContactsError):
    status = 422


class Conflict(ContactsError):
    status = 409


class Forbidden(ContactsError):
    status = 403


def loan_not_found(ref: str) -> NotFound:
    return NotFound("loan_not_found", f"No loan {ref}.", f"没有贷款 {ref}。", loan_ref=ref)
