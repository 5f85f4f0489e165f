"""A message that arrives just after PostgreSQL restarted is stored, not refused with a 500;
a call's key press then starts the call over rather than dropping it.

A pooled connection used again within a second is not pinged first (ccc/kernel/db.py,
`IDLE_PING`), so the first webhook after a restart can meet a dead connection. Twilio does not
redeliver an SMS webhook answered with a 500: the person's message would be lost. The webhook's
transaction runs again on a new connection instead (`Runtime.idempotent`)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import select

from ccc.kernel import db
from ccc.messages.models import Direction, Message
from tests.conftest import TEST_DATABASE_URL, Harness
from tests.support.people import TwilioPerson, post_twilio
from tests.support.voice import PhoneCall

MESSAGING = "/webhooks/twilio/messaging"


def every_connection_dropped() -> None:
    """What a PostgreSQL restart does to the web process's pooled connections."""
    assert TEST_DATABASE_URL is not None
    admin = create_engine(TEST_DATABASE_URL, poolclass=NullPool)
    with admin.connect() as connection:
        dropped = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    assert dropped >= 1


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (CCC_TEST_DATABASE_URL)")
def test_a_message_right_after_a_database_restart_is_stored_once(
    ccc: Harness, sms: TwilioPerson, monkeypatch: pytest.MonkeyPatch
) -> None:
    sms.say("hello")
    ccc.drain()
    # However long the pool's connections have been idle, none is pinged before use: the
    # request meets the dead connection, as within a second of the restart.
    monkeypatch.setattr(db, "IDLE_PING", 3600.0)
    every_connection_dropped()

    form = sms.message("my brother is missing")
    response = post_twilio(ccc.client, MESSAGING, form)

    assert response.status_code == 200, response.text
    with ccc.session() as session:
        found = session.exec(
            select(Message).where(
                Message.direction == Direction.inbound,
                Message.external_id == form["MessageSid"],
            )
        ).all()
    assert [message.text for message in found] == ["my brother is missing"]


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (CCC_TEST_DATABASE_URL)")
def test_a_key_press_right_after_a_database_restart_starts_the_call_over(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.press("4")  # English: the main menu
    monkeypatch.setattr(db, "IDLE_PING", 3600.0)
    every_connection_dropped()

    again = call.press("1")

    assert "For English, press 4" in again.said()
