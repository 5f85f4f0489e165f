"""Sending SMS and WhatsApp through Twilio's REST API, against a local fake of that API."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest

from bots.twilio import rest as twilio_rest
from ccc.channels.sms import SMS_MAX_BODY, UCS2, length, segments
from ccc.kernel.timeutil import utcnow
from tests.conftest import PUBLIC_URL, Harness
from tests.support.fakes import (
    TWILIO_INVALID_NUMBER,
    TWILIO_RATE_LIMITED,
    TWILIO_UNAVAILABLE,
    TWILIO_UNSUBSCRIBED,
    FakeApi,
    Reply,
    twilio_error,
)
from tests.support.people import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PHONE,
    SMS_FROM,
    WHATSAPP_FROM,
    TwilioPerson,
    identity,
    message,
    notes,
    open_ticket,
    quiet_for_a_day,
    reply,
    retry_due,
    send_job,
)

STATUS_CALLBACK = f"{PUBLIC_URL}/webhooks/twilio/status"


def test_a_reply_goes_out_through_the_messages_api(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(sms)
    fake_twilio.requests.clear()
    message_id = reply(ccc, agent, reference, "We have called the hospital in Erbil.")

    [call] = fake_twilio.calls("Messages.json")
    assert call.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert call.form == {
        "To": PHONE,
        "From": SMS_FROM,
        "Body": "We have called the hospital in Erbil.",
        "StatusCallback": STATUS_CALLBACK,
    }
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert call.headers["authorization"] == f"Basic {credentials}"
    sent = message(ccc, message_id)
    assert sent.status == "queued"
    assert sent.external_id is not None and sent.external_id.startswith("SM")


def test_whatsapp_replies_go_to_the_whatsapp_address_from_the_whatsapp_sender(
    ccc: Harness, whatsapp: TwilioPerson, fake_twilio: FakeApi
) -> None:
    whatsapp.say("hello")
    call = fake_twilio.calls("Messages.json")[-1]
    assert (call.form["To"], call.form["From"]) == (f"whatsapp:{PHONE}", WHATSAPP_FROM)
    assert "4 English" in call.form["Body"], "WhatsApp is not cut into SMS parts"


def test_a_long_arabic_sms_is_one_message_that_the_carrier_segments(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(sms)
    fake_twilio.requests.clear()
    text = "تم استلام طلبك وسيتصل بك أحد موظفي المركز خلال ثلاثة أيام عمل. " * 3
    message_id = reply(ccc, agent, reference, text)
    assert sms.received() == [text.strip()]  # 3 segments, joined again on the phone
    assert segments(text.strip()) == 3
    assert all(call.form["StatusCallback"] == STATUS_CALLBACK for call in fake_twilio.requests)
    assert message(ccc, message_id).status == "queued"


def test_an_sms_longer_than_twilio_takes_is_cut_after_a_sentence(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(sms)
    fake_twilio.requests.clear()
    text = "تم استلام طلبك وسيتصل بك أحد موظفي المركز خلال ثلاثة أيام عمل. " * 30
    reply(ccc, agent, reference, text)
    parts = sms.received()
    assert len(parts) == 2
    assert all(length(part, UCS2) <= SMS_MAX_BODY for part in parts)
    assert parts[0].endswith(".")
    assert " ".join(parts).split() == text.split()


def test_a_rate_limit_is_retried_after_twilios_retry_after_then_sent(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(sms)
    fake_twilio.then(TWILIO_RATE_LIMITED)
    started = utcnow()
    message_id = reply(ccc, agent, reference, "Please call us tomorrow.")

    assert message(ccc, message_id).status == "pending"
    job = send_job(ccc, message_id)
    assert job.attempts == 0, "a rate limit is not a failed attempt"
    assert "20429" in (job.last_error or "")
    assert job.available_at >= started + timedelta(seconds=45)

    retry_due(ccc)
    assert message(ccc, message_id).status == "queued"
    assert sms.received()[-2:] == ["Please call us tomorrow."] * 2


def test_server_errors_are_retried_with_backoff_until_twilio_recovers(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(sms)
    fake_twilio.then(TWILIO_UNAVAILABLE, TWILIO_UNAVAILABLE, TWILIO_UNAVAILABLE)
    message_id = reply(ccc, agent, reference, "Your case is with the tracing team.")
    for _ in range(3):
        assert message(ccc, message_id).status == "pending"
        retry_due(ccc)
    assert message(ccc, message_id).status == "queued"
    assert send_job(ccc, message_id).attempts == 4


def test_server_errors_on_every_attempt_fail_the_message_with_a_note_for_the_agent(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(sms)
    fake_twilio.requests.clear()
    fake_twilio.then(*[TWILIO_UNAVAILABLE] * 10)
    message_id = reply(ccc, agent, reference, "Your case is with the tracing team.")
    for _ in range(10):
        retry_due(ccc)
    failed = message(ccc, message_id)
    assert failed.status == "failed"
    assert "503: Twilio server error" in (failed.error_message or "")
    attempts = send_job(ccc, message_id).attempts
    assert len(fake_twilio.calls("Messages.json")) == attempts > 1
    assert any("could not be sent" in note for note in notes(ccc, agent, reference))


def test_a_timeout_is_retried(
    ccc: Harness,
    sms: TwilioPerson,
    fake_twilio: FakeApi,
    agent: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = open_ticket(sms)
    monkeypatch.setattr(twilio_rest, "TIMEOUT_SECONDS", 0.2)
    fake_twilio.then(Reply(201, {}, delay=0.6))
    message_id = reply(ccc, agent, reference, "We will call you back.")
    assert message(ccc, message_id).status == "pending"
    assert "could not reach Twilio" in (send_job(ccc, message_id).last_error or "")
    retry_due(ccc)
    assert message(ccc, message_id).status == "queued"


def test_an_unsubscribed_number_stops_at_once_and_is_marked_unreachable(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(sms)
    fake_twilio.requests.clear()
    fake_twilio.then(TWILIO_UNSUBSCRIBED)
    message_id = reply(ccc, agent, reference, "Your case is with the tracing team.")
    retry_due(ccc)

    failed = message(ccc, message_id)
    assert (failed.status, failed.error_code) == ("failed", "21610")
    assert len(fake_twilio.calls("Messages.json")) == 1, "a permanent error is not retried"
    assert "unsubscribed" in (identity(ccc, "sms", PHONE).unreachable_reason or "")
    assert any("unsubscribed" in note for note in notes(ccc, agent, reference))

    later = reply(ccc, agent, reference, "One more thing.")
    assert message(ccc, later).status == "not_sent"
    assert len(fake_twilio.calls("Messages.json")) == 1


def test_an_invalid_number_is_a_permanent_failure(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(sms)
    fake_twilio.then(TWILIO_INVALID_NUMBER)
    message_id = reply(ccc, agent, reference, "Hello")
    failed = message(ccc, message_id)
    assert (failed.status, failed.error_code) == ("failed", "21211")
    assert identity(ccc, "sms", PHONE).unreachable_reason


def test_whatsapp_outside_the_24_hour_window_without_template_or_sms_is_not_sent(
    ccc: Harness, whatsapp: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(whatsapp)
    quiet_for_a_day(ccc)
    ccc.runtime.settings = ccc.runtime.settings.model_copy(update={"twilio_sms_from": None})
    fake_twilio.requests.clear()

    message_id = reply(ccc, agent, reference, "Are you still there?")
    not_sent = message(ccc, message_id)
    assert (not_sent.status, not_sent.error_code) == ("not_sent", "outside_window")
    assert fake_twilio.calls("Messages.json") == []
    assert any("24 hours" in note for note in notes(ccc, agent, reference))


def test_whatsapp_outside_the_24_hours_goes_by_sms_to_the_same_number_with_a_note(
    ccc: Harness, whatsapp: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(whatsapp)
    quiet_for_a_day(ccc)
    fake_twilio.requests.clear()

    message_id = reply(ccc, agent, reference, "Are you still there?")
    [call] = fake_twilio.calls("Messages.json")
    assert (call.form["To"], call.form["From"]) == (PHONE, SMS_FROM)
    assert call.form["Body"] == "Are you still there?"
    sent = message(ccc, message_id)
    assert (sent.status, sent.channel) == ("queued", "sms")
    assert any("by SMS" in note for note in notes(ccc, agent, reference))


def test_whatsapp_outside_the_24_hours_sends_the_approved_template_and_the_text_on_reply(
    ccc: Harness, whatsapp: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    from ccc.channels import templates
    from ccc.channels.port import Template

    asked: list[tuple[str, str, dict[str, str]]] = []

    def finder(purpose: str, language: str, values: Any) -> Template:
        asked.append((purpose, language, dict(values)))
        return Template("HX" + "a" * 32, (("1", values["reference"]),))

    reference = open_ticket(whatsapp)
    quiet_for_a_day(ccc)
    fake_twilio.requests.clear()
    shipped = templates.use(finder)
    try:
        message_id = reply(ccc, agent, reference, "Which prison was he taken to?")
    finally:
        templates.use(shipped)
    [call] = fake_twilio.calls("Messages.json")
    assert call.form["To"] == f"whatsapp:{PHONE}" and "Body" not in call.form
    assert call.form["ContentSid"] == "HX" + "a" * 32
    assert json.loads(call.form["ContentVariables"]) == {"1": reference}
    assert asked == [("centre_answered", "en", {"reference": reference})]
    assert message(ccc, message_id).status == "queued"
    assert any("template" in note for note in notes(ccc, agent, reference))

    fake_twilio.requests.clear()
    whatsapp.say("Yes, I am here")
    bodies = [c.form.get("Body", "") for c in fake_twilio.calls("Messages.json")]
    assert "Which prison was he taken to?" in bodies
    fake_twilio.requests.clear()
    whatsapp.say("Thank you")
    bodies = [c.form.get("Body", "") for c in fake_twilio.calls("Messages.json")]
    assert "Which prison was he taken to?" not in bodies  # once, not at every reply


def test_twilios_own_window_refusal_is_reported_the_same_way(
    ccc: Harness, whatsapp: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(whatsapp)
    fake_twilio.then(twilio_error(400, 63016, "Failed to send freeform message"))
    message_id = reply(ccc, agent, reference, "Are you still there?")
    assert message(ccc, message_id).status == "not_sent"
    assert message(ccc, message_id).error_code == "outside_window"


def test_the_agent_sees_the_last_error_while_a_send_is_being_retried(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(sms)
    fake_twilio.then(*[TWILIO_UNAVAILABLE] * 10)
    message_id = reply(ccc, agent, reference, "Your case is with the tracing team.")
    waiting = message(ccc, message_id)
    assert (waiting.status, waiting.error_code) == ("pending", "503")
    for _ in range(10):
        retry_due(ccc)
    failed = message(ccc, message_id)
    assert (failed.status, failed.error_code) == ("failed", "503")


def test_a_split_sms_that_failed_halfway_resumes_without_repeating_the_first_part(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str]
) -> None:
    reference = open_ticket(sms)
    fake_twilio.requests.clear()
    text = "تم استلام طلبك وسيتصل بك أحد موظفي المركز خلال ثلاثة أيام عمل. " * 30
    fake_twilio.then(None, TWILIO_UNAVAILABLE)
    message_id = reply(ccc, agent, reference, text)
    first_try = message(ccc, message_id)
    assert (first_try.status, first_try.parts_sent) == ("pending", 1)
    retry_due(ccc)
    parts = [call.form["Body"] for call in fake_twilio.calls("Messages.json")]
    assert len(parts) == 3 and parts[1] == parts[2], "part 2 retried, part 1 sent once"
    sent = message(ccc, message_id)
    assert sent.status == "queued"
    assert " ".join([parts[0], parts[2]]).split() == text.split()


def test_five_hundreds_three_times_fail_the_message_when_three_attempts_are_allowed(
    database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi
) -> None:
    from tests.conftest import build_harness
    from tests.support.channel_fixtures import channel_settings

    settings = channel_settings(database_url, fake_twilio, fake_telegram, send_attempts=3)
    for ccc in build_harness(settings):
        agent = ccc.user("alice", "agent", ["ccc"])
        sms = TwilioPerson(ccc, fake_twilio)
        reference = open_ticket(sms)
        fake_twilio.requests.clear()
        fake_twilio.then(TWILIO_UNAVAILABLE, TWILIO_UNAVAILABLE, TWILIO_UNAVAILABLE)
        message_id = reply(ccc, agent, reference, "Your case is with the tracing team.")
        retry_due(ccc)
        retry_due(ccc)
        failed = message(ccc, message_id)
        assert (failed.status, failed.error_code) == ("failed", "503")
        assert len(fake_twilio.calls("Messages.json")) == 3
        assert any("could not be sent" in note for note in notes(ccc, agent, reference))


def test_the_closing_notice_outside_the_24_hours_is_the_templates_of_the_prompts(
    ccc: Harness,
    whatsapp: TwilioPerson,
    fake_twilio: FakeApi,
    agent: dict[str, str],
    tmp_path: Any,
) -> None:
    """`whatsapp_templates` in a prompts file: the Content SID of the language, its place
    filled with the reference."""
    import shutil

    from workflows.files.library import PACKAGE_DIR, configure

    folder = tmp_path / "workflows"
    shutil.copytree(PACKAGE_DIR, folder)
    english = folder / "prompts" / "en.yaml"
    english.write_text(
        english.read_text(encoding="utf-8")
        + "\nwhatsapp_templates:\n"
        + "  closing_notice: {content_sid: HX"
        + "b" * 32
        + ", variables: {'1': reference}}\n",
        encoding="utf-8",
    )
    configure(folder)
    try:
        reference = open_ticket(whatsapp)
        quiet_for_a_day(ccc)
        fake_twilio.requests.clear()
        response = ccc.client.patch(
            f"/api/tickets/{reference}", json={"status": "resolved"}, headers=agent
        )
        assert response.status_code == 200, response.text
        ccc.drain()
    finally:
        configure(PACKAGE_DIR)
    [call] = [c for c in fake_twilio.calls("Messages.json") if c.form["To"].startswith("whatsapp:")]
    assert call.form["ContentSid"] == "HX" + "b" * 32 and "Body" not in call.form
    assert json.loads(call.form["ContentVariables"])["1"].replace(" ", "") == reference
