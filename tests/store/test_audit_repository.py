"""Audit storage (store/repositories/audit.py): on PostgreSQL the head is locked, the entry
hashed, stored and the head moved in ONE statement; the chain is the same as the one computed
in Python (audit.chain_hash) and never forks under concurrency, with rollbacks."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

from faircollect import audit
from faircollect.store.db import Database
from faircollect.store.repositories import audit as repo

ODD = '用户:张三 "quoted" \\ back \u2028 \x01 𝄞'


def _verify(db: Database) -> audit.VerifyResult:
    with db.transaction(snapshot=True) as s:
        return audit.verify(s)


def test_one_statement_append_matches_the_python_chain(db: Database) -> None:
    with db.transaction() as s:
        e1 = audit.append(s, actor=ODD, action="测试", entity=f"loan:{ODD}", payload={"k": ODD})
        e2 = audit.append(s, actor="a", action="b", entity="c", payload={})
    assert (e1.seq, e2.seq) == (1, 2) and e2.prev_hash == e1.hash
    assert e1.hash == audit.chain_hash(
        prev_hash=audit.GENESIS_HASH,
        seq=1,
        at=e1.at,
        actor=ODD,
        action="测试",
        entity=f"loan:{ODD}",
        payload_digest=audit.payload_digest({"k": ODD}),
    )
    result = _verify(db)
    assert result.ok and result.checked == 2 and result.head_hash == e2.hash


def test_append_linked_is_postgresql_only(db: Database) -> None:
    with db.transaction() as s:
        got = repo.append_linked(
            s,
            at=datetime(2026, 3, 4, tzinfo=UTC),
            actor="a",
            action="b",
            entity="c",
            payload={},
            payload_digest=audit.payload_digest({}),
            hash_tail='"2026-03-04T00:00:00.000000+00:00","a","b","c","x"]',
        )
    if db.dialect == "postgresql":
        assert got is not None and got.seq == 1 and got.prev_hash == audit.GENESIS_HASH
    else:
        assert got is None


def test_concurrent_appends_with_rollbacks_never_fork(db: Database) -> None:
    errors: list[BaseException] = []
    committed = [0] * 8

    def worker(k: int) -> None:
        rng = random.Random(k)
        for i in range(15):
            try:
                with db.transaction(immediate=True) as s:
                    audit.append(s, actor=f"w{k}", action="tick", entity="e", payload={"i": i})
                    if rng.random() < 0.2:
                        raise KeyError("roll back")
                committed[k] += 1
            except KeyError:
                pass
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = _verify(db)
    assert result.ok and result.checked == sum(committed) > 0
