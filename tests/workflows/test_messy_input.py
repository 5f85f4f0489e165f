"""People type whatever they type: the chatbot answers politely and never half-stores."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from ccc.conversations.models import Conversation
from ccc.kernel.timeutil import utcnow
from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.flows import open_ticket, reference_in
from tests.support.people import replies_to

PHONE = "+9647701234567"
STRANGER = "+9647509998877"
MENU = "How can we help you?"


def start_in_english(ccc: Harness, phone: str = PHONE) -> None:
    ccc.say(phone, "hello")
    ccc.say(phone, "4")


def test_unknown_choices_get_a_polite_word_and_the_menu_again(ccc: Harness) -> None:
    start_in_english(ccc)
    for text in ("7", "yes please", "你好", "menu", "", "🙏🙏", "x" * 10_000):
        replies = replies_to(ccc, PHONE, text)
        if text == "menu":  # starts the count of misunderstood answers again
            continue
        assert replies[0].startswith(
            "Sorry, we did not understand. Please reply with one of the numbers."
        )
        assert replies[1].startswith(MENU)


def test_a_new_contact_who_writes_nonsense_sees_the_language_menu_again(ccc: Harness) -> None:
    ccc.say(PHONE, "hello")
    replies = replies_to(ccc, PHONE, "9")
    assert len(replies) == 1 and "4 English" in replies[0]


def test_free_text_questions_need_words(ccc: Harness) -> None:
    start_in_english(ccc)
    ccc.say(PHONE, "1")
    ccc.say(PHONE, "1")  # the privacy notice: continue
    assert replies_to(ccc, PHONE, "😢😢") == [
        "Sorry, we did not understand. Please answer in a few words.",
        "What is your full name?",
    ]
    with ccc.session() as session:
        conversation = session.exec(select(Conversation)).one()
        assert conversation.step == "tracing_enquirer"
        assert "enquirer_name" not in conversation.answers
    assert replies_to(ccc, PHONE, "Layla") == ["What is the full name of the missing person?"]


def test_numbers_accept_every_digit_script(ccc: Harness) -> None:
    start_in_english(ccc)
    for answer in ("3", "1", "Layla", "1"):
        ccc.say(PHONE, answer)
    assert replies_to(ccc, PHONE, "many")[0] == "Please reply with a number, for example 5."
    assert replies_to(ccc, PHONE, "0")[0] == "Please reply with a number, for example 5."
    assert replies_to(ccc, PHONE, "۱۲")[0].startswith("In which governorate")


def test_menu_word_in_any_language_goes_back_and_forgets_the_answers(ccc: Harness) -> None:
    start_in_english(ccc)
    ccc.say(PHONE, "1")
    ccc.say(PHONE, "1")  # the privacy notice: continue
    ccc.say(PHONE, "Layla")
    for word in ("menu", "MENU", "قائمة", "مێنیو", "قائمه", "القائمه"):
        assert replies_to(ccc, PHONE, word)[0].startswith(MENU)
    with ccc.session() as session:
        conversation = session.exec(select(Conversation)).one()
        assert conversation.step == "main_menu"
        assert "enquirer_name" not in conversation.answers


def test_status_by_reference_only_for_the_owner(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE)
    start_in_english(ccc, STRANGER)

    ccc.say(PHONE, "menu")
    ccc.say(PHONE, "5")
    assert ccc.last_reply(PHONE) == "Please send your reference number (8 digits)."
    ccc.say(PHONE, f"{reference[:4]}-{reference[4:]}")
    assert ccc.last_reply(PHONE) == (
        f"Request {reference[:4]} {reference[4:]}: received, waiting to be reviewed."
    )

    ccc.say(STRANGER, "5")
    owner_ref_reply = replies_to(ccc, STRANGER, reference)
    assert owner_ref_reply == [
        "We found no request of yours with that reference. Please check it, or send 'menu'."
    ]
    unknown = _valid_unused_reference(reference)
    assert replies_to(ccc, STRANGER, unknown) == owner_ref_reply
    broken = reference[:7] + str((int(reference[7]) + 1) % 10)
    assert replies_to(ccc, STRANGER, broken)[0].startswith("That reference is not valid.")


def test_repeated_wrong_guesses_are_slowed_down(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE)
    start_in_english(ccc, STRANGER)
    ccc.say(STRANGER, "5")
    for guess in range(4):
        ccc.say(STRANGER, f"1234567{guess}")
    assert replies_to(ccc, STRANGER, "11111111") == [
        "Too many attempts. Please try again in an hour, or send 'menu'."
    ]
    ccc.say(STRANGER, "5")
    assert replies_to(ccc, STRANGER, reference) == [
        "Too many attempts. Please try again in an hour, or send 'menu'."
    ]


def test_a_reference_in_any_message_answers_with_its_status_for_the_owner(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE)
    ccc.say(PHONE, "menu")
    replies = replies_to(ccc, PHONE, f"what about {reference}?")
    assert replies[0].startswith(f"Request {reference[:4]} {reference[4:]}")
    assert replies[1].startswith(MENU)


def test_a_reference_inside_a_free_text_answer_is_kept_as_the_answer(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE, "assistance")
    ccc.say(PHONE, "menu")
    ccc.say(PHONE, "1")
    while "full name" not in ccc.last_reply(PHONE):
        ccc.say(PHONE, "1")
    replies = replies_to(ccc, PHONE, f"Layla, my other request is {reference}")
    assert replies == ["What is the full name of the missing person?"]


def test_the_status_step_finds_a_reference_inside_a_sentence(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE)
    ccc.say(PHONE, "menu")
    ccc.say(PHONE, "5")
    replies = replies_to(ccc, PHONE, f"my reference is {reference[:4]} {reference[4:]}")
    assert replies[0].startswith(f"Request {reference[:4]} {reference[4:]}")


def test_a_conversation_left_for_a_day_before_any_answer_starts_over(ccc: Harness) -> None:
    start_in_english(ccc)
    ccc.say(PHONE, "1")
    ccc.say(PHONE, "1")  # the privacy notice: continue
    with ccc.session() as session:
        conversation = session.exec(select(Conversation)).one()
        conversation.expires_at = utcnow() - timedelta(minutes=1)
        session.add(conversation)
        session.commit()
    assert replies_to(ccc, PHONE, "Omar")[0].startswith(MENU)


def test_a_reply_days_after_the_resolution_still_reopens_the_ticket(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    ccc.client.patch(f"/api/tickets/{reference}", json={"status": "resolved"}, headers=agent)
    ccc.drain()
    with ccc.session() as session:
        conversation = session.exec(select(Conversation)).one()
        conversation.expires_at = utcnow() - timedelta(days=3)
        session.add(conversation)
        session.commit()
    replies = replies_to(ccc, PHONE, "Nobody called me")
    assert replies[0].startswith("Thank you. We have reopened request")
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["status"] == "open"


def test_an_answer_to_an_agent_joins_the_ticket_the_agent_wrote_about(
    ccc: Harness, agent: dict[str, str]
) -> None:
    first = open_ticket(ccc, PHONE, "tracing")
    open_ticket(ccc, PHONE, "assistance")
    ccc.client.post(
        f"/api/tickets/{first}/replies",
        json={"text": "What was his date of birth?"},
        headers=agent,
    )
    ccc.drain()
    ccc.say(PHONE, "12 May 1990")
    timeline = ccc.client.get(f"/api/tickets/{first}/timeline", headers=agent).json()
    inbound = [m["text"] for m in timeline if m["type"] == "message" and m["direction"] == "in"]
    assert inbound[-1] == "12 May 1990"


def test_after_an_intake_messages_join_the_ticket_and_reopen_it(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    assert replies_to(ccc, PHONE, "I found a photo of him") == [
        f"Thank you. We added your message to request {reference[:4]} {reference[4:]}. "
        "Send 'menu' for the main menu."
    ]
    ccc.client.patch(f"/api/tickets/{reference}", json={"status": "resolved"}, headers=agent)
    ccc.drain()
    assert replies_to(ccc, PHONE, "He is still missing") == [
        f"Thank you. We have reopened request {reference[:4]} {reference[4:]} "
        "and will get back to you."
    ]
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["status"] == "open"
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    texts = [m["text"] for m in timeline if m["type"] == "message" and m["direction"] == "in"]
    assert texts[-2:] == ["I found a photo of him", "He is still missing"]


def test_one_number_written_two_ways_is_one_contact(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE)
    ccc.say("07701234567", "menu")
    ccc.say("07701234567", "5")
    ccc.say("07701234567", reference)
    assert ccc.last_reply(PHONE).startswith(f"Request {reference[:4]}")
    with ccc.session() as session:
        assert len({t.contact_id for t in session.exec(select(Ticket)).all()}) == 1


def test_a_second_intake_makes_a_second_ticket(ccc: Harness, agent: dict[str, str]) -> None:
    first = open_ticket(ccc, PHONE, "tracing")
    second = open_ticket(ccc, PHONE, "assistance")
    assert first != second
    queue = ccc.client.get("/api/tickets", headers=agent).json()["items"]
    assert {t["reference"] for t in queue} == {first, second}
    assert len({t["contact_id"] for t in queue}) == 1
    assert reference_in(ccc.last_reply(PHONE)) == second


def _valid_unused_reference(taken: str) -> str:
    from ccc.tickets.references import damm_digit

    body = "1234567" if taken[:7] != "1234567" else "7654321"
    return body + str(damm_digit(body))


def test_a_mistyped_reference_at_the_menu_is_called_not_valid(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE)
    ccc.say(PHONE, "menu")
    broken = reference[:7] + str((int(reference[7]) + 1) % 10)
    replies = replies_to(ccc, PHONE, broken)
    assert replies[0].startswith("That reference is not valid.")
    assert replies[1].startswith(MENU)
    replies = replies_to(ccc, PHONE, reference)
    assert replies[0].startswith(f"Request {reference[:4]} {reference[4:]}")
