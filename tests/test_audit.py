"""audit.py: the hash chain, its canonical form, tamper detection on both backends."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from faircollect import audit
from faircollect.money import Money
from faircollect.store.db import Database
from faircollect.store.repositories import audit as audit_repo


def _append_n(db: Database, n: int, start: int = 1) -> None:
    with db.transaction(immediate=True) as s:
        for i in range(start, start + n):
            audit.append(
                s,
                actor="user:li.si",
                action="contact.attempt",
                entity=f"loan:L{i:04d}",
                payload={"channel": "call", "n": i, "phone": "138****5678"},
            )


def _verify(db: Database) -> audit.VerifyResult:
    with db.transaction(snapshot=True) as s:
        return audit.verify(s)


def _sql(db: Database, sql: str, **params: object) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


# -- happy path -----------------------------------------------------------------------------
def test_empty_chain_is_intact(db: Database) -> None:
    assert _verify(db) == audit.VerifyResult(True, 0, None, None, audit.GENESIS_HASH)


def test_append_links_entries(db: Database, frozen_now: Callable[[str], datetime]) -> None:
    at = frozen_now("2026-03-04T14:05:00.123456+08:00")
    with db.transaction(immediate=True) as s:
        e1 = audit.append(s, actor="system", action="import", entity="batch:1", payload={"rows": 3})
        e2 = audit.append(
            s,
            actor="user:wang",
            action="pii.reveal",
            entity="borrower:B1",
            payload={"field": "phone", "shown": "138****5678"},
        )
    assert (e1.seq, e2.seq) == (1, 2)
    assert e1.prev_hash == audit.GENESIS_HASH and e2.prev_hash == e1.hash
    assert e1.at == at
    # the documented canonical form, recomputed by hand
    digest = hashlib.sha256(b'{"rows":3}').hexdigest()
    assert e1.payload_digest == digest
    line = json.dumps(
        ["0" * 64, 1, "2026-03-04T06:05:00.123456+00:00", "system", "import", "batch:1", digest],
        separators=(",", ":"),
    )
    assert e1.hash == hashlib.sha256(line.encode()).hexdigest()
    result = _verify(db)
    assert result.ok and result.checked == 2 and result.head_hash == e2.hash
    with db.transaction() as s:
        head = audit_repo.head(s)
        assert head is not None and (head.seq, head.hash) == (2, e2.hash)
        assert audit_repo.count(s) == 2
        assert [e.seq for e in audit_repo.for_entity(s, "borrower:B1")] == [2]
        assert [r.seq for r in audit_repo.iterate(s, batch_size=1)] == [1, 2]


def test_rolled_back_append_leaves_no_trace(db: Database) -> None:
    _append_n(db, 2)
    with pytest.raises(RuntimeError), db.transaction(immediate=True) as s:
        audit.append(s, actor="a", action="b", entity="c", payload={})
        raise RuntimeError
    _append_n(db, 1, start=3)
    assert _verify(db).checked == 3


def test_concurrent_appends_never_fork(db: Database) -> None:
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(10):
                with db.transaction(immediate=True) as s:
                    audit.append(s, actor=f"w{k}", action="tick", entity=f"w:{k}", payload={"i": i})
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = _verify(db)
    assert result.ok and result.checked == 30


def test_many_entries_verify_across_batches(db: Database) -> None:
    _append_n(db, 1205)
    assert _verify(db).checked == 1205


# -- tamper detection (raw SQL, as an attacker with DB access would) -------------------------
def test_edited_payload_is_detected(db: Database) -> None:
    _append_n(db, 5)
    _sql(db, "UPDATE audit_events SET payload = :p WHERE seq = 3", p='{"channel":"sms"}')
    r = _verify(db)
    assert (r.ok, r.first_broken_seq, r.checked) == (False, 3, 2)
    assert r.reason is not None and "payload" in r.reason


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "user:someone-else"),
        ("action", "contact.block"),
        ("entity", "loan:X"),
        ("at", "2020-01-01 00:00:00"),
    ],
)
def test_edited_field_is_detected(db: Database, column: str, value: str) -> None:
    _append_n(db, 5)
    if column == "at" and db.dialect == "postgresql":
        value = "2020-01-01 00:00:00+00"
    _sql(db, f"UPDATE audit_events SET {column} = :v WHERE seq = 4", v=value)
    r = _verify(db)
    assert (r.ok, r.first_broken_seq) == (False, 4)
    assert r.reason is not None and "hash mismatch" in r.reason


def test_payload_and_digest_rewritten_together_is_detected(db: Database) -> None:
    _append_n(db, 4)
    forged = {"channel": "sms", "n": 2, "phone": "138****5678"}
    _sql(
        db,
        "UPDATE audit_events SET payload = :p, payload_digest = :d WHERE seq = 2",
        p=json.dumps(forged),
        d=audit.payload_digest(forged),
    )
    r = _verify(db)
    assert (r.ok, r.first_broken_seq) == (False, 2)


def test_deleted_entry_is_detected(db: Database) -> None:
    _append_n(db, 5)
    _sql(db, "DELETE FROM audit_events WHERE seq = 3")
    r = _verify(db)
    assert (r.ok, r.first_broken_seq, r.checked) == (False, 3, 2)
    assert r.reason is not None and "missing" in r.reason


def test_deleted_and_renumbered_entry_is_detected(db: Database) -> None:
    _append_n(db, 5)
    _sql(db, "DELETE FROM audit_events WHERE seq = 3")
    for seq in (4, 5):
        _sql(db, "UPDATE audit_events SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)
    _sql(db, "UPDATE audit_head SET seq = 4")
    r = _verify(db)
    assert (r.ok, r.first_broken_seq) == (False, 3)


def test_reordered_entries_are_detected(db: Database) -> None:
    """Swap the contents of entries 2 and 3 (each keeps its seq)."""
    _append_n(db, 5)
    cols = "at, actor, action, entity, payload, payload_digest, prev_hash, hash"
    with db.engine.begin() as conn:
        rows = {
            r[0]: r[1:]
            for r in conn.execute(text(f"SELECT seq, {cols} FROM audit_events WHERE seq IN (2, 3)"))
        }
        names = [c.strip() for c in cols.split(",")]
        conn.execute(text("UPDATE audit_events SET hash = 'tmp2' WHERE seq = 2"))
        for seq, other in ((3, 2), (2, 3)):
            values = dict(zip(names, rows[other], strict=True))
            if isinstance(values["payload"], dict):
                values["payload"] = json.dumps(values["payload"])
            sets = ", ".join(f"{n} = :{n}" for n in names)
            conn.execute(
                text(f"UPDATE audit_events SET {sets} WHERE seq = :seq"), {**values, "seq": seq}
            )
    r = _verify(db)
    assert (r.ok, r.first_broken_seq) == (False, 2)
    assert r.reason is not None and "prev_hash" in r.reason


def test_truncated_tail_is_detected(db: Database) -> None:
    _append_n(db, 5)
    _sql(db, "DELETE FROM audit_events WHERE seq >= 4")
    r = _verify(db)
    assert (r.ok, r.first_broken_seq, r.checked) == (False, 4, 3)
    assert r.reason is not None and "truncated" in r.reason


def test_head_rewound_is_detected(db: Database) -> None:
    _append_n(db, 3)
    _sql(db, "UPDATE audit_head SET seq = 2")
    r = _verify(db)
    assert (r.ok, r.first_broken_seq) == (False, 3)


def test_head_hash_edited_is_detected(db: Database) -> None:
    _append_n(db, 3)
    _sql(db, "UPDATE audit_head SET hash = :h", h="f" * 64)
    r = _verify(db)
    assert (r.ok, r.first_broken_seq) == (False, 3)


def test_missing_head_is_detected(db: Database) -> None:
    _append_n(db, 2)
    _sql(db, "DELETE FROM audit_head")
    assert _verify(db).first_broken_seq == 3


def test_head_reseeded_when_missing(db: Database) -> None:
    _sql(db, "DELETE FROM audit_head")
    _append_n(db, 2)
    assert _verify(db).ok


# -- canonical form and payload rules -------------------------------------------------------
class Colour(Enum):
    RED = "red"


def test_jsonable_forms() -> None:
    payload = {
        "amount": Money.parse("12.30", "CNY"),
        "rate": Decimal("18.250"),
        "on": date(2026, 3, 4),
        "at": datetime(2026, 3, 4, 14, 5, tzinfo=UTC),
        "tags": {"b", "a"},
        "pair": (1, 2),
        "c": Colour.RED,
        "none": None,
        "f": 1.5,
        "zh": "张*",
    }
    assert audit.jsonable(payload) == {
        "amount": "12.30 CNY",
        "rate": "18.250",
        "on": "2026-03-04",
        "at": "2026-03-04T14:05:00.000000+00:00",
        "tags": ["a", "b"],
        "pair": [1, 2],
        "c": "red",
        "none": None,
        "f": 1.5,
        "zh": "张*",
    }
    assert audit.canonical_json({"b": 1, "a": "张"}) == '{"a":"张","b":1}'
    for bad in ({1: "x"}, {"x": object()}, {"x": float("nan")}, {"x": b"bytes"}):
        with pytest.raises((TypeError, ValueError)):
            audit.jsonable(bad)
    with pytest.raises(ValueError):
        audit.jsonable({"at": datetime(2026, 3, 4)})  # naive


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=10)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=5))
def test_digest_survives_a_json_round_trip(payload: dict[str, object]) -> None:
    """What verify recomputes from the stored JSON equals what append hashed."""
    stored = json.loads(json.dumps(audit.jsonable(payload)))
    assert audit.payload_digest(stored) == audit.payload_digest(payload)


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "call +86 138 1234 5678 now",
        "+14155552671",
        "110101199003071234",
        "zhangsan@example.com",
        "mail li.si@qq.com",
    ],
)
def test_clear_pii_is_refused(db: Database, value: str) -> None:
    with pytest.raises(audit.PIIInPayload), db.transaction(immediate=True) as s:
        audit.append(s, actor="a", action="b", entity="c", payload={"nested": [{"v": value}]})
    assert _verify(db).checked == 0


@pytest.mark.parametrize(
    "value",
    [
        "138****5678",
        "+86 138****5678",
        "1101**********1234",
        "z***@example.com",
        "L0000013812",
        "loan:L000123",
        "2026-03-04T14:05:00+08:00",
        "a" * 64,
        "张*",
    ],
)
def test_masked_values_and_refs_are_accepted(value: str) -> None:
    audit._check_no_pii(audit.jsonable({"v": value}))


def test_field_limits(db: Database) -> None:
    with pytest.raises(ValueError), db.transaction() as s:
        audit.append(s, actor="", action="x", entity="y", payload={})
    with pytest.raises(ValueError), db.transaction() as s:
        audit.append(s, actor="a", action="x" * 65, entity="y", payload={})
