"""`POST /webhooks/twilio/status`: delivery reports move a sent message forward, never back."""

from __future__ import annotations

import httpx

from tests.conftest import Harness
from tests.support.people import (
    TwilioPerson,
    fixture,
    message,
    messages,
    post_twilio,
    status_report,
    stored,
)

STATUS = "/webhooks/twilio/status"


def last_sent(ccc: Harness) -> tuple[int, str]:
    sent = [m for m in messages(ccc, direction="out") if m.external_id]
    assert sent, "nothing was sent"
    assert sent[-1].id is not None and sent[-1].external_id is not None
    return sent[-1].id, sent[-1].external_id


def report(
    ccc: Harness, sid: str, status: str, base: str = "twilio_status_sms", **extra: str
) -> httpx.Response:
    response = post_twilio(ccc.client, STATUS, status_report(sid, status, base, **extra))
    assert response.status_code == 200, response.text
    return response


def test_delivered_then_a_late_sent_leaves_the_message_delivered(
    ccc: Harness, sms: TwilioPerson
) -> None:
    sms.say("hello")
    message_id, sid = last_sent(ccc)
    assert message(ccc, message_id).status == "queued"
    report(ccc, sid, "sent")
    assert message(ccc, message_id).status == "sent"
    report(ccc, sid, "delivered")
    report(ccc, sid, "sent")
    assert message(ccc, message_id).status == "delivered"


def test_whatsapp_read_receipts_are_recorded(ccc: Harness, whatsapp: TwilioPerson) -> None:
    whatsapp.say("hello")
    message_id, sid = last_sent(ccc)
    report(ccc, sid, "delivered", base="twilio_status_whatsapp")
    report(ccc, sid, "read", base="twilio_status_whatsapp")
    report(ccc, sid, "delivered", base="twilio_status_whatsapp")
    assert message(ccc, message_id).status == "read"


def test_undelivered_keeps_the_error_code_and_says_what_it_means(
    ccc: Harness, sms: TwilioPerson
) -> None:
    sms.say("hello")
    message_id, sid = last_sent(ccc)
    report(ccc, sid, "undelivered", ErrorCode="30003")
    undelivered = message(ccc, message_id)
    assert (undelivered.status, undelivered.error_code) == ("undelivered", "30003")
    assert "switched off" in (undelivered.error_message or "")


def test_failed_is_recorded(ccc: Harness, sms: TwilioPerson) -> None:
    sms.say("hello")
    message_id, sid = last_sent(ccc)
    report(ccc, sid, "failed", ErrorCode="30008")
    assert message(ccc, message_id).status == "failed"


def test_a_callback_for_an_unknown_message_is_answered_and_ignored(
    ccc: Harness, sms: TwilioPerson
) -> None:
    sms.say("hello")
    before = [(m.id, m.status) for m in messages(ccc)]
    response = report(ccc, "SM" + "f" * 32, "delivered")
    assert response.headers["content-type"].startswith("text/xml")
    assert [(m.id, m.status) for m in messages(ccc)] == before


def test_a_stage_ccc_does_not_track_is_ignored(ccc: Harness, sms: TwilioPerson) -> None:
    sms.say("hello")
    message_id, sid = last_sent(ccc)
    report(ccc, sid, "receiving")
    assert message(ccc, message_id).status == "queued"


def test_an_unsigned_status_callback_changes_nothing(ccc: Harness, sms: TwilioPerson) -> None:
    sms.say("hello")
    message_id, sid = last_sent(ccc)
    form = fixture("twilio_status_sms") | {"MessageSid": sid, "MessageStatus": "failed"}
    response = post_twilio(ccc.client, STATUS, form, signature="Zm9yZ2Vk")
    assert response.status_code == 403
    assert message(ccc, message_id).status == "queued"


def test_a_status_callback_without_a_status_is_refused(ccc: Harness) -> None:
    form = {k: v for k, v in fixture("twilio_status_sms").items() if "Status" not in k}
    response = post_twilio(ccc.client, STATUS, form)
    assert response.status_code == 422
    assert stored(ccc)["messages"] == 0
