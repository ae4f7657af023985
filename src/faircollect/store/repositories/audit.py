"""Storage of the hash-chained audit log (the chain logic is in faircollect/audit.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, TextClause, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from ..tables import AuditEvent, AuditHead
from . import _fast

__all__ = [
    "GENESIS_HASH",
    "HEAD_ID",
    "AuditRow",
    "HeadState",
    "append",
    "append_linked",
    "count",
    "for_entity",
    "head",
    "iterate",
    "linked_statement",
    "lock_head",
]

HEAD_ID = 1
GENESIS_HASH = "0" * 64


class AuditRow(NamedTuple):
    """A stored entry as plain values (not tracked by the session)."""

    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    payload: Any
    payload_digest: str
    prev_hash: str
    hash: str


class HeadState:
    """The locked head as plain values (``seq``, ``hash``); `append` moves it."""

    __slots__ = ("hash", "seq")

    def __init__(self, seq: int, hash: str) -> None:
        self.seq = seq
        self.hash = hash


# built once: every audited action goes through these (Core, no unit of work: the head row
# stays locked for as short a time as possible)
_LOCK_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID).with_for_update()
_INSERT_HEAD = insert(AuditHead)
_INSERT_EVENT = insert(AuditEvent)
_MOVE_HEAD = (
    update(AuditHead)
    .where(AuditHead.id == HEAD_ID)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_EVENT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "entity",
    "payload",
    "payload_digest",
    "prev_hash",
    "hash",
)
# PostgreSQL: the entry and the head move in ONE statement (a data-modifying CTE): the head
# row stays locked for one round trip less
_APPEND_AND_MOVE = _MOVE_HEAD.add_cte(
    insert(AuditEvent)
    .values({c: bindparam(c, type_=AuditEvent.__table__.c[c].type) for c in _EVENT_COLUMNS})
    .cte("appended")
)


def lock_head(session: Session) -> HeadState:
    """The head (seq, hash), locked for the rest of the transaction (FOR UPDATE on
    PostgreSQL; on SQLite the caller's write transaction serialises). Seeds the genesis head
    if missing."""
    conn = session.connection()
    row = conn.execute(_LOCK_HEAD).first()
    if row is not None:
        return HeadState(int(row[0]), str(row[1]))
    conn.execute(_INSERT_HEAD, {"id": HEAD_ID, "seq": 0, "hash": GENESIS_HASH})
    return HeadState(0, GENESIS_HASH)


# PostgreSQL: lock the head, hash, store the entry and move the head in ONE statement, so that
# the head row (which every audited transaction waits for) is held for as short a time as
# possible: no round trip and no Python between taking the lock and the caller's COMMIT. The
# chain hash is sha256 of canonical_json([prev_hash, seq, at, actor, action, entity,
# digest]); the caller passes everything after "seq," (`hash_tail`) and checks the result.
# Under READ COMMITTED the locking CTE returns the head as the previous holder committed it,
# and the UPDATE moves that latest version (we hold its lock). Anything unexpected fails
# loudly, never forks: seq is the primary key, an UPDATE that moved nothing returns no row.
_LINKED_HEAD = """
h AS (
    SELECT seq + 1 AS seq, hash AS prev_hash,
           encode(sha256(convert_to(
               '["' || hash || '",' || CAST(seq + 1 AS TEXT) || ',' || :hash_tail, 'UTF8'
           )), 'hex') AS hash
    FROM audit_head WHERE id = :head_id
    FOR UPDATE
)"""
_LINKED_REST = """
ins AS (
    INSERT INTO audit_events
        (seq, at, actor, action, entity, payload, payload_digest, prev_hash, hash)
    SELECT seq, :at, :actor, :action, :entity, :payload, :payload_digest, prev_hash, hash
    FROM h
    RETURNING seq, prev_hash, hash
)
UPDATE audit_head SET seq = ins.seq, hash = ins.hash
FROM ins
WHERE audit_head.id = :head_id
RETURNING ins.seq, ins.prev_hash, ins.hash
"""
_LINKED_BINDS = (
    bindparam("at", type_=AuditEvent.__table__.c.at.type),
    bindparam("payload", type_=AuditEvent.__table__.c.payload.type),
)
_LINKED_NAMES = frozenset(
    {"at", "actor", "action", "entity", "payload", "payload_digest", "hash_tail", "head_id"}
)
_APPEND_LINKED = text(f"WITH {_LINKED_HEAD}, {_LINKED_REST}").bindparams(*_LINKED_BINDS)


def linked_statement(ctes: str, *binds: BindParameter[Any]) -> TextClause:
    """The one-statement append (PostgreSQL) that ALSO runs the data-modifying CTEs `ctes`
    (``"name AS (INSERT ... VALUES (:p ...))"``, typed `binds`): the caller's own write and
    the audit entry about it in one round trip (`append_linked(..., also=...)`). Their
    parameters must not use the append's names (at, actor, action, entity, payload,
    payload_digest, hash_tail, head_id). A data-modifying CTE always runs to completion, even
    when the head is missing and the append itself returns nothing."""
    clash = _LINKED_NAMES & {b.key for b in binds}
    if clash:
        raise ValueError(f"parameter names reserved by the audit append: {sorted(clash)}")
    return text(f"WITH {ctes}, {_LINKED_HEAD}, {_LINKED_REST}").bindparams(*_LINKED_BINDS, *binds)


class Linked(NamedTuple):
    seq: int
    prev_hash: str
    hash: str


def append_linked(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    payload: Any,
    payload_digest: str,
    hash_tail: str,
    also: tuple[TextClause, Mapping[str, Any]] | None = None,
) -> Linked | None:
    """PostgreSQL: append in one statement (see `_APPEND_LINKED`) and return the stored seq,
    prev_hash and hash; None on other databases (use `lock_head` and `append`; nothing is
    executed). Seeds the genesis head if missing. `hash_tail`: the canonical JSON of ``[at,
    actor, action, entity, payload_digest]`` without its opening bracket. `also`: a statement
    from `linked_statement` and its own parameters, run as that one statement."""
    conn = _fast.connection(session)
    if conn.dialect.name != "postgresql":
        return None
    params = {
        "head_id": HEAD_ID,
        "at": at,
        "actor": actor,
        "action": action,
        "entity": entity,
        "payload": payload,
        "payload_digest": payload_digest,
        "hash_tail": hash_tail,
    }
    found = (
        _fast.rows(conn, _APPEND_LINKED, params)
        if also is None
        else _fast.rows(conn, also[0], {**also[1], **params})
    )
    if not found:  # (the CTEs of `also` did run: the retry is the plain append)
        if conn.execute(_LOCK_HEAD).first() is not None:  # pragma: no cover - never seen
            raise RuntimeError("audit head did not move: entry not appended")
        conn.execute(_INSERT_HEAD, {"id": HEAD_ID, "seq": 0, "hash": GENESIS_HASH})
        found = _fast.rows(conn, _APPEND_LINKED, params)
        if not found:  # pragma: no cover - the head was just created in this transaction
            raise RuntimeError("audit head did not move")
    row = found[0]
    return Linked(int(row[0]), str(row[1]), str(row[2]))


def head(session: Session) -> AuditHead | None:
    return session.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID))


def append(session: Session, event: AuditEvent | AuditRow, locked_head: HeadState) -> None:
    """Store `event` and move the head to it (the caller computed seq and hashes)."""
    if event.seq != locked_head.seq + 1 or event.prev_hash != locked_head.hash:
        raise ValueError("audit event does not extend the head")
    conn = session.connection()
    values = {c: getattr(event, c) for c in _EVENT_COLUMNS}
    if conn.dialect.name == "postgresql":
        conn.execute(_APPEND_AND_MOVE, {**values, "new_seq": event.seq, "new_hash": event.hash})
    else:
        conn.execute(_INSERT_EVENT, values)
        conn.execute(_MOVE_HEAD, {"new_seq": event.seq, "new_hash": event.hash})
    locked_head.seq = event.seq
    locked_head.hash = event.hash


_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.at,
    AuditEvent.actor,
    AuditEvent.action,
    AuditEvent.entity,
    AuditEvent.payload,
    AuditEvent.payload_digest,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


def iterate(session: Session, *, after_seq: int = 0, batch_size: int = 1000) -> Iterator[AuditRow]:
    """Every entry in seq order, fetched in keyset-paginated batches (bounded memory)."""
    last = after_seq
    while True:
        stmt = select(*_COLUMNS).where(AuditEvent.seq > last).order_by(AuditEvent.seq)
        rows = session.execute(stmt.limit(batch_size)).all()
        for r in rows:
            yield AuditRow(*r)
        if len(rows) < batch_size:
            return
        last = rows[-1][0]


def for_entity(session: Session, entity: str, *, limit: int = 100) -> list[AuditEvent]:
    """The latest entries about one entity (newest first)."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity == entity)
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
