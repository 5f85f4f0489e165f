"""Accepting a signed SMS webhook: verified, deduplicated and stored with its outbox row in one
transaction of few statements (a count, not a time: a regression guard), then handed to Redis
without a second transaction; and an accepted message is never lost after its 200."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select

from ccc.jobs.dispatch import RQDispatcher, Scheduled
from ccc.jobs.models import OutboxJob
from ccc.kernel.db import make_engine
from ccc.kernel.timeutil import utcnow
from tests.conftest import TEST_REDIS_URL, Harness
from tests.support.people import TwilioPerson, identity, post_twilio, stored

MESSAGING = "/webhooks/twilio/messaging"
needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs CCC_TEST_REDIS_URL")


@dataclass
class Recorded:
    """What the database was asked during a request: statements, and transactions committed
    (SQLite's own `BEGIN IMMEDIATE` is the start of one, not a statement of the work)."""

    statements: list[str] = field(default_factory=list)
    transactions: int = 0

    @property
    def verbs(self) -> list[str]:
        return [statement.split(None, 1)[0].upper() for statement in self.statements]


@contextmanager
def recorded(engine: Engine) -> Iterator[Recorded]:
    seen = Recorded()

    def ours() -> bool:  # not the in-process job thread that runs turns without Redis
        return threading.current_thread().name != "ccc-inline-jobs"

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if ours() and sql.strip().upper() != "BEGIN IMMEDIATE":
            seen.statements.append(sql)

    def commit(_conn: Any) -> None:
        if ours():
            seen.transactions += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def accept(ccc: Harness, form: dict[str, str]) -> Recorded:
    with recorded(ccc.engine) as seen:
        response = post_twilio(ccc.client, MESSAGING, form)
    assert response.status_code == 200, response.text
    return seen


def test_an_sms_from_someone_known_is_three_statements_in_one_transaction(
    ccc: Harness, sms: TwilioPerson
) -> None:
    sms.say("hello")
    seen = accept(ccc, sms.message("1"))
    # The identity stamped (a redelivery's copy read in the same statement), the message,
    # its outbox row; no savepoint, and nothing written after the commit.
    assert seen.verbs == ["UPDATE", "INSERT", "INSERT"], seen.statements
    assert seen.transactions == 1


def test_a_first_sms_is_six_statements_in_one_transaction(ccc: Harness, sms: TwilioPerson) -> None:
    seen = accept(ccc, sms.message("hello"))
    # No identity to stamp; the number's contact on another channel looked up; the contact,
    # the identity, the message and its outbox row inserted.
    assert seen.verbs == ["UPDATE", "SELECT", "INSERT", "INSERT", "INSERT", "INSERT"]
    assert seen.transactions == 1
    ccc.drain()
    assert "4 English" in "\n".join(sms.received())


def test_a_twilio_retry_of_a_message_sid_is_one_statement_and_stored_once(
    ccc: Harness, sms: TwilioPerson
) -> None:
    form = sms.message("hello")
    sms.post(form)
    before, heard = stored(ccc), identity(ccc, "sms", sms.number).last_inbound_at
    replies = len(sms.received())
    seen = accept(ccc, form)
    ccc.drain()
    assert seen.verbs == ["UPDATE"] and seen.transactions == 1
    assert stored(ccc) == before
    assert identity(ccc, "sms", sms.number).last_inbound_at == heard  # a retry is no new word
    assert len(sms.received()) == replies


def test_the_same_number_on_whatsapp_joins_the_sms_contact(
    ccc: Harness, sms: TwilioPerson, whatsapp: TwilioPerson
) -> None:
    sms.say("hello")
    whatsapp.say("hello")
    assert (
        identity(ccc, "whatsapp", sms.number).contact_id
        == identity(ccc, "sms", sms.number).contact_id
    )


@needs_redis
def test_an_accepted_message_is_answered_when_redis_lost_its_job(
    ccc: Harness, sms: TwilioPerson
) -> None:
    accept(ccc, sms.message("hello"))
    dispatcher = ccc.runtime.dispatcher
    assert isinstance(dispatcher, RQDispatcher)
    dispatcher.connection.flushdb()  # Redis restarted without persistence, or died
    assert ccc.runtime.sweep(now=utcnow() + timedelta(minutes=1)) == 1
    ccc.drain()
    assert "4 English" in "\n".join(sms.received())


@needs_redis
def test_the_sweep_leaves_a_job_waiting_in_redis_where_it_is_and_stamps_it(
    ccc: Harness, sms: TwilioPerson
) -> None:
    accept(ccc, sms.message("hello"))
    dispatcher = ccc.runtime.dispatcher
    assert isinstance(dispatcher, RQDispatcher)
    with ccc.session() as session:
        [job] = session.exec(select(OutboxJob)).all()
    assert job.enqueued_at is None  # the webhook wrote nothing after its commit
    later = utcnow() + timedelta(seconds=30)
    assert ccc.runtime.sweep(now=later) == 1
    assert dispatcher.queue.count == 1  # asked Redis, found it waiting, did not add it again
    with ccc.session() as session:
        assert session.exec(select(OutboxJob.enqueued_at)).one() is not None
    assert ccc.runtime.sweep(now=later) == 0  # stamped: the next sweeps leave it alone
    ccc.drain()
    assert len([body for body in sms.received() if "4 English" in body]) == 1


def test_after_redis_failed_a_dispatcher_leaves_the_jobs_to_the_sweep_for_a_while() -> None:
    dispatcher = RQDispatcher("redis://127.0.0.1:1/0", make_engine("sqlite://"))
    tries = 0
    pipeline = dispatcher.connection.pipeline

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal tries
        tries += 1
        return pipeline(*args, **kwargs)

    dispatcher.connection.pipeline = counted  # type: ignore[method-assign]
    dispatcher.dispatch([Scheduled(1, fresh=True)])
    dispatcher.dispatch([Scheduled(2, fresh=True)])  # a webhook does not wait on Redis again
    assert tries == 1 and dispatcher.resting()
    dispatcher._rest_until = 0.0  # the rest is over: the next one tries again
    dispatcher.dispatch([Scheduled(3, fresh=True)])
    assert tries == 2
