"""The console in a real browser (Debian's chromium driven by Playwright) against a real
uvicorn server: the whole path of a case, from the simulator to the person being told.

Skipped only where there is no chromium and no CCC_TEST_DATABASE_URL (a developer's laptop);
CI sets the database URL, so a missing browser fails there instead of passing silently.
"""

from __future__ import annotations

import io
import math
import re
import wave
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from ccc.kernel.settings import Settings
from ccc.kernel.vault import seal
from tests.ccc.console.browsing import console_user
from tests.ccc.console.conftest import BASE, log_in, needs_chromium, serious_violations, shot
from tests.conftest import RECORDINGS_KEY, Harness, make_settings
from tests.flows import open_ticket, reference_in

PHONE = "+9647709876543"

pytestmark = needs_chromium


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    recordings = tmp_path / "recordings"
    return make_settings(
        database_url,
        public_url=BASE,
        voice_recordings_dir=str(recordings),
        recordings_key=RECORDINGS_KEY,
    )


def test_a_case_from_the_simulator_to_the_person_being_told(
    ccc: Harness, server: str, chromium: Any
) -> None:
    agent = log_in(chromium, "alice", console_user(ccc, "alice", "agent", ["ccc"]))
    shot(agent, "en-queue-empty")

    reference = open_ticket(ccc, PHONE, "tracing")
    # htmx polling brings the new ticket into the open queue without a reload
    agent.wait_for_selector(f"text={reference}", timeout=25_000)
    shot(agent, "en-queue")
    assert serious_violations(chromium, agent) == []

    agent.click(f"a[href='/console/tickets/{reference}']")
    agent.wait_for_selector("#reply-text")
    agent.fill("#reply-text", "We have your request and are looking into it.")
    assert "characters" in agent.inner_text("#segments")
    agent.click("#reply-form button[type=submit]")
    agent.wait_for_selector("text=We have your request and are looking into it.")
    ccc.drain()
    assert ccc.last_reply(PHONE) == "We have your request and are looking into it."
    agent.reload()
    assert agent.locator("li.msg-out[data-status=sent]").count() >= 1
    shot(agent, "en-ticket")
    assert serious_violations(chromium, agent) == []

    agent.select_option("#refer-team", "tracing")
    agent.fill("#refer-note", "Please open a tracing request.")
    agent.click("section[aria-labelledby=refer-title] button[type=submit]")
    agent.wait_for_selector("text=Please open a tracing request.")
    assert agent.locator("section#timeline").inner_text().count("Referred") >= 1

    # logging out ends the session: the old cookie opens nothing any more
    old = agent.context.cookies()
    agent.click("text=Log out")
    agent.wait_for_selector("#password")
    agent.context.add_cookies(old)
    agent.goto(f"{BASE}/console")
    assert agent.locator("#password").count() == 1

    team = log_in(chromium, "tina", console_user(ccc, "tina", "team_member", ["tracing"]))
    team.goto(f"{BASE}/console/team")
    team.click(f"article:has-text('{reference}') button:has-text('Accept')")
    team.wait_for_selector("input[name=outcome]")
    team.fill("input[name=outcome]", "Tracing request opened with the family.")
    team.click("button:has-text('Complete')")
    team.wait_for_load_state()
    ccc.drain()
    assert reference_in(ccc.last_reply(PHONE)) == reference
    team.goto(f"{BASE}/console/tickets/{reference}")
    assert "+964 770 *** **43" in team.inner_text("header.ticket-head")
    shot(team, "en-ticket-team")
    assert not agent.errors and not team.errors, agent.errors + team.errors


def test_the_console_refuses_what_it_must(ccc: Harness, server: str, chromium: Any) -> None:
    other = open_ticket(ccc, PHONE, "detention")
    team = log_in(chromium, "tina", console_user(ccc, "tina", "team_member", ["tracing"]))
    team.goto(f"{BASE}/console/tickets/{other}")
    assert team.locator("h1").inner_text() == "Not found"
    assert other not in team.inner_text("main")

    forged = team.request.post(
        f"{BASE}/console/tickets/{other}/note", form={"text": "forged"}, max_redirects=0
    )
    assert forged.status in (403, 404)
    agent = log_in(chromium, "alice", console_user(ccc, "alice", "agent", ["ccc"]))
    no_token = agent.request.post(
        f"{BASE}/console/tickets/{other}/note", form={"text": "forged"}, max_redirects=0
    )
    assert no_token.status == 403
    agent.goto(f"{BASE}/console/tickets/{other}")
    assert "forged" not in agent.content()


