"""Channel adapters tested with credentials: signatures checked, sends made over HTTP."""

from __future__ import annotations

import pytest

from ccc.kernel.settings import Settings
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi


@pytest.fixture
def settings(database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi) -> Settings:
    """Real credentials, aimed at the local fakes: signatures are checked, sends go out."""
    return channel_settings(database_url, fake_twilio, fake_telegram)
