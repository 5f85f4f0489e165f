"""No dead ends: a person the chatbot keeps misunderstanding reaches a person, 0 is confirmed
before anyone is called, the look-up block says how long, and an interrupted intake can be
continued after a timeout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from ccc.conversations.models import Conversation
from ccc.kernel.timeutil import utcnow
from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.flows import CONTINUE, open_ticket, reference_in, to_main_menu
from tests.support.people import replies_to

PHONE = "+9647701234567"
STRANGER = "+9647509998877"
OFFER = {
    "ar": "للتحدث مع موظف أرسل 0.",
    "ckb": "بۆ قسەکردن لەگەڵ کارمەندێک 0 بنێرە.",
    "kmr": "بۆ ئاخفتنێ دگەل کارمەندەکی 0 فرێکە.",
    "en": "To talk to a person, send 0.",
}
CALLED = {
    "ar": "عذراً، لم نتفاهم.",
    "ckb": "ببورە، لە یەک تێنەگەیشتین.",
    "kmr": "ببورە، مە فام نەکر.",
    "en": "Sorry, we could not understand each other.",
}
MENU = "How can we help you?"


def at_relationship_question(ccc: Harness, language: str) -> None:
    to_main_menu(ccc, PHONE, language)
    for answer in ("1", CONTINUE, "Layla Hassan", "Omar Hassan"):
        ccc.say(PHONE, answer)


def callbacks(ccc: Harness) -> list[Ticket]:
    with ccc.session() as session:
        found = session.exec(select(Ticket)).all()
    return [t for t in found if t.answers.get("request") == "callback"]


@pytest.mark.parametrize("language", ["ar", "ckb", "kmr", "en"])
def test_three_misunderstood_answers_offer_a_person_and_five_bring_a_call(
    ccc: Harness, language: str
) -> None:
    at_relationship_question(ccc, language)
    first, second = replies_to(ccc, PHONE, "9"), replies_to(ccc, PHONE, "?")
    assert OFFER[language] not in " ".join(first + second)
    third = replies_to(ccc, PHONE, "what")
    assert third[0].endswith(OFFER[language])
    replies_to(ccc, PHONE, "hmm")
    assert callbacks(ccc) == []
    fifth = replies_to(ccc, PHONE, "I do not know")
    assert fifth[0].startswith(CALLED[language])
    (ticket,) = callbacks(ccc)
    assert ticket.answers["callback_reason"] == "not_understood"
    assert ticket.answers["missing_person_name"] == "Omar Hassan"
    assert reference_in(fifth[1]) == ticket.reference


def test_a_good_answer_in_between_starts_the_count_again(ccc: Harness) -> None:
    at_relationship_question(ccc, "en")
    for wrong in ("9", "?"):
        ccc.say(PHONE, wrong)
    ccc.say(PHONE, "4")  # Brother or sister
    for wrong in ("", "?"):
        ccc.say(PHONE, wrong or "😢")
    assert OFFER["en"] not in ccc.last_reply(PHONE)


def test_zero_after_the_offer_asks_to_confirm_then_calls_back(ccc: Harness) -> None:
    at_relationship_question(ccc, "en")
    for wrong in ("9", "?", "what"):
        ccc.say(PHONE, wrong)
    (confirm,) = replies_to(ccc, PHONE, "0")
    assert confirm.startswith("Do you want a member of our team to contact you?")
    assert re.search(
        r"We will contact you (today|tomorrow|on \w+) (before|from) \d\d:\d\d", confirm
    )
    (done,) = replies_to(ccc, PHONE, "yes")
    assert re.match(r"Thank you. A member of our team will contact you (today|tomorrow|on)", done)
    assert [t.reference for t in callbacks(ccc)] == [reference_in(done)]


@pytest.mark.parametrize(("language", "yes"), [("ar", "نعم"), ("ckb", "1"), ("en", "1")])
def test_zero_at_the_menu_is_confirmed_before_a_callback_request(
    ccc: Harness, language: str, yes: str
) -> None:
    to_main_menu(ccc, PHONE, language)
    ccc.say(PHONE, "0")
    assert callbacks(ccc) == []
    ccc.say(PHONE, yes)
    assert len(callbacks(ccc)) == 1


def test_no_to_the_confirmation_goes_back_to_the_menu(ccc: Harness) -> None:
    ccc.say(PHONE, "hello")
    ccc.say(PHONE, "4")
    ccc.say(PHONE, "0")
    assert replies_to(ccc, PHONE, "2")[0].startswith(MENU)
    assert callbacks(ccc) == []


def test_the_lookup_block_says_how_long(ccc: Harness) -> None:
    ccc.say(STRANGER, "hello")
    ccc.say(STRANGER, "1")
    ccc.say(STRANGER, "5")
    for guess in range(5):
        ccc.say(STRANGER, f"1234567{guess}")
    assert "بعد ساعة" in ccc.last_reply(STRANGER)


def test_five_again_at_the_status_step_asks_again_without_counting(ccc: Harness) -> None:
    ccc.say(PHONE, "hello")
    ccc.say(PHONE, "4")
    ccc.say(PHONE, "5")
    for _ in range(6):
        assert replies_to(ccc, PHONE, "5") == ["Please send your reference number (8 digits)."]
    with ccc.session() as session:
        assert session.exec(select(Conversation)).one().lookup_failures == 0


def test_while_blocked_the_persons_own_reference_is_answered_everywhere(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE)
    ccc.say(PHONE, "5")
    for guess in range(5):
        ccc.say(PHONE, f"1234567{guess}")
    assert ccc.last_reply(PHONE).startswith("Too many attempts. Please try again in an hour")
    ccc.say(PHONE, "5")
    at_status_step = replies_to(ccc, PHONE, reference)
    at_menu = replies_to(ccc, PHONE, reference)
    assert at_status_step[0].startswith(f"Request {reference[:4]} {reference[4:]}")
    assert at_menu[0] == at_status_step[0]


def leave_for(ccc: Harness, hours: float) -> None:
    with ccc.session() as session:
        conversation = session.exec(select(Conversation)).one()
        conversation.updated_at = utcnow() - timedelta(hours=hours)
        conversation.expires_at = utcnow() - timedelta(hours=hours - 24)
        session.add(conversation)
        session.commit()


@pytest.mark.parametrize(("language", "again"), [("ar", "1"), ("en", "yes")])
def test_an_intake_left_for_two_days_can_be_continued(
    ccc: Harness, agent: dict[str, str], language: str, again: str
) -> None:
    at_relationship_question(ccc, language)
    ccc.say(PHONE, "4")
    leave_for(ccc, 48)
    offer = replies_to(ccc, PHONE, "hello again")
    assert offer[0].splitlines()[1:] in (
        ["1 أكمل من حيث توقفت", "2 ابدأ من جديد"],
        ["1 Continue where I stopped", "2 Start over"],
    )
    question = replies_to(ccc, PHONE, again)
    assert question[0] in (
        "متى وأين شوهد هذا الشخص آخر مرة؟",
        "When and where was this person last seen?",
    )
    for answer in ("Mosul, 2017", "He did not come back.", "1"):
        ccc.say(PHONE, answer)
    reference = reference_in(ccc.last_reply(PHONE))
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["answers"]["missing_person_name"] == "Omar Hassan"
    assert ticket["answers"]["relationship"] == "sibling"


def test_an_intake_left_for_two_days_can_be_started_over(ccc: Harness) -> None:
    at_relationship_question(ccc, "en")
    leave_for(ccc, 48)
    ccc.say(PHONE, "hello again")
    assert replies_to(ccc, PHONE, "2")[0].startswith(MENU)
    with ccc.session() as session:
        assert "missing_person_name" not in session.exec(select(Conversation)).one().answers


def test_after_the_kept_time_the_intake_starts_over(ccc: Harness) -> None:
    at_relationship_question(ccc, "en")
    leave_for(ccc, 100)  # the default flow keeps answers 72 hours
    assert replies_to(ccc, PHONE, "hello again")[0].startswith(MENU)


def test_after_an_intake_a_menu_digit_is_a_menu_choice_and_text_joins_the_ticket(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    assert replies_to(ccc, PHONE, "5") == ["Please send your reference number (8 digits)."]
    ccc.say(PHONE, "menu")
    ccc.say(PHONE, "3")
    assert "We will ask a few questions" in ccc.last_reply(PHONE)
    ccc.say(PHONE, "menu")
    open_ticket(ccc, PHONE, "assistance")
    joined = replies_to(ccc, PHONE, "My brother also needs help")
    assert joined[0].startswith("Thank you. We added your message to request")
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    inbound = [m["text"] for m in timeline if m["type"] == "message" and m["direction"] == "in"]
    assert "5" not in inbound[-3:]


def test_no_to_a_person_then_another_intake_carries_no_earlier_answers(
    ccc: Harness, agent: dict[str, str]
) -> None:
    at_relationship_question(ccc, "en")
    for wrong in ("9", "?", "what"):
        ccc.say(PHONE, wrong)
    ccc.say(PHONE, "0")
    assert replies_to(ccc, PHONE, "no")[0].startswith(MENU)
    for answer in ("3", CONTINUE, "Layla Hassan", "1", "5", "Baghdad", "1"):
        ccc.say(PHONE, answer)
    reference = reference_in(ccc.last_reply(PHONE))
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert "missing_person_name" not in ticket["answers"]
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    inbound = [m["text"] for m in timeline if m["type"] == "message" and m["direction"] == "in"]
    assert "Omar Hassan" not in inbound
