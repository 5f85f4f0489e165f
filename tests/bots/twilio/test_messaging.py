"""`POST /webhooks/twilio/messaging`: verified, stored once, answered with empty TwiML."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from tests.conftest import Harness, build_harness
from tests.support.channel_fixtures import channel_settings
from tests.support.people import (
    AUTH_TOKEN,
    FORM,
    PHONE,
    TwilioPerson,
    fixture,
    identity,
    messages,
    post_twilio,
    sign,
    stored,
)

MESSAGING = "/webhooks/twilio/messaging"


def test_an_sms_is_stored_and_answered_with_empty_twiml(ccc: Harness) -> None:
    form = fixture("twilio_sms")
    response = post_twilio(ccc.client, MESSAGING, form)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.replace(" ", "").endswith("<Response/>")
    [message] = messages(ccc, direction="in")
    assert (message.channel, message.external_id, message.text) == (
        "sms",
        form["MessageSid"],
        "Hello",
    )
    assert identity(ccc, "sms", PHONE).contact_id == message.contact_id


def test_the_chatbot_answers_by_a_job_not_in_the_twiml(ccc: Harness, sms: TwilioPerson) -> None:
    response = sms.say("hello")
    assert "<Message>" not in response.text
    assert "4 English" in "\n".join(sms.received())


def test_a_repeated_message_sid_is_stored_once_and_answered_once(
    ccc: Harness, sms: TwilioPerson
) -> None:
    form = sms.message("hello")
    sms.post(form)
    before = stored(ccc)
    replies = len(sms.received())
    second = sms.post(form)
    assert second.status_code == 200
    assert stored(ccc) == before
    assert len(sms.received()) == replies


def test_a_media_only_mms_keeps_its_attachments(ccc: Harness, sms: TwilioPerson) -> None:
    form = fixture("twilio_mms")
    sms.post(sms.message(base="twilio_mms"))
    [message] = messages(ccc, direction="in")
    assert message.text == ""
    assert message.media == [
        {"url": form["MediaUrl0"], "content_type": "image/jpeg", "kind": "image"}
    ]


def test_whatsapp_is_its_own_channel_with_the_profile_name(
    ccc: Harness, whatsapp: TwilioPerson
) -> None:
    whatsapp.say("مرحبا")
    [message] = messages(ccc, direction="in")
    assert message.channel == "whatsapp"
    found = identity(ccc, "whatsapp", PHONE)
    assert found.display_name == "Layla"
    assert whatsapp.received(), "the reply goes to whatsapp:+964…"


def test_a_whatsapp_voice_note_is_kept_as_a_voice_attachment(
    ccc: Harness, whatsapp: TwilioPerson
) -> None:
    whatsapp.post(whatsapp.message(base="twilio_whatsapp_media"))
    [message] = messages(ccc, direction="in")
    assert message.media[0]["kind"] == "voice"
    assert message.media[0]["content_type"] == "audio/ogg"
    assert message.media[0]["url"].startswith("https://api.twilio.com/")


def test_a_whatsapp_location_is_kept(ccc: Harness, whatsapp: TwilioPerson) -> None:
    whatsapp.post(whatsapp.message(base="twilio_whatsapp_location"))
    [message] = messages(ccc, direction="in")
    assert {"kind": "location", "url": "geo:36.3456,43.1575", "content_type": ""} in (message.media)


@pytest.mark.parametrize("written", ["07701234567", "009647701234567", "+964 770 123 4567"])
def test_iraqi_numbers_in_any_form_are_one_e164_identity(ccc: Harness, written: str) -> None:
    form = fixture("twilio_sms") | {"From": written}
    assert post_twilio(ccc.client, MESSAGING, form).status_code == 200
    assert identity(ccc, "sms", PHONE).address == PHONE


def test_the_same_number_on_sms_whatsapp_and_the_simulator_is_one_contact(
    ccc: Harness, sms: TwilioPerson, whatsapp: TwilioPerson
) -> None:
    sms.say("hello")
    whatsapp.say("hello")
    ccc.say(PHONE, "hello")
    with ccc.session():
        contacts = {identity(ccc, channel, PHONE).contact_id for channel in ("sms", "whatsapp")}
    contacts.add(identity(ccc, "simulator", PHONE).contact_id)
    assert len(contacts) == 1


def test_a_url_with_a_query_string_is_verified_with_its_query(ccc: Harness) -> None:
    form = fixture("twilio_sms")
    ok = post_twilio(ccc.client, MESSAGING, form, query="centre=erbil&lang=ar")
    assert ok.status_code == 200, ok.text
    signed_with_query = sign(f"{MESSAGING}?centre=erbil", form)
    stripped = post_twilio(
        ccc.client, MESSAGING, form | {"MessageSid": "SMother"}, signature=signed_with_query
    )
    assert stripped.status_code == 403


def test_behind_a_proxy_the_public_url_is_what_counts(ccc: Harness) -> None:
    form = fixture("twilio_sms")
    response = post_twilio(
        ccc.client,
        MESSAGING,
        form,
        headers={"host": "10.0.0.5:8000", "x-forwarded-proto": "http"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("case", "signature"),
    [
        ("forged", "dGhpcyBpcyBub3QgYSBzaWduYXR1cmU="),
        ("another account's token", sign(MESSAGING, fixture("twilio_sms"), "0" * 32)),
        ("signed for the internal URL", "http://testserver" + MESSAGING),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_is_stored(
    ccc: Harness, case: str, signature: str
) -> None:
    form = fixture("twilio_sms")
    if signature.startswith("http"):
        from twilio.request_validator import RequestValidator

        signature = RequestValidator(AUTH_TOKEN).compute_signature(signature, form)
    before = stored(ccc)
    response = post_twilio(ccc.client, MESSAGING, form, signature=signature)
    assert response.status_code == 403, case
    assert stored(ccc) == before


def test_a_signed_body_that_was_changed_is_refused(ccc: Harness) -> None:
    form = fixture("twilio_sms")
    signature = sign(MESSAGING, form)
    tampered = form | {"Body": "5"}
    response = post_twilio(ccc.client, MESSAGING, tampered, signature=signature)
    assert response.status_code == 403
    assert stored(ccc)["messages"] == 0


def test_a_missing_signature_is_refused_with_a_log_line_that_holds_no_body(
    ccc: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    form = fixture("twilio_sms") | {"Body": "my brother Omar"}
    with caplog.at_level(logging.WARNING):
        response = ccc.client.post(
            MESSAGING, content=urlencode(form), headers={"content-type": FORM}
        )
    assert response.status_code == 403
    assert stored(ccc)["messages"] == 0
    lines = [record.getMessage() for record in caplog.records]
    assert any("refused webhook /webhooks/twilio/messaging" in line for line in lines)
    assert not any("Omar" in line or "7701234567" in line for line in lines)


@pytest.fixture
def without_token(database_url: str) -> Iterator[Harness]:
    yield from build_harness(channel_settings(database_url, None, None, twilio_auth_token=None))


@pytest.mark.parametrize("path", [MESSAGING, "/webhooks/twilio/status"])
def test_without_an_auth_token_every_twilio_webhook_is_refused(
    without_token: Harness, path: str
) -> None:
    form = fixture("twilio_sms")
    response = post_twilio(without_token.client, path, form)
    assert response.status_code == 403
    assert stored(without_token)["messages"] == 0


def test_a_body_that_is_not_a_form_is_unsupported(ccc: Harness) -> None:
    response = ccc.client.post(
        MESSAGING,
        json=fixture("twilio_sms"),
        headers={"X-Twilio-Signature": sign(MESSAGING, fixture("twilio_sms"))},
    )
    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.json()["detail"]
    assert stored(ccc)["messages"] == 0


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_64_kib_is_refused_before_it_is_read(ccc: Harness, chunked: bool) -> None:
    form = fixture("twilio_sms") | {"Body": "ب" * 40_000}
    body = urlencode(form).encode()
    headers = {"content-type": FORM, "X-Twilio-Signature": sign(MESSAGING, form)}
    content = iter([body[:1000], body[1000:]]) if chunked else body
    response = ccc.client.post(MESSAGING, content=content, headers=headers)
    assert response.status_code == 413
    assert "64 KiB" in response.json()["detail"]
    assert stored(ccc)["messages"] == 0


@pytest.mark.parametrize(
    ("missing", "detail"), [("From", "From is missing"), ("MessageSid", "MessageSid")]
)
def test_a_form_without_required_fields_is_refused(ccc: Harness, missing: str, detail: str) -> None:
    form = {
        k: v
        for k, v in fixture("twilio_sms").items()
        if k != missing and not (missing == "MessageSid" and k.endswith("Sid") and "Sms" in k)
    }
    response = post_twilio(ccc.client, MESSAGING, form)
    assert response.status_code == 422
    assert detail in response.json()["detail"]
    assert stored(ccc)["messages"] == 0


def test_a_sender_that_is_not_a_phone_number_is_refused(ccc: Harness) -> None:
    response = post_twilio(ccc.client, MESSAGING, fixture("twilio_sms") | {"From": "CARRIER"})
    assert response.status_code == 422
    assert stored(ccc)["messages"] == 0


def test_a_body_that_is_not_utf8_is_a_bad_request(ccc: Harness) -> None:
    response = ccc.client.post(
        MESSAGING,
        content=b"Body=%FF&From=%2B9647701234567\xff",
        headers={"content-type": FORM, "X-Twilio-Signature": "x"},
    )
    assert response.status_code == 400


def test_stop_marks_the_number_unreachable_and_start_reachable_again(
    ccc: Harness, sms: TwilioPerson
) -> None:
    sms.say("hello")
    sms.post(sms.message("STOP", OptOutType="STOP"))
    assert identity(ccc, "sms", PHONE).unreachable_reason
    replies = len(sms.received())
    assert messages(ccc, direction="out")[-1].status == "not_sent"
    assert len(sms.received()) == replies
    sms.post(sms.message("START", OptOutType="START"))
    assert identity(ccc, "sms", PHONE).unreachable_reason is None


def test_the_same_message_delivered_concurrently_is_stored_once(
    ccc: Harness, sms: TwilioPerson
) -> None:
    """Twilio retries a webhook it thinks timed out while the first delivery is still running."""
    form = sms.message("hello")
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda _: post_twilio(ccc.client, MESSAGING, form), range(6)))
    assert [r.status_code for r in responses] == [200] * 6
    ccc.drain()
    assert len(messages(ccc, direction="in")) == 1
    assert "4 English" in "\n".join(sms.received())
    assert len(messages(ccc, direction="out")) == 1
