"""The shipped rules, each in Arabic, Sorani, Badini and English, through whole conversations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Harness
from tests.flows import to_main_menu
from tests.support.timeline import rule_events

CONTINUE = "1"


def tracing(circumstances: str, missing: str = "Omar Hassan") -> list[str]:
    return ["1", CONTINUE, "Layla", missing, "4", "Mosul 2017", circumstances, "1"]


def complaint(details: str, about: str = "1") -> list[str]:
    return ["4", CONTINUE, about, details, "1", "1"]


def intake(ccc: Harness, phone: str, language: str, answers: list[str]) -> None:
    if not ccc.transcript(phone):
        to_main_menu(ccc, phone, language)
    else:
        ccc.say(phone, "menu")
    for answer in answers:
        ccc.say(phone, answer)


def tickets_of(ccc: Harness, phone: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    page = ccc.client.get("/api/tickets", params={"q": phone}, headers=headers)
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return sorted(items, key=lambda t: t["created_at"])


DETENTION = {
    "en": "He was arrested at a checkpoint.",
    "ar": "أخذوه إلى السجن من السيطرة",
    "ckb": "لە خاڵی پشکنین دەستگیرکرا",
    "kmr": "Ew niha li zindanê ye",
}


@pytest.mark.parametrize("language", sorted(DETENTION))
def test_words_about_detention_in_a_tracing_answer_route_to_detention(
    ccc: Harness, supervisor: dict[str, str], language: str
) -> None:
    phone = "+9647701110001"
    intake(ccc, phone, language, tracing(DETENTION[language]))
    [ticket] = tickets_of(ccc, phone, supervisor)
    assert (ticket["category"], ticket["team"]) == ("tracing", "detention")
    [event] = rule_events(ccc, ticket["reference"], supervisor)
    assert event["rule"] == "words about arrest, detention or prison go to the detention team"
    assert event["to"] == "detention"


def test_a_later_message_about_detention_moves_the_ticket_to_detention(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    phone = "+9647701110002"
    intake(ccc, phone, "ar", tracing("خرج إلى العمل ولم يعد"))
    [ticket] = tickets_of(ccc, phone, supervisor)
    assert ticket["team"] == "tracing"
    ccc.say(phone, "عرفنا أنه معتقل في بغداد")
    [ticket] = tickets_of(ccc, phone, supervisor)
    assert ticket["team"] == "detention"


MISCONDUCT = {
    "en": "The distributor asked for a bribe to put us on the list.",
    "ar": "طلب الموظف رشوة حتى يسجلنا",
    "ckb": "فەرمانبەرەکە داوای بەرتیل کرد",
    "kmr": "Karmend ji me bertîl xwest",
}


@pytest.mark.parametrize("language", sorted(MISCONDUCT))
def test_an_allegation_in_any_complaint_is_restricted_to_accountability(
    ccc: Harness, supervisor: dict[str, str], language: str
) -> None:
    focal = ccc.user("fatima", "agent", ["accountability"])  # searches by number
    phone = "+9647701110003"
    # The person chose "selection criteria", not "staff conduct": the words decide.
    intake(ccc, phone, language, complaint(MISCONDUCT[language], about="1"))
    assert tickets_of(ccc, phone, supervisor) == []  # restricted: not even a supervisor sees it
    [ticket] = tickets_of(ccc, phone, focal)
    assert (ticket["team"], ticket["sensitivity"], ticket["priority"]) == (
        "accountability",
        "restricted",
        "high",
    )
    actions = [e["action"] for e in rule_events(ccc, ticket["reference"], focal)]
    assert actions == ["priority", "sensitivity", "team"]


INFLECTED_ALLEGATION = {
    "ckb": "کارمەندەکە بەرتیلی لێ داوا کردم",  # بەرتیل + ـی: the example
    "ar": "الموظفون يطالبون برشاوى وتحرشوا بأختي، والمتحرشين معروفون",
    "kmr": "Karmend bertîlê dixwaze",
    "en": "The guard bribed the driver and harassed us",
}


@pytest.mark.parametrize("language", sorted(INFLECTED_ALLEGATION))
def test_an_allegation_in_ordinary_grammar_is_restricted(
    ccc: Harness, supervisor: dict[str, str], language: str
) -> None:
    phone = "+9647701110013"
    intake(ccc, phone, language, complaint(INFLECTED_ALLEGATION[language], about="1"))
    assert tickets_of(ccc, phone, supervisor) == []
    focal = ccc.user("fatima", "agent", ["accountability"])  # searches by number
    [ticket] = tickets_of(ccc, phone, focal)
    assert ticket["sensitivity"] == "restricted"


def test_a_complaint_without_allegations_is_not_restricted(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    phone = "+9647701110004"
    intake(ccc, phone, "en", complaint("I was not selected although my family qualifies."))
    [ticket] = tickets_of(ccc, phone, supervisor)
    assert (ticket["team"], ticket["sensitivity"]) == ("accountability", "normal")


EMERGENCY = {
    "en": "He is injured and bleeding badly.",
    "ar": "كان ينزف عندما أخذوه",
    "ckb": "خوێنبەربوونی هەبوو، خوێنبەربوون",
    "kmr": "xwînberbûn hebû",
}


@pytest.mark.parametrize("language", sorted(EMERGENCY))
def test_a_medical_emergency_is_urgent(
    ccc: Harness, supervisor: dict[str, str], language: str
) -> None:
    phone = "+9647701110005"
    intake(ccc, phone, language, tracing(EMERGENCY[language]))
    [ticket] = tickets_of(ccc, phone, supervisor)
    assert (ticket["priority"], ticket["team"]) == ("urgent", "tracing")


SAME_NAME = {
    "en": ("Omar Hassan", "Omar  Hassan"),
    "ar": ("عمر حسن", "عُمَر حسـن"),  # diacritics and a tatweel: the same name
    "ckb": ("عومەر حەسەن", "عومه‌ر حه‌سه‌ن"),
    "kmr": ("Omer Hesen", "Omer Hesen"),
}
ALREADY = {
    "en": "You already have a request for this person",
    "ar": "لديك طلب سابق لهذا الشخص",
    "ckb": "پێشتر داواکاریت بۆ ئەم کەسە هەیە",
    "kmr": "تە بەری نوکە داخوازەک بۆ ڤی کەسی هەیە",
}


@pytest.mark.parametrize("language", sorted(SAME_NAME))
def test_a_second_tracing_request_for_the_same_name_joins_the_first(
    ccc: Harness, supervisor: dict[str, str], language: str
) -> None:
    phone = "+9647701110006"
    first_name, second_name = SAME_NAME[language]
    intake(ccc, phone, language, tracing("lost", missing=first_name))
    [first] = tickets_of(ccc, phone, supervisor)
    intake(ccc, phone, language, tracing("seen in Tal Afar in 2018", missing=second_name))
    # No second ticket: the person is told the reference they already have, in their language.
    assert [t["reference"] for t in tickets_of(ccc, phone, supervisor)] == [first["reference"]]
    told = ccc.last_reply(phone)
    assert told.startswith(ALREADY[language])
    assert _digits(told) == first["reference"]
    # The second intake's answers and messages are on the first ticket's timeline.
    timeline = ccc.client.get(
        f"/api/tickets/{first['reference']}/timeline", headers=supervisor
    ).json()
    [joined] = [e for e in timeline if e.get("kind") == "intake_joined"]
    assert joined["data"]["answers"]["circumstances"] == "seen in Tal Afar in 2018"
    assert "seen in Tal Afar in 2018" in [e.get("text") for e in timeline]
    assert {
        "rule": "a second tracing request for the same person links to the first",
        "action": "joined",
        "reason": "a second intake for the same request",
    } in rule_events(ccc, first["reference"], supervisor)
    # Another name is another request: a ticket of its own.
    intake(ccc, phone, language, tracing("another", missing="Someone Else"))
    assert len(tickets_of(ccc, phone, supervisor)) == 2


def _digits(text: str) -> str:
    import re

    from ccc.kernel.text import normalise_digits

    return "".join(re.findall("[0-9]", normalise_digits(text)))
