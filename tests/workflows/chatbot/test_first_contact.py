"""A person heard from for the first time: their contact, identity and conversation are made in
the request's transaction without being read back (a new caller's first request), and what the
chatbot knows of the number from another channel still counts."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import select

from ccc.contacts.models import Contact
from ccc.contacts.service import get_or_create_identity, voice_identity
from ccc.conversations.models import Conversation
from tests.conftest import Harness
from workflows.chatbot.engine import conversation_of
from workflows.files.library import current

PHONE = "+9647701112233"


def test_a_new_persons_conversation_is_made_without_reading_for_one(ccc: Harness) -> None:
    statements: list[str] = []
    event.listen(ccc.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with ccc.session() as session:
        identity = voice_identity(session, phone=PHONE)
        first = conversation_of(session, identity, current())
        again = conversation_of(session, identity, current())  # asked twice: found, not made
        session.commit()
    assert again is first
    reads = [s.strip() for s in statements if s.lstrip().upper().startswith("SELECT")]
    # The second ask looks for the conversation (and finds the first); the first read nothing.
    assert len([s for s in reads if "FROM conversation" in s]) == 1
    assert not [s for s in reads if s.startswith("SELECT contact.id")]  # no language to read
    with ccc.session() as session:
        stored = session.exec(select(Conversation)).all()
        assert [c.identity_id for c in stored] == [identity.id]
        later = voice_identity(session, phone=PHONE)  # the next call: read, not made
        assert later.id == identity.id
        assert conversation_of(session, later, current()).id == first.id


def test_a_caller_who_texted_before_is_answered_in_their_language(ccc: Harness) -> None:
    with ccc.session() as session:
        texted = get_or_create_identity(session, channel="sms", address=PHONE)
        contact = session.get(Contact, texted.contact_id)
        assert contact is not None
        contact.language = "ckb"
        session.add(contact)
        session.commit()
    with ccc.session() as session:
        caller = voice_identity(session, phone=PHONE)  # a new identity of a known contact
        assert caller.contact_id == texted.contact_id
        assert conversation_of(session, caller, current()).language == "ckb"
        session.commit()
