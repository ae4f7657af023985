"""Hash-chained, append-only audit log.

Every entry ``n`` stores ``prev_hash`` (the hash of entry ``n-1``; 64 zeros for entry 1) and

    payload_digest = sha256_hex(canonical_json(payload))
    hash           = sha256_hex(canonical_json([prev_hash, seq, at, actor, action, entity,
                                                payload_digest]))

where ``canonical_json`` is JSON with sorted keys, no whitespace (``","`` and ``":"``
separators), non-ASCII characters as themselves, UTF-8 encoded, NaN/Infinity refused; ``at`` is
the entry's UTC instant as ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``. Before hashing, payload values
are made JSON-native: Decimal -> ``str(d)``, date -> ISO date, aware datetime -> ISO UTC as
above, Money -> ``"12.34 CNY"``, Enum -> its value, tuple/list -> list, set -> sorted list;
keys must be strings. The stored payload is exactly that JSON-native form, so `verify` can
recompute every digest from the table alone.

`append` runs inside the caller's transaction: it locks the single ``audit_head`` row
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite open the transaction with
``Database.transaction(immediate=True)`` - a deferred one is still safe, SQLite refuses a stale
writer, but may fail with "database is locked" under contention), so sequence numbers never
fork. On PostgreSQL the lock, the chain hash (sha256 computed by the database from the same
canonical form, then re-checked here), the insert and the head move are ONE statement: the
head - which every audited transaction waits for - is held from that statement to COMMIT only.
There ``at`` is read just before that statement (on SQLite, once the head is locked).
`verify` detects an edited payload or field, a deleted entry, reordered entries and a
truncated tail (the head row disagrees with the last entry). Anchor the head hash outside the
database (print it with ``faircollect audit verify``) to also detect a full rewrite.

**No PII in payloads.** Use refs (``loan_ref``, ``borrower_ref``), ids and masked values
(`vault.mask_phone` ...). `append` refuses payload strings that look like an unmasked mobile
number, E.164 number, Chinese resident ID number or e-mail address (`PIIInPayload`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple

from faircollect import clock
from faircollect.money import Money
from faircollect.store.db import Session
from faircollect.store.repositories import audit as repo
from faircollect.store.repositories.audit import AuditRow
from faircollect.store.tables import AuditEvent

__all__ = [
    "GENESIS_HASH",
    "AuditEvent",
    "AuditRow",
    "PIIInPayload",
    "VerifyResult",
    "append",
    "canonical_json",
    "chain_hash",
    "jsonable",
    "payload_digest",
    "verify",
]

GENESIS_HASH = repo.GENESIS_HASH
_LIMITS = {"actor": 128, "action": 64, "entity": 128}


class PIIInPayload(ValueError):
    """An audit payload carried what looks like clear-text PII."""


class VerifyResult(NamedTuple):
    ok: bool
    checked: int  # entries verified before the first break (all of them when ok)
    first_broken_seq: int | None
    reason: str | None
    head_hash: str | None = None


# ---------------------------------------------------------------------------------------
# canonical form
# ---------------------------------------------------------------------------------------
def _iso_utc(dt: datetime) -> str:
    return clock.to_utc(dt).isoformat(timespec="microseconds")


def jsonable(value: Any) -> Any:
    """The JSON-native form of a payload value (see the module docstring)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("NaN/Infinity cannot go into an audit payload")
        return value
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return _iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"audit payload keys must be strings, got {k!r}")
            out[k] = jsonable(v)
        return out
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=canonical_json)
    raise TypeError(f"cannot put {type(value).__name__} into an audit payload")


def canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def payload_digest(payload: Any) -> str:
    return _sha256(canonical_json(jsonable(payload)))


def chain_hash(
    *,
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    payload_digest: str,
) -> str:
    return _sha256(
        canonical_json([prev_hash, seq, _iso_utc(at), actor, action, entity, payload_digest])
    )


# ---------------------------------------------------------------------------------------
# PII guard
# ---------------------------------------------------------------------------------------
_PII_PATTERNS = (
    (
        "a mobile number",
        re.compile(r"(?<![\w*])(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![\w*])"),
    ),
    ("a phone number", re.compile(r"(?<![\w*])\+\d[\d\s-]{7,17}\d(?![\w*])")),
    ("an id number", re.compile(r"(?<![\w*])\d{17}[\dXx](?![\w*])")),
    ("an e-mail address", re.compile(r"(?<![\w.*])[\w.+-]*[\w+-]@[\w-]+(?:\.[\w-]+)+")),
)


# one search per string (the patterns above as one alternation); which pattern matched is
# found only when one did. No pattern matches fewer than 5 characters ("a@b.c").
_ANY_PII = re.compile("|".join(f"(?:{p.pattern})" for _, p in _PII_PATTERNS))
_MIN_PII_LEN = 5


class _PIIFound(Exception):
    pass


def _generic(value: Any) -> Any:
    out = jsonable(value)
    _check_no_pii(out)
    return out


