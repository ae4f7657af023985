"""PII encryption for the bulk importer, in batches that may run in worker processes.

A worker builds its own `Vault` from the master secrets it is given (the caller passes
`settings.secret_keys`; they travel over a local pipe to a child process of the same user and
are never written anywhere). Without the secrets the importer calls these in-process with its
own vault.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from faircollect.store import pii
from faircollect.store.repositories.borrowers import BorrowerPII, pii_columns
from faircollect.vault import Vault

__all__ = ["BORROWER_COLUMNS", "encrypt_borrowers", "encrypt_points", "vault_for"]

BORROWER_COLUMNS = (
    "name_enc",
    "id_number_enc",
    "phone_enc",
    "email_enc",
    "address_enc",
    "id_number_bidx",
    "phone_bidx",
    "email_bidx",
)

Person = tuple[str, str | None, str | None, str | None, str | None]


@lru_cache(maxsize=4)
def vault_for(keys: tuple[str, ...]) -> Vault:
    return Vault(keys)


def encrypt_borrowers(
    vault: Vault | tuple[str, ...], people: Sequence[Person]
) -> dict[str, list[Any]]:
    """The encrypted columns (BORROWER_COLUMNS) of borrowers given as (name, id_number,
    phone, email, address)."""
    v = vault if isinstance(vault, Vault) else vault_for(vault)
    cols: dict[str, list[Any]] = {k: [] for k in BORROWER_COLUMNS}
    appenders = [(k, cols[k].append) for k in BORROWER_COLUMNS]
    for p in people:
        enc = pii_columns(v, BorrowerPII(*p))
        for k, append in appenders:
            append(enc[k])
    return cols


def encrypt_points(
    vault: Vault | tuple[str, ...], items: Sequence[tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """(blind indexes, encrypted values) of contact point values given as (kind, value)."""
    v = vault if isinstance(vault, Vault) else vault_for(vault)
    field = pii.CONTACT_POINT_VALUE
    bidx = [v.blind_index(value, kind=kind) for kind, value in items]
    enc = [v.encrypt(value, field=field) for _kind, value in items]
    return bidx, enc
