"""SMS through a generic JSON provider over HTTP.

Request: ``POST {url}`` with ``Authorization: Bearer {token}`` (when set), ``Idempotency-Key:
{key}`` and the JSON body ``{"to": "+8613812345678", "text": "...", "sender": "...",
"idempotency_key": "...", "reference": "<outbox id>"}``.
Response: 2xx accepted (``{"id": ...}`` or ``{"message_id": ...}``); 409 the key was already
accepted (a retry: success); 400/404/422 a permanent error (``{"error": "invalid_number"}``
marks the number invalid); 401/403, 408, 429, 5xx and network errors are retried.
"""

from __future__ import annotations

from typing import Any

import httpx

from .base import OutboundMessage, SendOutcome

__all__ = ["SmsHttpAdapter"]

INVALID_NUMBER_ERRORS = frozenset({"invalid_number", "invalid_recipient", "unknown_number"})


class SmsHttpAdapter:
    channel = "sms"

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        sender: str | None = None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.url, self.token, self.sender = url, token, sender
        self._client = client or httpx.Client(timeout=timeout)
        self._own = client is None

    def send(self, msg: OutboundMessage) -> SendOutcome:
        headers = {"Idempotency-Key": msg.key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body: dict[str, Any] = {
            "to": msg.recipient,
            "text": msg.body,
            "idempotency_key": msg.key,
            "reference": str(msg.message_id),
        }
        if self.sender:
            body["sender"] = self.sender
        try:
            r = self._client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as e:
            return SendOutcome(False, error=f"SMS provider unreachable: {type(e).__name__}")
        data = _json(r)
        pid = str(data.get("id") or data.get("message_id") or "") or None
        if 200 <= r.status_code < 300 or r.status_code == 409:
            return SendOutcome(True, pid)
        if r.status_code in (400, 404, 410, 422):
            err = str(data.get("error") or "")
            return SendOutcome(
                False,
                permanent=True,
                invalid_recipient=err in INVALID_NUMBER_ERRORS,
                error=f"SMS provider refused ({r.status_code} {err})".strip(),
            )
        return SendOutcome(False, error=f"SMS provider error {r.status_code}")

    def close(self) -> None:
        if self._own:
            self._client.close()


def _json(r: httpx.Response) -> dict[str, Any]:
    try:
        data = r.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
