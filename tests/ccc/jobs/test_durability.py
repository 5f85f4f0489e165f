"""An accepted message is never lost: not when a turn crashes, not when Redis is down."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from ccc.jobs.dispatch import InlineDispatcher, RQDispatcher
from ccc.jobs.models import OutboxJob
from ccc.jobs.registry import JobNotFound
from ccc.jobs.runner import execute, run_job
from ccc.kernel.runtime import Runtime, set_runtime
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Message
from tests.conftest import TEST_REDIS_URL, Harness, build_harness, make_settings

PHONE = "+9647701234567"
LATER = timedelta(minutes=10)


def outbox(session: Session) -> list[OutboxJob]:
    return list(session.exec(select(OutboxJob).order_by(OutboxJob.id)).all())  # type: ignore[arg-type]


@pytest.fixture
def redis_down(database_url: str) -> Iterator[Harness]:
    """CCC configured for Redis, with nothing listening where Redis should be."""
    yield from build_harness(make_settings(database_url, redis_url="redis://127.0.0.1:1/0"))


def test_a_message_accepted_while_redis_is_down_is_answered_once_redis_is_back(
    redis_down: Harness, settings: Settings
) -> None:
    response = redis_down.client.post(
        "/api/simulator/messages", json={"from": PHONE, "text": "hello"}
    )
    assert response.status_code == 202
    with redis_down.session() as session:
        [message] = session.exec(select(Message)).all()
        assert message.text == "hello" and message.processed_at is None
        [job] = outbox(session)
        assert (job.kind, job.status, job.enqueued_at) == ("process_inbound", "pending", None)

    back = Runtime(
        settings=settings, engine=redis_down.engine, dispatcher=_working_dispatcher(redis_down)
    )
    set_runtime(back)
    assert back.sweep(now=utcnow() + LATER) == 1
    _drain(back)
    transcript = redis_down.transcript(PHONE)
    assert [m["direction"] for m in transcript] == ["in", "out"]
    assert "4 English" in transcript[1]["text"]
    assert back.sweep(now=utcnow() + LATER) == 0


def _working_dispatcher(harness: Harness) -> InlineDispatcher | RQDispatcher:
    if TEST_REDIS_URL:
        dispatcher = RQDispatcher(TEST_REDIS_URL, harness.engine)
        dispatcher.connection.flushdb()
        return dispatcher
    return InlineDispatcher()


def _drain(runtime: Runtime) -> None:
    dispatcher = runtime.dispatcher
    if isinstance(dispatcher, RQDispatcher):
        from ccc.jobs.worker import CCCWorker

        queues = list(dispatcher.queues.values())
        while any(queue.count for queue in queues):
            CCCWorker(queues, connection=dispatcher.connection).work(burst=True)


def test_a_turn_that_crashes_is_retried_by_the_sweep(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workflows.chatbot.engine

    real = workflows.chatbot.engine.handle

    def crash(turn: workflows.chatbot.engine.Turn) -> None:
        raise RuntimeError("the database went away mid-turn")

    monkeypatch.setattr(workflows.chatbot.engine, "handle", crash)
    response = ccc.client.post("/api/simulator/messages", json={"from": PHONE, "text": "hello"})
    assert response.status_code == 202
    ccc.drain()
    with ccc.session() as session:
        [job] = outbox(session)
        assert (job.status, job.attempts) == ("pending", 1)
        assert "database went away" in (job.last_error or "")
        assert job.available_at > utcnow()
    assert [m["direction"] for m in ccc.transcript(PHONE)] == ["in"]

    monkeypatch.setattr(workflows.chatbot.engine, "handle", real)
    assert ccc.runtime.sweep(now=utcnow()) == 0  # not due yet
    assert ccc.runtime.sweep(now=utcnow() + LATER) == 1
    ccc.drain()
    assert [m["direction"] for m in ccc.transcript(PHONE)] == ["in", "out"]
    with ccc.session() as session:
        assert outbox(session)[0].status == "done"


def test_a_job_delivered_twice_runs_once(ccc: Harness) -> None:
    ccc.say(PHONE, "hello")
    with ccc.session() as session:
        [turn_job] = [job for job in outbox(session) if job.kind == "process_inbound"]
    assert turn_job.id is not None
    run_job(turn_job.id)
    ccc.drain()
    assert [m["direction"] for m in ccc.transcript(PHONE)] == ["in", "out"]


def test_a_job_whose_row_is_gone_fails_loudly(ccc: Harness) -> None:
    with ccc.session() as session, pytest.raises(JobNotFound):
        execute(session, 999_999)


def test_a_job_that_keeps_failing_stops_after_its_attempts(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workflows.chatbot.engine

    def crash(turn: workflows.chatbot.engine.Turn) -> None:
        raise RuntimeError("always broken")

    monkeypatch.setattr(workflows.chatbot.engine, "handle", crash)
    ccc.client.post("/api/simulator/messages", json={"from": PHONE, "text": "hello"})
    ccc.drain()
    moment = utcnow()
    for _ in range(10):
        moment += timedelta(hours=1)
        ccc.runtime.sweep(now=moment)
        ccc.drain()
    with ccc.session() as session:
        [job] = outbox(session)
        assert (job.status, job.attempts) == ("failed", 5)
        [message] = session.exec(select(Message)).all()
        assert message.text == "hello"


def test_health_says_what_is_down(ccc: Harness, redis_down: Harness) -> None:
    healthy = ccc.client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json()["database"] == "ok"
    degraded = redis_down.client.get("/healthz")
    assert degraded.status_code == 503
    assert degraded.json() == {
        "status": "degraded",
        "database": "ok",
        "redis": "down",
        "workflows": {"status": "ok"},
    }
