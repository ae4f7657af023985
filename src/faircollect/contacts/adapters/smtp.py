"""E-mail over SMTP (smtplib), optionally with STARTTLS and login; one connection reused for
a batch. The Message-ID is derived from the idempotency key and the key is also sent as
``X-Idempotency-Key``: a receiving system (or a relay) that deduplicates by Message-ID sees
a retried message as the same message."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from .base import OutboundMessage, SendOutcome, message_id_for

__all__ = ["SmtpAdapter"]


class SmtpAdapter:
    channel = "email"

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        domain: str | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.username, self.password = starttls, username, password
        self.timeout = timeout
        self.domain = domain or (sender.rsplit("@", 1)[-1] if "@" in sender else "faircollect")
        self.tls_context = tls_context
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.starttls:
                conn.starttls(context=self.tls_context or ssl.create_default_context())
                conn.ehlo()
            if self.username:
                conn.login(self.username, self.password or "")
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def build(self, msg: OutboundMessage) -> EmailMessage:
        em = EmailMessage()
        em["From"] = self.sender
        em["To"] = msg.recipient
        em["Subject"] = msg.subject or ""
        em["Date"] = formatdate(localtime=False, usegmt=True)
        em["Message-ID"] = message_id_for(msg.key, self.domain)
        em["X-Idempotency-Key"] = msg.key
        em.set_content(msg.body, charset="utf-8")
        return em

    def send(self, msg: OutboundMessage) -> SendOutcome:
        em = self.build(msg)
        for attempt in (1, 2):  # a reused connection may have been dropped by the server
            try:
                conn = self._connect()
                conn.send_message(em)
                return SendOutcome(True, em["Message-ID"])
            except smtplib.SMTPServerDisconnected:
                self._drop()
                if attempt == 2:
                    return SendOutcome(False, error="SMTP server disconnected")
            except smtplib.SMTPRecipientsRefused as e:
                codes = [c for c, _ in e.recipients.values()]
                permanent = all(c >= 500 for c in codes)
                return SendOutcome(
                    False,
                    permanent=permanent,
                    invalid_recipient=permanent,
                    error=f"recipient refused ({', '.join(map(str, codes))})",
                )
            except smtplib.SMTPResponseException as e:
                self._drop()
                return SendOutcome(False, permanent=e.smtp_code >= 500, error=f"SMTP {e.smtp_code}")
            except (smtplib.SMTPException, OSError) as e:
                self._drop()
                return SendOutcome(False, error=f"SMTP error: {type(e).__name__}")
        return SendOutcome(False, error="unreachable")

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._conn.quit()
            self._drop()
