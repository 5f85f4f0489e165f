"""Each sender's pace (ccc/channels/ratelimit.py): a token bucket in Redis per channel and
sender, replies ahead of bulk notices, Twilio's 429/20429 backed off and sent once; delivery
reports written in batches (ccc/channels/delivery.py). Against the local fake Twilio API, real
Redis and the real database; the bucket's tests need Redis, the rest run on both set-ups."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from ccc.channels.delivery import StatusBatcher, StatusReport, record_statuses
from ccc.channels.ratelimit import SendLimiter, deferred_counts, limiter_of
from ccc.contacts.models import Identity
from ccc.contacts.service import get_or_create_identity
from ccc.jobs.dispatch import BULK_SEND_QUEUE_NAME, SEND_QUEUE_NAME, RQDispatcher
from ccc.jobs.models import OutboxJob
from ccc.jobs.registry import route
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Direction, Message, MessageStatus
from ccc.messages.service import SEND_MESSAGE, queue_outbound, sending_in_bulk
from tests.conftest import TEST_REDIS_URL, Harness, build_harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi, twilio_error
from tests.support.people import (
    SMS_FROM,
    TwilioPerson,
    message,
    open_ticket,
    post_twilio,
    send_job,
    status_report,
)
from tests.support.waiting import wait_for
from tests.support.workers import start_worker, stop_worker

needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs CCC_TEST_REDIS_URL")
STATUS = "/webhooks/twilio/status"


def people(count: int, start: int = 0) -> list[str]:
    return [f"+96477000{n:05d}" for n in range(start, start + count)]


def queue_texts(ccc: Harness, phones: list[str], text: str, *, bulk: bool = False) -> list[int]:
    """Messages queued to these people as one transaction, as a reply or a mass change would."""
    ids = []
    with ccc.runtime.unit_of_work() as session:
        for phone in phones:
            identity = get_or_create_identity(session, channel="sms", address=phone)
            if bulk:
                with sending_in_bulk(session):
                    sent = queue_outbound(session, identity=identity, text=text)
            else:
                sent = queue_outbound(session, identity=identity, text=text)
            assert sent.id is not None
            ids.append(sent.id)
    return ids


def bodies(fake: FakeApi) -> list[str]:
    return [call.form.get("Body", "") for call in fake.calls("Messages.json")]


def pending_sends(ccc: Harness) -> list[OutboxJob]:
    with Session(ccc.engine) as session:
        return list(
            session.exec(
                select(OutboxJob).where(
                    OutboxJob.kind == SEND_MESSAGE, OutboxJob.status == "pending"
                )
            ).all()
        )


def run_due(ccc: Harness) -> None:
    """The periodic sweep at the real time, then the workers."""
    ccc.runtime.sweep(now=utcnow() + timedelta(seconds=11))  # past the sweep's fresh grace
    ccc.drain()


@pytest.fixture
def paced(database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi) -> Iterator[Harness]:
    """CCC whose SMS number may send 5 messages a second, at most one second's worth at once."""
    settings = channel_settings(
        database_url, fake_twilio, fake_telegram, send_rate_sms=5.0, send_burst_seconds=1.0
    )
    yield from build_harness(settings)


@pytest.fixture
def slow(database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi) -> Iterator[Harness]:
    """CCC whose SMS number may send one message every 5 s, two at once after a quiet spell:
    slow enough that no token comes back while a test drains its queue."""
    settings = channel_settings(
        database_url, fake_twilio, fake_telegram, send_rate_sms=0.2, send_burst_seconds=10.0
    )
    yield from build_harness(settings)


def full_buckets(ccc: Harness) -> None:
    """Time passes for the senders' buckets (they keep Redis's own clock): full again."""
    dispatcher = ccc.runtime.dispatcher
    if isinstance(dispatcher, RQDispatcher):
        for key in dispatcher.connection.scan_iter("ccc:send:bucket:*"):
            dispatcher.connection.delete(key)


# --- the bucket -------------------------------------------------------------------------------


