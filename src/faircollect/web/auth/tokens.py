"""Bearer tokens for the JSON API: ``fct_`` + 256 random bits. Only
``vault.token_mac("api-token\\0" + token)`` is stored; the token is shown once."""

from __future__ import annotations

import secrets

from faircollect.vault import Vault

__all__ = ["PREFIX", "new_token", "token_hash", "token_hashes"]

PREFIX = "fct_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(vault: Vault, token: str) -> str:
    return vault.token_mac("api-token\x00" + token)


def token_hashes(vault: Vault, token: str) -> tuple[str, ...]:
    """The hash under every key of the ring (tokens survive a key rotation)."""
    if not token.startswith(PREFIX) or len(token) > 128:
        return ()
    return vault.token_macs("api-token\x00" + token)
