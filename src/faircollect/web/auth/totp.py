"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1, 30 s, 6 digits),
implemented with the standard library. A code is accepted for the current step and one step
either side (clock drift), and never twice (the caller stores the accepted step)."""

from __future__ import annotations

import base64
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

__all__ = ["DIGITS", "STEP_SECONDS", "code_at", "hotp", "new_secret", "provisioning_uri", "verify"]

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """A random 160-bit secret, base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret_b32: str) -> bytes:
    s = secret_b32.strip().replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 section 5.3 (dynamic truncation)."""
    mac = hmac.digest(key, struct.pack(">Q", counter), digest)
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_of(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def code_at(secret_b32: str, at: datetime) -> str:
    return hotp(_key(secret_b32), step_of(at))


def verify(
    secret_b32: str, code: str, at: datetime, *, window: int = 1, last_step: int | None = None
) -> int | None:
    """The time step the code matches (within +-window steps of `at`, after `last_step`),
    else None."""
    candidate = code.strip().replace(" ", "")
    if len(candidate) != DIGITS or not candidate.isdigit():
        return None
    key = _key(secret_b32)
    now = step_of(at)
    found: int | None = None
    for step in range(max(0, now - window), now + window + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(hotp(key, step), candidate) and found is None:
            found = step
    return found


def provisioning_uri(secret_b32: str, account: str, issuer: str = "faircollect") -> str:
    """The otpauth:// URI an authenticator app reads (as a QR code or typed in)."""
    label = quote(f"{issuer}:{account}")
    query = urlencode(
        {
            "secret": secret_b32,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"
