"""One thread per person (issue 17): once the centre is in conversation with a person, their
messages belong to that conversation; the walk's exact cases, in the four languages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.flows import DETENTION, LANGUAGE_KEY, TRACING, reference_in, to_main_menu
from workflows.files.library import current

MENU = {"ar": "قائمة", "ckb": "مێنیو", "kmr": "menû", "en": "menu"}
# An answer to an agent's question, in each language.
ANSWER = {
    "ar": "لا أعرف اسم السجن بالضبط، ربما في الناصرية",
    "ckb": "ناوی زیندانەکە بە تەواوی نازانم، لەوانەیە لە ناسریە بێت",
    "kmr": "Ez navê zindanê bi rastî nizanim, belkî li Nasiriyê ye",
    "en": "I do not know the prison's exact name, maybe in Nasiriyah",
}
REPLY_TO_CLOSING = {
    "ar": "لكن لم يصلني أي مبلغ حتى الآن",
    "ckb": "بەڵام هێشتا هیچ پارەیەکم پێ نەگەیشتووە",
    "kmr": "Lê heta niha tu pere negihîştiye min",
    "en": "But I have not received any money yet",
}
LANGUAGES = tuple(LANGUAGE_KEY)


def phone(n: int) -> str:
    return f"+96477017{n:05d}"


def text_of(key: str, language: str, **values: str) -> str:
    return current().prompts.text(language, key, **values)


def out_texts(ccc: Harness, sender: str) -> list[str]:
    return [m["text"] for m in ccc.transcript(sender) if m["direction"] == "out"]


def replies_to(ccc: Harness, sender: str, text: str) -> list[str]:
    before = len(out_texts(ccc, sender))
    ccc.say(sender, text)
    return out_texts(ccc, sender)[before:]


def intake(ccc: Harness, sender: str, language: str, script: list[str] = DETENTION) -> str:
    if not ccc.transcript(sender):
        to_main_menu(ccc, sender, language)
    else:
        ccc.say(sender, MENU[language])
    for answer in script:
        ccc.say(sender, answer)
    return reference_in(ccc.transcript(sender)[-1]["text"])


def agent_asks(ccc: Harness, agent: dict[str, str], reference: str, text: str) -> None:
    response = ccc.client.post(
        f"/api/tickets/{reference}/replies", json={"text": text}, headers=agent
    )
    assert response.status_code == 202, response.text
    ccc.drain()


def patch(ccc: Harness, agent: dict[str, str], reference: str, **body: Any) -> None:
    response = ccc.client.patch(f"/api/tickets/{reference}", json=body, headers=agent)
    assert response.status_code == 200, response.text
    ccc.drain()


def timeline_texts(ccc: Harness, agent: dict[str, str], reference: str) -> list[str]:
    response = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent)
    assert response.status_code == 200, response.text
    return [str(item.get("text")) for item in response.json() if item.get("direction") == "in"]


def ticket(ccc: Harness, reference: str) -> Ticket:
    with ccc.session() as session:
        return session.exec(select(Ticket).where(Ticket.reference == reference)).one()


def only_the_closed_notice(replies: list[str], language: str) -> bool:
    """Silent, but for the one acknowledgement a day outside opening hours."""
    closed = text_of("centre_closed", language, when="").split("{when}")[0][:20]
    return all(closed[:12] in reply for reply in replies) and len(replies) <= 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_answer_to_an_agents_question_after_the_menu_and_a_status_check_joins_the_ticket(
    ccc: Harness, agent: dict[str, str], language: str
) -> None:
    """The walk: intake, «قائمة», the reference for its status, the agent's question; the
    answer is in the ticket's timeline and the chatbot offers no menu."""
    sender = phone(100 + LANGUAGES.index(language))
    reference = intake(ccc, sender, language)
    ccc.say(sender, MENU[language])
    ccc.say(sender, reference)
    agent_asks(ccc, agent, reference, "Do you know the name of the prison?")

    replies = replies_to(ccc, sender, ANSWER[language])

    assert ANSWER[language] in timeline_texts(ccc, agent, reference)
    assert only_the_closed_notice(replies, language), replies


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_bare_digit_after_an_agents_question_joins_the_ticket(
    ccc: Harness, agent: dict[str, str], language: str
) -> None:
    sender = phone(200 + LANGUAGES.index(language))
    reference = intake(ccc, sender, language)
    ccc.say(sender, MENU[language])
    agent_asks(ccc, agent, reference, "How many children were with him? Send a number.")

    replies = replies_to(ccc, sender, "2")

    assert "2" in timeline_texts(ccc, agent, reference)
    privacy = text_of("privacy_notice", language)[:30]
    assert not any(privacy in reply for reply in replies)
    assert only_the_closed_notice(replies, language), replies


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reply_to_the_closing_message_reopens_the_ticket_wherever_the_chatbot_was(
    ccc: Harness, agent: dict[str, str], language: str
) -> None:
    sender = phone(300 + LANGUAGES.index(language))
    reference = intake(ccc, sender, language)
    ccc.say(sender, MENU[language])
    patch(ccc, agent, reference, status="resolved")

    replies = replies_to(ccc, sender, REPLY_TO_CLOSING[language])

    assert ticket(ccc, reference).status == "open"
    assert REPLY_TO_CLOSING[language] in timeline_texts(ccc, agent, reference)
    assert any(reference[:4] in reply for reply in replies)
    sorry = text_of("invalid_choice", language)
    assert not any(sorry in reply for reply in replies)