@needs_redis
def test_the_bucket_lets_its_rate_through_each_second_and_defers_the_rest(
    paced: Harness,
) -> None:
    limiter = limiter_of(paced.runtime)
    assert limiter is not None
    settings = paced.runtime.settings
    waits = [limiter.take("sms", SMS_FROM, settings, bulk=False)[0] for _ in range(20)]
    assert waits[:5] == [0.0] * 5, "a full bucket: one second's worth goes at once"
    # Then one token every 0.2 s (one more may have come while these 20 were asked for).
    assert waits.count(0.0) in (5, 6), waits
    assert all(0 < wait <= 0.25 for wait in waits if wait), waits
    time.sleep(1.05)
    again = [limiter.take("sms", SMS_FROM, settings, bulk=False)[0] for _ in range(10)]
    assert again.count(0.0) in (5, 6), again
    # Another sender has a bucket of its own.
    assert limiter.take("sms", "+15005550000", settings, bulk=False)[0] == 0.0


@needs_redis
def test_sends_beyond_the_rate_are_deferred_not_failed_and_go_out_later(
    slow: Harness, fake_twilio: FakeApi
) -> None:
    ids = queue_texts(slow, people(12), "Your case is with the tracing team.")
    slow.drain()
    assert len(fake_twilio.calls("Messages.json")) == 2
    deferred = pending_sends(slow)
    assert len(deferred) == 10
    assert all(job.attempts == 0 for job in deferred), "waiting for a token is no attempt"
    assert all(job.available_at > utcnow() for job in deferred)
    assert deferred_counts(slow.runtime).get("sms|rate", 0) >= 10

    # Each time a bucket's worth of time passes, the sweep hands them out and two more go.
    for sent in (4, 6, 8, 10, 12):
        full_buckets(slow)
        slow.runtime.sweep(now=utcnow() + timedelta(hours=1))
        slow.drain()
        assert len(fake_twilio.calls("Messages.json")) == sent
    assert bodies(fake_twilio) == ["Your case is with the tracing team."] * 12
    assert {message(slow, i).status for i in ids} == {MessageStatus.queued}
    assert not pending_sends(slow)


def test_without_redis_nothing_is_paced(paced: Harness, fake_twilio: FakeApi) -> None:
    if isinstance(paced.runtime.dispatcher, RQDispatcher):
        pytest.skip("the in-process runner only")
    queue_texts(paced, people(12), "Hello")
    paced.drain()
    assert len(fake_twilio.calls("Messages.json")) == 12


# --- replies before bulk notices --------------------------------------------------------------


def test_bulk_notices_wait_on_their_own_queue() -> None:
    assert route(SEND_MESSAGE, {"message_id": 1}) == (SEND_QUEUE_NAME, None)
    assert route(SEND_MESSAGE, {"message_id": 1, "bulk": True}) == (BULK_SEND_QUEUE_NAME, None)


@needs_redis
def test_a_reply_overtakes_fifty_queued_bulk_notices(
    database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi
) -> None:
    settings = channel_settings(database_url, fake_twilio, fake_telegram, send_rate_sms=0.0)
    for ccc in build_harness(settings):  # no pacing: the order is the queues' alone
        reply_overtakes_bulk(ccc, fake_twilio)


def reply_overtakes_bulk(ccc: Harness, fake_twilio: FakeApi) -> None:
    queue_texts(ccc, people(50), "Your ticket is resolved.", bulk=True)
    dispatcher = ccc.runtime.dispatcher
    assert isinstance(dispatcher, RQDispatcher)
    assert dispatcher.queues[BULK_SEND_QUEUE_NAME].count == 50
    queue_texts(ccc, people(1, start=900), "An agent's answer.")
    ccc.drain()
    sent = bodies(fake_twilio)
    assert sent[0] == "An agent's answer."
    assert sent.count("Your ticket is resolved.") == 50


@needs_redis
def test_bulk_notices_leave_part_of_the_bucket_to_replies(paced: Harness) -> None:
    limiter = limiter_of(paced.runtime)
    assert limiter is not None
    settings = paced.runtime.settings.model_copy(update={"send_rate_sms": 10.0})
    bulk = [limiter.take("sms", SMS_FROM, settings, bulk=True)[0] for _ in range(10)]
    assert bulk.count(0.0) == 8, "a bulk notice leaves a fifth of the bucket"
    assert limiter.take("sms", SMS_FROM, settings, bulk=False)[0] == 0.0
    assert limiter.take("sms", SMS_FROM, settings, bulk=False)[0] == 0.0


