"""The outbox dispatcher against real local providers (aiosmtpd, HTTP): sends, retries with
backoff, dead-letters, cancels after opt-outs, and never double-sends with concurrent
dispatchers (SKIP LOCKED on PostgreSQL, immediate transactions on SQLite)."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from faircollect.contacts import contact_points, gate, messages
from faircollect.contacts.adapters.base import OutboundMessage
from faircollect.contacts.adapters.push import PushWebhookAdapter
from faircollect.contacts.adapters.sms_http import SmsHttpAdapter
from faircollect.contacts.adapters.smtp import SmtpAdapter
from faircollect.contacts.dispatcher import Dispatcher, backoff
from faircollect.store.repositories import outbox as outbox_repo
from faircollect.store.tables import AuditEvent, ContactEvent, ContactPoint, OutboxMessage
from tests.contacts.conftest import SYSTEM
from tests.contacts.servers import HttpProvider, SmtpServer

CN_DAY = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


@pytest.fixture
def closing():
    items: list[Dispatcher] = []
    yield items
    for d in items:
        d.close()


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


def queue(db, vault, d, channel="sms", n=1, now=CN_DAY):
    ids = []
    for i in range(n):
        with gate.transaction(db) as s:
            r = messages.send(
                s,
                vault,
                scope=SYSTEM,
                actor="t",
                loan_ref=d.loan_ref,
                channel=channel,
                template="reminder",
                now=now + timedelta(seconds=i),
            )
        assert r.allowed, r.attempt.violations
        ids.append(r.message_id)
    return ids


def statuses(db):
    with db.transaction() as s:
        return {m.id: m.status for m in s.scalars(select(OutboxMessage))}


def test_sends_sms_email_and_push_with_keys(db, vault, make):
    d = make()
    with HttpProvider() as sms, HttpProvider() as push, SmtpServer() as smtp:
        ids = queue(db, vault, d, "sms") + queue(db, vault, d, "email") + queue(db, vault, d, "app")
        adapters = {
            "sms": SmsHttpAdapter(sms.url, token="t0k"),
            "email": SmtpAdapter("127.0.0.1", smtp.port, sender="ops@acme.test"),
            "app": PushWebhookAdapter(push.url, secret="s3cret"),
        }
        stats = Dispatcher(db, vault, adapters, now=Clock(CN_DAY)).run(once=True)
        assert stats.sent == 3 and stats.claimed == 3
        with db.transaction() as s:
            msgs = {m.channel: m for m in s.scalars(select(OutboxMessage))}
            keys = {ch: m.idempotency_key for ch, m in msgs.items()}
            assert all(m.status == "sent" and m.attempts == 1 for m in msgs.values())
            assert {s.get(ContactEvent, m.contact_event_id).outcome for m in msgs.values()} == {
                "sent"
            }
            sent = s.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.sent")).all()
            assert sorted(a.payload["message_id"] for a in sent) == sorted(ids)
        assert list(sms.by_key) == [keys["sms"]] and sms.headers[0]["Authorization"] == "Bearer t0k"
        assert sms.by_key[keys["sms"]]["to"] == d.phone
        assert sms.by_key[keys["sms"]]["text"].endswith("回复TD退订")
        assert list(push.by_key) == [keys["app"]]
        assert push.headers[0]["X-Faircollect-Signature"].startswith("sha256=")
        mail = smtp.by_key[keys["email"]]
        assert mail["to"] == ["debtor@example.com"] and "还款提醒" in mail["subject"]
        assert msgs["email"].provider_message_id == mail["message_id"]


def test_transient_failures_back_off_then_succeed(db, vault, make, closing):
    d = make()
    clock = Clock(CN_DAY)
    with HttpProvider(fail_first=2) as sms:
        queue(db, vault, d)
        disp = Dispatcher(
            db,
            vault,
            {"sms": SmsHttpAdapter(sms.url)},
            now=clock,
            backoff_base=timedelta(seconds=30),
            rng=random.Random(1),
        )
        closing.append(disp)
        assert disp.run_once().retried == 1
        with db.transaction() as s:
            m = s.scalars(select(OutboxMessage)).one()
            assert m.status == "pending" and m.attempts == 1 and "503" in m.last_error
            first_delay = m.next_attempt_at - CN_DAY
        assert timedelta(seconds=15) <= first_delay <= timedelta(seconds=30)
        assert disp.run_once().claimed == 0  # not due yet
        clock.t += timedelta(minutes=5)
        assert disp.run_once().retried == 1
        clock.t += timedelta(minutes=5)
        assert disp.run_once().sent == 1
        with db.transaction() as s:
            assert s.scalars(select(OutboxMessage)).one().attempts == 3
        assert sms.requests == 3 and sms.duplicates == 0


def test_backoff_grows_and_is_capped():
    rng = random.Random(7)
    base, cap = timedelta(seconds=10), timedelta(minutes=10)
    delays = [backoff(n, base, cap, rng) for n in range(1, 12)]
    for n, dly in enumerate(delays, start=1):
        raw = min(10 * 2 ** (n - 1), 600)
        assert raw / 2 <= dly.total_seconds() <= raw


def test_dead_letter_after_max_attempts(db, vault, make, closing):
    d = make()
    clock = Clock(CN_DAY)
    with HttpProvider(fail_first=100) as sms:
        queue(db, vault, d)
        disp = Dispatcher(db, vault, {"sms": SmsHttpAdapter(sms.url)}, now=clock, max_attempts=3)
        closing.append(disp)
        for _ in range(3):
            disp.run_once()
            clock.t += timedelta(hours=2)
        with db.transaction() as s:
            m = s.scalars(select(OutboxMessage)).one()
            assert (m.status, m.attempts) == ("dead", 3)
            assert s.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.dead")).one()
        assert disp.run_once().claimed == 0 and sms.requests == 3


def test_invalid_number_dead_letters_and_invalidates_the_point(db, vault, make):
    d = make()
    with HttpProvider(invalid=frozenset({d.phone})) as sms:
        queue(db, vault, d)
        with Dispatcher(db, vault, {"sms": SmsHttpAdapter(sms.url)}, now=Clock(CN_DAY)) as disp:
            assert disp.run_once().dead == 1
    with db.transaction() as s:
        assert s.get(ContactPoint, d.phone_point).status == "invalid"
        m = s.scalars(select(OutboxMessage)).one()
        assert s.get(ContactEvent, m.contact_event_id).outcome == "bounced"


def test_smtp_refusal_is_permanent(db, vault, make):
    d = make()
    with SmtpServer(refuse=frozenset({"debtor@example.com"})) as smtp:
        queue(db, vault, d, "email")
        a = SmtpAdapter("127.0.0.1", smtp.port, sender="ops@acme.test")
        with Dispatcher(db, vault, {"email": a}, now=Clock(CN_DAY)) as disp:
            assert disp.run_once().dead == 1
    with db.transaction() as s:
        assert s.get(ContactPoint, d.email_point).status == "invalid"


def test_opt_out_after_queueing_cancels(db, vault, make):
    d = make()
    with HttpProvider() as sms:
        queue(db, vault, d, n=2)
        with db.transaction() as s:  # e.g. an inbound STOP between queueing and sending
            _, cancelled = contact_points.opt_out(
                s,
                actor="t",
                contact_point_id=d.phone_point,
                channel="sms",
                reason="STOP",
                now=CN_DAY,
            )
        assert len(cancelled) == 2
        with Dispatcher(db, vault, {"sms": SmsHttpAdapter(sms.url)}, now=Clock(CN_DAY)) as disp:
            assert disp.run_once().claimed == 0
        assert sms.requests == 0
    assert set(statuses(db).values()) == {"cancelled"}


def test_expired_lease_is_taken_over_and_provider_dedupes(db, vault, make, closing):
    """A dispatcher that died after the provider accepted (before recording it) leaves the
    message in flight; after the lease another dispatcher sends it again with the same key."""
    d = make()
    clock = Clock(CN_DAY)
    with HttpProvider() as sms:
        queue(db, vault, d)
        with db.transaction(immediate=True) as s:  # claim, send, then die before recording
            (m,) = outbox_repo.claim(
                s,
                now=clock.t,
                lease_until=clock.t + timedelta(seconds=30),
                worker="dead-worker",
                limit=10,
            )
        lost = SmsHttpAdapter(sms.url)
        assert lost.send(
            OutboundMessage(key=m.idempotency_key, channel="sms", recipient=d.phone, body="x")
        ).ok
        lost.close()
        other = Dispatcher(db, vault, {"sms": SmsHttpAdapter(sms.url)}, now=clock)
        closing.append(other)
        assert other.run_once().claimed == 0  # lease still held
        clock.t += timedelta(seconds=31)
        assert other.run_once().sent == 1
        assert len(sms.raw) == 2 and len(sms.by_key) == 1  # delivered once, after dedupe


def test_concurrent_dispatchers_never_double_send(db, vault, make):
    d = make()
    with HttpProvider(delay=0.005) as sms:
        with gate.transaction(db) as s:
            for i in range(40):
                messages.send(
                    s,
                    vault,
                    scope=SYSTEM,
                    actor="t",
                    loan_ref=d.loan_ref,
                    channel="sms",
                    template="reminder",
                    now=CN_DAY + timedelta(seconds=i),
                )
        clock = Clock(CN_DAY + timedelta(minutes=1))
        results = []

        def run() -> None:
            disp = Dispatcher(db, vault, {"sms": SmsHttpAdapter(sms.url)}, now=clock, batch=5)
            results.append(disp.run(once=True))

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(r.sent for r in results) == 40
        assert len(sms.raw) == 40 and sms.duplicates == 0
    assert set(statuses(db).values()) == {"sent"}


def test_a_late_retry_is_judged_again_and_deferred_out_of_quiet_hours(db, vault, make, closing):
    """Queued at 21:55 in Shanghai, the provider fails; at 22:30 the rules say no (quiet
    hours): the message waits until 08:00 and the deferral does not count as a send."""
    d = make()
    evening = datetime(2026, 3, 4, 13, 55, tzinfo=UTC)  # 21:55 in Shanghai
    clock = Clock(evening)
    with HttpProvider(fail_first=1) as sms:
        queue(db, vault, d, now=evening)
        disp = Dispatcher(
            db,
            vault,
            {"sms": SmsHttpAdapter(sms.url)},
            now=clock,
            backoff_base=timedelta(minutes=20),
            rng=random.Random(3),
        )
        closing.append(disp)
        assert disp.run_once().retried == 1
        clock.t = datetime(2026, 3, 4, 14, 30, tzinfo=UTC)  # 22:30
        stats = disp.run_once()
        assert stats.deferred == 1 and stats.sent == 0 and sms.requests == 1
        with db.transaction() as s:
            m = s.scalars(select(OutboxMessage)).one()
            assert m.status == "pending" and m.attempts == 1 and "CN:quiet-hours" in m.last_error
            assert m.next_attempt_at == datetime(2026, 3, 5, 0, 0, tzinfo=UTC)  # 08:00
        clock.t = datetime(2026, 3, 5, 0, 1, tzinfo=UTC)
        assert disp.run_once().sent == 1
        with db.transaction() as s:
            assert s.scalars(select(OutboxMessage)).one().attempts == 2


def test_a_hold_after_queueing_cancels_at_send_time(db, vault, make, closing):
    from faircollect.store.tables import Loan

    d = make()
    clock = Clock(CN_DAY + timedelta(minutes=30))
    with HttpProvider() as sms:
        queue(db, vault, d)
        with db.transaction() as s:
            s.get(Loan, d.loan_id).hold_reason = "complaint"
        disp = Dispatcher(db, vault, {"sms": SmsHttpAdapter(sms.url)}, now=clock)
        closing.append(disp)
        assert disp.run_once().cancelled == 1 and sms.requests == 0
    with db.transaction() as s:
        m = s.scalars(select(OutboxMessage)).one()
        assert m.status == "cancelled" and "faircollect:collection-hold" in m.last_error
