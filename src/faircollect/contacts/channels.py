"""Channel adapters configured from the environment.

- e-mail: ``FAIRCOLLECT_SMTP_HOST`` (required to enable), ``FAIRCOLLECT_SMTP_PORT`` (25),
  ``FAIRCOLLECT_SMTP_STARTTLS`` (1 to use STARTTLS), ``FAIRCOLLECT_SMTP_USER``,
  ``FAIRCOLLECT_SMTP_PASSWORD``, ``FAIRCOLLECT_SMTP_FROM`` (noreply@faircollect.invalid);
- SMS: ``FAIRCOLLECT_SMS_URL`` (required to enable), ``FAIRCOLLECT_SMS_TOKEN``,
  ``FAIRCOLLECT_SMS_SENDER``;
- app push: ``FAIRCOLLECT_PUSH_URL`` (required to enable), ``FAIRCOLLECT_PUSH_SECRET``;
- development: ``FAIRCOLLECT_OUTBOX_SINK_DIR``: channels without a provider are written to
  ``<dir>/<channel>.jsonl`` instead (refused when FAIRCOLLECT_ENV=production).
A channel with no adapter is not claimed: its messages wait in the outbox.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .adapters.base import Adapter
from .adapters.file import FileSinkAdapter
from .adapters.push import PushWebhookAdapter
from .adapters.sms_http import SmsHttpAdapter
from .adapters.smtp import SmtpAdapter

__all__ = ["adapters_from_env", "inbound_secret"]


def _flag(v: str | None) -> bool:
    return (v or "").strip().lower() in ("1", "true", "yes", "on")


def adapters_from_env(env: Mapping[str, str] | None = None) -> dict[str, Adapter]:
    e = os.environ if env is None else env
    out: dict[str, Adapter] = {}
    if e.get("FAIRCOLLECT_SMTP_HOST"):
        out["email"] = SmtpAdapter(
            e["FAIRCOLLECT_SMTP_HOST"],
            int(e.get("FAIRCOLLECT_SMTP_PORT", "25")),
            sender=e.get("FAIRCOLLECT_SMTP_FROM", "noreply@faircollect.invalid"),
            starttls=_flag(e.get("FAIRCOLLECT_SMTP_STARTTLS")),
            username=e.get("FAIRCOLLECT_SMTP_USER") or None,
            password=e.get("FAIRCOLLECT_SMTP_PASSWORD") or None,
        )
    if e.get("FAIRCOLLECT_SMS_URL"):
        out["sms"] = SmsHttpAdapter(
            e["FAIRCOLLECT_SMS_URL"],
            token=e.get("FAIRCOLLECT_SMS_TOKEN") or None,
            sender=e.get("FAIRCOLLECT_SMS_SENDER") or None,
        )
    if e.get("FAIRCOLLECT_PUSH_URL"):
        out["app"] = PushWebhookAdapter(
            e["FAIRCOLLECT_PUSH_URL"], secret=e.get("FAIRCOLLECT_PUSH_SECRET", "")
        )
    sink = e.get("FAIRCOLLECT_OUTBOX_SINK_DIR")
    if sink:
        if e.get("FAIRCOLLECT_ENV", "").lower() == "production":
            raise RuntimeError("FAIRCOLLECT_OUTBOX_SINK_DIR is refused in production")
        for ch in ("sms", "email", "app"):
            out.setdefault(ch, FileSinkAdapter(Path(sink) / f"{ch}.jsonl", ch))
    return out


def inbound_secret(channel: str, env: Mapping[str, str] | None = None) -> str | None:
    """The shared secret provider webhooks sign with: ``FAIRCOLLECT_INBOUND_<CHANNEL>_SECRET``
    (SMS, EMAIL), else ``FAIRCOLLECT_INBOUND_SECRET``; None when unset (webhook disabled)."""
    e = os.environ if env is None else env
    return (
        e.get(f"FAIRCOLLECT_INBOUND_{channel.upper()}_SECRET")
        or e.get("FAIRCOLLECT_INBOUND_SECRET")
        or None
    )