def test_a_bulk_status_change_sends_its_closing_notices_as_bulk(
    ccc: Harness, sms: TwilioPerson, supervisor: dict[str, str]
) -> None:
    references = [open_ticket(sms)]
    response = ccc.client.post(
        "/api/tickets/bulk",
        json={"references": references, "changes": {"status": "resolved"}},
        headers=supervisor,
    )
    assert response.status_code == 200, response.text
    with Session(ccc.engine) as session:
        jobs = session.exec(
            select(OutboxJob).where(OutboxJob.kind == SEND_MESSAGE).order_by(col(OutboxJob.id))
        ).all()
    assert jobs[-1].payload.get("bulk") is True


# --- 429 / 20429 ------------------------------------------------------------------------------


def test_a_429_is_retried_after_retry_after_and_sent_exactly_once(
    ccc: Harness, fake_twilio: FakeApi
) -> None:
    fake_twilio.then(twilio_error(429, 20429, "Too Many Requests", **{"Retry-After": "1"}))
    started = utcnow()
    [message_id] = queue_texts(ccc, people(1), "Please call us tomorrow.")
    ccc.drain()
    assert message(ccc, message_id).status == MessageStatus.pending
    job = send_job(ccc, message_id)
    assert (job.status, job.attempts) == ("pending", 0)
    assert job.available_at >= started + timedelta(seconds=1)
    assert message(ccc, message_id).error_code == "20429"

    if isinstance(ccc.runtime.dispatcher, RQDispatcher):
        # Meanwhile the sender's bucket is closed: another send waits without calling Twilio.
        [other] = queue_texts(ccc, people(1, start=500), "Another message.")
        ccc.drain()
        assert len(fake_twilio.calls("Messages.json")) == 1
        assert message(ccc, other).status == MessageStatus.pending

    # The bucket reopens empty and refills at the sender's rate: the two deferred messages leave
    # one per token, in the order their jittered times fall.
    for _ in range(4):
        time.sleep(1.1)
        run_due(ccc)
        if "Please call us tomorrow." in bodies(fake_twilio)[1:]:
            break
    assert bodies(fake_twilio).count("Please call us tomorrow.") == 2  # refused, then sent
    assert message(ccc, message_id).status == MessageStatus.queued
    assert message(ccc, message_id).error_code is None
    assert send_job(ccc, message_id).attempts == 1
    run_due(ccc)
    assert bodies(fake_twilio).count("Please call us tomorrow.") == 2, "sent once"


def test_a_429_without_a_time_backs_off_exponentially_and_is_never_given_up(
    ccc: Harness, fake_twilio: FakeApi
) -> None:
    attempts = ccc.runtime.settings.send_attempts
    refusals = attempts + 2  # more 429s than a message has attempts
    fake_twilio.then(*[twilio_error(429, 20429, "Too Many Requests")] * refusals)
    [message_id] = queue_texts(ccc, people(1), "Your case is open.")
    ccc.drain()
    delays = []
    for _ in range(refusals):
        job = send_job(ccc, message_id)
        assert job.status == "pending" and job.attempts == 0
        delays.append((job.available_at - utcnow()).total_seconds())
        with ccc.runtime.unit_of_work() as session:  # let the time pass
            row = session.get(OutboxJob, job.id)
            assert row is not None
            row.available_at = utcnow()
        dispatcher = ccc.runtime.dispatcher
        if isinstance(dispatcher, RQDispatcher):  # the bucket's time passes too, not its count
            for key in dispatcher.connection.scan_iter("ccc:send:bucket:*"):
                dispatcher.connection.hdel(key, "blocked_until", "tokens", "ts")
        run_due(ccc)
    assert delays[0] < 1.5 and delays[3] > 3.5, delays  # 0.5-1 s, then doubling, with jitter
    assert message(ccc, message_id).status == MessageStatus.queued
    assert bodies(fake_twilio).count("Your case is open.") == refusals + 1


# --- delivery reports in batches --------------------------------------------------------------


def sent_messages(ccc: Harness, count: int) -> list[tuple[int, str]]:
    out = []
    with ccc.runtime.unit_of_work() as session:
        identity = get_or_create_identity(session, channel="sms", address=people(1)[0])
        assert isinstance(identity, Identity) and identity.id is not None
        for n in range(count):
            row = Message(
                contact_id=identity.contact_id,
                identity_id=identity.id,
                direction=Direction.outbound,
                channel="sms",
                text=f"message {n}",
                status=MessageStatus.queued,
                external_id=f"SM{n:032d}",
            )
            session.add(row)
            session.flush()
            assert row.id is not None and row.external_id is not None
            out.append((row.id, row.external_id))
    return out


