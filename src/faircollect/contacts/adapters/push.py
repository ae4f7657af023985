"""App push through a webhook of the app backend.

``POST {url}`` with the JSON ``{"to": "<app account or device id>", "title": "...", "body":
"...", "idempotency_key": "..."}``, the header ``Idempotency-Key`` and
``X-Faircollect-Signature: sha256=<hex HMAC-SHA256 of the body with the shared secret>``.
2xx or 409: delivered to the backend; 400/404/410/422: permanent; anything else: retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from .base import OutboundMessage, SendOutcome

__all__ = ["PushWebhookAdapter", "sign"]


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class PushWebhookAdapter:
    channel = "app"

    def __init__(
        self,
        url: str,
        *,
        secret: str = "",
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.url, self.secret = url, secret
        self._client = client or httpx.Client(timeout=timeout)
        self._own = client is None

    def send(self, msg: OutboundMessage) -> SendOutcome:
        body = json.dumps(
            {
                "to": msg.recipient,
                "title": msg.subject or "",
                "body": msg.body,
                "idempotency_key": msg.key,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {"Content-Type": "application/json", "Idempotency-Key": msg.key}
        if self.secret:
            headers["X-Faircollect-Signature"] = sign(self.secret, body)
        try:
            r = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as e:
            return SendOutcome(False, error=f"push webhook unreachable: {type(e).__name__}")
        if 200 <= r.status_code < 300 or r.status_code == 409:
            return SendOutcome(True, r.headers.get("X-Message-Id"))
        if r.status_code in (400, 404, 410, 422):
            return SendOutcome(
                False,
                permanent=True,
                invalid_recipient=r.status_code in (404, 410),
                error=f"push webhook refused ({r.status_code})",
            )
        return SendOutcome(False, error=f"push webhook error {r.status_code}")

    def close(self) -> None:
        if self._own:
            self._client.close()
