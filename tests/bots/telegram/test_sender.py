"""Sending through python-telegram-bot's `Bot`, against a local fake of the Bot API."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bots.telegram.sender import sender
from ccc.channels.port import Button, OutboundMessage
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow
from tests.conftest import Harness
from tests.support.fakes import (
    TELEGRAM_BAD_GATEWAY,
    TELEGRAM_BLOCKED,
    TELEGRAM_CHAT_NOT_FOUND,
    TELEGRAM_FLOOD,
    FakeApi,
    telegram_error,
)
from tests.support.people import (
    BOT_TOKEN,
    CHAT_ID,
    TelegramPerson,
    identity,
    message,
    notes,
    open_ticket,
    reply,
    retry_due,
    send_job,
)

ADDRESS = str(CHAT_ID)
# python-telegram-bot itself reads the deprecated int form while building RetryAfter.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


def test_a_reply_goes_out_by_send_message_to_the_chat(
    ccc: Harness, telegram: TelegramPerson, fake_telegram: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(telegram)
    fake_telegram.requests.clear()
    message_id = reply(ccc, agent, reference, "We have called the hospital in Erbil.")

    [call] = fake_telegram.calls("sendMessage")
    assert call.path == f"/bot{BOT_TOKEN}/sendMessage"
    assert call.form["chat_id"] == ADDRESS
    assert call.form["text"] == "We have called the hospital in Erbil."
    assert "reply_markup" not in call.form
    sent = message(ccc, message_id)
    assert sent.status == "sent"
    assert sent.external_id is not None and sent.external_id.startswith(f"{ADDRESS}:")


def test_menus_are_inline_keyboards_two_buttons_to_a_row(
    ccc: Harness, telegram: TelegramPerson
) -> None:
    telegram.say("hello")
    telegram.press("4")
    keyboard = telegram.sent()[-1]["reply_markup"]["inline_keyboard"]
    assert [len(row) for row in keyboard] == [2, 2, 2]
    assert [b["callback_data"] for row in keyboard for b in row] == ["1", "2", "3", "4", "5", "0"]


def test_a_text_longer_than_telegram_takes_is_split_with_the_buttons_on_the_last_part(
    settings: Settings, fake_telegram: FakeApi
) -> None:
    outbound = OutboundMessage(
        channel="telegram",
        address=ADDRESS,
        text="word " * 1000,
        buttons=(Button("1", "Yes"), Button("2", "No")),
    )
    result = sender(settings).send(outbound)
    calls = fake_telegram.calls("sendMessage")
    assert [len(call.form["text"]) for call in calls] == [4094, 904]
    assert ["reply_markup" in call.form for call in calls] == [False, True]
    assert result.parts == 2


def test_flood_control_is_retried_after_the_delay_telegram_asks_for(
    ccc: Harness, telegram: TelegramPerson, fake_telegram: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(telegram)
    fake_telegram.then(TELEGRAM_FLOOD)
    started = utcnow()
    message_id = reply(ccc, agent, reference, "Please call us tomorrow.")

    assert message(ccc, message_id).status == "pending"
    job = send_job(ccc, message_id)
    assert "flood control" in (job.last_error or "")
    assert job.available_at >= started + timedelta(seconds=37)
    assert job.attempts == 0, "flood control is not a failed attempt"

    retry_due(ccc)
    assert message(ccc, message_id).status == "sent"
    assert send_job(ccc, message_id).attempts == 1
    assert fake_telegram.calls("sendMessage")[-1].form["text"] == "Please call us tomorrow."


def test_bad_gateways_are_retried_until_they_pass(
    ccc: Harness, telegram: TelegramPerson, fake_telegram: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(telegram)
    fake_telegram.then(TELEGRAM_BAD_GATEWAY, TELEGRAM_BAD_GATEWAY, TELEGRAM_BAD_GATEWAY)
    message_id = reply(ccc, agent, reference, "Your case is with the tracing team.")
    for _ in range(3):
        assert message(ccc, message_id).status == "pending"
        retry_due(ccc)
    assert message(ccc, message_id).status == "sent"


def test_server_errors_on_every_attempt_fail_the_message_with_a_note(
    ccc: Harness, telegram: TelegramPerson, fake_telegram: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(telegram)
    fake_telegram.requests.clear()
    fake_telegram.then(*[telegram_error(500, "Internal Server Error")] * 10)
    message_id = reply(ccc, agent, reference, "Your case is with the tracing team.")
    for _ in range(10):
        retry_due(ccc)
    failed = message(ccc, message_id)
    assert failed.status == "failed"
    assert failed.error_code == "telegram_5xx", "Telegram's outage, not our network"
    assert "Telegram's servers failed" in (failed.error_message or "")
    assert len(fake_telegram.calls("sendMessage")) == send_job(ccc, message_id).attempts > 1
    assert any("could not be sent" in note for note in notes(ccc, agent, reference))


@pytest.mark.parametrize(
    ("error", "code"), [(TELEGRAM_BLOCKED, "blocked"), (TELEGRAM_CHAT_NOT_FOUND, "chat_not_found")]
)
def test_a_blocked_bot_stops_at_once_and_marks_the_chat_unreachable(
    ccc: Harness,
    telegram: TelegramPerson,
    fake_telegram: FakeApi,
    agent: dict[str, str],
    error: object,
    code: str,
) -> None:
    reference = open_ticket(telegram)
    fake_telegram.requests.clear()
    fake_telegram.then(error)  # type: ignore[arg-type]
    message_id = reply(ccc, agent, reference, "Your case is with the tracing team.")
    retry_due(ccc)

    failed = message(ccc, message_id)
    assert (failed.status, failed.error_code) == ("failed", code)
    assert len(fake_telegram.calls("sendMessage")) == 1
    assert identity(ccc, "telegram", ADDRESS).unreachable_reason
    assert any(code in note for note in notes(ccc, agent, reference))

    later = reply(ccc, agent, reference, "One more thing.")
    assert message(ccc, later).status == "not_sent"
    assert len(fake_telegram.calls("sendMessage")) == 1

    # Writing to the bot again proves the chat is open: replies go out once more.
    telegram.say("I unblocked you")
    assert identity(ccc, "telegram", ADDRESS).unreachable_reason is None
    again = reply(ccc, agent, reference, "Thank you for writing again.")
    assert message(ccc, again).status == "sent"


def test_the_bot_token_never_reaches_a_log_line_or_an_error(
    ccc: Harness,
    telegram: TelegramPerson,
    fake_telegram: FakeApi,
    agent: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        reference = open_ticket(telegram)
        fake_telegram.then(telegram_error(401, "Unauthorized"))
        message_id = reply(ccc, agent, reference, "Hello")
    failed = message(ccc, message_id)
    assert failed.error_code == "invalid_token"
    secret = BOT_TOKEN.split(":")[1]
    assert secret not in (failed.error_message or "")
    assert not [r for r in caplog.records if secret in r.getMessage()]
