"""A NUL character in a webhook is dropped, not a 500 that the provider redelivers forever."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ccc.contacts.models import Identity
from ccc.messages.models import Message
from tests.conftest import Harness
from tests.support.people import TelegramPerson, TwilioPerson


def test_a_twilio_form_with_nul_characters_is_stored_without_them(
    ccc: Harness, whatsapp: TwilioPerson
) -> None:
    whatsapp.post(whatsapp.message("hel\x00lo", ProfileName="La\x00yla"))
    with ccc.session() as session:
        [message] = session.exec(select(Message).where(Message.direction == "in")).all()
        assert message.text == "hello"
        identity = session.exec(select(Identity)).one()
        assert identity.display_name == "Layla"


def test_a_telegram_update_with_nul_characters_is_stored_without_them(
    ccc: Harness, telegram: TelegramPerson
) -> None:
    update = telegram.update("telegram_text", text="hi\x00 there")
    update["message"]["from"]["first_name"] = "A\x00mal"
    telegram.post(update)
    with ccc.session() as session:
        [message] = session.exec(select(Message).where(Message.direction == "in")).all()
        assert message.text == "hi there"


def test_values_longer_than_their_columns_are_refused_with_a_4xx(
    ccc: Harness, sms: TwilioPerson, telegram: TelegramPerson
) -> None:
    from tests.support.people import post_telegram, post_twilio

    long_sid = post_twilio(
        ccc.client, "/webhooks/twilio/messaging", sms.message("hi", MessageSid="SM" + "x" * 300)
    )
    assert long_sid.status_code == 422
    update = telegram.update("telegram_text", text="hi")
    update["message"]["chat"]["id"] = int("9" * 100)
    assert post_telegram(ccc.client, update).status_code in (400, 422)
    update = telegram.update("telegram_text", text="hi")
    update["message"]["chat"]["id"] = "abc"
    assert post_telegram(ccc.client, update).status_code == 400
    button = telegram.update("telegram_callback_query", data={"a": 1})
    assert post_telegram(ccc.client, button).status_code == 400
    with ccc.session() as session:
        assert session.exec(select(Message)).all() == []


def test_a_database_error_never_prints_the_message_in_the_log(
    ccc: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    with ccc.session() as session, pytest.raises(SQLAlchemyError) as failure:
        session.execute(
            text("INSERT INTO no_such_table (body) VALUES (:body)"),
            {"body": "my son Mustafa disappeared"},
        )
    assert "Mustafa" not in str(failure.value)
