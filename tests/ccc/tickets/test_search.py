"""The queue's search (issue 20): words in any spelling of Arabic, Sorani and English, found in the
answers and in the person's messages through the normalised search text; a phone number in any
form; a reference; too short a word refused; and the same visibility rules as every read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from ccc.access.models import Team
from ccc.contacts.service import get_or_create_identity
from ccc.messages.models import Direction, Message, MessageStatus
from ccc.retention.scrub import scrub_ticket
from ccc.tickets.models import Ticket
from ccc.tickets.search import search_text
from ccc.tickets.service import create_ticket
from tests.conftest import Harness
from tests.flows import open_ticket
from tests.support.statements import statements_sent

PHONE = "+9647701234567"


def new_ticket(
    ccc: Harness,
    answers: dict[str, Any],
    *,
    address: str = PHONE,
    team: str = "tracing",
    sensitivity: str = "normal",
) -> str:
    with ccc.session() as session:
        identity = get_or_create_identity(session, channel="sms", address=address)
        ticket = create_ticket(
            session, identity=identity, category="tracing", language="ar", answers=answers
        )
        ticket.team_id = session.exec(select(Team.id).where(Team.slug == team)).one()
        ticket.sensitivity = sensitivity
        session.add(ticket)
        session.commit()
        return ticket.reference


def found(ccc: Harness, headers: dict[str, str], q: str) -> list[str]:
    response = ccc.client.get("/api/tickets", params={"q": q}, headers=headers)
    assert response.status_code == 200, (q, response.text)
    return [t["reference"] for t in response.json()["items"]]


def test_the_search_text_is_the_answers_values_normalised_never_their_keys() -> None:
    answers = {"name": "زَيْنَب أحمـــد", "places": ["کەرکووک", {"x": "Omar"}], "ok": True}
    text = search_text(answers, ["رسالة ثانية"])
    assert text == "زينب احمد كهركووك omar\nرساله ثانيه"
    assert "name" not in text and "true" not in text


def test_arabic_spellings_find_each_other(ccc: Harness, supervisor: dict[str, str]) -> None:
    zainab = new_ticket(ccc, {"missing_person_name": "زَيْنَب أحمـــد", "details": "مفقودة"})
    other = new_ticket(
        ccc, {"missing_person_name": "فاطمة", "details": "في الموصل"}, address="+9647801112222"
    )
    # Without diacritics or tatweel, with a bare alef, with the teh marbuta written as heh.
    assert found(ccc, supervisor, "زينب احمد") == [zainab]
    assert found(ccc, supervisor, "زيـنب") == [zainab]
    assert found(ccc, supervisor, "إحمد") == [zainab]
    assert found(ccc, supervisor, "فاطمه") == [other]
    assert found(ccc, supervisor, "الموصل") == [other]
    assert found(ccc, supervisor, "بغداد") == []


def test_sorani_letters_are_unified(ccc: Harness, supervisor: dict[str, str]) -> None:
    kirkuk = new_ticket(ccc, {"last_seen_location": "کەرکووک", "details": "برای من ونبووە"})
    # Typed on an Arabic keyboard (kaf, heh, yeh) or a Kurdish one (keheh, ae, Farsi yeh).
    assert found(ccc, supervisor, "كهركووك") == [kirkuk]
    assert found(ccc, supervisor, "کەرکووک") == [kirkuk]
    assert found(ccc, supervisor, "براي") == [kirkuk]
    assert found(ccc, supervisor, "ونبووه") == [kirkuk]


def test_english_words_are_found_in_any_case(ccc: Harness, agent: dict[str, str]) -> None:
    omar = new_ticket(ccc, {"missing_person_name": "Omar Khalid", "details": "Last seen in Mosul."})
    assert found(ccc, agent, "omar khalid") == [omar]
    assert found(ccc, agent, "MOSUL") == [omar]
    assert found(ccc, agent, "mosul.") == [omar]
    assert found(ccc, agent, "100%") == []


def test_the_persons_later_messages_are_searched(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    assert found(ccc, agent, "Qasim") == []
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        said = Message(
            contact_id=ticket.contact_id,
            identity_id=ticket.identity_id,
            ticket_id=ticket.id,
            direction=Direction.inbound,
            channel="sms",
            text="اسم أخي قاسم، Qasim",
            status=MessageStatus.received,
        )
        session.add(said)
        # The centre's own words are not the person's: not searched.
        reply = Message(
            contact_id=ticket.contact_id,
            identity_id=ticket.identity_id,
            ticket_id=ticket.id,
            direction=Direction.outbound,
            channel="sms",
            text="Thank you Rashid",
            status=MessageStatus.sent,
        )
        session.add(reply)
        session.commit()
    assert found(ccc, agent, "qasim") == [reference]
    assert found(ccc, agent, "قاسم") == [reference]
    assert found(ccc, agent, "Rashid") == []
    # Answers written again keep the messages in the search text.
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        ticket.answers = {**ticket.answers, "details": "Updated by the agent"}
        session.add(ticket)
        session.commit()
    assert found(ccc, agent, "updated by") == [reference]
    assert found(ccc, agent, "qasim") == [reference]


def test_an_anonymised_ticket_is_no_longer_found_by_its_words(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = new_ticket(ccc, {"missing_person_name": "Zainab Kareem", "governorate": "Duhok"})
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        session.add(
            Message(
                contact_id=ticket.contact_id,
                identity_id=ticket.identity_id,
                ticket_id=ticket.id,
                direction=Direction.inbound,
                channel="sms",
                text="please find Zainab",
                status=MessageStatus.received,
            )
        )
        session.commit()
        assert found(ccc, agent, "zainab") == [reference]
        scrub_ticket(session, ticket=ticket, now=datetime.now(UTC))
        session.commit()
    assert found(ccc, agent, "zainab") == []
    assert found(ccc, agent, "duhok") == [reference]  # the governorate the reports count stays


def test_a_phone_number_in_any_form_finds_the_persons_tickets(
    ccc: Harness, agent: dict[str, str]
) -> None:
    first = new_ticket(ccc, {"details": "first"})
    second = new_ticket(ccc, {"details": "second"})
    new_ticket(ccc, {"details": "someone else"}, address="+9647809876543")
    for form in (
        PHONE,
        "07701234567",
        "0770 123 4567",
        "00964 770 123 4567",
        "+964-770-123-4567",
        "٠٧٧٠١٢٣٤٥٦٧",
        "۰۷۷۰ ۱۲۳ ۴۵۶۷",
        f"whatsapp:{PHONE}",
    ):
        assert found(ccc, agent, form) == [second, first], form
    assert found(ccc, agent, "+9647700000000") == []


def test_a_reference_however_written(ccc: Harness, agent: dict[str, str]) -> None:
    reference = new_ticket(ccc, {"details": "x"})
    new_ticket(ccc, {"details": f"mentions {reference}"}, address="+9647809876543")
    arabic_digits = reference.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for form in (reference, f"{reference[:4]}-{reference[4:]}", arabic_digits):
        assert found(ccc, agent, form) == [reference], form


def test_too_short_a_search_is_a_clear_422(ccc: Harness, agent: dict[str, str]) -> None:
    new_ticket(ccc, {"details": "ab علي"})
    for short in ("ab", "زي", "a.", " ـعـ "):
        response = ccc.client.get("/api/tickets", params={"q": short}, headers=agent)
        assert response.status_code == 422, short
        assert "at least 3 letters" in response.json()["detail"]


def test_search_keeps_the_visibility_rules(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    sensitive = new_ticket(ccc, {"details": "secret Haidar"}, sensitivity="sensitive")
    restricted = new_ticket(
        ccc,
        {"details": "bribe Haidar"},
        address="+9647801112222",
        team="accountability",
        sensitivity="restricted",
    )
    tracer = ccc.user("tina", "team_member", ["tracing"])
    detention = ccc.user("dana", "team_member", ["detention"])
    focal = ccc.user("fay", "team_member", ["accountability"])
    # An agent outside the tracing team may not search a sensitive ticket's words.
    assert found(ccc, agent, "haidar") == []
    assert found(ccc, tracer, "haidar") == [sensitive]
    assert found(ccc, detention, "haidar") == []
    assert found(ccc, supervisor, "haidar") == [sensitive]  # never the restricted one
    assert found(ccc, focal, "haidar") == [restricted]
    assert found(ccc, supervisor, PHONE) == [sensitive]
    assert found(ccc, supervisor, restricted) == []


def test_a_new_tickets_text_is_written_once_at_the_commit_not_at_its_savepoint(
    ccc: Harness,
) -> None:
    """A ticket opened with the person's message (a voice message) has its text written once,
    at the commit, with the message: when its creation released a savepoint, SQLAlchemy's
    commit hooks ran there too, and the text was written twice, three statements each time."""
    with ccc.session() as session:
        identity = get_or_create_identity(session, channel="sms", address=PHONE)
        session.commit()
        with statements_sent(ccc.engine) as sent:
            ticket = create_ticket(
                session, identity=identity, category="tracing", language="ar", answers={}
            )
            assert ticket.id is not None and identity.id is not None
            said = "ابني مفقود منذ ثلاث سنوات"
            session.add(
                Message(
                    contact_id=identity.contact_id,
                    identity_id=identity.id,
                    ticket_id=ticket.id,
                    direction=Direction.inbound,
                    channel="voice",
                    text=said,
                    status=MessageStatus.received,
                )
            )
            session.commit()
        written = [s for s in sent if s.startswith("UPDATE ticket SET search_text")]
        assert len(written) == 1
        session.refresh(ticket)
        assert ticket.search_text == search_text({}, [said])


def test_a_ticket_opened_alone_has_its_text_in_its_insert(
    ccc: Harness, agent: dict[str, str]
) -> None:
    """Nothing but its answers can be in a new ticket's text: no read of them or of messages
    after the INSERT, no UPDATE (an abandoned caller's callback, an intake's ticket)."""
    with ccc.session() as session:
        identity = get_or_create_identity(session, channel="sms", address=PHONE)
        session.commit()
        with statements_sent(ccc.engine) as sent:
            ticket = create_ticket(
                session,
                identity=identity,
                category="tracing",
                language="ar",
                answers={"missing_name": "زينب"},
            )
            session.commit()
        reference = ticket.reference
    assert not [s for s in sent if "search_text=" in s or "FROM message" in s]
    assert found(ccc, agent, "زينب") == [reference]
