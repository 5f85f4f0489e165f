"""The console for answering, in headless Chromium at 1366x768, in Arabic and English: the
reply box in the first screen, saved replies in the ticket's language, the supervisor's live
view, and a prompt recording uploaded then played on the next call; axe on each new page."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import httpx
import pytest
from sqlmodel import select
from twilio.request_validator import RequestValidator

from ccc.channels.models import Channel
from ccc.contacts.models import Identity
from ccc.kernel.settings import Settings
from tests.ccc.console.conftest import BASE, serious_violations, shot
from tests.ccc.test_cli import Cli
from tests.conftest import Harness
from tests.flows import open_ticket
from tests.support.audio import tone
from tests.support.channel_fixtures import channel_settings
from tests.support.people import AUTH_TOKEN, FORM
from tests.support.voice import VOICE, PhoneCall, TwiML

ARABIC, ENGLISH = "1", "4"
SCREEN = {"width": 1366, "height": 768}
TEXTS = {
    "ar": "استلمنا طلبكم رقم {reference} ونعمل عليه.",
    "ckb": "داواکارییەکەتمان {reference} وەرگرت.",
    "kmr": "مە داخوازیا تە {reference} وەرگرت.",
    "en": "We received your request {reference} and are working on it.",
}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return channel_settings(
        database_url,
        None,
        None,
        public_url=BASE,
        voice_prompts_dir=str(tmp_path / "voice-prompts"),
        report_min_count=1,
    )


@pytest.fixture
def console_as(console_as: Callable[..., Any]) -> Callable[..., Any]:
    """The console at 1366x768, the screen of the centre's laptops; ready once the page's
    heading is up."""
    return partial(console_as, window=SCREEN, ready="main h1")


def keep_saved_reply(ccc: Harness) -> None:
    headers = ccc.user("sam", "supervisor")
    kept = ccc.client.post(
        "/api/saved-replies", json={"name": "Received", "texts": TEXTS}, headers=headers
    )
    assert kept.status_code == 201, kept.text


def in_first_screen(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= SCREEN["height"]


@pytest.mark.parametrize(("language", "person_language"), [("en", ARABIC), ("ar", ENGLISH)])
def test_answering_from_the_first_screen_with_a_saved_reply(
    ccc: Harness,
    console_as: Callable[..., Any],
    chromium: Any,
    language: str,
    person_language: str,
) -> None:
    keep_saved_reply(ccc)
    reference = open_ticket(ccc, "+9647709876543", "tracing", language=person_language)
    name = f"agent{language}"
    page = console_as(name, language=language)
    page.goto(f"{BASE}/console/tickets/{reference}")
    assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    assert in_first_screen(page, "#reply-text")
    assert in_first_screen(page, "#reply-form button[type=submit]")
    # the chatbot's turns are one folded line; the person's answers sit inside it
    folded = page.locator("li.bot-turns details")
    assert folded.count() >= 1 and folded.first.get_attribute("open") is None
    assert page.locator("#timeline > ol > li.msg").count() == 0  # every intake turn folded
    assert not page.locator("li.bot-turns li.msg").first.is_visible()
    folded.first.locator("summary").click()
    assert page.locator("li.bot-turns li.msg-person").first.is_visible()
    folded.first.locator("summary").click()
    shot(page, f"{language}-ticket-first-screen-1366")

    page.focus("#reply-text")
    page.keyboard.press("/")  # the shortcut opens the picker instead of typing a slash
    assert page.evaluate("document.activeElement.id") == "saved-reply"
    page.select_option("#saved-reply", label="Received")
    page.keyboard.press("Enter")
    expected = TEXTS["ar" if person_language == ARABIC else "en"].replace("{reference}", reference)
    assert page.input_value("#reply-text") == expected
    assert page.evaluate("document.activeElement.id") == "reply-text"
    assert serious_violations(chromium, page) == []
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("li.msg-agent")
    ccc.drain()
    assert ccc.last_reply("+9647709876543") == expected
    assert not page.errors, page.errors


def test_the_saved_replies_page_in_arabic(
    ccc: Harness, console_as: Callable[..., Any], chromium: Any
) -> None:
    page = console_as("sara", "supervisor", language="ar")
    page.goto(f"{BASE}/console/saved-replies")
    assert page.inner_text("h1") == "الردود المحفوظة"
    page.fill("#saved-name", "استلام")
    for code, text in TEXTS.items():
        page.fill(f"#saved-{code}", text)
    page.click("#saved-add button[type=submit]")
    page.wait_for_selector("p.flash[role=status]")
    assert page.locator("table.saved-replies tbody tr").count() == 1
    shot(page, "ar-saved-replies")
    assert serious_violations(chromium, page) == []


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_supervisors_live_view(
    ccc: Harness, console_as: Callable[..., Any], chromium: Any, language: str
) -> None:
    waiting = open_ticket(ccc, "+9647709876543", "tracing")
    page = console_as("sara", "supervisor", language=language)
    page.click("nav a[href='/console/live']")
    page.wait_for_selector("#live-figures")
    assert "sara" in page.inner_text("section[aria-labelledby=online-title]")
    assert waiting in page.inner_text("table.unattended")
    tracing = page.locator("table.live-teams tr", has=page.locator("th")).nth(1)
    one = "١" if language == "ar" else "1"  # the reader's digits: Arabic-Indic in Iraq's Arabic
    assert tracing.locator("td[data-figure=waiting]").inner_text() == one
    shot(page, f"{language}-live-view")
    assert serious_violations(chromium, page) == []
    assert not page.errors, page.errors


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_prompt_uploaded_in_the_browser_is_heard_on_the_next_call(
    ccc: Harness,
    settings: Settings,
    console_as: Callable[..., Any],
    chromium: Any,
    tmp_path: Path,
    language: str,
) -> None:
    recording = tmp_path / "menu-sorani.wav"
    recording.write_bytes(tone(1.0))
    page = console_as("sara", "supervisor", language=language)
    page.goto(f"{BASE}/console/prompts?language=ckb")
    assert page.locator("#prompt-main_menu").get_attribute("data-heard") == "arabic"
    shot(page, f"{language}-prompts")
    assert serious_violations(chromium, page) == []
    page.set_input_files("#file-main_menu", str(recording))
    page.click("#prompt-main_menu button[type=submit]")
    page.wait_for_selector("p.flash[role=status]")
    assert page.locator("#prompt-main_menu").get_attribute("data-heard") == "recording"
    seconds = page.evaluate(
        """async () => {
          const audio = document.querySelector("#prompt-main_menu audio");
          audio.preload = "auto";
          const ready = new Promise((ok, ko) => {
            audio.onloadedmetadata = () => ok(audio.duration);
            audio.onerror = () => ko(new Error("audio error"));
          });
          audio.load();
          return await ready;
        }"""
    )
    assert seconds > 0.9
    call = PhoneCall(ccc)
    menu = signed_step(ccc, call, VOICE, CallStatus="ringing")
    sorani = signed_step(ccc, call, urlparse(menu.find("Gather").attrib["action"]).path, Digits="2")
    played = f"{BASE}/webhooks/twilio/voice/prompts/ckb/main_menu.wav"
    assert sorani.plays() == [played]
    # what Twilio fetches for <Play> is, byte for byte, what the supervisor uploaded
    fetched = httpx.get(played, timeout=10)
    assert fetched.status_code == 200 and fetched.content == recording.read_bytes()
    assert fetched.headers["content-type"].startswith("audio/")
    # and `ccc voice prompts` lists it as recorded at once
    cli = Cli(tmp_path)
    cli.env["CCC_VOICE_PROMPTS_DIR"] = str(settings.voice_prompts_dir)
    listed = cli("voice", "prompts")
    assert listed.returncode == 0, listed.stderr
    sorani_menu = next(
        line for line in listed.stdout.splitlines() if line.startswith("ckb/main_menu\t")
    )
    assert "\tMISSING\t" not in sorani_menu, sorani_menu
    assert not page.errors, page.errors


def signed_step(ccc: Harness, call: PhoneCall, path: str, **fields: str) -> TwiML:
    """A step of the call as Twilio posts it, signed for this server's public URL."""
    form = call.form(**fields)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(BASE + path, form)
    response = ccc.client.post(
        path,
        content=urlencode(form),
        headers={"content-type": FORM, "X-Twilio-Signature": signature},
    )
    assert response.status_code == 200, response.text
    return TwiML.parse(response.text)


