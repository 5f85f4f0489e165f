"""A phone intake asks every keyed step of the flow, consent included, by keypad; the words
are one voice message; the ticket holds the keyed answers a text intake's ticket would."""

from __future__ import annotations

import pytest

from tests.conftest import Harness
from tests.support.voice import PhoneCall, TwiML, spoken_reference

LANGUAGES = {"1": "ar", "2": "ckb", "3": "kmr", "4": "en"}
# option: the category, the keys after the option (privacy notice first), the keyed answers.
INTAKES = {
    "1": ("tracing", ["1", "2", "1"], {"relationship": "spouse", "consent_to_share": "yes"}),
    "2": ("detention", ["1", "3", "1"], {"relationship": "parent", "consent_to_share": "yes"}),
    "3": (
        "assistance",
        ["1", "4", "6", "10", "1"],
        {"need": "health", "household_size": 6, "governorate": "diyala", "consent_to_share": "yes"},
    ),
    "4": (
        "complaint",
        ["1", "3", "1", "1"],
        {
            "complaint_about": "service_quality",
            "accepts_callback": "yes",
            "consent_to_share": "yes",
        },
    ),
}
# The same intakes written on a text channel (English), words where the flow asks for words.
TEXT_INTAKES = {
    "1": ["1", "1", "Layla Hassan", "Omar Hassan", "2", "Mosul, 2017", "He did not come home", "1"],
    "2": ["2", "1", "Layla Hassan", "Ali Hassan", "3", "Basra, 2019", "Unknown", "1"],
    # By text the governorate is asked by name (no numbers shown); the keypad keys 10.
    "3": ["3", "1", "Layla Hassan", "4", "6", "Diyala", "1"],
    "4": ["4", "1", "3", "The clinic was closed", "1", "1"],
}
WORDS = {
    "tracing": ["enquirer_name", "missing_person_name", "last_seen", "circumstances"],
    "detention": [
        "enquirer_name",
        "detained_person_name",
        "arrest_place_and_date",
        "detaining_authority",
    ],
    "assistance": ["enquirer_name"],
    "complaint": ["details"],
}


def phone_intake(ccc: Harness, language: str, option: str, consent: str = "1") -> TwiML:
    """A whole call up to the recording: every keyed step answered, the last one consent."""
    _category, keys, _answers = INTAKES[option]
    call = PhoneCall(ccc)
    call.dial()
    call.keys(language, option)
    for digits in keys[:-1]:
        asked = call.last
        assert asked is not None and asked.has("Gather"), "a keyed step is asked by keypad"
        call.press(digits)
    assert call.last is not None and "1" in call.last.said()
    record = call.press(consent)
    assert record.verbs()[-2:] == ["Record", "Redirect"]
    assert int(record.find("Record").attrib["maxLength"]) == 180
    answer = call.leave_message()
    assert answer.verbs()[-1] == "Hangup"
    return answer


def ticket(ccc: Harness, reference: str, headers: dict[str, str]) -> dict[str, object]:
    response = ccc.client.get(f"/api/tickets/{reference}", headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, object] = response.json()
    return found


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("option", list(INTAKES))
def test_a_phone_intake_keys_every_keyed_step_and_the_ticket_holds_the_answers(
    ccc: Harness, agent: dict[str, str], language: str, option: str
) -> None:
    category, _keys, keyed = INTAKES[option]
    reference = spoken_reference(phone_intake(ccc, language, option))
    found = ticket(ccc, reference, agent)
    assert (found["category"], found["channel"]) == (category, "voice")
    assert found["language"] == LANGUAGES[language]
    answers = found["answers"]
    assert isinstance(answers, dict)
    assert {key: answers.get(key) for key in keyed} == keyed
    assert answers["in_voice_message"] == WORDS[category]
    assert answers["voice_message"]["seconds"] == 42
    assert not set(WORDS[category]) & set(answers)  # words are in the voice, not invented


