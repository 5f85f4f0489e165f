"""CCC's own notes on a ticket are in the reader's language: the walk of 2026-12-06 found the
WhatsApp 24-hour notes ("Sent by SMS to the same number: …") in English on the Arabic ticket
page. What an agent writes in a note stays as written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from ccc.console import i18n
from ccc.console.timeline_view import NOTE_WORDS, TEMPLATE_WORDS, blocks
from ccc.contacts.models import Identity
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.people import TwilioPerson, open_ticket, reply

SMS_NOTE_AR = "أُرسلت برسالة قصيرة إلى الرقم نفسه"
NOT_SENT_AR = "تعذّر إرسال رسالة إلى الشخص (outside_window): كتب الشخص آخر مرة على واتساب"


@pytest.fixture
def settings(database_url: str, fake_twilio: FakeApi) -> Settings:
    return channel_settings(database_url, fake_twilio, None)


def quiet_for_a_day(ccc: Harness) -> None:
    with ccc.session() as session:
        person = session.exec(select(Identity).where(Identity.channel == "whatsapp")).one()
        person.last_inbound_at = utcnow() - timedelta(hours=25)
        session.add(person)
        session.commit()


def arabic_page(ccc: Harness, reference: str) -> str:
    browser = Browser.open(ccc)
    browser.log_in("layla", console_user(ccc, "layla", "agent", ["ccc"], language="ar"))
    return browser.get(f"/console/tickets/{reference}").text


@pytest.mark.parametrize("language", ["ar", "ckb", "kmr"])
def test_the_notes_words_are_translated(language: str) -> None:
    catalogue = i18n.catalogue(language)
    assert not [words for words in NOTE_WORDS if not catalogue.get(words)]


def test_the_sms_fallback_note_reads_in_arabic(
    ccc: Harness, whatsapp: TwilioPerson, agent: dict[str, str]
) -> None:
    reference = open_ticket(whatsapp)
    quiet_for_a_day(ccc)
    reply(ccc, agent, reference, "Are you still there?")
    page = arabic_page(ccc, reference)
    assert SMS_NOTE_AR in page
    assert "Sent by SMS" not in page


def test_the_not_sent_note_reads_in_arabic(
    ccc: Harness, whatsapp: TwilioPerson, agent: dict[str, str]
) -> None:
    reference = open_ticket(whatsapp)
    quiet_for_a_day(ccc)
    ccc.runtime.settings = ccc.runtime.settings.model_copy(update={"twilio_sms_from": None})
    reply(ccc, agent, reference, "Are you still there?")
    page = arabic_page(ccc, reference)
    assert NOT_SENT_AR in page
    assert "could not be sent" not in page


def test_an_agents_note_and_the_template_note(ccc: Harness) -> None:
    """By their opening words, and only CCC's own: an agent's note that happens to begin the
    same way stays as written."""
    gettext = i18n.gettext_for("ar")
    at = utcnow()

    def note(actor: str, text: str) -> dict[str, object]:
        return {
            "type": "event",
            "kind": "note",
            "actor": actor,
            "data": {"text": text},
            "created_at": at,
        }

    template = "Sent as the approved WhatsApp template: the person last wrote on WhatsApp …"
    agent_text = "Sent as the approved WhatsApp template: I checked, it went."
    with ccc.session() as session:
        shown = blocks(session, [note("routing", template), note("sara", agent_text)], gettext)
    texts = [block["item"]["data"]["text"] for block in shown]
    assert texts == [gettext(TEMPLATE_WORDS), agent_text]
    assert texts[0] != TEMPLATE_WORDS
