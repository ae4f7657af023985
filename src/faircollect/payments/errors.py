"""Errors of the payment services (code + English and Chinese message); the HTTP layer maps
NotFound -> 404, Invalid -> 422, Conflict -> 409."""

from __future__ import annotations

from typing import Any

__all__ = ["Conflict", "Invalid", "NotFound", "PaymentsError"]


class PaymentsError(Exception):
    status = 400

    def __init__(self, code: str, en: str, zh: str, **details: Any) -> None:
        super().__init__(en)
        self.code, self.message_en, self.message_zh, self.details = code, en, zh, details

    def message(self, locale: str = "en") -> str:
        return self.message_zh if locale.lower().startswith("zh") else self.message_en


class NotFound(PaymentsError):
    status = 404


class Invalid(PaymentsError):
    status = 422


class Conflict(PaymentsError):
    status = 409
