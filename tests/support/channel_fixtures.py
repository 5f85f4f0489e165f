"""Fixtures for channel tests: fake Twilio and Telegram APIs on loopback, and people who
write in through them. A pytest plugin of the whole suite (see tests/conftest.py); a folder or
module opts into real credentials by overriding `settings` with `channel_settings`, so its
`ccc` harness verifies signatures and sends for real, over HTTP, to the fakes of `fakes.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ccc.kernel.settings import Settings
from tests.conftest import Harness, make_settings
from tests.support.fakes import FakeApi, telegram_ok, twilio_message
from tests.support.people import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_TOKEN,
    SMS_FROM,
    WEBHOOK_SECRET,
    WHATSAPP_FROM,
    TelegramPerson,
    TwilioPerson,
)


@pytest.fixture
def fake_twilio() -> Iterator[FakeApi]:
    api = FakeApi(twilio_message).start()
    yield api
    api.stop()


@pytest.fixture
def fake_telegram() -> Iterator[FakeApi]:
    api = FakeApi(telegram_ok).start()
    yield api
    api.stop()


def channel_settings(
    database_url: str, twilio: FakeApi | None, telegram: FakeApi | None, **overrides: object
) -> Settings:
    values: dict[str, object] = {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_sms_from": SMS_FROM,
        "twilio_whatsapp_from": WHATSAPP_FROM,
        "twilio_api_base": twilio.url if twilio else "http://127.0.0.1:9",
        "telegram_bot_token": BOT_TOKEN,
        "telegram_webhook_secret": WEBHOOK_SECRET,
        "telegram_api_base": telegram.url if telegram else "http://127.0.0.1:9",
        # The senders' buckets stay on (with Redis) but roomy: a conversation's replies are not
        # held behind Twilio's 1 a second for a long code. Tests of the pace set their own.
        "send_rate_sms": 50.0,
        "send_rate_whatsapp": 50.0,
        "send_rate_telegram": 50.0,
    }
    values.update(overrides)
    return make_settings(database_url, **values)


@pytest.fixture
def sms(ccc: Harness, fake_twilio: FakeApi) -> TwilioPerson:
    return TwilioPerson(ccc, fake_twilio)


@pytest.fixture
def whatsapp(ccc: Harness, fake_twilio: FakeApi) -> TwilioPerson:
    return TwilioPerson(ccc, fake_twilio, whatsapp=True)


@pytest.fixture
def telegram(ccc: Harness, fake_telegram: FakeApi) -> TelegramPerson:
    return TelegramPerson(ccc, fake_telegram)
