"""`CCC_OUTBOUND=record`: replies on every channel are recorded, shown, and never sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ccc.kernel.settings import Settings
from tests.conftest import Harness, build_harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.people import CHAT_ID, PHONE, TelegramPerson, TwilioPerson


@pytest.fixture
def settings(database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi) -> Settings:
    """Real credentials, aimed at the local fakes: signatures are checked, sends go out."""
    return channel_settings(database_url, fake_twilio, fake_telegram)


@pytest.fixture
def recording(database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi) -> Iterator[Harness]:
    settings = channel_settings(database_url, fake_twilio, fake_telegram, outbound="record")
    yield from build_harness(settings)


@pytest.fixture
def without_credentials(database_url: str) -> Iterator[Harness]:
    """Only the secrets that verify webhooks: nothing CCC could send with."""
    settings = channel_settings(
        database_url, None, None, twilio_account_sid=None, telegram_bot_token=None
    )
    yield from build_harness(settings)


@pytest.mark.parametrize("harness", ["recording", "without_credentials"])
def test_replies_on_every_channel_appear_in_the_simulator_view_and_are_not_sent(
    request: pytest.FixtureRequest,
    harness: str,
    fake_twilio: FakeApi,
    fake_telegram: FakeApi,
) -> None:
    ccc: Harness = request.getfixturevalue(harness)
    TwilioPerson(ccc, fake_twilio).say("hello")
    TwilioPerson(ccc, fake_twilio, whatsapp=True, number="+9647809876543").say("hello")
    TelegramPerson(ccc, fake_telegram).say("hello")

    for address in (PHONE, "whatsapp:+9647809876543", str(CHAT_ID)):
        transcript = ccc.transcript(address)
        assert [m["direction"] for m in transcript] == ["in", "out"], address
        assert transcript[1]["status"] == "sent"
        assert "4 English" in transcript[1]["text"]
    assert fake_twilio.requests == []
    assert fake_telegram.requests == []
