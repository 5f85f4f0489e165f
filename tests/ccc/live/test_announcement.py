"""A live event is announced (to this process's hubs directly, to the others on Redis) only once
the transaction that wrote its row has committed. A hub woken earlier reads the table, finds
nothing, and the event waits for the hub's next poll.

Jobs run their handler in a savepoint (`ccc.jobs.runner._attempt`), and SQLAlchemy fires
`after_commit` when a savepoint is released too, while the outer transaction is still open:
that premature announcement is what these tests catch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis
from sqlmodel import select

from ccc.live.publish import add, channel_of, local_wakers
from ccc.tickets.models import Ticket
from tests.conftest import TEST_REDIS_URL, Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"


@pytest.fixture
def ticket_id(ccc: Harness) -> int:
    reference = open_ticket(ccc, PHONE)
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        assert ticket.id is not None
        return ticket.id


@pytest.fixture
def announcements() -> Iterator[list[str]]:
    """What this process's hubs are told, as it is told."""
    heard: list[str] = []

    def waker() -> None:
        heard.append("wake")

    local_wakers.append(waker)
    yield heard
    local_wakers.remove(waker)


def test_a_row_written_in_a_savepoint_is_announced_once_its_transaction_commits(
    ccc: Harness, ticket_id: int, announcements: list[str]
) -> None:
    with ccc.session() as session:
        with session.begin_nested():  # as a job's handler runs
            add(session, ticket_id=ticket_id, kind="status")
        assert announcements == [], "announced while the row's transaction was still open"
        session.commit()
    assert announcements == ["wake"]


def test_a_transaction_with_several_savepoints_is_announced_once(
    ccc: Harness, ticket_id: int, announcements: list[str]
) -> None:
    with ccc.session() as session:
        for kind in ("status", "assignment"):
            with session.begin_nested():
                add(session, ticket_id=ticket_id, kind=kind)
        with session.begin_nested():
            pass  # a savepoint that wrote no live event
        session.commit()
    assert announcements == ["wake"]


@pytest.mark.skipif(not TEST_REDIS_URL, reason="the announcement on Redis needs Redis")
def test_other_processes_hear_of_the_row_on_redis_only_once_it_is_committed(
    ccc: Harness, ticket_id: int
) -> None:
    assert TEST_REDIS_URL
    client = Redis.from_url(TEST_REDIS_URL)
    pubsub = client.pubsub()
    pubsub.subscribe(channel_of(client))
    try:
        assert pubsub.get_message(timeout=5)["type"] == "subscribe"  # type: ignore[index]
        with ccc.session() as session:
            with session.begin_nested():
                add(session, ticket_id=ticket_id, kind="status")
            early = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            assert early is None, "announced on Redis while the row's transaction was still open"
            session.commit()
        announced = pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
        assert announced is not None and announced["type"] == "message"
    finally:
        pubsub.close()
        client.close()
