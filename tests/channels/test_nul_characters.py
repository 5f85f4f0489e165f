"""A NUL character in a webhook is dropped, not a 500 that the provider redelivers forever."""

from __future__ import annotations

from sqlmodel import select

from ccc.models import Identity, Message
from tests.channels.people import TelegramPerson, TwilioPerson
from tests.conftest import Harness


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
