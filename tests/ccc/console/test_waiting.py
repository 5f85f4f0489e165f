"""The queue says who is waiting for the centre: their own words, for how long, first."""

from __future__ import annotations

import re

import pytest

from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket

FIRST = "+9647701111111"
SECOND = "+9647702222222"


@pytest.fixture
def agent(ccc: Harness) -> Browser:
    browser = Browser.open(ccc)
    browser.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    return browser


def _order(html: str) -> list[str]:
    return re.findall(r'class="ref">(\d{8})<', html)


def test_waiting_rows_come_first_marked_in_words_with_the_persons_words(
    ccc: Harness, agent: Browser, supervisor: dict[str, str]
) -> None:
    first = open_ticket(ccc, FIRST)
    second = open_ticket(ccc, SECOND)
    answer = ccc.client.post(
        f"/api/tickets/{first}/replies", json={"text": "We are on it."}, headers=supervisor
    )
    assert answer.status_code == 202
    queue = agent.get("/console").text
    assert _order(queue) == [second, first]
    assert queue.count("Waiting for us ·") == 1  # the marker, besides the tab
    ccc.say(FIRST, "My brother's name is Omar Hassan")
    queue = agent.get("/console").text
    assert _order(queue) == [second, first]  # both waiting: the longest wait first
    assert queue.count("Waiting for us ·") == 2
    assert "My brother&#39;s name is Omar Hassan" in queue
    assert "We added your message" not in queue  # the chatbot's words are not the person's


def test_the_waiting_filter_and_tab(
    ccc: Harness, agent: Browser, supervisor: dict[str, str]
) -> None:
    first = open_ticket(ccc, FIRST)
    second = open_ticket(ccc, SECOND)
    ccc.client.post(f"/api/tickets/{first}/replies", json={"text": "Done."}, headers=supervisor)
    waiting = agent.get("/console", params={"waiting": "centre"}).text
    assert _order(waiting) == [second]
    assert '<a href="/console?waiting=centre" aria-current="page">Waiting for us</a>' in waiting
    rows = agent.get("/console/queue/rows", params={"waiting": "centre"}).text
    assert _order(rows) == [second]


def test_the_waiting_tab_in_arabic(ccc: Harness) -> None:
    browser = Browser.open(ccc)
    browser.log_in("rana", console_user(ccc, "rana", "agent", ["ccc"], language="ar"))
    reference = open_ticket(ccc, FIRST)
    page = browser.get("/console", params={"waiting": "centre"}).text
    assert reference in page
    assert "بانتظار ردّنا ·" in page
