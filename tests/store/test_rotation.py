"""Key rotation: every token re-encrypted under the active key, blind indexes recomputed,
lookups working before, during and after, resumable batches."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from faircollect import clock
from faircollect.store import rotation
from faircollect.store.db import Database
from faircollect.store.pii import ENCRYPTED_TABLES
from faircollect.store.repositories import borrowers, contact_points, creditors, keys, users
from faircollect.store.scope import Scope
from faircollect.store.tables import Borrower, ContactPoint, User
from faircollect.vault import Vault

SYS = Scope.system()
N = 7


class Stop(Exception):
    pass


def _phone(i: int) -> str:
    return f"1380000{i:04d}"


def _seed(db: Database, vault: Vault) -> None:
    with db.transaction() as s:
        c = creditors.get_or_create(s, "C")
        for i in range(N):
            b = borrowers.insert(
                s,
                vault,
                borrowers.NewBorrower(
                    c.id,
                    f"B{i}",
                    f"借款人{i}",
                    id_number=f"11010119900307{i:04d}",
                    phone=_phone(i),
                    email=f"u{i}@example.com" if i % 2 else None,
                ),
            )
            contact_points.add(
                s, vault, contact_points.NewContactPoint(b.id, "email", f"kin{i}@example.com")
            )
        u = users.add(s, username="ops", password_hash="x", role="admin")
        u.totp_secret_enc = vault.encrypt("JBSWY3DPEHPK3PXP", field="users.totp_secret")


def _all_tokens(db: Database) -> list[str]:
    out: list[str] = []
    with db.transaction() as s:
        for t in ENCRYPTED_TABLES:
            for row in s.scalars(select(t.model)):
                out += [getattr(row, c.column) for c in t.columns if getattr(row, c.column)]
    return out


def _lookups_ok(db: Database, vault: Vault) -> None:
    with db.transaction() as s:
        for i in range(N):
            found = borrowers.find_by_blind_index(
                s, vault, kind="phone", value=_phone(i), scope=SYS
            )
            assert [b.ref for b in found] == [f"B{i}"]
            cps = contact_points.find_by_value(
                s, vault, kind="email", value=f"KIN{i}@example.com", scope=SYS
            )
            assert len(cps) == 1


def test_rotation_end_to_end(db: Database, test_secret_keys: tuple[str, ...]) -> None:
    a, b, _ = test_secret_keys
    old = Vault([a])
    _seed(db, old)
    _lookups_ok(db, old)  # before
    ring = Vault([b, a])
    pending = {k: v for k, v in rotation.pending(db, ring).items() if v}
    assert pending == {"borrowers": N, "contact_points": N, "users": 1}
    _lookups_ok(db, ring)  # rotation declared, nothing re-encrypted yet

    # interrupt after the first batch of borrowers
    def stop_after_first(table: str, n: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        rotation.reencrypt(db, ring, batch_size=3, on_progress=stop_after_first)
    assert rotation.pending(db, ring)["borrowers"] == N - 3  # the first batch was committed
    _lookups_ok(db, ring)  # during: some rows under b, the rest under a

    result = rotation.reencrypt(db, ring, batch_size=3)  # resume: done rows are skipped
    rows = {k: v for k, v in result.rows.items() if v}
    assert rows == {"borrowers": N - 3, "contact_points": N, "users": 1}
    assert result.active_key_id == ring.active_key_id
    assert not any(rotation.pending(db, ring).values())
    assert rotation.reencrypt(db, ring).total == 0

    tokens = _all_tokens(db)
    assert tokens and all(Vault.key_id_of(t) == ring.active_key_id for t in tokens)
    new_only = Vault([b])
    _lookups_ok(db, new_only)  # after: the old key is no longer needed
    with db.transaction() as s:
        for row in s.scalars(select(Borrower).order_by(Borrower.id)):
            i = int(row.ref[1:])
            assert borrowers.reveal(new_only, row).phone == _phone(i)
            assert row.phone_bidx == new_only.blind_index(_phone(i), kind="phone")
            assert row.id_number_bidx == new_only.blind_index(
                f"11010119900307{i:04d}", kind="id_number"
            )
        for cp in s.scalars(select(ContactPoint)):
            assert cp.value_bidx == new_only.blind_index(
                contact_points.reveal_value(new_only, cp), kind="email"
            )
        user = s.scalar(select(User))
        assert user is not None and user.totp_secret_enc is not None
        assert (
            new_only.decrypt(user.totp_secret_enc, field="users.totp_secret") == "JBSWY3DPEHPK3PXP"
        )
        assert keys.key_counts(s) == {ring.active_key_id: len(tokens)}


def test_key_counts_and_ledger(db: Database, test_secret_keys: tuple[str, ...]) -> None:
    va = Vault(test_secret_keys[:1])
    _seed(db, va)
    with db.transaction() as s:
        counts = keys.key_counts(s)
        # per borrower: name, id, phone (+ email on odd rows); per contact point: value; user: 1
        assert counts == {va.active_key_id: N * 3 + N // 2 + N + 1}
        t0 = keys.uses(s)
        assert t0 == []
        now = clock.now()
        keys.record_use(s, va.active_key_id, now)
        keys.record_use(s, va.active_key_id, now)
        keys.mark_retired(s, [va.active_key_id, "deadbeef"], now)
        ledger = {k.key_id: k.retired_at for k in keys.uses(s)}
        assert set(ledger) == {va.active_key_id, "deadbeef"}
        assert all(v is not None for v in ledger.values())
        keys.record_use(s, va.active_key_id, now)  # back in use
        assert {k.key_id: k.retired_at for k in keys.uses(s)}[va.active_key_id] is None