# What the reply box's counter says as the agent types n segments' worth of Arabic (UCS-2:
# 70 characters make one segment, then 67 each): one form per Arabic plural category.
ARABIC_SEGMENTS = [(1, "جزء واحد"), (2, "جزآن"), (3, "٣ أجزاء"), (11, "١١ جزءًا")]


def sms_ticket(ccc: Harness) -> str:
    """A ticket whose person wrote by SMS (the intake ran on the simulator, then its identity
    is made an SMS one): its reply box counts segments."""
    reference = open_ticket(ccc, "+9647709876543", "tracing")
    with ccc.session() as session:
        for identity in session.exec(select(Identity)).all():
            identity.channel = Channel.sms
            session.add(identity)
        session.commit()
    return reference


@pytest.mark.parametrize(("segments", "words"), ARABIC_SEGMENTS)
def test_the_segment_counter_speaks_arabic_plurals(
    ccc: Harness,
    console_as: Callable[..., Any],
    segments: int,
    words: str,
) -> None:
    reference = sms_ticket(ccc)
    page = console_as("lina", language="ar")
    page.goto(f"{BASE}/console/tickets/{reference}")
    length = 70 if segments == 1 else 67 * segments
    page.fill("#reply-text", "ب" * length)
    page.wait_for_function(f"document.getElementById('segments').dataset.parts === '{segments}'")
    counter = page.inner_text("#segments")
    assert words in counter, counter
    assert not re.search(r"[0-9]", counter), counter  # the page's digits, not Western ones
    if segments == 11:
        shot(page, "ar-reply-counter")
    assert not page.errors, page.errors


def test_the_segment_counter_in_sorani_keeps_the_pages_digits(
    ccc: Harness,
    console_as: Callable[..., Any],
) -> None:
    """The browser has no Sorani number data: the page still writes ٣, not 3."""
    reference = sms_ticket(ccc)
    page = console_as("sima", language="ckb")
    page.goto(f"{BASE}/console/tickets/{reference}")
    page.fill("#reply-text", "ب" * 201)
    page.wait_for_function("document.getElementById('segments').dataset.parts === '3'")
    assert page.inner_text("#segments") == "٢٠١ پیت · ٣ بەشی کورتەنامە (٧٠/٦٧)"
    assert not page.errors, page.errors


def test_the_segment_counter_in_english(
    ccc: Harness,
    console_as: Callable[..., Any],
) -> None:
    reference = sms_ticket(ccc)
    page = console_as("lena", language="en")
    page.goto(f"{BASE}/console/tickets/{reference}")
    page.fill("#reply-text", "x")
    page.wait_for_function("document.getElementById('segments').dataset.parts === '1'")
    assert page.inner_text("#segments") == "1 character · 1 SMS part (160/153)"
    page.fill("#reply-text", "x" * 161)
    page.wait_for_function("document.getElementById('segments').dataset.parts === '2'")
    assert page.inner_text("#segments") == "161 characters · 2 SMS parts (160/153)"
    assert not page.errors, page.errors