def test_an_arabic_user_works_right_to_left(ccc: Harness, server: str, chromium: Any) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    page = log_in(chromium, "amal", console_user(ccc, "amal", "agent", ["ccc"], language="ar"))
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    assert "قائمة الانتظار" in page.inner_text("h1")
    shot(page, "ar-queue")
    assert serious_violations(chromium, page) == []
    page.click(f"a[href='/console/tickets/{reference}']")
    page.wait_for_selector("#reply-text")
    assert re.search(r"التذكرة\s+" + reference, page.inner_text("h1"))
    page.fill("#reply-text", "نحن نتابع طلبكم")
    assert "حرفًا" in page.inner_text("#segments")
    shot(page, "ar-ticket")
    assert serious_violations(chromium, page) == []
    # SMS in Arabic script is UCS-2: 70 characters in one part, then parts of 67
    parts = [page.evaluate(f"cccSmsParts('{'ب' * n}').parts") for n in (70, 71, 134, 135)]
    assert parts == [1, 2, 2, 3]
    latin = [page.evaluate(f"cccSmsParts('{'a' * n}').parts") for n in (160, 161)]
    assert latin == [1, 2]
    page.select_option("#lang-switch", "en")
    page.wait_for_selector("html[dir=ltr]")
    assert page.get_attribute("html", "lang") == "en"


def test_a_screenshot_of_every_page_in_arabic_and_english(
    ccc: Harness, server: str, chromium: Any
) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    page = log_in(chromium, "sara", console_user(ccc, "sara", "supervisor", ["ccc"], language="ar"))
    pages = {
        "queue": "/console",
        "ticket": f"/console/tickets/{reference}",
        "team": "/console/team",
        "dashboard": "/console/dashboard",
        "account": "/console/account",
        "callbacks": "/console/callbacks",
        "not-found": "/console/tickets/00000000",
    }
    for language, direction in (("ar", "rtl"), ("en", "ltr")):
        page.goto(f"{BASE}/console/account")
        page.check(f"input[name=language][value={language}]")
        page.click("section.card form[action='/console/language'] button[type=submit]")
        page.wait_for_selector(f"html[dir={direction}]")
        for name, path in pages.items():
            page.goto(f"{BASE}{path}")
            assert page.get_attribute("html", "lang") == language
            shot(page, f"{language}-{name}-supervisor")
    page.errors.clear()  # the not-found page itself answered 404, as it must
    page.goto(f"{BASE}/console/dashboard")
    assert page.locator("canvas[data-chart]").count() >= 4
    assert not page.errors, page.errors


VOICE_CALLER = "+9647705551234"
RECORDING = "RE" + "e" * 32


