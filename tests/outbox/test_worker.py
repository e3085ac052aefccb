"""The worker's guarantees: sent once and recorded; a crash between sending and recording
resends once with the same key; a failing provider is retried with backoff, then the
message fails; two workers never send one message twice (real threads, both databases)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engage.outbox import worker
from engage.outbox.adapters import AliyunSms, FileBackend, SendResult
from engage.outbox.models import OutboxMessage
from engage.outbox.services import send_sms
from engage.outbox.worker import deliver_due
from tests.factories import together
from tests.outbox.conftest import POLICY, lines

NOON = datetime(2030, 1, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, after every message was queued


def queue(db, count: int = 1) -> list[int]:
    ids = [
        send_sms(db.session, to=f"1380000{n:04d}", text=f"验证码 {n}", kind="sms_code", urgent=True).id
        for n in range(count)
    ]
    db.session.commit()
    return ids


def outcomes(db, message_id: int) -> list[str]:
    db.session.expire_all()
    return [attempt.outcome for attempt in db.session.get(OutboxMessage, message_id).tries]


def test_a_queued_message_is_sent_once_and_recorded(db, deliver, sms_file):
    [message_id] = queue(db)
    assert deliver(NOON) == {"messages sent": 1}
    assert deliver(NOON) == {}
    message = db.session.get(OutboxMessage, message_id)
    assert (message.status, message.attempts, message.sent_at, message.claimed_until) == (
        "sent",
        1,
        NOON,
        None,
    )
    assert outcomes(db, message_id) == ["sent"]
    assert [(line["to"], line["text"]) for line in lines(sms_file)] == [("13800000000", "验证码 0")]


def test_a_rolled_back_change_queues_nothing(db):
    send_sms(db.session, to="13800000000", text="不会发送", kind="sms_code")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_same_idempotency_key_queues_one_message(db):
    first = send_sms(db.session, to="13800000000", text="一次", kind="sms_code", idempotency_key="code:1")
    again = send_sms(db.session, to="13800000000", text="一次", kind="sms_code", idempotency_key="code:1")
    db.session.commit()
    assert first.id == again.id
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


class Killed(Exception):
    """The worker process dying after the provider took the message, before recording it."""


def test_a_worker_killed_between_send_and_record_resends_once_with_the_same_key(
    db, deliver, sms_file, monkeypatch
):
    [message_id] = queue(db)

    def killed(*_args, **_kwargs):
        raise Killed()

    monkeypatch.setattr(worker, "record", killed)
    with pytest.raises(Killed):
        deliver(NOON)
    db.session.rollback()  # the dead worker's record transaction never committed
    monkeypatch.undo()
    assert len(lines(sms_file)) == 1
    assert deliver(NOON + timedelta(seconds=30)) == {}  # its lease still holds: nobody resends yet

    after_lease = NOON + POLICY.lease + timedelta(seconds=1)
    assert deliver(after_lease) == {"crashed sends taken back": 1, "messages sent": 1}
    assert deliver(after_lease + timedelta(hours=1)) == {}
    sent = lines(sms_file)
    assert len(sent) == 2 and sent[0]["key"] == sent[1]["key"]
    message = db.session.get(OutboxMessage, message_id)
    assert sent[0]["key"] == message.idempotency_key
    assert (message.status, message.attempts) == ("sent", 2)
    assert outcomes(db, message_id) == ["crashed", "sent"]


def aliyun(provider, answers):
    """An Aliyun adapter against a local provider giving ``answers`` in turn."""
    replies = iter(answers)
    server = provider(lambda seen: next(replies))
    adapter = AliyunSms(
        key_id="test-id",
        secret="test-secret",
        sign_name="社区",
        templates={"default": "SMS_1"},
        endpoint=server.url + "/",
        timeout=0.5,
    )
    return server, {"sms": adapter}


BUSY = (500, {"Code": "ServiceUnavailable", "Message": "busy"})
OK = (200, {"Code": "OK", "Message": "OK", "BizId": "biz-1", "RequestId": "r"})


def test_a_provider_failing_twice_then_answering_delivers_once_after_three_attempts(db, deliver, provider):
    [message_id] = queue(db)
    server, adapters = aliyun(provider, [BUSY, BUSY, OK])
    assert deliver(NOON, adapters) == {"messages to retry": 1}
    message = db.session.get(OutboxMessage, message_id)
    assert message.next_attempt_at == NOON + POLICY.retry  # first wait: the base
    assert deliver(NOON + timedelta(seconds=5), adapters) == {}  # not due yet
    second = NOON + POLICY.retry
    assert deliver(second, adapters) == {"messages to retry": 1}
    db.session.expire_all()
    assert message.next_attempt_at == second + 2 * POLICY.retry  # doubled
    assert deliver(second + 2 * POLICY.retry, adapters) == {"messages sent": 1}
    assert deliver(NOON + timedelta(days=1), adapters) == {}

    db.session.expire_all()
    assert (message.status, message.attempts) == ("sent", 3)
    assert outcomes(db, message_id) == ["provider_error", "provider_error", "sent"]
    assert message.tries[-1].provider_id == "biz-1" and "ServiceUnavailable" in message.tries[0].detail
    assert [seen.form()["OutId"] for seen in server.seen] == [message.idempotency_key] * 3


def test_a_message_failing_every_try_is_marked_failed_after_the_limit(db, deliver, provider):
    [message_id] = queue(db)
    _server, adapters = aliyun(provider, [BUSY] * POLICY.max_attempts)
    at = NOON
    for _ in range(POLICY.max_attempts):
        deliver(at, adapters)
        at += timedelta(days=1)
    assert deliver(at, adapters) == {}
    message = db.session.get(OutboxMessage, message_id)
    assert (message.status, message.attempts) == ("failed", POLICY.max_attempts)
    assert outcomes(db, message_id) == ["provider_error"] * POLICY.max_attempts


def test_an_adapter_that_raises_fails_the_try_not_the_worker(db, deliver):
    [message_id] = queue(db)

    class Broken:
        def send(self, envelope):
            raise ValueError("template missing")

    assert deliver(NOON, {"sms": Broken()}) == {"messages to retry": 1}
    attempt = db.session.get(OutboxMessage, message_id).tries[0]
    assert (attempt.outcome, attempt.detail) == ("provider_error", "ValueError: template missing")


def test_backoff_doubles_with_up_to_half_again_of_jitter():
    policy = replace(POLICY, jitter=lambda: 1.0)
    assert [policy.backoff(n) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (15, 30, 60)]
    assert POLICY.backoff(3) == timedelta(seconds=40)


@pytest.mark.concurrency
def test_two_workers_never_send_one_message_twice(app, db):
    ids = queue(db, 60)
    sent, lock = [], threading.Lock()

    class Recording:
        def send(self, envelope):
            with lock:
                sent.append(envelope.id)
            return SendResult("sent")

    policy = replace(POLICY, batch=4)
    results = together(
        app, [lambda session: deliver_due(session, {"sms": Recording()}, policy, clock=lambda: NOON)] * 2
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(sent) == sorted(ids)
    db.session.expire_all()
    statuses = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    assert statuses == [("sent", 60)]


def test_a_batch_left_with_under_half_its_lease_goes_back_untried(db, sms_file):
    """A slow provider: each check of the clock finds 30% of the lease gone. Only what can
    start within the first half of the lease is sent; the rest is claimed again later, its
    attempts untouched, and everything goes exactly once."""
    ids = queue(db, 3)
    ticks = iter(range(1000))

    def slow_clock():
        return NOON + POLICY.lease * 0.3 * next(ticks)

    counts = deliver_due(db.session, {"sms": FileBackend(str(sms_file))}, POLICY, clock=slow_clock)
    assert counts == {"messages sent": 3}
    assert sorted(line["text"] for line in lines(sms_file)) == ["验证码 0", "验证码 1", "验证码 2"]
    db.session.expire_all()
    sent = [db.session.get(OutboxMessage, i) for i in ids]
    assert [message.attempts for message in sent] == [1, 1, 1]
    assert len({message.tries[0].at for message in sent}) == 3  # each under a claim of its own
