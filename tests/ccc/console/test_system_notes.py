"""CCC's own notes on a ticket are in the reader's language: the walk of 2026-12-06 found the
WhatsApp 24-hour notes ("Sent by SMS to the same number: …") in English on the Arabic ticket
page. What an agent writes in a note stays as written."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ccc.access.models import User
from ccc.channels import templates
from ccc.channels.port import Template
from ccc.console import i18n
from ccc.console.reply_box import NOT_SENT_WORDS as NOT_SENT_WORDS_BOX
from ccc.console.reply_box import SMS_WORDS, WINDOW_WORDS
from ccc.console.reply_box import TEMPLATE_WORDS as TEMPLATE_WORDS_BOX
from ccc.console.timeline_view import NOTE_WORDS, TEMPLATE_WORDS, blocks
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.people import TwilioPerson, open_ticket, quiet_for_a_day, reply

SMS_NOTE_AR = "أُرسلت برسالة قصيرة إلى الرقم نفسه"
NOT_SENT_AR = "تعذّر إرسال رسالة إلى الشخص (outside_window): كتب الشخص آخر مرة على واتساب"


@pytest.fixture
def settings(database_url: str, fake_twilio: FakeApi) -> Settings:
    return channel_settings(database_url, fake_twilio, None)


def gettext_ar(words: str) -> str:
    return i18n.gettext_for("ar")(words)


def arabic_page(ccc: Harness, reference: str) -> str:
    browser = Browser.open(ccc)
    with ccc.session() as session:
        known = session.exec(select(User).where(User.name == "layla")).first() is not None
    password = "correct horse battery"
    if not known:
        console_user(ccc, "layla", "agent", ["ccc"], password=password, language="ar")
    browser.log_in("layla", password)
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


def test_the_reply_box_says_how_a_whatsapp_reply_goes_after_24_hours(
    ccc: Harness, whatsapp: TwilioPerson
) -> None:
    """The walk found "goes by WhatsApp" on a ticket whose reply went by SMS."""
    reference = open_ticket(whatsapp)
    inside = arabic_page(ccc, reference)
    assert "يُرسل عبر واتساب" in inside and 'class="notice reply-window"' not in inside
    quiet_for_a_day(ccc)
    page = arabic_page(ccc, reference)
    assert "يُرسل عبر رسالة قصيرة" in page
    assert gettext_ar(SMS_WORDS) in page and 'data-sms="yes"' in page


def test_the_reply_box_names_the_template_or_says_it_cannot_be_sent(
    ccc: Harness, whatsapp: TwilioPerson
) -> None:
    reference = open_ticket(whatsapp)
    quiet_for_a_day(ccc)
    approved = Template(content_sid="HX" + "a" * 32, variables=(("1", reference),))
    previous = templates.use(lambda purpose, language, values: approved)
    try:
        assert gettext_ar(TEMPLATE_WORDS_BOX) in arabic_page(ccc, reference)
    finally:
        templates.use(previous)
    ccc.runtime.settings = ccc.runtime.settings.model_copy(update={"twilio_sms_from": None})
    page = arabic_page(ccc, reference)
    assert gettext_ar(NOT_SENT_WORDS_BOX) in page and "يُرسل عبر واتساب" in page


@pytest.mark.parametrize("language", ["ar", "ckb", "kmr"])
def test_the_reply_box_words_are_translated(language: str) -> None:
    catalogue = i18n.catalogue(language)
    assert not [words for words in WINDOW_WORDS if not catalogue.get(words)]
