"""Re-encrypt every PII column under the vault's active key (key rotation).

Each batch is one transaction; rows whose tokens are all under the active key are skipped by
the query itself, so an interrupted run is resumed simply by running it again. Blind indexes
are recomputed from the decrypted value in the same row update, so a row's tokens and its
blind indexes are always under the same key (lookups use `Vault.blind_indexes`, which covers
every key in the ring, while a rotation is under way).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from faircollect.vault import Vault

from .db import Database
from .pii import ENCRYPTED_TABLES, EncryptedTable
from .repositories import keys as keys_repo
from .tables import Base

__all__ = ["RotationResult", "pending", "reencrypt", "reencrypt_row"]

Progress = Callable[[str, int], None]  # (table name, rows just re-encrypted)


class RotationResult(NamedTuple):
    active_key_id: str
    rows: dict[str, int]  # table -> rows re-encrypted

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def pending(db: Database, vault: Vault) -> dict[str, int]:
    """Rows per table that still have a token under a retired (or unknown) key."""
    with db.transaction() as s:
        return {
            t.name: keys_repo.pending_count(s, t, vault.active_key_id) for t in ENCRYPTED_TABLES
        }


def reencrypt_row(vault: Vault, table: EncryptedTable, row: Base) -> None:
    """Re-encrypt one row's tokens under the active key and recompute its blind indexes."""
    for c in table.columns:
        token = getattr(row, c.column)
        if token is None or vault.is_current(token):
            continue
        plain = vault.decrypt(token, field=c.field)
        setattr(row, c.column, vault.encrypt(plain, field=c.field))
        if c.bidx_column is not None:
            kind = c.bidx_kind if c.bidx_kind is not None else str(row.kind)  # type: ignore[attr-defined]
            setattr(row, c.bidx_column, vault.blind_index(plain, kind=kind))


def reencrypt(
    db: Database,
    vault: Vault,
    *,
    batch_size: int = 500,
    on_progress: Progress | None = None,
) -> RotationResult:
    """Bring every encrypted column under the active key, one transaction per batch."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    active = vault.active_key_id
    done: dict[str, int] = {}
    for table in ENCRYPTED_TABLES:
        done[table.name] = 0
        after = 0
        while True:
            with db.transaction() as s:
                rows = keys_repo.pending_batch(s, table, active, after_id=after, limit=batch_size)
                for row in rows:
                    reencrypt_row(vault, table, row)
            if not rows:
                break
            after = int(rows[-1].id)  # type: ignore[attr-defined]
            done[table.name] += len(rows)
            if on_progress is not None:
                on_progress(table.name, len(rows))
            if len(rows) < batch_size:
                break
    return RotationResult(active, done)
