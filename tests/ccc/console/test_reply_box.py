"""The ticket page's forms say what will really happen: the channel a reply takes, and only
the status changes the ticket's state allows."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.bots.twilio.test_voice import leave_voice_message
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness, build_harness
from tests.flows import open_ticket
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi


@pytest.fixture
def ccc(database_url: str, fake_twilio: FakeApi) -> Iterator[Harness]:
    yield from build_harness(channel_settings(database_url, fake_twilio, None))


def agent(ccc: Harness) -> Browser:
    browser = Browser.open(ccc)
    browser.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    return browser


def test_a_callers_reply_box_says_it_goes_by_sms_and_counts_segments(ccc: Harness) -> None:
    reference = leave_voice_message(ccc)
    page = agent(ccc).get(f"/console/tickets/{reference}").text
    assert "goes by SMS" in page or "goes by sms" in page
    assert "(call)" not in page and "goes by Voice" not in page
    assert 'data-sms="yes"' in page


def test_the_status_menu_offers_only_what_the_state_allows(ccc: Harness) -> None:
    reference = open_ticket(ccc, "+9647701234567", "tracing")
    page = agent(ccc).get(f"/console/tickets/{reference}").text
    menu = re.search(r'<select id="change-status" name="status">(.*?)</select>', page, re.S)
    assert menu, page
    offered = re.findall(r'<option value="(\w+)"', menu[1])
    assert offered[0] == "new" and "referred" not in offered
    assert set(offered) <= {"new", "open", "pending", "resolved", "closed"}
