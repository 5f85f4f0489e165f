"""The browser notification and its sound when a person writes on a ticket assigned to the
agent, checked in headless Chromium: the page's `Notification` and `HTMLMediaElement.play` are
recorded by an init script, and the person writes by a signed Twilio webhook, as in production."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

import pytest
from twilio.request_validator import RequestValidator

from ccc.kernel.settings import Settings
from tests.ccc.console.browsing import console_user
from tests.ccc.console.conftest import BASE, needs_chromium, shot
from tests.conftest import Harness
from tests.flows import ENGLISH, SCRIPTS, reference_in
from tests.support.channel_fixtures import channel_settings
from tests.support.people import ACCOUNT_SID, AUTH_TOKEN, FORM, SMS_FROM

pytestmark = needs_chromium

MINE = "+9647703333333"
THEIRS = "+9647704444444"
PATH = "/webhooks/twilio/messaging"
# Records what the page asks of the browser, and lets the real calls through.
RECORDER = """
window.__notifications = [];
window.__sounds = 0;
const Real = window.Notification;
class Recorded extends Real {
  constructor(title, options) {
    super(title, options);
    window.__notifications.push({ title, body: options && options.body });
  }
}
window.Notification = Recorded;
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
  window.__sounds += 1;
  return play.call(this);
};
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return channel_settings(database_url, None, None, public_url=BASE, outbound="record")


def text_by_sms(ccc: Harness, phone: str, body: str) -> None:
    """A person's SMS as Twilio posts it, signed for this server's public URL."""
    sid = f"SM{uuid4().hex}"
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": phone,
        "To": SMS_FROM,
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(BASE + PATH, form)
    response = ccc.client.post(
        PATH,
        content=urlencode(form),
        headers={"content-type": FORM, "X-Twilio-Signature": signature},
    )
    assert response.status_code == 200, response.text
    ccc.drain()


def sms_ticket(ccc: Harness, phone: str, assignee: str, supervisor: dict[str, str]) -> str:
    """A tracing intake by SMS, then the ticket assigned to `assignee`."""
    for body in ["hello", ENGLISH, *SCRIPTS["tracing"]]:
        text_by_sms(ccc, phone, body)
    reference = reference_in(ccc.last_reply(phone))
    changed = ccc.client.patch(
        f"/api/tickets/{reference}", json={"assignee": assignee}, headers=supervisor
    )
    assert changed.status_code == 200, changed.text
    return reference


def agent_page(
    chromium: Any,
    password: str,
    *,
    notify: bool = True,
    sound: bool = True,
) -> Any:
    """Alice's queue, with the notifications permission granted and the bell turned on (and
    the sound off if asked), as an agent does once."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["notifications"], origin=BASE)
    context.add_init_script(RECORDER)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.errors = errors
    page.goto(f"{BASE}/console")
    page.fill("#username", "alice")
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("html[data-live=on]")
    if notify:
        page.click("#live-notify")
    if not sound:
        page.click("#live-sound")
    assert page.get_attribute("#live-notify", "aria-pressed") == str(notify).lower()
    assert page.get_attribute("#live-sound", "aria-pressed") == str(sound).lower()
    return page


def wait_until(page: Any, condition: str, *, seconds: float) -> None:
    """Polls the page (the console's CSP forbids the string evaluation of wait_for_function
    once the predicate is not true at first)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, f"not true after {seconds} s: {condition}"
        page.wait_for_timeout(50)


def recorded(page: Any) -> tuple[list[dict[str, str]], int]:
    return page.evaluate("window.__notifications"), page.evaluate("window.__sounds")


def test_a_person_writing_on_my_ticket_brings_one_notification_and_one_sound(
    ccc: Harness,
    server: str,
    chromium: Any,
    supervisor: dict[str, str],
) -> None:
    password = console_user(ccc, "alice", "agent", ["ccc"])
    ccc.user("bob", "agent", ["ccc"])
    mine = sms_ticket(ccc, MINE, "alice", supervisor)
    theirs = sms_ticket(ccc, THEIRS, "bob", supervisor)
    page = agent_page(chromium, password)
    assert page.evaluate("Notification.permission") == "granted"

    text_by_sms(ccc, THEIRS, "Any news?")  # not assigned to alice: nothing
    page.wait_for_selector(f"#queue-rows >> text={theirs}")
    page.wait_for_timeout(1_500)
    assert recorded(page) == ([], 0)

    text_by_sms(ccc, MINE, "He was last seen in Nasiriyah")
    wait_until(page, "window.__notifications.length > 0", seconds=8)
    page.wait_for_timeout(1_000)  # a second notification or sound would have come by now
    notes, sounds = recorded(page)
    assert [n["body"] for n in notes] == [mine]
    assert notes[0]["title"]
    assert sounds == 1
    shot(page, "en-queue-notified")
    assert not page.errors, page.errors


def test_with_the_sound_off_the_notification_comes_alone(
    ccc: Harness,
    server: str,
    chromium: Any,
    supervisor: dict[str, str],
) -> None:
    password = console_user(ccc, "alice", "agent", ["ccc"])
    mine = sms_ticket(ccc, MINE, "alice", supervisor)
    page = agent_page(chromium, password, sound=False)
    text_by_sms(ccc, MINE, "He was last seen in Nasiriyah")
    wait_until(page, "window.__notifications.length > 0", seconds=8)
    page.wait_for_timeout(1_000)
    notes, sounds = recorded(page)
    assert [n["body"] for n in notes] == [mine]
    assert sounds == 0
    assert not page.errors, page.errors
