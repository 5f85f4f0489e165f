"""Who is waiting, live updates and bulk actions in a real browser (Debian's chromium driven by
Playwright), in English and in Arabic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.ccc.console.conftest import BASE, needs_chromium, serious_violations, shot
from tests.ccc.console.test_browser import settings  # noqa: F401 (the browser's URL)
from tests.conftest import Harness
from tests.flows import open_ticket

pytestmark = needs_chromium

FIRST = "+9647701111111"
SECOND = "+9647702222222"
# The marker's words in each language: said in words, not only by colour.
WAITING = {"en": "Waiting for us", "ar": "بانتظار ردّنا"}


def alices_ticket_with_a_draft(
    ccc: Harness,
    console_as: Callable[..., Any],
    supervisor: dict[str, str],
    language: str,
    *,
    notes: int = 0,
) -> Any:
    """FIRST's ticket, assigned to alice (with `notes` notes), open in her console with its
    live stream on and a reply half typed, which what arrives must leave alone."""
    reference = open_ticket(ccc, FIRST)
    ccc.client.patch(f"/api/tickets/{reference}", json={"assignee": "alice"}, headers=supervisor)
    for n in range(notes):
        note = {"text": f"Called the family, attempt {n}."}
        ccc.client.post(f"/api/tickets/{reference}/notes", json=note, headers=supervisor)
    page = console_as("alice", language=language)
    page.goto(f"{BASE}/console/tickets/{reference}")
    page.wait_for_selector("html[data-live=on]")
    page.fill("#reply-text", "Draft being typed")
    return page


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_waiting_marker_and_filter(
    ccc: Harness,
    console_as: Callable[..., Any],
    supervisor: dict[str, str],
    language: str,
) -> None:
    answered = open_ticket(ccc, FIRST)
    waiting = open_ticket(ccc, SECOND)
    ccc.client.post(f"/api/tickets/{answered}/replies", json={"text": "Done."}, headers=supervisor)
    ccc.drain()
    page = console_as("alice", language=language)
    rows = page.locator("#queue-rows tr")
    assert rows.nth(0).locator(".ref").inner_text() == waiting  # waiting first
    assert WAITING[language] in rows.nth(0).locator(".waiting-mark").inner_text()
    assert rows.nth(1).locator(".waiting-mark").count() == 0
    page.click("nav.views a[href='/console?waiting=centre']")
    page.wait_for_selector("nav.views a[aria-current=page][href='/console?waiting=centre']")
    assert [r.inner_text() for r in page.locator("#queue-rows .ref").all()] == [waiting]
    shot(page, f"{language}-queue-waiting")
    assert not page.errors, page.errors


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_message_arrives_on_the_open_ticket_page_and_the_draft_stays(
    ccc: Harness,
    console_as: Callable[..., Any],
    supervisor: dict[str, str],
    language: str,
) -> None:
    page = alices_ticket_with_a_draft(ccc, console_as, supervisor, language)
    ccc.say(FIRST, "He was last seen in Nasiriyah")
    # The stream brings it in seconds; polling alone would take 10 s and the wait is 8.
    page.wait_for_selector("#timeline >> text=He was last seen in Nasiriyah", timeout=8_000)
    assert page.input_value("#reply-text") == "Draft being typed"
    shot(page, f"{language}-ticket-live")
    assert not page.errors, page.errors


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_bulk_assignment(
    ccc: Harness,
    console_as: Callable[..., Any],
    supervisor: dict[str, str],
    language: str,
) -> None:
    first = open_ticket(ccc, FIRST)
    second = open_ticket(ccc, SECOND)
    page = console_as("alice", language=language)
    page.check(f"input.select-row[value='{first}']")
    page.check(f"input.select-row[value='{second}']")
    page.select_option("#bulk-assign", "me")
    page.click("#bulk button[type=submit]")
    page.wait_for_selector("p.flash")
    for reference in (first, second):
        ticket = ccc.client.get(f"/api/tickets/{reference}", headers=supervisor).json()
        assert ticket["assignee"] == "alice"
    shot(page, f"{language}-queue-bulk")
    assert not page.errors, page.errors


CUE = {"en": "New message from the person", "ar": "رسالة جديدة من الشخص"}
IN_VIEW = """(el) => { const box = el.getBoundingClientRect();
  return box.bottom > 0 && box.top < window.innerHeight; }"""


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_message_below_the_first_screen_brings_a_cue_beside_the_reply_box(
    ccc: Harness,
    console_as: Callable[..., Any],
    chromium: Any,
    supervisor: dict[str, str],
    language: str,
) -> None:
    # a long timeline: its end is far below the reply box
    page = alices_ticket_with_a_draft(ccc, console_as, supervisor, language, notes=25)
    cue = page.locator("#new-message-cue")
    assert cue.is_hidden()

    ccc.say(FIRST, "He was last seen in Nasiriyah")
    cue.wait_for(state="visible", timeout=8_000)
    assert CUE[language] in cue.inner_text()
    assert page.locator(".new-message-live[role=status] #new-message-cue").count() == 1
    message = page.locator("#timeline li.msg-in", has_text="He was last seen in Nasiriyah")
    assert not message.evaluate(IN_VIEW)
    shot(page, f"{language}-ticket-new-message-cue")
    cue.click()
    assert message.evaluate(IN_VIEW)
    assert cue.is_hidden()
    assert page.input_value("#reply-text") == "Draft being typed"

    # Once the agent has seen it by scrolling there, the cue goes by itself.
    page.evaluate("window.scrollTo(0, 0)")
    ccc.say(FIRST, "His phone number ends in 42")
    cue.wait_for(state="visible", timeout=8_000)
    later = page.locator("#timeline li.msg-in", has_text="His phone number ends in 42")
    later.scroll_into_view_if_needed()
    cue.wait_for(state="hidden", timeout=3_000)
    assert page.input_value("#reply-text") == "Draft being typed"
    assert serious_violations(chromium, page) == []
    assert not page.errors, page.errors
