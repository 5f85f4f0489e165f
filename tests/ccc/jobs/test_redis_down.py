"""Redis down while webhooks arrive: the messages are stored and answered 200, and the work
waiting on them runs once Redis is back, picked up by the outbox sweep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from ccc.api.app import create_app
from ccc.api.wiring import channel_registry
from ccc.jobs.dispatch import InlineDispatcher, RQDispatcher
from ccc.jobs.models import OutboxJob
from ccc.kernel.db import make_engine
from ccc.kernel.runtime import Runtime, set_runtime
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow
from tests.conftest import TEST_REDIS_URL, Harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.people import (
    CHAT_ID,
    PHONE,
    TelegramPerson,
    TwilioPerson,
    messages,
    post_telegram,
    post_twilio,
)

NOBODY_LISTENS = "redis://127.0.0.1:1/0"


@pytest.fixture
def settings(database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi) -> Settings:
    """Real credentials, aimed at the local fakes: signatures are checked, sends go out."""
    return channel_settings(database_url, fake_twilio, fake_telegram)


@pytest.fixture
def redis_down(
    database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi
) -> Iterator[Harness]:
    settings = channel_settings(database_url, fake_twilio, fake_telegram, redis_url=NOBODY_LISTENS)
    engine = make_engine(settings.database_url)
    runtime = Runtime(
        settings, engine, RQDispatcher(NOBODY_LISTENS, engine), channels=channel_registry()
    )
    with TestClient(create_app(runtime=runtime, background=False)) as client:
        yield Harness(runtime=runtime, client=client)
    set_runtime(None)
    engine.dispose()


def redis_is_back(ccc: Harness) -> None:
    engine = ccc.runtime.engine
    if TEST_REDIS_URL:
        dispatcher = RQDispatcher(TEST_REDIS_URL, engine)
        dispatcher.connection.flushdb()
        ccc.runtime.dispatcher = dispatcher
    else:
        ccc.runtime.dispatcher = InlineDispatcher()


def test_webhooks_are_stored_and_answered_while_redis_is_down_and_processed_when_it_is_back(
    redis_down: Harness, fake_twilio: FakeApi, fake_telegram: FakeApi
) -> None:
    ccc = redis_down
    sms = TwilioPerson(ccc, fake_twilio)
    telegram = TelegramPerson(ccc, fake_telegram)
    answered = post_twilio(ccc.client, "/webhooks/twilio/messaging", sms.message("hello"))
    assert answered.status_code == 200
    answered = post_telegram(ccc.client, telegram.update("telegram_text", text="hello"))
    assert answered.status_code == 200

    assert len(messages(ccc, direction="in")) == 2
    assert messages(ccc, direction="out") == []
    with Session(ccc.engine) as session:
        jobs = session.exec(select(OutboxJob)).all()
    assert [(job.kind, job.status, job.enqueued_at) for job in jobs] == [
        ("process_inbound", "pending", None)
    ] * 2

    redis_is_back(ccc)
    assert ccc.runtime.sweep(now=utcnow() + timedelta(minutes=1)) == 2
    ccc.drain()

    assert "4 English" in "\n".join(sms.received())
    assert "4 English" in telegram.last_text()
    for address in (PHONE, str(CHAT_ID)):
        assert [m["direction"] for m in ccc.transcript(address)] == ["in", "out"]
