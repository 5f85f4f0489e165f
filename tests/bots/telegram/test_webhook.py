"""`POST /webhooks/telegram`: the secret checked, each update stored once, the rest ignored."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import Harness, build_harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.people import (
    CHAT_ID,
    PHONE,
    TelegramPerson,
    TwilioPerson,
    fixture,
    identity,
    messages,
    post_telegram,
    stored,
)

WEBHOOK = "/webhooks/telegram"
ADDRESS = str(CHAT_ID)


def test_a_text_message_is_stored_under_its_update_id_and_answered_with_buttons(
    ccc: Harness, telegram: TelegramPerson
) -> None:
    update = telegram.update("telegram_text")
    response = telegram.post(update)
    assert response.json() == {"status": "accepted"}
    [message] = messages(ccc, direction="in")
    assert (message.channel, message.external_id, message.text) == (
        "telegram",
        str(update["update_id"]),
        "مرحبا",
    )
    assert identity(ccc, "telegram", ADDRESS).display_name == "Layla Hassan"
    [sent] = telegram.sent()
    assert "4 English" in sent["text"]
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in keyboard] == [["1", "2"], ["3", "4"]]
    assert keyboard[1][1]["text"] == "English"


def test_the_same_update_twice_is_stored_once_and_answered_once(
    ccc: Harness, telegram: TelegramPerson
) -> None:
    update = telegram.update("telegram_text")
    telegram.post(update)
    before = stored(ccc)
    again = telegram.post(update)
    assert again.json() == {"status": "duplicate"}
    assert stored(ccc) == before
    assert len(telegram.sent()) == 1


def test_start_greets_a_new_person(ccc: Harness, telegram: TelegramPerson) -> None:
    telegram.post(telegram.update("telegram_start"))
    [message] = messages(ccc, direction="in")
    assert message.text == ""
    assert "4 English" in telegram.last_text()


def test_the_start_payload_of_a_deep_link_is_the_text(
    ccc: Harness, telegram: TelegramPerson
) -> None:
    telegram.post(telegram.update("telegram_start_payload"))
    assert messages(ccc, direction="in")[0].text == "poster-mosul"


def test_a_button_press_is_the_choice_and_the_query_is_answered(
    ccc: Harness, telegram: TelegramPerson, fake_telegram: FakeApi
) -> None:
    telegram.say("hello")
    update = telegram.update("telegram_callback_query", data="4")
    telegram.post(update)
    assert messages(ccc, direction="in")[-1].text == "4"
    assert "How can we help you?" in telegram.last_text()
    [answer] = fake_telegram.calls("answerCallbackQuery")
    assert answer.form["callback_query_id"] == update["callback_query"]["id"]


def test_a_failing_answer_to_a_button_never_fails_the_webhook(
    ccc: Harness, telegram: TelegramPerson, fake_telegram: FakeApi
) -> None:
    from tests.support.fakes import TELEGRAM_BAD_GATEWAY

    telegram.say("hello")
    fake_telegram.then(TELEGRAM_BAD_GATEWAY)
    response = telegram.post(telegram.update("telegram_callback_query", data="4"))
    assert response.json() == {"status": "accepted"}
    assert "How can we help you?" in telegram.last_text()


def test_the_largest_photo_is_kept_by_file_id(ccc: Harness, telegram: TelegramPerson) -> None:
    telegram.post(telegram.update("telegram_photo"))
    [message] = messages(ccc, direction="in")
    assert message.media == [
        {
            "url": "telegram:file_id:AgACAgQAAxkBAAIBQ2Z0aGF0LXBob3RvLWxhcmdlAAJbAAJ",
            "content_type": "image/jpeg",
            "kind": "image",
        }
    ]


def test_a_voice_note_is_kept_as_voice(ccc: Harness, telegram: TelegramPerson) -> None:
    telegram.post(telegram.update("telegram_voice"))
    [message] = messages(ccc, direction="in")
    assert message.media[0]["kind"] == "voice"
    assert message.media[0]["content_type"] == "audio/ogg"


def test_a_document_keeps_its_caption_as_text(ccc: Harness, telegram: TelegramPerson) -> None:
    telegram.post(telegram.update("telegram_document"))
    [message] = messages(ccc, direction="in")
    assert message.text == "Detention attestation"
    assert message.media[0]["kind"] == "document"
    assert message.media[0]["content_type"] == "application/pdf"


def test_a_location_is_kept(ccc: Harness, telegram: TelegramPerson) -> None:
    telegram.post(telegram.update("telegram_location"))
    [message] = messages(ccc, direction="in")
    assert {"kind": "location", "url": "geo:36.345612,43.157498", "content_type": ""} in (
        message.media
    )


def test_sharing_ones_own_number_links_to_the_phone_contact_only_once_confirmed(
    ccc: Harness, telegram: TelegramPerson, sms: TwilioPerson
) -> None:
    sms.say("hello")
    telegram.say("hello")
    telegram.say("4")
    phone_contact = identity(ccc, "sms", PHONE).contact_id
    telegram.post(telegram.update("telegram_contact"))
    assert PHONE in telegram.last_text()
    assert identity(ccc, "telegram", ADDRESS).contact_id != phone_contact, "not before yes"

    telegram.press("1")
    assert identity(ccc, "telegram", ADDRESS).contact_id == phone_contact


def test_someone_elses_number_is_kept_but_never_linked(
    ccc: Harness, telegram: TelegramPerson
) -> None:
    telegram.say("hello")
    telegram.post(telegram.update("telegram_contact_other"))
    message = messages(ccc, direction="in")[-1]
    assert message.media == [
        {"url": "tel:+9647809876543", "content_type": "text/vcard", "kind": "file"}
    ]
    assert "+9647809876543" not in telegram.last_text()


@pytest.mark.parametrize(
    "name", ["telegram_edited_message", "telegram_group_message", "telegram_poll"]
)
def test_updates_ccc_does_not_use_are_answered_and_ignored(
    ccc: Harness, telegram: TelegramPerson, name: str
) -> None:
    telegram.say("hello")
    before = stored(ccc)
    response = telegram.post(telegram.update(name))
    assert response.json() == {"status": "ignored"}
    assert stored(ccc) == before
    assert len(telegram.sent()) == 1, "an edit does not start a new turn"


def test_blocking_the_bot_marks_the_chat_unreachable_and_unblocking_clears_it(
    ccc: Harness, telegram: TelegramPerson
) -> None:
    telegram.say("hello")
    blocked = fixture("telegram_my_chat_member")
    assert telegram.post(blocked).json() == {"status": "ignored"}
    assert "blocked" in (identity(ccc, "telegram", ADDRESS).unreachable_reason or "")

    unblocked = json.loads(json.dumps(blocked))
    unblocked["update_id"] += 1
    unblocked["my_chat_member"]["old_chat_member"] = blocked["my_chat_member"]["new_chat_member"]
    unblocked["my_chat_member"]["new_chat_member"] = {
        "user": blocked["my_chat_member"]["new_chat_member"]["user"],
        "status": "member",
    }
    telegram.post(unblocked)
    assert identity(ccc, "telegram", ADDRESS).unreachable_reason is None


def test_a_message_carrying_something_ccc_does_not_read_is_ignored_not_refused(
    ccc: Harness, telegram: TelegramPerson
) -> None:
    """A forwarded poll: newer Bot API objects must not make the webhook fail."""
    update = telegram.update("telegram_text")
    del update["message"]["text"]
    update["message"]["poll"] = fixture("telegram_poll")["poll"]
    assert telegram.post(update).json() == {"status": "ignored"}
    assert stored(ccc)["messages"] == 0


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "c4f1e0d9"])
def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_stored(
    ccc: Harness, telegram: TelegramPerson, secret: str | None
) -> None:
    response = post_telegram(ccc.client, telegram.update("telegram_text"), secret=secret)
    assert response.status_code == 403
    assert stored(ccc)["messages"] == 0
    assert telegram.sent() == []


@pytest.fixture
def without_secret(database_url: str) -> Iterator[Harness]:
    yield from build_harness(
        channel_settings(database_url, None, None, telegram_webhook_secret=None)
    )


def test_without_a_configured_secret_every_update_is_refused(without_secret: Harness) -> None:
    response = post_telegram(without_secret.client, fixture("telegram_text"), secret="")
    assert response.status_code == 403
    assert stored(without_secret)["messages"] == 0


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"update_id": 1, "message": ', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"message": {"text": "hi"}}', "update_id"),
        (b'{"update_id": "12"}', "update_id"),
        (b'{"update_id": 5, "message": "hello"}', "not a Telegram Update"),
        (b'{"update_id": 5, "message": {"chat": {}}}', "not a Telegram Update"),
        (b"[" * 30_000 + b"]" * 30_000, "nested too deeply"),
    ],
)
def test_a_malformed_body_is_a_bad_request_never_a_server_error(
    ccc: Harness, body: bytes, detail: str
) -> None:
    response = ccc.client.post(
        WEBHOOK,
        content=body,
        headers={
            "content-type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": "c4f1e0d9-5b7a-4e1f-9a2b-webhook-secret",
        },
    )
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]
    assert stored(ccc)["messages"] == 0


def test_a_body_that_is_not_json_is_unsupported(ccc: Harness) -> None:
    response = ccc.client.post(
        WEBHOOK,
        content=b"update_id=1",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "X-Telegram-Bot-Api-Secret-Token": "c4f1e0d9-5b7a-4e1f-9a2b-webhook-secret",
        },
    )
    assert response.status_code == 415


@pytest.mark.parametrize("chunked", [False, True])
def test_an_update_over_64_kib_is_refused(
    ccc: Harness, telegram: TelegramPerson, chunked: bool
) -> None:
    update = telegram.update("telegram_text", text="ب" * 40_000)
    body = json.dumps(update, ensure_ascii=False).encode()
    content = iter([body[:100], body[100:]]) if chunked else body
    response = ccc.client.post(
        WEBHOOK,
        content=content,
        headers={
            "content-type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": "c4f1e0d9-5b7a-4e1f-9a2b-webhook-secret",
        },
    )
    assert response.status_code == 413
    assert stored(ccc)["messages"] == 0
