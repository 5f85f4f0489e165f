"""People answer as they speak: yes and no in words, numbers in words or with a unit, menu and
language words in their own spelling, and long stories that are kept, not refused."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ccc.contacts.models import Contact
from ccc.messages.models import Message
from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.flows import CONTINUE, reference_in, to_main_menu

PHONE = "+9647701234567"
MENU = {
    "ar": "كيف نساعدك؟",
    "ckb": "چۆن یارمەتیت بدەین؟",
    "kmr": "چەوا هاریکاریا تە بکەین؟",
    "en": "How can we help you?",
}
WELCOME = "1 العربية"


def assistance(ccc: Harness, language: str, household: str, consent: str) -> dict[str, object]:
    """Asks for cash assistance, answering the household and consent questions in words."""
    to_main_menu(ccc, PHONE, language)
    for answer in ("3", CONTINUE, "Layla Hassan", "1", household, "نينوى", consent):
        ccc.say(PHONE, answer)
    reference = reference_in(ccc.last_reply(PHONE))
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        return dict(ticket.answers)


@pytest.mark.parametrize(
    ("language", "household", "size", "consent", "agreed"),
    [
        ("ar", "٥ أشخاص", 5, "نعم", "yes"),
        ("ar", "خمسة", 5, "لا", "no"),
        ("ar", "خمسطعش", 15, "أكيد", "yes"),
        ("ar", "ثلاثة عشر شخصاً", 13, "كلا", "no"),
        ("ckb", "پێنج", 5, "بەڵێ", "yes"),
        ("ckb", "دوازدە کەس", 12, "نەخێر", "no"),
        ("kmr", "پێنج کەس", 5, "erê", "yes"),
        ("kmr", "بیست", 20, "na", "no"),
        ("en", "5 persons", 5, "yes", "yes"),
        ("en", "Five", 5, "No.", "no"),
        ("en", "twenty", 20, "Yes!", "yes"),
    ],
)
def test_numbers_and_yes_or_no_in_words(
    ccc: Harness, language: str, household: str, size: int, consent: str, agreed: str
) -> None:
    answers = assistance(ccc, language, household, consent)
    assert answers["household_size"] == size
    assert answers["consent_to_share"] == agreed


def test_two_numbers_are_not_guessed_between(ccc: Harness) -> None:
    to_main_menu(ccc, PHONE, "en")
    for answer in ("3", CONTINUE, "Layla Hassan", "1"):
        ccc.say(PHONE, answer)
    ccc.say(PHONE, "5 or 6")
    assert ccc.last_reply(PHONE).startswith("How many people live in your household?")


@pytest.mark.parametrize(
    ("language", "word"),
    [
        ("ar", "قائمه"),
        ("ar", "القائمه"),
        ("ar", "القائمة الرئيسية"),
        ("ckb", "مێنیو"),
        ("kmr", "مێنیو!"),
        ("en", "Menu!"),
        ("en", "main menu"),
    ],
)
def test_a_menu_word_at_a_free_text_question_goes_to_the_menu_unsaved(
    ccc: Harness, language: str, word: str
) -> None:
    to_main_menu(ccc, PHONE, language)
    ccc.say(PHONE, "1")
    ccc.say(PHONE, CONTINUE)
    ccc.say(PHONE, word)  # "What is your full name?"
    assert ccc.last_reply(PHONE).startswith(MENU[language])
    ccc.say(PHONE, "1")
    ccc.say(PHONE, CONTINUE)
    ccc.say(PHONE, "Layla")
    with ccc.session() as session:
        names = [m.text for m in session.exec(select(Message)) if m.direction == "in"]
    assert word in names


@pytest.mark.parametrize(
    ("start", "word", "key", "then"),
    [
        ("en", "language", "1", "ar"),
        ("en", "لغة", "2", "ckb"),
        ("ar", "اللغة", "4", "en"),
        ("ckb", "زمان", "3", "kmr"),
        ("ar", "English", "4", "en"),
        ("en", "عربي", "1", "ar"),
        ("ar", "کوردی", "2", "ckb"),
    ],
)
def test_a_language_word_at_any_time_brings_back_the_language_menu(
    ccc: Harness, start: str, word: str, key: str, then: str
) -> None:
    to_main_menu(ccc, PHONE, start)
    ccc.say(PHONE, "1")
    ccc.say(PHONE, CONTINUE)
    ccc.say(PHONE, word)
    assert WELCOME in ccc.last_reply(PHONE)
    ccc.say(PHONE, key)
    assert ccc.last_reply(PHONE).startswith(MENU[then])
    with ccc.session() as session:
        assert session.exec(select(Contact)).one().language == then


def test_at_the_language_menu_a_language_named_in_words_is_chosen(ccc: Harness) -> None:
    ccc.say(PHONE, "hello")
    ccc.say(PHONE, "English")
    assert ccc.last_reply(PHONE).startswith(MENU["en"])
    ccc.say(PHONE, "عربي")
    ccc.say(PHONE, "العربية")
    assert ccc.last_reply(PHONE).startswith(MENU["ar"])


@pytest.mark.parametrize(("language", "label"), [("ar", "أكمل"), ("en", "continue")])
def test_a_choice_may_be_answered_with_its_label(ccc: Harness, language: str, label: str) -> None:
    to_main_menu(ccc, PHONE, language)
    ccc.say(PHONE, "1")
    ccc.say(PHONE, label)
    assert ccc.last_reply(PHONE) in {"ما اسمك الثلاثي؟", "What is your full name?"}


def test_a_very_long_story_is_kept_cut_with_a_note_on_the_ticket(
    ccc: Harness, agent: dict[str, str]
) -> None:
    story = "He left for work in the morning and did not come back. " * 50
    to_main_menu(ccc, PHONE, "en")
    for answer in ("1", CONTINUE, "Layla Hassan", "Omar Hassan", "4", "Mosul, 2017"):
        ccc.say(PHONE, answer)
    ccc.say(PHONE, story)
    assert ccc.last_reply(PHONE).startswith("Do you agree that we share your answers")
    ccc.say(PHONE, "1")
    reference = reference_in(ccc.last_reply(PHONE))
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    kept = ticket["answers"]["circumstances"]
    assert 1000 < len(kept) <= 1500 and story.startswith(kept[:-1])
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    notes = [item["data"]["text"] for item in timeline if item.get("kind") == "note"]
    assert notes and "'circumstances'" in notes[0] and "cut" in notes[0]
    messages = [item.get("text") or "" for item in timeline if item["type"] == "message"]
    assert any(text.strip() == story.strip() for text in messages)