@pytest.mark.parametrize("language", ["ar", "ckb"])
def test_a_reply_to_the_closing_message_after_going_back_to_the_menu_reopens_the_ticket(
    ccc: Harness, agent: dict[str, str], language: str
) -> None:
    """The walk of a fresh server: resolved with a closing message, the person sends «قائمة»,
    then answers the closing message in words; it was "not understood" and the menu."""
    sender = phone(330 + LANGUAGES.index(language))
    reference = intake(ccc, sender, language)
    patch(ccc, agent, reference, status="resolved", message="We contacted the authority.")
    ccc.say(sender, MENU[language])

    replies = replies_to(ccc, sender, REPLY_TO_CLOSING[language])

    assert ticket(ccc, reference).status == "open"
    assert REPLY_TO_CLOSING[language] in timeline_texts(ccc, agent, reference)
    sorry = text_of("invalid_choice", language)
    assert not any(sorry in reply for reply in replies)


def test_a_reply_to_the_closing_message_after_many_misunderstandings_opens_no_callback(
    ccc: Harness, agent: dict[str, str]
) -> None:
    sender = phone(310)
    reference = intake(ccc, sender, "ar")
    ccc.say(sender, MENU["ar"])
    for _ in range(4):
        ccc.say(sender, "؟؟")
    patch(ccc, agent, reference, status="resolved")

    ccc.say(sender, REPLY_TO_CLOSING["ar"])

    assert ticket(ccc, reference).status == "open"
    listed = ccc.client.get("/api/callbacks", headers=agent).json()["items"]
    assert listed == []


