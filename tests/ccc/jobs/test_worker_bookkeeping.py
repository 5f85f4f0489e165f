"""What `CCCWorker` leaves in Redis: a finished job leaves nothing, a running one is in RQ's
started registry with its status (what the sweep and RQ's cleanup read after a worker died)."""

from __future__ import annotations

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
