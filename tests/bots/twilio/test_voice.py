"""Whole calls to the toll-free line through signed webhooks, TwiML read with an XML parser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlmodel import select

from ccc.calls.models import Call
from ccc.tickets import references
from tests.conftest import PUBLIC_URL, Harness, build_harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi, Reply
from tests.support.people import post_twilio
from tests.support.voice import TRACING, VOICE, PhoneCall, TwiML, spoken_reference


def call_record(ccc: Harness, sid: str) -> Call:
    with ccc.session() as session:
        call = session.exec(select(Call).where(Call.call_sid == sid)).one()
        return call


def test_a_call_is_answered_with_the_language_menu_in_each_language(ccc: Harness) -> None:
    twiml = PhoneCall(ccc).dial()
    gather = twiml.find("Gather")
    assert gather.attrib["numDigits"] == "1"
    assert gather.attrib["action"].endswith("/webhooks/twilio/voice/gather")
    languages = [say.attrib["language"] for say in gather.iter("Say")]
    # Arabic, then Sorani and Badini in the Arabic voice (no recordings), then English.
    assert languages == ["arb", "arb", "arb", "en-US"]
    assert "For English, press 4" in twiml.said()


def test_a_recording_callback_delivered_twice_makes_one_ticket(
    ccc: Harness, agent: dict[str, str]
) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", *TRACING)
    record = call.last
    first = call.leave_message(sid="RE" + "a" * 32)
    call.last = record
    second = call.leave_message(sid="RE" + "a" * 32)
    assert spoken_reference(first) == spoken_reference(second)
    page = ccc.client.get("/api/tickets", headers=agent).json()
    assert len(page["items"]) == 1


def test_the_reference_is_also_texted_to_the_caller(ccc: Harness, fake_twilio: object) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", *TRACING)
    reference = spoken_reference(call.leave_message())
    texts = [m for m in ccc.transcript(call.number) if m["direction"] == "out"]
    assert texts and texts[-1]["channel"] == "sms"
    assert reference[:4] in texts[-1]["text"]


def test_a_wrong_key_repeats_the_menu_once_then_offers_a_voice_message(
    ccc: Harness, agent: dict[str, str]
) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.press("4")
    again = call.press("9")
    assert again.has("Gather") and "How can we help you?" in again.said()
    offer = call.press("8")
    assert offer.has("Record") and "leave us a message" in offer.said()
    reference = spoken_reference(call.leave_message())
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["category"] == "other"  # no branch of the menu was chosen


def test_a_wrong_key_inside_an_intake_keeps_its_category(
    ccc: Harness, agent: dict[str, str]
) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", "2", "7")  # detention, then a key the privacy notice does not offer
    assert call.press("7").has("Record")
    reference = spoken_reference(call.leave_message())
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["category"] == "detention"


def test_no_input_counts_as_a_wrong_key(ccc: Harness) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.press("4")
    assert call.press("").has("Gather")
    assert call.press("").has("Record")


def test_star_repeats_the_prompt_without_counting_a_miss(ccc: Harness) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.press("4")
    repeated = call.press("*")
    assert repeated.has("Gather") and "How can we help you?" in repeated.said()
    assert "understand" not in repeated.said()
    assert call.press("9").has("Gather")  # the one repeat a wrong key gets is still there
    assert call.press("9").has("Record")


def test_an_unknown_call_sid_starts_over_at_the_language_menu(ccc: Harness) -> None:
    call = PhoneCall(ccc)
    twiml = call.post(f"{VOICE}/gather", Digits="3")
    assert "For English, press 4" in twiml.said()


def test_an_unsigned_call_is_refused_and_nothing_is_stored(ccc: Harness) -> None:
    call = PhoneCall(ccc)
    response = post_twilio(ccc.client, VOICE, call.form(), signature="forged")
    assert response.status_code == 403
    with ccc.session() as session:
        assert session.exec(select(Call)).first() is None


def test_the_status_callback_records_duration_and_ignores_unknown_calls(ccc: Harness) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", *TRACING)
    call.leave_message()
    call.hang_up(duration=75)
    record = call_record(ccc, call.sid)
    assert (record.twilio_status, record.duration, record.outcome) == (
        "completed",
        75,
        "voice_message",
    )
    PhoneCall(ccc).hang_up()  # unknown: 200, ignored


def leave_voice_message(ccc: Harness, number: str = "+9647701234567") -> str:
    call = PhoneCall(ccc, number=number)
    call.dial()
    call.keys("4", *TRACING)
    return spoken_reference(call.leave_message())


def test_option_five_reads_the_status_to_the_owner_and_goes_back_to_the_menu(
    ccc: Harness,
) -> None:
    reference = leave_voice_message(ccc)
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", "5")
    gather = call.last.find("Gather") if call.last else None
    assert gather is not None and "numDigits" not in gather.attrib
    assert gather.attrib["finishOnKey"] == "#"
    status = call.press(reference)
    assert ", ".join(reference) in status.said()
    assert "new" in status.said().lower() or "received" in status.said().lower()
    assert "How can we help you?" in status.said()
    assert call_record(ccc, call.sid).outcome == "status_heard"


def test_a_stranger_hears_what_an_unknown_reference_gets(ccc: Harness) -> None:
    reference = leave_voice_message(ccc)
    stranger = PhoneCall(ccc, number="+9647509876543")
    stranger.dial()
    stranger.keys("4", "5")
    theirs = stranger.press(reference).said()
    unknown = stranger.press(references.generate()).said()
    assert theirs.split(".")[0] == unknown.split(".")[0]
    assert ", ".join(reference) not in theirs


def test_a_wrong_check_digit_is_refused_as_invalid(ccc: Harness) -> None:
    reference = leave_voice_message(ccc)
    wrong = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", "5")
    answer = call.press(wrong)
    assert "not valid" in answer.said().lower()
    assert answer.has("Gather")
    short = call.press("123")
    assert "not valid" in short.said().lower() and short.has("Gather")


@pytest.fixture
def recorded_prompts(tmp_path: Path) -> Path:
    folder = tmp_path / "voice-prompts"
    for language, key in [("ckb", "choose_language"), ("ar", "main_menu")]:
        (folder / language).mkdir(parents=True, exist_ok=True)
        (folder / language / f"{key}.wav").write_bytes(b"RIFF-test-audio")
    return folder


@pytest.fixture
def with_recordings(
    database_url: str, fake_twilio: FakeApi, recorded_prompts: Path
) -> Iterator[Harness]:
    settings = channel_settings(
        database_url, fake_twilio, None, voice_prompts_dir=str(recorded_prompts)
    )
    yield from build_harness(settings)


def test_recorded_prompts_are_played_and_kurdish_falls_back_to_arabic_once(
    with_recordings: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    ccc = with_recordings
    call = PhoneCall(ccc)
    menu = call.dial()
    [sorani] = menu.plays()
    assert sorani == f"{PUBLIC_URL}/webhooks/twilio/voice/prompts/ckb/choose_language.wav"
    assert ccc.client.get(urlparse(sorani).path).content == b"RIFF-test-audio"
    main = call.press("2")  # Sorani: no Sorani main menu recorded, so the Arabic one plays
    assert main.plays() == [f"{PUBLIC_URL}/webhooks/twilio/voice/prompts/ar/main_menu.wav"]
    PhoneCall(ccc).dial()
    fallbacks = [r for r in caplog.records if "Arabic is played" in r.getMessage()]
    assert len({r.getMessage() for r in fallbacks}) == len(fallbacks)  # once per prompt


def test_prompt_files_are_only_served_from_the_prompts_folder(with_recordings: Harness) -> None:
    client = with_recordings.client
    assert client.get(f"{VOICE}/prompts/ckb/choose_language.wav").status_code == 200
    assert client.get(f"{VOICE}/prompts/ckb/..%2F..%2Fetc.wav").status_code == 404
    assert client.get(f"{VOICE}/prompts/xx/main_menu.wav").status_code == 404


def test_a_voice_message_is_streamed_through_ccc_to_those_who_may_hear_it(
    ccc: Harness, agent: dict[str, str], fake_twilio: FakeApi
) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", *TRACING)
    reference = spoken_reference(call.leave_message(sid="RE" + "b" * 32))
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).text
    assert "api.twilio.com" not in timeline  # Twilio's URL never leaves CCC
    assert "/api/recordings/RE" + "b" * 32 in timeline
    fake_twilio.then(Reply(200, b"RIFF-voice"))
    heard = ccc.client.get("/api/recordings/RE" + "b" * 32, headers=agent)
    assert heard.status_code == 200 and heard.content == b"RIFF-voice"
    [fetch] = [r for r in fake_twilio.requests if r.method == "GET"]
    assert fetch.path.endswith(f"/Recordings/RE{'b' * 32}.wav")
    events = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).text
    assert "recording.played" in events
    outsider = ccc.user("tala", "team_member", ["assistance"])
    assert ccc.client.get("/api/recordings/RE" + "b" * 32, headers=outsider).status_code == 404
    assert ccc.client.get("/api/recordings/RE" + "b" * 32).status_code == 401


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        (VOICE, {"CallSid": ""}),
        (f"{VOICE}/gather", {"Digits": "١٢٣<>&" * 20}),
        (f"{VOICE}/recording", {"RecordingDuration": "long"}),
        (f"{VOICE}/recording", {"RecordingSid": "", "RecordingDuration": "0"}),
        (f"{VOICE}/queue/wait", {"QueuePosition": "x"}),
        (f"{VOICE}/queue/result", {"QueueResult": "bridged"}),
        (f"{VOICE}/connect", {"DequeingCallSid": "CAnobody"}),
        (f"{VOICE}/status", {"CallStatus": "", "CallDuration": ""}),
        (f"{VOICE}/agent", {"From": "anonymous"}),
    ],
)
def test_bad_input_on_every_voice_path_is_a_4xx_or_twiml_never_a_500(
    ccc: Harness, path: str, fields: dict[str, str]
) -> None:
    call = PhoneCall(ccc)
    response = post_twilio(ccc.client, path, call.form(**fields))
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        TwiML.parse(response.text)


def test_a_caller_with_a_withheld_number_may_still_leave_a_voice_message(
    ccc: Harness, agent: dict[str, str]
) -> None:
    call = PhoneCall(ccc, number="anonymous")
    call.dial()
    assert call.keys("4", "0").has("Record")  # nobody can call them back: a message instead
    reference = spoken_reference(call.leave_message())
    assert ccc.client.get(f"/api/tickets/{reference}", headers=agent).status_code == 200
    call.hang_up()
    assert ccc.client.get("/api/callbacks", headers=agent).json()["items"] == []


@pytest.fixture
def keeping_recordings(
    database_url: str, fake_twilio: FakeApi, tmp_path: Path
) -> Iterator[Harness]:
    settings = channel_settings(
        database_url,
        fake_twilio,
        None,
        twilio_sms_from=None,
        voice_recordings_dir=str(tmp_path / "recordings"),
    )
    yield from build_harness(settings)


def test_where_configured_ccc_keeps_the_recording_and_deletes_it_from_twilio(
    keeping_recordings: Harness, fake_twilio: FakeApi, tmp_path: Path
) -> None:
    ccc = keeping_recordings
    agent = ccc.user("alice", "agent", ["ccc"])
    fake_twilio.then(Reply(200, b"RIFF-kept-voice"), Reply(204, ""))
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", *TRACING)
    reference = spoken_reference(call.leave_message(sid="RE" + "c" * 32))
    ccc.drain()
    kept = tmp_path / "recordings" / f"RE{'c' * 32}.wav"
    assert kept.read_bytes() == b"RIFF-kept-voice"
    assert [r.method for r in fake_twilio.requests] == ["GET", "DELETE"]
    assert fake_twilio.requests[1].path.endswith(f"/Recordings/RE{'c' * 32}.json")
    heard = ccc.client.get(f"/api/recordings/RE{'c' * 32}", headers=agent)
    assert heard.content == b"RIFF-kept-voice"
    assert len(fake_twilio.requests) == 2  # served from CCC's own copy
    assert ccc.client.get(f"/api/tickets/{reference}", headers=agent).status_code == 200


def test_a_failure_inside_a_step_starts_the_call_over_instead_of_a_500(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = PhoneCall(ccc)
    call.dial()

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug in a step")

    monkeypatch.setattr("workflows.ivr.keypad._wants_person", broken)
    again = call.press("4")
    assert again.has("Gather") and "For English, press 4" in again.said()


def test_when_even_the_restart_fails_the_caller_hears_a_hangup_not_a_500(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug everywhere")

    monkeypatch.setattr("workflows.ivr.keypad.after_turn", broken)
    assert PhoneCall(ccc).dial().verbs() == ["Hangup"]
