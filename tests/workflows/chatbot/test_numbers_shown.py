"""A bare number picks an option only when the message the person received showed that
numbered list (found on a signed walk: at the governorate, asked by name on SMS, `1` was saved
as Baghdad). Checked for every choice question of the default flow, read from the flow file,
on SMS, WhatsApp and Telegram, through the real webhooks: the question is asked as the flow
asks it, and what the person received decides whether `1` may answer it. The keypad reads
every key out, so there a key always answers (tests/bots/twilio/test_voice_intake.py keys 10
at the governorate)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from ccc.contacts.models import Identity
from ccc.conversations.models import Conversation
from ccc.kernel.settings import Settings
from tests.conftest import Harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.people import TelegramPerson, TwilioPerson
from workflows.files.flow import Flow, Step
from workflows.files.library import current

# What a person who sent a number to a question asked by name is told, before the list.
NOT_NAMED = "عذراً، لم نفهم. أرسل رقم الخيار من هذه القائمة:"


@pytest.fixture
def settings(database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi) -> Settings:
    """Real credentials, aimed at the local fakes: webhooks are signed, replies sent."""
    return channel_settings(database_url, fake_twilio, fake_telegram)


def _choice_steps() -> list[str]:
    flow = current().flow
    return [name for name, step in flow.steps.items() if step.choices]


def _before(flow: Flow, target: str) -> tuple[Step, str]:
    """A step that leads to `target`, and an answer (Arabic) that takes it there."""
    for step in flow.steps.values():
        for key, choice in step.choices.items():
            if choice.next == target and not step.ask_by_name:
                return step, key
        if step.next == target and not any(c.next for c in step.choices.values()):
            if step.choices and step.ask_by_name:
                return step, "بغداد"
            if step.choices:
                return step, next(iter(step.choices))
            return step, "5" if step.number else "ليلى حسن"
    raise AssertionError(f"no step leads to {target!r}")


def _conversation(ccc: Harness, channel: str) -> Conversation:
    with ccc.session() as session:
        found = session.exec(
            select(Conversation)
            .join(Identity, col(Identity.id) == col(Conversation.identity_id))
            .where(Identity.channel == channel)
        ).one()
        session.expunge(found)
        return found


def _place(ccc: Harness, channel: str, step: str) -> None:
    """The person's conversation stands at `step`, in Arabic, with nothing misunderstood."""
    with ccc.session() as session:
        conversation = session.exec(
            select(Conversation)
            .join(Identity, col(Identity.id) == col(Conversation.identity_id))
            .where(Identity.channel == channel)
        ).one()
        conversation.step = step
        conversation.language = "ar"
        conversation.invalid_inputs = 0
        conversation.answers = {}
        session.add(conversation)
        session.commit()


def _last_received(person: TwilioPerson | TelegramPerson) -> str:
    if isinstance(person, TelegramPerson):
        return person.last_text()
    return person.received()[-1]


@pytest.mark.parametrize("channel", ["sms", "whatsapp", "telegram"])
@pytest.mark.parametrize("target", _choice_steps())
def test_a_number_answers_a_question_only_where_its_numbered_list_was_received(
    ccc: Harness,
    sms: TwilioPerson,
    whatsapp: TwilioPerson,
    telegram: TelegramPerson,
    channel: str,
    target: str,
) -> None:
    person = {"sms": sms, "whatsapp": whatsapp, "telegram": telegram}[channel]
    flow = current().flow
    step = flow.steps[target]
    person.say("مرحبا")  # a new person: the language menu
    if target != flow.start:
        before, answer = _before(flow, target)
        _place(ccc, channel, before.name)
        person.say(answer)
    assert _conversation(ccc, channel).step == target
    received = _last_received(person)
    key = next(iter(step.choices))
    shown = re.search(rf"(?m)^{key} \S", received) is not None

    person.say(key)

    taken = _conversation(ccc, channel).step != target
    assert taken == shown, (received, _last_received(person))
    # Only the question asked by name hides its numbers; the others always list them.
    assert shown == (step.ask_by_name is None)
    if not taken:
        assert NOT_NAMED in _recent(person)
        listed = _last_received(person)
        assert re.search(rf"(?m)^{key} \S", listed), "the re-ask lists the numbered options"
        person.say(key)
        assert _conversation(ccc, channel).step != target, "once listed, the number answers"


def _recent(person: TwilioPerson | TelegramPerson) -> list[str]:
    if isinstance(person, TelegramPerson):
        return [message["text"] for message in person.sent()[-3:]]
    return person.received()[-3:]


def test_on_telegram_the_governorate_buttons_carry_names_and_a_press_answers(
    ccc: Harness, telegram: TelegramPerson
) -> None:
    telegram.say("مرحبا")
    _place(ccc, "telegram", "assistance_household")
    telegram.say("5")
    asked = telegram.sent()[-1]
    assert not re.search(r"(?m)^1 ", asked["text"])
    buttons = [b for row in asked["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0] == {"text": "بغداد", "callback_data": "بغداد"}
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)  # Telegram's bound
    telegram.press("بغداد")
    conversation = _conversation(ccc, "telegram")
    assert (conversation.step, conversation.answers["governorate"]) == (
        "assistance_consent",
        "baghdad",
    )


@pytest.mark.parametrize("language", ["ar", "ckb", "kmr", "en"])
def test_every_telegram_name_button_fits_telegrams_64_bytes(language: str) -> None:
    from workflows.chatbot.replies import render_by_name

    library = current()
    for step in library.flow.steps.values():
        if step.ask_by_name is not None:
            reply = render_by_name(library.prompts, step, language)
            assert all(len(button.key.encode()) <= 64 for button in reply.buttons)
