"""The outbox dispatcher: claim due messages, send them through the channel adapters, record
the result. Run by `faircollect outbox run` and by a worker thread in `faircollect serve`.

Delivery is at-least-once: a message is claimed with a lease (``in_flight``), sent, then
marked ``sent`` in its own transaction. A dispatcher killed between the provider's "accepted"
and that commit leaves the message in flight; when the lease expires another (or the
restarted) dispatcher claims and sends it again WITH THE SAME idempotency key, which every
adapter passes to its provider. The effect is exactly-once only because providers deduplicate
by that key (the local test providers do, as real SMS/push APIs with idempotency keys and
mail systems deduplicating by Message-ID do); a provider that does not deduplicate may see
one duplicate per crash (at most the messages in flight at the moment of the crash).

Failures: a transient error is retried with exponential backoff and jitter
(``base * 2^(attempt-1)``, capped, then a random 50-100% of it); a permanent one (unknown
number, refused address) dead-letters at once and marks the contact point invalid when the
provider says the recipient does not exist; after ``max_attempts`` sends a message is dead.
Before sending, a message whose contact point became invalid or opted out of the channel since
it was queued is cancelled; a message queued more than `recheck_after` (10 minutes) ago is
judged again by the rules at the moment of sending (`gate.recheck`, nothing recorded): an
e-mail or SMS counts when sent, so a retry must not land in quiet hours or after a cease, a
dispute or a hold. Not allowed now but later: deferred to the next allowed time (the claim is
not counted as a send); not allowed at all: cancelled.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

from faircollect import audit, clock
from faircollect.store import pii
from faircollect.store.db import Database, Session
from faircollect.store.repositories import outbox as repo
from faircollect.vault import Vault

from . import contact_points, gate, outcomes
from .adapters.base import Adapter, OutboundMessage, SendOutcome

__all__ = ["DispatchStats", "Dispatcher", "backoff"]

log = logging.getLogger("faircollect.outbox")
ACTOR = "system:outbox"


class DispatchStats(NamedTuple):
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    cancelled: int = 0
    lost: int = 0  # lease taken over by another dispatcher before we recorded the result
    deferred: int = 0  # not allowed at this moment (e.g. quiet hours): put back until allowed

    def __add__(self, o: object) -> DispatchStats:  # type: ignore[override]
        assert isinstance(o, DispatchStats)
        return DispatchStats(*(a + b for a, b in zip(self, o, strict=True)))

    def to_json(self) -> dict[str, int]:
        return self._asdict()


def backoff(attempts: int, base: timedelta, cap: timedelta, rng: random.Random) -> timedelta:
    """Delay before the next try after `attempts` sends: exponential, capped, 50-100%."""
    raw = base.total_seconds() * (2 ** max(attempts - 1, 0))
    delay = min(raw, cap.total_seconds())
    return timedelta(seconds=delay * (0.5 + rng.random() / 2))


def default_worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(3)}"


class Dispatcher:
    def __init__(
        self,
        db: Database,
        vault: Vault,
        adapters: Mapping[str, Adapter],
        *,
        worker: str | None = None,
        batch: int = 50,
        max_attempts: int = 8,
        lease: timedelta = timedelta(seconds=60),
        backoff_base: timedelta = timedelta(seconds=30),
        backoff_cap: timedelta = timedelta(hours=1),
        now: Callable[[], datetime] = clock.now,
        rng: random.Random | None = None,
        after_send: Callable[[int, SendOutcome], None] | None = None,
        recheck_after: timedelta = timedelta(minutes=10),
    ) -> None:
        if batch < 1 or max_attempts < 1:
            raise ValueError("batch and max_attempts must be at least 1")
        self.db, self.vault, self.adapters = db, vault, dict(adapters)
        self.worker = worker or default_worker_id()
        self.batch, self.max_attempts, self.lease = batch, max_attempts, lease
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.now = now
        self.rng = rng or random.Random()
        self.after_send = after_send
        self.recheck_after = recheck_after

    # -- one batch --------------------------------------------------------------------------
    def run_once(self) -> DispatchStats:
        if not self.adapters:
            return DispatchStats()
        at = self.now()
        with self.db.transaction(immediate=True) as s:
            claimed = repo.claim(
                s,
                now=at,
                lease_until=at + self.lease,
                worker=self.worker,
                limit=self.batch,
                channels=sorted(self.adapters),
            )
            ready, cancelled, dead, deferred = self._screen(s, claimed, at)
        stats = DispatchStats(
            claimed=len(claimed), cancelled=cancelled, dead=dead, deferred=deferred
        )
        for m in ready:
            stats = stats + self._deliver(m)
        return stats

    def close(self) -> None:
        for a in self.adapters.values():
            a.close()

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _screen(
        self, s: Session, claimed: list[repo.Claimed], at: datetime
    ) -> tuple[list[repo.Claimed], int, int, int]:
        """Drop messages whose contact point can no longer be used, and those that used up
        their attempts (a message that keeps crashing dispatchers)."""
        points = repo.point_states(
            s, [m.contact_point_id for m in claimed if m.contact_point_id is not None]
        )
        ready: list[repo.Claimed] = []
        cancelled = dead = deferred = 0
        for m in claimed:
            p = points.get(m.contact_point_id or -1)
            reason = None
            if p is not None and p.status == "invalid":
                reason = "contact point invalid"
            elif p is not None and m.channel in p.opted_out_channels:
                reason = f"contact point opted out of {m.channel}"
            if (
                reason is None
                and m.contact_event_id is not None
                and (at - m.created_at > self.recheck_after)
            ):
                chk = gate.recheck(s, event_id=m.contact_event_id, now=at, vault=self.vault)
                if chk is not None and not chk.allowed:
                    rules = ", ".join(v.rule for v in chk.violations)
                    if chk.next_allowed_at is not None:
                        repo.defer(
                            s,
                            m.id,
                            worker=self.worker,
                            next_at=chk.next_allowed_at,
                            reason=f"not allowed now ({rules})",
                            now=at,
                        )
                        audit.append(
                            s,
                            actor=ACTOR,
                            action="outbox.defer",
                            entity=f"message:{m.id}",
                            payload={
                                "message_id": m.id,
                                "rules": rules,
                                "until": chk.next_allowed_at,
                            },
                        )
                        deferred += 1
                        continue
                    reason = f"no longer allowed ({rules})"
            if reason is not None:
                repo.mark_cancelled(s, m.id, reason=reason, now=at, worker=self.worker)
                audit.append(
                    s,
                    actor=ACTOR,
                    action="outbox.cancel",
                    entity=f"message:{m.id}",
                    payload={"message_id": m.id, "reason": reason},
                )
                cancelled += 1
            elif m.attempts > self.max_attempts:
                repo.mark_dead(s, m.id, worker=self.worker, error="attempts exhausted", now=at)
                audit.append(
                    s,
                    actor=ACTOR,
                    action="outbox.dead",
                    entity=f"message:{m.id}",
                    payload={
                        "message_id": m.id,
                        "attempts": m.attempts - 1,
                        "error": "attempts exhausted",
                    },
                )
                dead += 1
            else:
                ready.append(m)
        return ready, cancelled, dead, deferred

    def _deliver(self, m: repo.Claimed) -> DispatchStats:
        adapter = self.adapters[m.channel]
        msg = OutboundMessage(
            key=m.idempotency_key,
            channel=m.channel,
            recipient=self.vault.decrypt(m.recipient_enc, field=pii.OUTBOX_RECIPIENT),
            body=self.vault.decrypt(m.body_enc, field=pii.OUTBOX_BODY),
            subject=self.vault.decrypt_optional(m.subject_enc, field=pii.OUTBOX_SUBJECT),
            message_id=m.id,
        )
        try:
            result = adapter.send(msg)
        except Exception as e:  # an adapter bug must not kill the dispatcher
            log.exception("adapter %s failed on message %s", m.channel, m.id)
            result = SendOutcome(False, error=f"adapter error: {type(e).__name__}")
        if self.after_send is not None:
            self.after_send(m.id, result)
        at = self.now()
        with self.db.transaction(immediate=True) as s:
            if result.ok:
                if not repo.mark_sent(
                    s, m.id, worker=self.worker, provider_id=result.provider_id, now=at
                ):
                    return DispatchStats(lost=1)
                if m.contact_event_id is not None:
                    outcomes.record_delivery(
                        s, event_id=m.contact_event_id, outcome="sent", actor=ACTOR, now=at
                    )
                audit.append(
                    s,
                    actor=ACTOR,
                    action="outbox.sent",
                    entity=f"message:{m.id}",
                    payload={
                        "message_id": m.id,
                        "channel": m.channel,
                        "attempts": m.attempts,
                        "attempt_id": m.contact_event_id,
                    },
                )
                return DispatchStats(sent=1)
            if result.permanent or m.attempts >= self.max_attempts:
                if not repo.mark_dead(s, m.id, worker=self.worker, error=result.error, now=at):
                    return DispatchStats(lost=1)
                if result.invalid_recipient and m.contact_point_id is not None:
                    contact_points.mark_invalid(
                        s,
                        actor=ACTOR,
                        contact_point_id=m.contact_point_id,
                        reason=f"{m.channel} provider: {result.error}",
                        now=at,
                    )
                if result.invalid_recipient and m.contact_event_id is not None:
                    outcomes.record_delivery(
                        s, event_id=m.contact_event_id, outcome="bounced", actor=ACTOR, now=at
                    )
                audit.append(
                    s,
                    actor=ACTOR,
                    action="outbox.dead",
                    entity=f"message:{m.id}",
                    payload={
                        "message_id": m.id,
                        "channel": m.channel,
                        "attempts": m.attempts,
                        "error": result.error,
                        "permanent": result.permanent,
                    },
                )
                return DispatchStats(dead=1)
            delay = backoff(m.attempts, self.backoff_base, self.backoff_cap, self.rng)
            if not repo.mark_retry(
                s, m.id, worker=self.worker, error=result.error, next_at=at + delay, now=at
            ):
                return DispatchStats(lost=1)
            return DispatchStats(retried=1)

    # -- loop -------------------------------------------------------------------------------
    def run(
        self, *, stop: threading.Event | None = None, once: bool = False, idle: float = 1.0
    ) -> DispatchStats:
        """Dispatch until `stop` is set (or, with `once`, until nothing is due)."""
        total = DispatchStats()
        ev = stop or threading.Event()
        try:
            while not ev.is_set():
                try:
                    stats = self.run_once()
                except Exception:
                    if once:
                        raise
                    log.exception("outbox dispatch failed; retrying")
                    ev.wait(idle)
                    continue
                total = total + stats
                if stats.claimed == 0:
                    if once:
                        break
                    ev.wait(idle)
        finally:
            self.close()
        return total
