"""Twilio's transcription of a voice message: a signed webhook stores it with the recording; it
is read only through the access layer, and its words never reach a log or the timeline."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from ccc.calls.models import Recording
from ccc.jobs.models import OutboxJob
from ccc.kernel.timeutil import utcnow
from tests.conftest import PUBLIC_URL, RECORDINGS_KEY, Harness, build_harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.people import ACCOUNT_SID, post_twilio
from tests.support.voice import TRACING, VOICE, PhoneCall, spoken_reference

TRANSCRIPTION = f"{VOICE}/transcription"
WORDS = "My name is Layla. My brother Omar was last seen in Mosul in May."
RECORDING = "RE" + "d" * 32


@pytest.fixture
def transcribing(database_url: str, fake_twilio: FakeApi) -> Iterator[Harness]:
    settings = channel_settings(
        database_url, fake_twilio, None, voice_transcribe=True, recordings_key=RECORDINGS_KEY
    )
    yield from build_harness(settings)


def transcribed(
    recording: str = RECORDING, text: str = WORDS, status: str = "completed"
) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT_SID,
        "CallSid": "CA" + "e" * 32,
        "RecordingSid": recording,
        "TranscriptionSid": "TR" + "f" * 32,
        "TranscriptionStatus": status,
        "TranscriptionText": text,
        "TranscriptionUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/x",
        "url": f"{PUBLIC_URL}{TRANSCRIPTION}",
    }


def voice_message(ccc: Harness) -> str:
    call = PhoneCall(ccc)
    call.dial()
    record = call.keys("4", *TRACING).find("Record")
    assert record.attrib["transcribe"] == "true"
    assert record.attrib["transcribeCallback"] == f"{PUBLIC_URL}{TRANSCRIPTION}"
    return spoken_reference(call.leave_message(sid=RECORDING))


def read_transcript(ccc: Harness, headers: dict[str, str]) -> dict[str, object]:
    response = ccc.client.get(f"/api/recordings/{RECORDING}/transcript", headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, object] = response.json()
    return found


def test_the_transcript_is_stored_with_the_recording_and_read_through_ccc(
    transcribing: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    ccc = transcribing
    agent = ccc.user("alice", "agent", ["ccc"])
    reference = voice_message(ccc)
    assert read_transcript(ccc, agent)["status"] is None  # not yet transcribed
    caplog.set_level(logging.DEBUG)
    assert post_twilio(ccc.client, TRANSCRIPTION, transcribed()).status_code == 200
    found = read_transcript(ccc, agent)
    assert (found["status"], found["text"]) == ("completed", WORDS)
    assert WORDS not in caplog.text and "Omar" not in caplog.text
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).text
    assert "recording.transcribed" in timeline and "transcript.read" in timeline
    assert "Omar" not in timeline  # the words are only behind the transcript's own door


def test_a_transcript_delivered_twice_is_stored_once(transcribing: Harness) -> None:
    ccc = transcribing
    agent = ccc.user("alice", "agent", ["ccc"])
    reference = voice_message(ccc)
    for _ in range(2):
        assert post_twilio(ccc.client, TRANSCRIPTION, transcribed()).status_code == 200
    # A late "failed" never erases the words already stored.
    assert post_twilio(ccc.client, TRANSCRIPTION, transcribed(status="failed")).status_code == 200
    assert read_transcript(ccc, agent)["text"] == WORDS
    events = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).text
    assert events.count("recording.transcribed") == 1


def test_a_failed_transcription_is_noted_without_words(transcribing: Harness) -> None:
    ccc = transcribing
    agent = ccc.user("alice", "agent", ["ccc"])
    voice_message(ccc)
    response = post_twilio(ccc.client, TRANSCRIPTION, transcribed(text="", status="failed"))
    assert response.status_code == 200
    assert read_transcript(ccc, agent) | {"transcribed_at": None} == {
        "recording": RECORDING,
        "status": "failed",
        "text": None,
        "transcribed_at": None,
    }


def test_a_transcript_of_an_unknown_recording_is_ignored(transcribing: Harness) -> None:
    ccc = transcribing
    response = post_twilio(ccc.client, TRANSCRIPTION, transcribed(recording="RE" + "0" * 32))
    assert response.status_code == 200
    with ccc.session() as session:
        assert session.exec(select(Recording)).first() is None


def test_an_unsigned_transcript_is_refused_and_nothing_stored(transcribing: Harness) -> None:
    ccc = transcribing
    agent = ccc.user("alice", "agent", ["ccc"])
    voice_message(ccc)
    forged = post_twilio(ccc.client, TRANSCRIPTION, transcribed(), signature="forged")
    assert forged.status_code == 403
    assert read_transcript(ccc, agent)["text"] is None


@pytest.mark.parametrize(
    "fields",
    [
        {"RecordingSid": ""},
        {"RecordingSid": "../../etc"},
        {"TranscriptionStatus": "in-progress"},
    ],
)
def test_a_malformed_transcript_is_a_4xx(transcribing: Harness, fields: dict[str, str]) -> None:
    response = post_twilio(transcribing.client, TRANSCRIPTION, transcribed() | fields)
    assert response.status_code == 422, response.text


def test_only_those_who_may_hear_the_voice_may_read_its_words(transcribing: Harness) -> None:
    ccc = transcribing
    voice_message(ccc)
    post_twilio(ccc.client, TRANSCRIPTION, transcribed())
    outsider = ccc.user("tala", "team_member", ["assistance"])
    path = f"/api/recordings/{RECORDING}/transcript"
    assert ccc.client.get(path, headers=outsider).status_code == 404
    assert ccc.client.get(path).status_code == 401
    assert ccc.client.get("/api/recordings/RE404/transcript", headers=outsider).status_code == 404


@pytest.fixture
def transcribing_and_keeping(
    database_url: str, fake_twilio: FakeApi, tmp_path: Path
) -> Iterator[Harness]:
    settings = channel_settings(
        database_url,
        fake_twilio,
        None,
        twilio_sms_from=None,
        voice_transcribe=True,
        voice_recordings_dir=str(tmp_path / "recordings"),
        recordings_key=RECORDINGS_KEY,
    )
    yield from build_harness(settings)


def test_twilios_copy_is_kept_while_it_transcribes(
    transcribing_and_keeping: Harness, fake_twilio: FakeApi
) -> None:
    ccc = transcribing_and_keeping
    voice_message(ccc)
    assert fake_twilio.requests == []  # nothing fetched nor deleted yet
    with ccc.session() as session:
        [job] = session.exec(select(OutboxJob).where(OutboxJob.kind == "keep_recording")).all()
        assert job.available_at > utcnow() + timedelta(minutes=20)


def test_the_words_of_a_sensitive_ticket_are_for_those_who_may_read_its_details(
    transcribing: Harness,
) -> None:
    ccc = transcribing
    agent = ccc.user("alice", "agent", ["ccc"])
    supervisor = ccc.user("sam", "supervisor")
    reference = voice_message(ccc)
    post_twilio(ccc.client, TRANSCRIPTION, transcribed())
    made = ccc.client.patch(
        f"/api/tickets/{reference}", json={"sensitivity": "sensitive"}, headers=supervisor
    )
    assert made.status_code == 200, made.text
    refused = ccc.client.get(f"/api/recordings/{RECORDING}/transcript", headers=agent)
    assert refused.status_code == 403 and "Omar" not in refused.text
    assert read_transcript(ccc, supervisor)["text"] == WORDS
    audit = ccc.client.get(
        "/api/audit", params={"ticket": reference, "action": "viewed"}, headers=supervisor
    ).json()["items"]
    assert {"what": "recording"} in [entry["data"] for entry in audit]
