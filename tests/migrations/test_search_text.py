"""Revision 0014_search3 gives every existing ticket its search text (issue 20): a centre that
upgrades finds its whole history by words at once, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from ccc.contacts.service import get_or_create_identity
from ccc.kernel.db import make_engine
from ccc.kernel.migrate import alembic_config
from ccc.messages.models import Direction, Message, MessageStatus
from ccc.tickets.models import Ticket
from ccc.tickets.service import create_ticket


def test_upgrading_fills_the_search_text_of_every_ticket(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config(database_url)
    try:
        with Session(engine) as session:
            identity = get_or_create_identity(session, channel="sms", address="+9647701234567")
            for n in range(3):
                ticket = create_ticket(
                    session,
                    identity=identity,
                    category="tracing",
                    language="ar",
                    answers={"missing_person_name": f"زَيْنَب {n}", "details": "کەرکووک"},
                )
                session.add(
                    Message(
                        contact_id=ticket.contact_id,
                        identity_id=ticket.identity_id,
                        ticket_id=ticket.id,
                        direction=Direction.inbound,
                        channel="sms",
                        text="أخي مفقـود",
                        status=MessageStatus.received,
                    )
                )
            session.commit()
        command.downgrade(config, "0013_data3")
        command.upgrade(config, "head")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT search_text FROM ticket ORDER BY id")).all()
        assert [row[0] for row in rows] == [f"زينب {n} كهركووك\nاخي مفقود" for n in range(3)]
        with Session(engine) as session:
            hits = session.exec(select(Ticket).where(Ticket.search_text.contains("اخي"))).all()  # type: ignore[union-attr]
            assert len(hits) == 3
    finally:
        engine.dispose()
