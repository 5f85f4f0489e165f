"""Twilio's delivery reports for SMS and WhatsApp messages CCC sent."""

from __future__ import annotations

from fastapi import APIRouter, Response

from bots.twilio.forms import FormDep, twiml
from ccc.channels.delivery import StatusReport, status_batcher
from ccc.kernel.errors import Invalid
from ccc.kernel.web import RuntimeDep

PATH = "/webhooks/twilio/status"
router = APIRouter(tags=["webhooks"])

# Twilio's message statuses, as CCC tracks them; stages not listed are ignored.
STATUSES: dict[str, str] = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
    "read": "read",
}

# What an agent needs to read next to a failed message, for the codes seen most.
ERROR_TEXTS: dict[str, str] = {
    "21610": "the person has unsubscribed from this number (replied STOP)",
    "30003": "the phone is switched off or out of coverage",
    "30005": "the number does not exist or is no longer in service",
    "30006": "the number is a landline or its network cannot receive SMS",
    "30007": "the message was filtered by the mobile network",
    "30008": "the network reported an unknown error",
    "63016": "outside WhatsApp's 24-hour window: only an approved template can be sent",
    "63024": "the number is not on WhatsApp",
}


@router.post(PATH, summary="Twilio message status callback")
def status_callback(form: FormDep, runtime: RuntimeDep) -> Response:
    """Answered once the report is committed, in a batch with the others arriving at the same
    moment (`ccc.channels.delivery.StatusBatcher`): one transaction per batch, not per report."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    reported = (form.get("MessageStatus") or form.get("SmsStatus")).lower()
    if not sid or not reported:
        raise Invalid("a status callback needs MessageSid and MessageStatus")
    status = STATUSES.get(reported)
    if status is not None:
        code = form.get("ErrorCode") or None
        report = StatusReport(
            channels=("sms", "whatsapp", "voice"),
            external_id=sid,
            status=status,
            error_code=code,
            error_message=ERROR_TEXTS.get(code or "", f"Twilio error {code}" if code else None),
        )
        status_batcher(runtime).submit(report)
    return twiml()