def statuses(ccc: Harness, ids: list[int]) -> list[str]:
    with Session(ccc.engine) as session:
        rows = session.exec(select(Message).where(col(Message.id).in_(ids))).all()
        return [row.status for row in sorted(rows, key=lambda row: row.id or 0)]


def test_status_callbacks_arriving_together_are_written_in_a_few_transactions(
    ccc: Harness,
) -> None:
    sent = sent_messages(ccc, 40)
    from ccc.channels.delivery import status_batcher

    batcher = status_batcher(ccc.runtime)
    before = batcher.batches
    errors: list[BaseException] = []

    def report(sid: str) -> None:
        form = status_report(sid, "delivered")
        try:
            response = post_twilio(ccc.client, STATUS, form)
            assert response.status_code == 200, response.text
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=report, args=(sid,)) for _, sid in sent]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert statuses(ccc, [i for i, _ in sent]) == [MessageStatus.delivered] * 40
    assert batcher.batches - before < 40, "one transaction per batch, not per callback"


def test_a_failed_batch_loses_no_report(ccc: Harness) -> None:
    """A batch whose transaction fails (here: its first write) is written again report by
    report; each request is answered only after its own report is committed."""
    sent = sent_messages(ccc, 10)
    failures = [1]

    def write(reports: object) -> None:
        with ccc.runtime.unit_of_work() as session:
            record_statuses(session, reports)  # type: ignore[arg-type]
            if failures:
                failures.pop()
                raise RuntimeError("the database went away mid-batch")

    batcher = StatusBatcher(write, window=0.2)
    threads = [
        threading.Thread(
            target=batcher.submit, args=(StatusReport(("sms",), sid, MessageStatus.delivered),)
        )
        for _, sid in sent
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses(ccc, [i for i, _ in sent]) == [MessageStatus.delivered] * 10


def test_a_report_is_committed_before_the_callback_is_answered(
    ccc: Harness, settings: Settings
) -> None:
    [(message_id, sid)] = sent_messages(ccc, 1)
    form = status_report(sid, "sent")
    assert post_twilio(ccc.client, STATUS, form).status_code == 200
    # Read by another connection, right after the answer: no buffer left to flush.
    assert statuses(ccc, [message_id]) == [MessageStatus.sent]


def test_the_limiter_survives_a_redis_without_the_script(paced: Harness) -> None:
    """A Redis restarted (its script cache empty) still takes tokens: redis-py reloads it."""
    limiter = limiter_of(paced.runtime)
    if limiter is None:
        pytest.skip("needs Redis")
    limiter.connection.script_flush()
    fresh = SendLimiter(limiter.connection)
    assert fresh.take("sms", SMS_FROM, paced.runtime.settings, bulk=False)[0] == 0.0


# --- a real worker process killed mid-backoff -------------------------------------------------


@needs_redis
def test_a_worker_killed_during_a_backoff_still_sends_the_message_exactly_once(
    ccc: Harness, fake_twilio: FakeApi
) -> None:
    [(earlier, sid)] = sent_messages(ccc, 1)
    fake_twilio.then(twilio_error(429, 20429, "Too Many Requests", **{"Retry-After": "2"}))
    worker = start_worker(ccc, fake_twilio)
    try:
        [message_id] = queue_texts(ccc, people(1, start=700), "Your case is open.")
        assert wait_for(lambda: "20429" in (send_job(ccc, message_id).last_error or ""), 40)
        assert send_job(ccc, message_id).status == "pending"
        worker.send_signal(signal.SIGKILL)  # in the middle of the backoff
        worker.wait()
        # Delivery reports are written by the web process, whatever the workers do.
        form = status_report(sid, "delivered")
        assert post_twilio(ccc.client, STATUS, form).status_code == 200
        worker = start_worker(ccc, fake_twilio)
        # The new worker's cron sweep finds the row once it is due (and past the sweep's grace).
        assert wait_for(lambda: message(ccc, message_id).status == MessageStatus.queued, 40)
    finally:
        stop_worker(worker)
    assert bodies(fake_twilio).count("Your case is open.") == 2  # refused once, sent once
    assert send_job(ccc, message_id).attempts == 1
    assert statuses(ccc, [earlier]) == [MessageStatus.delivered]
