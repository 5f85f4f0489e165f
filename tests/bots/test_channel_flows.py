"""The whole default flow on every channel, as on the simulator: a person writes in, answers
the intake, gets a reference; an agent replies; the reply reaches the person's channel."""

from __future__ import annotations

import pytest

from ccc.tickets import references
from tests.conftest import Harness
from tests.flows import reference_in
from tests.support.people import PHONE, TelegramPerson, TwilioPerson, messages
from workflows.files.library import current

TRACING_ANSWERS = {
    "enquirer_name": "Layla Hassan",
    "missing_person_name": "Omar Hassan",
    "relationship": "sibling",
    "last_seen": "Mosul, old city, June 2017",
    "circumstances": "He left for work and did not come back.",
    "consent_to_share": "yes",
}


def tracing_intake(person: TwilioPerson | TelegramPerson, choose: str = "say") -> None:
    pick = getattr(person, choose)
    person.say("hello")
    pick("4")
    pick("1")
    pick("1")  # the privacy notice: continue
    person.say("Layla Hassan")
    person.say("Omar Hassan")
    pick("4")
    person.say("Mosul, old city, June 2017")
    person.say("He left for work and did not come back.")
    pick("1")


def ticket_of(ccc: Harness, agent: dict[str, str], reference: str) -> dict[str, object]:
    response = ccc.client.get(f"/api/tickets/{reference}", headers=agent)
    assert response.status_code == 200, response.text
    ticket: dict[str, object] = response.json()
    return ticket


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_a_tracing_intake_by_twilio_ends_with_a_routed_ticket_and_an_agent_reply_reaches_it(
    ccc: Harness,
    sms: TwilioPerson,
    whatsapp: TwilioPerson,
    agent: dict[str, str],
    channel: str,
) -> None:
    person = sms if channel == "sms" else whatsapp
    tracing_intake(person)
    reference = reference_in(person.received()[-1])
    assert references.is_valid(reference)

    ticket = ticket_of(ccc, agent, reference)
    assert (ticket["channel"], ticket["category"], ticket["team"]) == (
        channel,
        "tracing",
        "tracing",
    )
    assert ticket["answers"] == TRACING_ANSWERS

    response = ccc.client.post(
        f"/api/tickets/{reference}/replies",
        json={"text": "We have opened a tracing request for Omar."},
        headers=agent,
    )
    assert response.status_code == 202
    ccc.drain()
    assert person.received()[-1] == "We have opened a tracing request for Omar."


def test_a_tracing_intake_on_telegram_with_buttons_ends_with_a_ticket_and_a_reply_reaches_it(
    ccc: Harness, telegram: TelegramPerson, agent: dict[str, str]
) -> None:
    tracing_intake(telegram, choose="press")
    reference = reference_in(telegram.last_text())
    ticket = ticket_of(ccc, agent, reference)
    assert (ticket["channel"], ticket["category"]) == ("telegram", "tracing")
    assert ticket["answers"] == TRACING_ANSWERS

    ccc.client.post(
        f"/api/tickets/{reference}/replies", json={"text": "We are on it."}, headers=agent
    )
    ccc.drain()
    assert telegram.last_text() == "We are on it."
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    assert [m["status"] for m in timeline if m["type"] == "message"][-1] == "sent"


def test_a_voice_note_during_a_whatsapp_intake_is_kept_on_the_ticket_and_text_is_asked_for(
    ccc: Harness, whatsapp: TwilioPerson, agent: dict[str, str]
) -> None:
    whatsapp.say("مرحبا")
    whatsapp.say("1")  # العربية
    whatsapp.say("1")  # شخص مفقود
    whatsapp.say("1")  # متابعة (the privacy notice)
    whatsapp.post(whatsapp.message(base="twilio_whatsapp_media"))
    prompts = current().prompts
    assert whatsapp.received()[-2] == prompts.text("ar", "media_kept")
    assert whatsapp.received()[-1] == prompts.text("ar", "enquirer_name")

    for answer in ("ليلى حسن", "عمر حسن", "4", "الموصل، حزيران 2017", "خرج إلى العمل ولم يعد", "1"):
        whatsapp.say(answer)
    reference = reference_in(whatsapp.received()[-1])
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    attachments = [
        item for m in timeline if m["type"] == "message" for item in m.get("media") or []
    ]
    assert [(a["kind"], a["content_type"]) for a in attachments] == [("voice", "audio/ogg")]


def test_a_photo_during_a_telegram_intake_is_kept_and_text_is_asked_for_in_their_language(
    ccc: Harness, telegram: TelegramPerson, agent: dict[str, str]
) -> None:
    telegram.say("سڵاو")
    telegram.press("2")  # کوردی (سۆرانی)
    telegram.press("2")  # a detained relative
    telegram.press("1")  # the privacy notice: continue
    telegram.post(telegram.update("telegram_photo"))
    prompts = current().prompts
    assert telegram.sent()[-2]["text"] == prompts.text("ckb", "media_kept")
    photo = messages(ccc, direction="in")[-1]
    assert photo.media[0]["kind"] == "image"


def test_a_location_during_an_intake_asks_for_words_without_claiming_a_kept_file(
    ccc: Harness, telegram: TelegramPerson
) -> None:
    telegram.say("silav")
    telegram.press("3")  # کوردی (بادینی)
    telegram.press("3")  # assistance
    telegram.press("1")  # the privacy notice: continue
    telegram.post(telegram.update("telegram_location"))
    prompts = current().prompts
    assert telegram.sent()[-2]["text"] == prompts.text("kmr", "need_text")
    assert prompts.text("kmr", "enquirer_name") in telegram.sent()[-1]["text"]


def test_the_same_person_on_sms_and_whatsapp_reads_back_as_one_conversation(
    ccc: Harness, sms: TwilioPerson, whatsapp: TwilioPerson
) -> None:
    sms.say("hello")
    whatsapp.say("hello")
    channels = {m["channel"] for m in ccc.transcript(PHONE)}
    assert channels == {"sms", "whatsapp"}