def a_tone(seconds: float = 0.5) -> bytes:
    """A short 8 kHz mono WAV, as the telephone line records."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        frames = int(8000 * seconds)
        wav.writeframes(
            b"".join(
                int(8000 * math.sin(i / 8000 * 2 * math.pi * 440)).to_bytes(
                    2, "little", signed=True
                )
                for i in range(frames)
            )
        )
    return out.getvalue()


def calls_came_in(ccc: Harness, settings: Settings) -> tuple[str, int]:
    """A voice message (already kept by CCC, as the keep job leaves it) and a callback request,
    stored by the voice line's own services (the signed webhooks are tested in
    tests/ccc/console/test_calls_pages.py)."""
    from ccc.calls.models import Recording
    from ccc.calls.service import VoiceMessage, file_voice_message, request_callback, start_call

    with ccc.session() as session:
        call = start_call(session, call_sid="CA" + "1" * 32, phone=VOICE_CALLER)
        call.path, call.duration = "1 1 1", 65
        ticket, _ = file_voice_message(
            session,
            call=call,
            category="tracing",
            language="ar",
            answers={},
            voice=VoiceMessage(recording_sid=RECORDING, duration=1, twilio_url=None),
        )
        recording = session.exec(select(Recording)).one()
        recording.stored_file = f"{RECORDING}.wav.fernet"
        asking = start_call(session, call_sid="CA" + "2" * 32, phone=VOICE_CALLER)
        _, callback = request_callback(
            session, call=asking, language="ar", safe_to_call=True, may_leave_message=False
        )
        session.commit()
        assert callback.id is not None
        reference, callback_id = ticket.reference, callback.id
    folder = Path(settings.voice_recordings_dir or "")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{RECORDING}.wav.fernet").write_bytes(seal(RECORDINGS_KEY, a_tone()))
    return reference, callback_id


LOAD_AUDIO = """async () => {
  const audio = document.querySelector("audio");
  audio.preload = "auto";
  const ready = new Promise((ok, ko) => {
    audio.onloadedmetadata = () => ok(audio.duration);
    audio.onerror = () => ko(new Error("audio error " + (audio.error && audio.error.code)));
  });
  audio.load();
  return await ready;
}"""


def test_an_agent_works_a_callback_and_plays_a_voice_message(
    ccc: Harness, settings: Settings, server: str, chromium: Any
) -> None:
    reference, callback_id = calls_came_in(ccc, settings)
    agent = log_in(chromium, "alice", console_user(ccc, "alice", "agent", ["ccc"]))
    agent.click("nav a[href='/console/callbacks']")
    row = agent.locator(f"#callback-{callback_id}")
    assert row.locator("a.call-link").get_attribute("href") == f"tel:{VOICE_CALLER}"
    shot(agent, "en-callbacks")
    assert serious_violations(chromium, agent) == []
    row.locator("select[name=outcome]").select_option("no_answer")
    row.locator("button[type=submit]").click()
    agent.wait_for_selector("p.flash[role=status]")
    assert agent.inner_text("p.flash") == "Callback attempt recorded"
    assert agent.locator(f"#callback-{callback_id} td").nth(5).inner_text() == "1"

    agent.goto(f"{BASE}/console/tickets/{reference}")
    source = agent.get_attribute("audio", "src")
    assert source == f"/console/recordings/{RECORDING}"
    assert "65 s" in agent.inner_text("table.call-records")
    assert agent.evaluate(LOAD_AUDIO) > 0.4  # the browser decoded CCC's stream
    heard = agent.request.get(f"{BASE}{source}")
    assert heard.status == 200 and heard.headers["content-type"] == "audio/wav"
    shot(agent, "en-ticket-voice")
    agent.reload()
    assert "Voice message played" in agent.inner_text("section#timeline")
    assert serious_violations(chromium, agent) == []

    outsider = log_in(chromium, "tala", console_user(ccc, "tala", "team_member", ["assistance"]))
    assert outsider.request.get(f"{BASE}{source}").status == 404
    outsider.goto(f"{BASE}/console/callbacks")
    assert outsider.locator("a.call-link").count() == 0
    assert not agent.errors, agent.errors


def test_the_callbacks_page_in_arabic(
    ccc: Harness, settings: Settings, server: str, chromium: Any
) -> None:
    reference, callback_id = calls_came_in(ccc, settings)
    page = log_in(chromium, "amal", console_user(ccc, "amal", "agent", ["ccc"], language="ar"))
    page.goto(f"{BASE}/console/callbacks")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.inner_text("h1") == "معاودة الاتصال"
    shot(page, "ar-callbacks")
    assert serious_violations(chromium, page) == []
    row = page.locator(f"#callback-{callback_id}")
    row.locator("button[type=submit]").click()  # no outcome chosen yet: the browser refuses
    assert page.locator("p.flash").count() == 0
    row.locator("select[name=outcome]").select_option("reached")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("p.flash[role=status]")
    assert page.inner_text("p.flash") == "سُجّلت محاولة معاودة الاتصال"
    page.goto(f"{BASE}/console/tickets/{reference}")
    assert page.locator("audio").count() == 1
    shot(page, "ar-ticket-voice")
    assert serious_violations(chromium, page) == []
