"""The callback list sends SMS: these tests run with Twilio credentials aimed at the fake."""

from __future__ import annotations

import pytest

from ccc.kernel.settings import Settings
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi


@pytest.fixture
def settings(database_url: str, fake_twilio: FakeApi) -> Settings:
    return channel_settings(database_url, fake_twilio, None)
