"""`ccc worker` as production runs it: a separate process taking jobs from Redis, with cron."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from ccc.contacts.models import Identity
from ccc.jobs.models import OutboxJob
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Message
from tests.conftest import TEST_REDIS_URL, Harness
from tests.support.waiting import wait_for

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs CCC_TEST_REDIS_URL")
PHONE = "+9647701234567"


@pytest.fixture
def worker(ccc: Harness) -> Iterator[subprocess.Popen[bytes]]:
    env = dict(os.environ)
    env.update(
        CCC_DATABASE_URL=ccc.runtime.settings.database_url,
        CCC_REDIS_URL=TEST_REDIS_URL or "",
        CCC_PUBLIC_URL=ccc.runtime.settings.public_url,
    )
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TELEGRAM_BOT_TOKEN"):
        env.pop(name, None)
    ccc_command = Path(sys.executable).with_name("ccc")
    process = subprocess.Popen(
        [str(ccc_command), "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_the_worker_process_answers_messages(ccc: Harness, worker: subprocess.Popen[bytes]) -> None:
    response = ccc.client.post("/api/simulator/messages", json={"from": PHONE, "text": "hello"})
    assert response.status_code == 202
    assert wait_for(lambda: len(ccc.transcript(PHONE)) == 2, 20), _output(worker)
    assert "4 English" in ccc.transcript(PHONE)[1]["text"]


def test_the_worker_cron_sweeps_jobs_that_never_reached_redis(
    ccc: Harness, worker: subprocess.Popen[bytes]
) -> None:
    ccc.client.post("/api/simulator/messages", json={"from": PHONE, "text": "hello"})
    assert wait_for(lambda: len(ccc.transcript(PHONE)) == 2, 20), _output(worker)
    # A job written while Redis was down: in the database, never enqueued, a minute old.
    with ccc.session() as session:
        first = session.exec(select(OutboxJob).order_by(OutboxJob.id)).first()  # type: ignore[arg-type]
        assert first is not None
        orphan = OutboxJob(
            kind=first.kind,
            payload=first.payload,
            created_at=utcnow() - timedelta(minutes=1),
            available_at=utcnow() - timedelta(minutes=1),
        )
        session.add(orphan)
        identity = session.get(Identity, first.payload["identity_id"])
        assert identity is not None and identity.id is not None
        session.add(
            Message(
                contact_id=identity.contact_id,
                identity_id=identity.id,
                direction="in",
                channel="simulator",
                text="4",
                status="received",
            )
        )
        session.commit()
        orphan_id = orphan.id

    def swept() -> bool:
        with ccc.session() as session:
            job = session.get(OutboxJob, orphan_id)
            return job is not None and job.status == "done"

    assert wait_for(swept, 30), _output(worker)
    assert ccc.transcript(PHONE)[-1]["text"].startswith("How can we help you?")


def _output(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        out, _ = process.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out.decode(errors="replace")[-3000:]
