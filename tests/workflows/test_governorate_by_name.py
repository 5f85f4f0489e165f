"""The governorate is asked by name, in one SMS; the numbered list of 19 comes only after an
answer that names none. Names are understood in any of the four languages and spellings."""

from __future__ import annotations

import pytest

from ccc.channels.sms import segments
from tests.conftest import Harness
from tests.flows import LANGUAGE_KEY, reference_in, to_main_menu
from tests.workflows.test_way_out import replies_to

CONTINUE = "1"
ASKED = {
    "ar": "في أي محافظة تسكن؟ اكتب اسمها، مثلاً: بغداد.",
    "ckb": "لە کام پارێزگا دەژیت؟ ناوەکەی بنووسە، بۆ نموونە: هەولێر.",
    "kmr": "تو ل کیژ پارێزگەهێ دژی؟ ناڤێ وێ بنڤیسە، بۆ نموونە: دهۆک.",
    "en": "In which governorate do you live? Write its name, for example Baghdad.",
}
# What people write, and the governorate it names.
NAMED = {
    "ar": ("البصرة", "basra"),
    "ckb": ("هەولێر", "erbil"),
    "kmr": ("دهوک", "duhok"),  # a heh where the label has ۆ: folded the same
    "en": ("Sulaymaniyah", "sulaymaniyah"),
}


def at_governorate(ccc: Harness, phone: str, language: str) -> list[str]:
    to_main_menu(ccc, phone, language)
    for answer in ("3", CONTINUE, "Layla Hassan", "1"):
        ccc.say(phone, answer)
    return replies_to(ccc, phone, "6")  # six people in the household


@pytest.mark.parametrize("language", sorted(ASKED))
def test_the_governorate_is_asked_by_name_in_one_sms(ccc: Harness, language: str) -> None:
    phone = f"+96477066600{LANGUAGE_KEY[language]}"
    (question,) = at_governorate(ccc, phone, language)
    assert question == ASKED[language]
    assert segments(question) == 1
    written, value = NAMED[language]
    (consent,) = replies_to(ccc, phone, written)
    assert "1" in consent  # the next question: consent, with its numbered choices
    ccc.say(phone, "1")
    reference = reference_in(ccc.last_reply(phone))
    with ccc.session() as session:
        from sqlmodel import select

        from ccc.tickets.models import Ticket

        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
    assert ticket.answers["governorate"] == value


@pytest.mark.parametrize(
    ("written", "value"),
    [("بصرة", "basra"), ("Basra", "basra"), ("الديوانية", "qadisiyah"), ("نەینەوا", "ninawa")],
)
def test_a_name_in_another_language_or_without_the_article_is_understood(
    ccc: Harness, written: str, value: str
) -> None:
    phone = "+9647706660099"
    at_governorate(ccc, phone, "ar")
    ccc.say(phone, written)
    ccc.say(phone, "1")
    reference = reference_in(ccc.last_reply(phone))
    with ccc.session() as session:
        from sqlmodel import select

        from ccc.tickets.models import Ticket

        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
    assert ticket.answers["governorate"] == value


def test_an_answer_naming_none_brings_the_numbered_list(ccc: Harness) -> None:
    phone = "+9647706660098"
    at_governorate(ccc, phone, "en")
    sorry, listed = replies_to(ccc, phone, "near the river")
    assert sorry.startswith("Sorry, we did not understand.")
    assert listed.splitlines()[1] == "1 Baghdad" and listed.splitlines()[-1] == "19 Halabja"
    (consent,) = replies_to(ccc, phone, "4")
    assert consent.startswith("Do you agree that we share your answers")


def test_the_cost_report_counts_the_question_and_says_when_the_list_is_sent() -> None:
    from workflows.files.library import PACKAGE_DIR
    from workflows.files.segments import report

    lines = report(PACKAGE_DIR)
    (asked,) = [line for line in lines if line.split()[:1] == ["governorate_by_name"]]
    assert asked.split()[1:] == ["ar", "1", "ckb", "1", "kmr", "1", "en", "1"]
    warnings = [line for line in lines if "warning: prompt 'governorate'" in line]
    assert len(warnings) == 3  # the numbered list in ar, ckb and kmr: 3 segments each
    assert all(
        line.endswith("sent only after an answer to 'governorate_by_name' names no choice")
        for line in warnings
    )
    assert not [line for line in lines if "warning" in line and "main_menu" in line]
