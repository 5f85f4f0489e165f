"""Whole calls to the toll-free line through signed webhooks, TwiML read with an XML parser."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ccc.calls.models import Call
from ccc.tickets import references
from tests.channels.people import post_twilio
from tests.channels.voice import VOICE, PhoneCall, spoken_reference
from tests.conftest import Harness

LANGUAGES = {"1": "ar", "2": "ckb", "3": "kmr", "4": "en"}
CATEGORIES = {"1": "tracing", "2": "detention", "3": "assistance", "4": "complaint"}


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


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("option", list(CATEGORIES))
def test_options_one_to_four_end_in_a_voice_message_that_becomes_a_ticket(
    ccc: Harness, agent: dict[str, str], language: str, option: str
) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.keys(language, option, "1")  # the language, the option, "continue" after the notice
    if option == "4":
        call.press("1")  # what the complaint is about: selection criteria
    record = call.last
    assert record is not None and record.has("Record")
    assert int(record.find("Record").attrib["maxLength"]) == 180
    answer = call.leave_message()
    assert answer.verbs()[-1] == "Hangup"
    reference = spoken_reference(answer)
    assert answer.said().count(", ".join(reference)) == 2  # read back twice
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert (ticket["category"], ticket["channel"]) == (CATEGORIES[option], "voice")
    assert ticket["language"] == LANGUAGES[language]
    assert call_record(ccc, call.sid).outcome == "voice_message"


def test_a_recording_callback_delivered_twice_makes_one_ticket(
    ccc: Harness, agent: dict[str, str]
) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", "1", "1")
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
    call.keys("4", "1", "1")
    reference = spoken_reference(call.leave_message())
    texts = [m for m in ccc.transcript(call.number) if m["direction"] == "out"]
    assert texts and texts[-1]["channel"] == "sms"
    assert reference[:4] in texts[-1]["text"]


def test_a_wrong_key_repeats_the_menu_once_then_offers_a_voice_message(ccc: Harness) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.press("4")
    again = call.press("9")
    assert again.has("Gather") and "How can we help you?" in again.said()
    offer = call.press("8")
    assert offer.has("Record") and "leave us a message" in offer.said()


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
    call.keys("4", "1", "1")
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
    call.keys("4", "1", "1")
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