def test_a_satisfaction_digit_is_the_rating_not_a_reopening(
    ccc: Harness, agent: dict[str, str]
) -> None:
    sender = phone(320)
    reference = intake(ccc, sender, "en", TRACING)
    patch(ccc, agent, reference, status="resolved")
    ccc.say(sender, "5")
    done = ticket(ccc, reference)
    assert (done.status, done.satisfaction) == ("closed", 5)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pending_takes_every_message_and_opens_the_ticket_again(
    ccc: Harness, agent: dict[str, str], language: str
) -> None:
    sender = phone(400 + LANGUAGES.index(language))
    reference = intake(ccc, sender, language)
    ccc.say(sender, "1")  # the start of another intake: the privacy notice
    patch(ccc, agent, reference, status="pending")

    replies = replies_to(ccc, sender, ANSWER[language])

    assert ANSWER[language] in timeline_texts(ccc, agent, reference)
    assert ticket(ccc, reference).status == "open"
    assert only_the_closed_notice(replies, language), replies


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_menu_word_hands_back_to_the_chatbot_and_free_text_after_the_menu_joins_the_ticket(
    ccc: Harness, agent: dict[str, str], language: str
) -> None:
    sender = phone(500 + LANGUAGES.index(language))
    reference = intake(ccc, sender, language)
    agent_asks(ccc, agent, reference, "Which prison?")

    menu = replies_to(ccc, sender, MENU[language])
    assert text_of("main_menu", language)[:20] in menu[-1]
    free = replies_to(ccc, sender, ANSWER[language])

    assert ANSWER[language] in timeline_texts(ccc, agent, reference)
    spaced = current().prompts.text(language, "added_to_case", reference="X").split("X")[0]
    assert any(spaced in reply for reply in free), free
    started = replies_to(ccc, sender, "1")  # a menu choice is the chatbot's again
    assert text_of("privacy_notice", language)[:20] in started[-1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_several_open_tickets_none_written_on_asks_which_and_remembers(
    ccc: Harness, agent: dict[str, str], language: str
) -> None:
    sender = phone(600 + LANGUAGES.index(language))
    first = intake(ccc, sender, language)
    second = intake(ccc, sender, language, TRACING)
    ccc.say(sender, MENU[language])

    asked = replies_to(ccc, sender, ANSWER[language])
    assert text_of("which_request", language) in asked[-1]
    assert text_of("category_detention", language) in asked[-1]
    assert text_of("category_tracing", language) in asked[-1]
    ccc.say(sender, "2")

    assert ANSWER[language] in timeline_texts(ccc, agent, second)
    assert ANSWER[language] not in timeline_texts(ccc, agent, first)
    ccc.say(sender, MENU[language])
    ccc.say(sender, "one more thing about him")
    assert "one more thing about him" in timeline_texts(ccc, agent, second)


@pytest.mark.parametrize(
    ("language", "words", "step"),
    [
        ("ar", "مفقود", "tracing_privacy"),
        ("ar", "بابني", "tracing_privacy"),
        ("en", "missing", "tracing_privacy"),
        ("en", "help", "assistance_privacy"),
        ("ckb", "کوڕەکەم", "tracing_privacy"),
        ("kmr", "windabûye", "tracing_privacy"),
        ("ar", "محتجز", "detention_privacy"),
    ],
)
def test_a_word_at_the_main_menu_starts_the_choice_it_names(
    ccc: Harness, language: str, words: str, step: str
) -> None:
    from ccc.conversations.models import Conversation

    sender = phone(700 + len(words) + LANGUAGES.index(language) * 10)
    to_main_menu(ccc, sender, language)
    ccc.say(sender, words)
    with ccc.session() as session:
        conversation = session.exec(select(Conversation)).all()[-1]
        assert conversation.step == step


def test_a_message_naming_two_choices_is_asked_which(ccc: Harness) -> None:
    sender = phone(790)
    ccc.say(sender, "hello")
    ccc.say(sender, "4")
    replies = replies_to(ccc, sender, "my son is missing and we need food")
    assert text_of("which_choice", "en") in replies[-1]
    sorry = text_of("invalid_choice", "en")
    assert not any(sorry in reply for reply in replies)


def test_a_callback_asked_for_by_text_is_on_the_callbacks_list(
    ccc: Harness, agent: dict[str, str]
) -> None:
    sender = phone(800)
    ccc.say(sender, "hello")
    ccc.say(sender, "1")
    ccc.say(sender, "0")
    ccc.say(sender, "1")
    [callback] = ccc.client.get("/api/callbacks", headers=agent).json()["items"]
    assert callback["ticket"] == reference_in(ccc.last_reply(sender))
    assert (callback["language"], callback["automatic"]) == ("ar", False)


def test_the_automatic_callback_after_misunderstandings_is_on_the_callbacks_list(
    ccc: Harness, agent: dict[str, str]
) -> None:
    sender = phone(810)
    ccc.say(sender, "hello")
    ccc.say(sender, "4")
    for _ in range(5):
        ccc.say(sender, "9")
    [callback] = ccc.client.get("/api/callbacks", headers=agent).json()["items"]
    assert callback["automatic"] is True and callback["language"] == "en"


LANGUAGE_WORD = {"ar": "زمان", "ckb": "زمان", "kmr": "ziman", "en": "language"}


@pytest.mark.parametrize(
    ("before", "after"), [("en", "ar"), ("ar", "ckb"), ("ckb", "kmr"), ("kmr", "en")]
)
def test_a_language_change_mid_intake_keeps_the_answers_and_asks_the_same_question(
    ccc: Harness, agent: dict[str, str], before: str, after: str
) -> None:
    sender = phone(900 + LANGUAGES.index(before))
    to_main_menu(ccc, sender, before)
    for answer in TRACING[:3]:  # tracing, continue, the enquirer's name
        ccc.say(sender, answer)

    ccc.say(sender, LANGUAGE_WORD[before])
    asked = replies_to(ccc, sender, LANGUAGE_KEY[after])

    assert text_of("tracing_missing_name", after)[:20] in asked[-1]
    for answer in TRACING[3:]:
        ccc.say(sender, answer)
    reference = reference_in(ccc.last_reply(sender))
    made = ticket(ccc, reference)
    assert made.answers["enquirer_name"] == "Layla Hassan"
    assert made.language == after


def test_a_reference_while_the_centre_holds_the_conversation_still_gets_its_status(
    ccc: Harness, agent: dict[str, str]
) -> None:
    sender = phone(950)
    reference = intake(ccc, sender, "en")
    agent_asks(ccc, agent, reference, "Which prison?")
    replies = replies_to(ccc, sender, reference)
    statuses = [text_of(f"status_{s}", "en") for s in ("new", "open")]
    assert any(reference[:4] in r and any(s in r for s in statuses) for r in replies), replies


def test_outside_opening_hours_one_acknowledgement_a_day_says_when_the_centre_answers(
    ccc: Harness, agent: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    sender = phone(960)
    reference = intake(ccc, sender, "en")
    agent_asks(ccc, agent, reference, "Which prison?")
    friday = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # the centre is closed on Fridays
    monkeypatch.setattr("workflows.chatbot.engine.utcnow", lambda: friday)

    first = replies_to(ccc, sender, "I do not know")
    second = replies_to(ccc, sender, "Maybe in Nasiriyah")

    closed = text_of("centre_closed", "en", when="{when}").split("{when}")[0]
    assert len(first) == 1 and first[0].startswith(closed) and "08:00" in first[0]
    assert second == []
    sunday = datetime(2026, 12, 6, 7, 30, tzinfo=UTC)  # 10:30 in Baghdad: open
    monkeypatch.setattr("workflows.chatbot.engine.utcnow", lambda: sunday)
    assert replies_to(ccc, sender, "Or in Basra") == []
    assert {"I do not know", "Maybe in Nasiriyah", "Or in Basra"} <= set(
        timeline_texts(ccc, agent, reference)
    )


@pytest.mark.parametrize(
    ("times", "acknowledged"),
    [
        # 23:30 on Tuesday and 00:30 on Wednesday in Baghdad: one UTC day, two of the centre's.
        (((12, 8, 20, 30), (12, 8, 21, 30)), [True, True]),
        # 00:30, 05:00 and 07:00 on Wednesday in Baghdad: two UTC days, one of the centre's.
        (((12, 8, 21, 30), (12, 9, 2, 0), (12, 9, 4, 0)), [True, False, False]),
    ],
    ids=["midnight-in-baghdad", "one-baghdad-day"],
)
def test_the_acknowledgement_a_day_is_counted_by_the_centres_day(
    ccc: Harness,
    agent: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    times: tuple[tuple[int, int, int, int], ...],
    acknowledged: list[bool],
) -> None:
    from datetime import UTC, datetime

    sender = phone(970 + len(times))
    reference = intake(ccc, sender, "en")
    agent_asks(ccc, agent, reference, "Which prison?")
    closed = text_of("centre_closed", "en", when="{when}").split("{when}")[0]

    said = []
    for number, (month, day, hour, minute) in enumerate(times):
        at = datetime(2026, month, day, hour, minute, tzinfo=UTC)
        monkeypatch.setattr("workflows.chatbot.engine.utcnow", lambda at=at: at)
        replies = replies_to(ccc, sender, f"Maybe in Nasiriyah, message {number}")
        assert all(reply.startswith(closed) for reply in replies), replies
        said.append(len(replies) == 1)

    assert said == acknowledged
