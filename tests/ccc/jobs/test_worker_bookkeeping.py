"""What `CCCWorker` leaves in Redis: a finished job leaves nothing, a running one is in RQ's
started registry with its status (what the sweep and RQ's cleanup read after a worker died)."""

from __future__ import annotations

import signal
from typing import Any

import pytest
from rq.job import Job
from sqlmodel import Session

from ccc.jobs.dispatch import RQDispatcher, rq_job_id
from ccc.jobs.models import OutboxJob
from ccc.jobs.outbox import schedule
from ccc.jobs.registry import KINDS, JobKind
from ccc.jobs.worker import CCCWorker
from tests.conftest import TEST_REDIS_URL, Harness

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs CCC_TEST_REDIS_URL")


def test_a_finished_job_leaves_no_key_and_a_running_one_is_registered_as_started(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatcher = ccc.runtime.dispatcher
    assert isinstance(dispatcher, RQDispatcher)
    redis = dispatcher.connection
    seen: list[tuple[str | None, list[str]]] = []

    def look(session: Session, **_payload: Any) -> None:
        job_id = rq_job_id(ids[0])
        status = redis.hget(Job.key_for(job_id), "status")
        started = dispatcher.queue.started_job_registry.get_job_ids()
        seen.append((status.decode() if isinstance(status, bytes) else status, started))

    monkeypatch.setitem(KINDS, "test_look", JobKind("test_look", 5, None, handler=look))
    ids: list[int] = []
    with ccc.runtime.unit_of_work() as session:
        job = schedule(session, "test_look")
        assert job.id is not None
        ids.append(job.id)

    worker = CCCWorker([dispatcher.queue], connection=redis)
    worker.work(burst=True)

    assert seen == [("started", [rq_job_id(ids[0])])]
    with ccc.session() as session:
        row = session.get(OutboxJob, ids[0])
        assert row is not None and (row.status, row.attempts) == ("done", 1)
    assert list(redis.scan_iter(match=f"*{rq_job_id(ids[0])}*")) == []
    assert dispatcher.queue.started_job_registry.get_job_ids() == []
    assert int(redis.hget(worker.key, "successful_job_count") or 0) == 1


def test_a_stop_asked_for_as_a_job_is_wound_up_ends_the_worker_after_it(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM landing after the job's success is written (the worker already `idle` in Redis)
    but before RQ is done with it: the job stays a success and the worker stops after it,
    leaving the next job queued (the stop was once raised inside the job and lost)."""
    dispatcher = ccc.runtime.dispatcher
    assert isinstance(dispatcher, RQDispatcher)
    redis = dispatcher.connection
    monkeypatch.setitem(KINDS, "test_noop", JobKind("test_noop", 5, None, handler=lambda s: None))
    with ccc.runtime.unit_of_work() as session:
        first, second = schedule(session, "test_noop"), schedule(session, "test_noop")
    worker = CCCWorker([dispatcher.queue], connection=redis)
    succeeded = worker.handle_job_success

    def then_sigterm(*args: Any, **kwargs: Any) -> None:
        succeeded(*args, **kwargs)
        worker.request_stop(signal.SIGTERM, None)

    monkeypatch.setattr(worker, "handle_job_success", then_sigterm)
    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        worker.work(burst=True)
    finally:
        signal.signal(signal.SIGTERM, handlers[0])
        signal.signal(signal.SIGINT, handlers[1])

    assert int(redis.hget(worker.key, "successful_job_count") or 0) == 1
    assert int(redis.hget(worker.key, "failed_job_count") or 0) == 0
    with ccc.session() as session:
        done = [session.get(OutboxJob, job.id) for job in (first, second)]
    assert [row.status for row in done if row is not None] == ["done", "pending"]
    assert dispatcher.queue.count == 1