@pytest.mark.parametrize("option", list(INTAKES))
def test_the_keyed_answers_are_those_a_text_intake_would_hold(
    ccc: Harness, agent: dict[str, str], option: str
) -> None:
    category, _keys, keyed = INTAKES[option]
    texter = "+9647509990001"
    for text in ["hi", "4", *TEXT_INTAKES[option]]:
        ccc.say(texter, text)
    written = ccc.last_reply(texter).split("is ")[1][:9].replace(" ", "")
    by_text = ticket(ccc, written, agent)["answers"]
    by_phone = ticket(ccc, spoken_reference(phone_intake(ccc, "4", option)), agent)["answers"]
    assert isinstance(by_text, dict) and isinstance(by_phone, dict)
    assert {k: v for k, v in by_text.items() if k not in WORDS[category]} == {
        k: v for k, v in by_phone.items() if k in by_text
    }
    assert {k: by_phone[k] for k in keyed} == keyed


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_caller_who_pressed_yes_can_be_referred_without_an_override(
    ccc: Harness, agent: dict[str, str], language: str
) -> None:
    reference = spoken_reference(phone_intake(ccc, language, "1", consent="1"))
    referred = ccc.client.post(
        f"/api/tickets/{reference}/referrals", json={"team": "assistance"}, headers=agent
    )
    assert referred.status_code == 201, referred.text
    assert referred.json()["consent_override_reason"] is None


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_caller_who_pressed_no_is_not_referred_without_a_supervisor(
    ccc: Harness, agent: dict[str, str], language: str
) -> None:
    reference = spoken_reference(phone_intake(ccc, language, "2", consent="2"))
    assert ticket(ccc, reference, agent)["answers"]["consent_to_share"] == "no"  # type: ignore[index]
    refused = ccc.client.post(
        f"/api/tickets/{reference}/referrals", json={"team": "assistance"}, headers=agent
    )
    assert refused.status_code == 409
    assert "not agreed to share" in refused.json()["detail"]


def test_a_wrong_key_at_the_consent_question_asks_it_again(
    ccc: Harness, agent: dict[str, str]
) -> None:
    call = PhoneCall(ccc)
    call.dial()
    consent = call.keys("4", "1", "1", "2")
    assert "share your answers" in consent.said()
    again = call.press("7")
    assert again.has("Gather") and "share your answers" in again.said()
    assert call.press("1").has("Record")
    reference = spoken_reference(call.leave_message())
    assert ticket(ccc, reference, agent)["answers"]["consent_to_share"] == "yes"  # type: ignore[index]


def test_the_voice_message_prompt_says_what_to_say(ccc: Harness) -> None:
    call = PhoneCall(ccc)
    call.dial()
    record = call.keys("4", "1", "1", "2", "1")
    said = record.said()
    assert "your name" in said and "missing person" in said and "last seen" in said
    assert "how you are related" not in said  # keyed already


def test_a_number_step_is_keyed_and_ended_with_hash(ccc: Harness) -> None:
    call = PhoneCall(ccc)
    call.dial()
    household = call.keys("4", "3", "1", "1")
    gather = household.find("Gather")
    assert "numDigits" not in gather.attrib and gather.attrib["finishOnKey"] == "#"
    assert "hash" in household.said()
    too_many = call.press("500")
    assert too_many.has("Gather") and "household" in too_many.said()


def test_an_intake_without_a_message_leaves_nothing_to_the_next_one(
    ccc: Harness, agent: dict[str, str]
) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", "1", "1", "2", "1")  # tracing: a spouse, consent: then silence
    record = call.last
    assert record is not None
    menu = call.post(record.action("Record"), RecordingSid="", RecordingDuration="0")
    assert "We did not hear a message." in menu.said() and menu.has("Gather")
    call.keys("3", "1", "4", "6", "10", "2")  # assistance instead, no consent this time
    reference = spoken_reference(call.leave_message())
    answers = ticket(ccc, reference, agent)["answers"]
    assert isinstance(answers, dict)
    assert "relationship" not in answers and answers["consent_to_share"] == "no"
    assert answers["in_voice_message"] == ["enquirer_name"]
