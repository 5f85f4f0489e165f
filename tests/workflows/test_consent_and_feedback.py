"""Consent in the default flow: nothing is asked before the privacy notice is accepted, a "No" to
sharing keeps the ticket with the centre's own agents, and feedback is a category of its own."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from ccc.conversations.models import Conversation
from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.flows import ENGLISH, reference_in
from workflows.files.library import current

PHONE = "+9647701234567"
MENU = "How can we help you?"
NOTICE = "We will ask a few questions to register your request."
YES, NO = "1", "2"


def start_in_english(ccc: Harness, phone: str = PHONE) -> None:
    ccc.say(phone, "hello")
    ccc.say(phone, ENGLISH)


def tracing_intake(ccc: Harness, consent: str) -> str:
    start_in_english(ccc)
    for answer in ("1", "1", "Layla Hassan", "Omar Hassan", "4", "Mosul, 2017", "He vanished."):
        ccc.say(PHONE, answer)
    assert ccc.last_reply(PHONE).startswith("Do you agree that we share your answers")
    ccc.say(PHONE, consent)
    return reference_in(ccc.last_reply(PHONE))


def complaint(ccc: Harness, about: str, consent: str) -> str:
    start_in_english(ccc)
    for answer in ("4", "1", about, "Something went wrong.", "2"):
        ccc.say(PHONE, answer)
    assert ccc.last_reply(PHONE).startswith("Do you agree that we share your answers")
    ccc.say(PHONE, consent)
    return reference_in(ccc.last_reply(PHONE))


@pytest.mark.parametrize("option", ["1", "2", "3", "4"])
def test_every_intake_starts_with_the_privacy_notice_and_2_goes_back_storing_nothing(
    ccc: Harness, supervisor: dict[str, str], option: str
) -> None:
    start_in_english(ccc)
    ccc.say(PHONE, option)
    notice = ccc.last_reply(PHONE)
    assert notice.startswith(NOTICE)
    assert "confidential" in notice
    assert notice.endswith("1 Continue\n2 Back to the main menu")

    ccc.say(PHONE, "2")
    assert ccc.last_reply(PHONE).startswith(MENU)
    with ccc.session() as session:
        assert session.exec(select(Ticket)).all() == []
        conversation = session.exec(select(Conversation)).one()
        assert conversation.step == "main_menu"
        assert [key for key in conversation.answers if not key.startswith("_")] == []
    assert ccc.client.get("/api/tickets", headers=supervisor).json()["items"] == []


def test_after_going_back_the_person_can_still_start_an_intake(ccc: Harness) -> None:
    start_in_english(ccc)
    ccc.say(PHONE, "1")
    ccc.say(PHONE, "2")
    ccc.say(PHONE, "1")
    assert ccc.last_reply(PHONE).startswith(NOTICE)
    ccc.say(PHONE, "1")
    assert ccc.last_reply(PHONE) == "What is your full name?"


def test_the_privacy_notice_wants_a_number(ccc: Harness) -> None:
    start_in_english(ccc)
    ccc.say(PHONE, "3")
    ccc.say(PHONE, "Layla Hassan")
    assert ccc.last_reply(PHONE).startswith(NOTICE)
    with ccc.session() as session:
        conversation = session.exec(select(Conversation)).one()
        assert conversation.step == "assistance_privacy"
        assert "enquirer_name" not in conversation.answers


@pytest.mark.parametrize(("language", "code"), [("1", "ar"), ("2", "ckb"), ("3", "kmr")])
def test_the_privacy_notice_is_shown_in_the_persons_language(
    ccc: Harness, language: str, code: str
) -> None:
    ccc.say(PHONE, "hello")
    ccc.say(PHONE, language)
    ccc.say(PHONE, "2")
    prompt = current().prompts.get(code, "privacy_notice")
    assert ccc.last_reply(PHONE) == "\n".join(
        [prompt.text, f"1 {prompt.choices['1']}", f"2 {prompt.choices['2']}"]
    )
    ccc.say(PHONE, "1")
    assert ccc.last_reply(PHONE) == current().prompts.text(code, "enquirer_name")


def test_without_consent_a_tracing_request_stays_with_the_centre(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    tracer = ccc.user("tina", "team_member", ["tracing"])
    reference = tracing_intake(ccc, NO)

    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=supervisor).json()
    assert (ticket["category"], ticket["team"]) == ("tracing", "ccc")
    assert ticket["answers"]["consent_to_share"] == "no"
    tracing_queue = ccc.client.get("/api/tickets", params={"team": "tracing"}, headers=supervisor)
    assert tracing_queue.json()["items"] == []
    centre_queue = ccc.client.get("/api/tickets", params={"team": "ccc"}, headers=supervisor)
    assert [t["reference"] for t in centre_queue.json()["items"]] == [reference]

    assert ccc.client.get(f"/api/tickets/{reference}", headers=tracer).status_code == 404
    assert ccc.client.get("/api/tickets", headers=tracer).json()["items"] == []


def test_with_consent_a_tracing_request_goes_to_the_tracing_team(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    tracer = ccc.user("tina", "team_member", ["tracing"])
    reference = tracing_intake(ccc, YES)

    queue = ccc.client.get("/api/tickets", params={"team": "tracing"}, headers=supervisor).json()
    assert [t["reference"] for t in queue["items"]] == [reference]
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=tracer)
    assert ticket.status_code == 200
    assert ticket.json()["answers"]["consent_to_share"] == "yes"


def test_feedback_is_a_short_branch_that_makes_a_feedback_ticket(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    start_in_english(ccc)
    for answer in ("4", "1", "4"):
        ccc.say(PHONE, answer)
    assert ccc.last_reply(PHONE) == "Please write your feedback or suggestion."
    ccc.say(PHONE, "Please open the office on Saturdays too.")
    reply = ccc.last_reply(PHONE)
    assert reply.startswith("Thank you. Your reference number is")
    reference = reference_in(reply)

    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=supervisor).json()
    assert (ticket["category"], ticket["team"], ticket["sensitivity"]) == (
        "feedback",
        "accountability",
        "normal",
    )
    assert ticket["answers"] == {
        "complaint_about": "feedback",
        "details": "Please open the office on Saturdays too.",
    }


def test_a_complaint_asks_for_consent_after_the_callback_question(ccc: Harness) -> None:
    start_in_english(ccc)
    for answer in ("4", "1", "1", "I was not selected."):
        ccc.say(PHONE, answer)
    assert ccc.last_reply(PHONE).startswith("May we call you back about it?")
    ccc.say(PHONE, "1")
    assert ccc.last_reply(PHONE).startswith("Do you agree that we share your answers")


def test_a_complaint_without_consent_stays_with_the_centre(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    reference = complaint(ccc, "1", NO)
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=supervisor).json()
    assert (ticket["category"], ticket["team"]) == ("complaint", "ccc")
    assert ticket["answers"] == {
        "complaint_about": "selection_criteria",
        "details": "Something went wrong.",
        "accepts_callback": "no",
        "consent_to_share": "no",
    }


def test_a_complaint_with_consent_goes_to_accountability(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    reference = complaint(ccc, "3", YES)
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=supervisor).json()
    assert (ticket["category"], ticket["team"], ticket["sensitivity"]) == (
        "complaint",
        "accountability",
        "normal",
    )


def test_a_staff_conduct_complaint_without_consent_still_reaches_the_focal_team_restricted(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    focal = ccc.user("fatima", "team_member", ["accountability"])
    reference = complaint(ccc, "2", NO)

    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=focal).json()
    assert (ticket["team"], ticket["sensitivity"], ticket["priority"]) == (
        "accountability",
        "restricted",
        "high",
    )
    assert ticket["answers"]["consent_to_share"] == "no"
    for outsider in (agent, supervisor):
        assert ccc.client.get(f"/api/tickets/{reference}", headers=outsider).status_code == 404
        queue = ccc.client.get("/api/tickets", params={"team": "ccc"}, headers=outsider)
        assert queue.json()["items"] == []


def test_a_callback_request_does_not_promise_a_call_on_this_number(ccc: Harness) -> None:
    start_in_english(ccc)
    ccc.say(PHONE, "0")
    reply = ccc.last_reply(PHONE)
    assert reply.startswith("Do you want a member of our team to contact you?")
    ccc.say(PHONE, "1")
    reply = ccc.last_reply(PHONE)
    assert re.match(r"Thank you. A member of our team will contact you (today|tomorrow|on)", reply)
    assert "number is" in reply and "this number" not in reply
