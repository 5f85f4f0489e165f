"""The voice line in the console: the callback list an agent works, voice messages played
through CCC's own stream, and the call records on the ticket page.

Calls come in through the signed Twilio webhooks (credentials aimed at the fake Twilio)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

import workflows.ivr.person
from ccc.access.models import AuditEntry
from ccc.calls.models import Callback, CallbackAttempt
from ccc.kernel.settings import Settings
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi, Reply
from tests.support.voice import TRACING, PhoneCall, spoken_reference

CALLER = "+9647701234567"
RECORDING = "RE" + "d" * 32
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt "


@pytest.fixture
def settings(database_url: str, fake_twilio: FakeApi) -> Settings:
    return channel_settings(database_url, fake_twilio, None, twilio_sms_from=None)


@pytest.fixture
def agent(ccc: Harness) -> Browser:
    browser = Browser.open(ccc)
    browser.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    return browser


def ask_for_a_callback(ccc: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """English, 0 for a person while the centre is closed, 2 a callback, safe to call back,
    no message to be left."""
    friday = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # the centre is closed on Fridays
    monkeypatch.setattr(workflows.ivr.person, "utcnow", lambda: friday)
    call = PhoneCall(ccc, number=CALLER)
    call.dial()
    call.keys("4", "0", "2", "1", "2")
    monkeypatch.undo()


def the_callback(ccc: Harness) -> Callback:
    with ccc.session() as session:
        return session.exec(select(Callback)).one()


def test_an_agent_sees_the_callback_with_the_callers_choices_and_a_call_link(
    ccc: Harness, agent: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask_for_a_callback(ccc, monkeypatch)
    callback = the_callback(ccc)
    page = agent.get("/console/callbacks")
    assert page.status_code == 200
    row = re.search(rf'<tr id="callback-{callback.id}".*?</tr>', page.text, re.S)
    assert row, page.text
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    assert f'href="tel:{CALLER}"' in cells[1]
    assert "English" in cells[2]
    assert (cells[3], cells[4], cells[5]) == ("yes", "no", "0")
    assert 'href="/console/callbacks"' in agent.get("/console").text


def test_recording_an_attempt_goes_through_the_callback_service_and_flashes_once(
    ccc: Harness, agent: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask_for_a_callback(ccc, monkeypatch)
    callback = the_callback(ccc)
    page = agent.post(
        f"/console/callbacks/{callback.id}/attempts",
        {"outcome": "no_answer"},
        csrf_from="/console/callbacks",
    )
    assert page.status_code == 200 and page.url.path == "/console/callbacks"
    assert '<p class="flash" role="status">Callback attempt recorded</p>' in page.text
    assert "Callback attempt recorded" not in agent.get("/console/callbacks").text
    after = the_callback(ccc)
    assert (after.attempts, after.unanswered, after.status) == (1, 1, "open")
    with ccc.session() as session:
        [attempt] = session.exec(select(CallbackAttempt)).all()
    assert attempt.outcome == "no_answer"
    with ccc.session() as session:
        from ccc.tickets.models import Ticket

        reference = session.get(Ticket, callback.ticket_id).reference  # type: ignore[union-attr]
    timeline = agent.get(f"/console/tickets/{reference}/timeline").text
    assert "Callback attempt" in timeline and "no answer" in timeline


def test_a_reached_callback_leaves_the_open_list_and_cannot_be_attempted_again(
    ccc: Harness, agent: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask_for_a_callback(ccc, monkeypatch)
    callback = the_callback(ccc)
    path = f"/console/callbacks/{callback.id}/attempts"
    agent.post(path, {"outcome": "reached"}, csrf_from="/console/callbacks")
    assert f"callback-{callback.id}" not in agent.get("/console/callbacks").text
    assert f"callback-{callback.id}" in agent.get("/console/callbacks?show=done").text
    again = agent.post(path, {"outcome": "busy"}, csrf_from="/console/callbacks")
    assert again.status_code == 409
    assert "already reached" in again.text
    assert the_callback(ccc).attempts == 1


def test_an_unknown_outcome_is_refused_and_nothing_is_recorded(
    ccc: Harness, agent: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask_for_a_callback(ccc, monkeypatch)
    callback = the_callback(ccc)
    refused = agent.post(
        f"/console/callbacks/{callback.id}/attempts",
        {"outcome": "hung_up"},
        csrf_from="/console/callbacks",
    )
    assert refused.status_code == 422
    assert the_callback(ccc).attempts == 0


def test_without_the_csrf_token_no_attempt_is_recorded(
    ccc: Harness, agent: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask_for_a_callback(ccc, monkeypatch)
    callback = the_callback(ccc)
    refused = agent.post(
        f"/console/callbacks/{callback.id}/attempts", {"outcome": "reached"}, csrf_from=None
    )
    assert refused.status_code == 403
    assert the_callback(ccc).attempts == 0


def test_a_team_member_sees_no_callbacks_and_cannot_record_one(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask_for_a_callback(ccc, monkeypatch)
    callback = the_callback(ccc)
    tina = Browser.open(ccc)
    tina.log_in("tina", console_user(ccc, "tina", "team_member", ["ccc"]))
    page = tina.get("/console/callbacks")
    assert page.status_code == 403
    assert CALLER not in page.text and "tel:" not in page.text
    assert 'href="/console/callbacks"' not in tina.get("/console").text
    refused = tina.post(
        f"/console/callbacks/{callback.id}/attempts", {"outcome": "reached"}, csrf_from="/console"
    )
    assert refused.status_code in (403, 404)
    assert the_callback(ccc).attempts == 0


def leave_voice_message(ccc: Harness) -> str:
    call = PhoneCall(ccc, number=CALLER)
    call.dial()
    call.keys("4", *TRACING)
    reference = spoken_reference(call.leave_message(seconds=42, sid=RECORDING))
    call.hang_up(duration=71)
    return reference


def test_a_voice_message_plays_through_the_consoles_own_route(
    ccc: Harness, agent: Browser, fake_twilio: FakeApi
) -> None:
    reference = leave_voice_message(ccc)
    page = agent.get(f"/console/tickets/{reference}")
    audio = re.search(r"<audio [^>]*src=\"([^\"]+)\"", page.text)
    assert audio and audio.group(1) == f"/console/recordings/{RECORDING}"
    assert 'preload="none"' in audio.group(0)  # opening the page is not a play
    assert "api.twilio.com" not in page.text
    fake_twilio.then(Reply(200, WAV))
    heard = agent.get(audio.group(1))
    assert heard.status_code == 200 and heard.content == WAV
    assert heard.headers["content-type"] == "audio/wav"
    assert "Voice message played" in agent.get(f"/console/tickets/{reference}/timeline").text


def test_the_ticket_page_shows_the_call_record(ccc: Harness, agent: Browser) -> None:
    reference = leave_voice_message(ccc)
    header = agent.get(f"/console/tickets/{reference}").text.split("</header>")[1]
    records = re.search(r'<table class="queue call-records">.*?</table>', header, re.S)
    assert records, header
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", records[0])]
    assert cells[1:] == ["71 s", " ".join(("4", *TRACING)), "voice message left"]


def test_another_teams_member_gets_a_404_for_the_recording(
    ccc: Harness, fake_twilio: FakeApi
) -> None:
    leave_voice_message(ccc)  # a tracing case
    tala = Browser.open(ccc)
    tala.log_in("tala", console_user(ccc, "tala", "team_member", ["assistance"]))
    assert tala.get(f"/console/recordings/{RECORDING}").status_code == 404
    assert tala.get("/console/recordings/RE-unknown").status_code == 404
    assert not [r for r in fake_twilio.requests if r.method == "GET"]  # nothing fetched


def test_a_play_of_a_sensitive_case_is_recorded_as_a_view(
    ccc: Harness, fake_twilio: FakeApi
) -> None:
    reference = leave_voice_message(ccc)
    sam = Browser.open(ccc)
    sam.log_in("sam", console_user(ccc, "sam", "supervisor", ["ccc"]))
    sam.post(
        f"/console/tickets/{reference}/change",
        {"sensitivity": "sensitive", "reason": "detention details"},
        csrf_from=f"/console/tickets/{reference}",
    )
    fake_twilio.then(Reply(200, WAV))
    assert sam.get(f"/console/recordings/{RECORDING}").content == WAV
    with ccc.session() as session:
        views = session.exec(select(AuditEntry).where(AuditEntry.action == "viewed")).all()
    assert "recording" in {entry.data.get("what") for entry in views}


def test_a_voice_tickets_answers_show_the_intake_not_the_lines_bookkeeping(
    ccc: Harness, agent: Browser
) -> None:
    """The keys pressed, the recording and the call are the call record's and the voice card's
    to show; the answers card holds what the person said."""
    reference = leave_voice_message(ccc)
    page = agent.get(f"/console/tickets/{reference}").text
    answers = re.search(r'<section class="card answers".*?</section>', page, re.S)
    assert answers, page
    terms = [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<dt>(.*?)</dt>", answers[0])]
    assert terms, answers[0]
    assert not {"keys", "call", "voice_message", "in_voice_message"} & set(terms)
    assert "{'recording'" not in answers[0]


def test_no_outcome_is_chosen_for_the_agent_before_they_choose(
    ccc: Harness, agent: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One careless click must not close a callback as reached."""
    ask_for_a_callback(ccc, monkeypatch)
    page = agent.get("/console/callbacks").text
    select = re.search(
        r'<select id="outcome-\d+" name="outcome" required>(.*?)</select>', page, re.S
    )
    assert select, page
    first = re.search(r"<option[^>]*>", select[1])
    assert first and 'value=""' in first[0] and "selected" in first[0]