def _native(value: Any) -> Any:
    """`jsonable(value)` and the PII check of `_check_no_pii` in ONE walk (exact builtin
    types take the fast path, anything else goes through `jsonable`); raises `_PIIFound`
    (the caller re-runs `_check_no_pii` for the message)."""
    t = type(value)
    if t is str:
        if len(value) >= _MIN_PII_LEN and _ANY_PII.search(value) is not None:
            raise _PIIFound
        return value
    if value is None or t is int or t is bool:
        return value
    if t is dict:
        out: dict[str, Any] = {}
        for k, v in value.items():
            if type(k) is not str:
                return _generic(value)
            out[k] = _native(v)
        return out
    if t is list or t is tuple:
        return [_native(v) for v in value]
    try:
        return _generic(value)
    except PIIInPayload:
        raise _PIIFound from None


def _checked_payload(payload: Mapping[str, Any]) -> Any:
    """The JSON-native payload, refused when it carries clear-text PII."""
    try:
        return _native(payload)
    except _PIIFound:
        _check_no_pii(jsonable(payload))  # raises PIIInPayload with the path
        raise AssertionError("unreachable") from None


def _check_no_pii(value: Any, path: str = "payload") -> None:
    if isinstance(value, str):
        if len(value) < _MIN_PII_LEN or _ANY_PII.search(value) is None:
            return
        for what, pattern in _PII_PATTERNS:
            if pattern.search(value):
                raise PIIInPayload(
                    f"{path} looks like {what} in clear text: audit payloads carry refs and "
                    "masked values only (vault.mask_*)"
                )
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_no_pii(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_no_pii(v, f"{path}[{i}]")


# ---------------------------------------------------------------------------------------
# append and verify
# ---------------------------------------------------------------------------------------
def append(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    payload: Mapping[str, Any],
    also: tuple[Any, Mapping[str, Any]] | None = None,
) -> AuditRow:
    """Append one entry in the caller's transaction and return it as stored (plain values:
    ``seq``, ``at``, ``actor``, ``action``, ``entity``, ``payload``, ``payload_digest``,
    ``prev_hash``, ``hash``; not an ORM object).

    `also` (PostgreSQL only: ValueError elsewhere, before anything is written): the caller's
    own insert as a statement from `store.repositories.audit.linked_statement` and its
    parameters, run in the SAME statement as the append (one round trip less; e.g. the
    contact gate's event row and its audit entry)."""
    for name, text in (("actor", actor), ("action", action), ("entity", entity)):
        if not text or len(text) > _LIMITS[name]:
            raise ValueError(f"audit {name} must be 1..{_LIMITS[name]} characters")
    if not isinstance(payload, Mapping):
        raise TypeError("an audit payload is a mapping")
    body = _checked_payload(payload)
    digest = _sha256(canonical_json(body))
    at = clock.now().astimezone(UTC)
    # PostgreSQL: lock, hash, insert and move the head in one statement (the head is every
    # audited transaction's bottleneck); the hash is checked here against the formula
    tail = canonical_json([_iso_utc(at), actor, action, entity, digest])[1:]
    linked = repo.append_linked(
        session,
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        payload=body,
        payload_digest=digest,
        hash_tail=tail,
        also=also,
    )
    if linked is None and also is not None:
        raise ValueError("audit.append(also=...) needs PostgreSQL")
    if linked is not None:
        expected = chain_hash(
            prev_hash=linked.prev_hash,
            seq=linked.seq,
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            payload_digest=digest,
        )
        if linked.hash != expected:
            raise RuntimeError("audit chain hash computed by the database disagrees")
        return AuditRow(
            linked.seq, at, actor, action, entity, body, digest, linked.prev_hash, linked.hash
        )
    head = repo.lock_head(session)
    seq = head.seq + 1
    at = clock.now().astimezone(UTC)
    h = chain_hash(
        prev_hash=head.hash,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        payload_digest=digest,
    )
    event = AuditRow(seq, at, actor, action, entity, body, digest, head.hash, h)
    repo.append(session, event, head)
    return event


def verify(session: Session) -> VerifyResult:
    """Walk the chain from the genesis and check every link and the head."""

    def broken(seq: int, reason: str) -> VerifyResult:
        return VerifyResult(False, checked, seq, reason)

    checked = 0
    prev = GENESIS_HASH
    expected = 1
    for row in repo.iterate(session):
        if row.seq != expected:
            missing = expected if row.seq == expected + 1 else f"{expected}..{row.seq - 1}"
            return broken(expected, f"entry {missing} is missing (next entry is {row.seq})")
        if row.prev_hash != prev:
            return broken(
                row.seq,
                "prev_hash does not match the previous entry's hash "
                "(entry deleted, replaced or reordered)",
            )
        digest = payload_digest(row.payload)
        if digest != row.payload_digest:
            return broken(row.seq, "payload altered (digest mismatch)")
        h = chain_hash(
            prev_hash=row.prev_hash,
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            entity=row.entity,
            payload_digest=row.payload_digest,
        )
        if h != row.hash:
            return broken(row.seq, "entry altered (hash mismatch)")
        prev = row.hash
        expected += 1
        checked += 1
    last = expected - 1
    head = repo.head(session)
    if head is None:
        if last == 0:
            return VerifyResult(True, 0, None, None, GENESIS_HASH)
        return broken(last + 1, "audit head is missing")
    if head.seq > last:
        return broken(last + 1, f"chain truncated: head is at {head.seq}, last entry is {last}")
    if head.seq < last:
        return broken(
            head.seq + 1,
            f"entries after the head ({head.seq}): appended outside the chain or head rolled back",
        )
    if head.hash != prev:
        return broken(max(last, 1), "head hash does not match the last entry")
    return VerifyResult(True, checked, None, None, head.hash)
