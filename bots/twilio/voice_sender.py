"""Text to a caller: the voice line cannot carry an agent's written reply, so it goes by
WhatsApp where the same number wrote from it within WhatsApp's 24 hours, else by SMS, and the
message records the channel that carried it."""

from __future__ import annotations

from bots.twilio.sender import TwilioMessagingSender
from ccc.channels.port import OutboundMessage, SendError, SendResult
from ccc.channels.templates import WHATSAPP_WINDOW
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow


class VoiceSender:
    channel = "voice"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: OutboundMessage) -> SendResult:
        carrier = self._carrier(message)
        sender = TwilioMessagingSender(carrier, self.settings)
        last = dict(message.same_number).get(carrier) if carrier == "whatsapp" else None
        handed = OutboundMessage(
            channel=carrier,
            address=message.address,
            text=message.text,
            status_callback_url=message.status_callback_url,
            last_inbound_at=last,
            parts_already_sent=message.parts_already_sent,
            first_external_id=message.first_external_id,
        )
        result = sender.send(handed)
        return SendResult(result.external_id, result.status, result.parts, channel=carrier)

    def _carrier(self, message: OutboundMessage) -> str:
        settings = self.settings
        whatsapp = dict(message.same_number).get("whatsapp")
        if (
            settings.twilio_whatsapp_from
            and whatsapp is not None
            and utcnow() - whatsapp < WHATSAPP_WINDOW
        ):
            return "whatsapp"
        if settings.twilio_sms_from:
            return "sms"
        raise SendError(
            "a reply to a caller goes by SMS, and TWILIO_SMS_FROM is not set",
            code="not_configured",
            permanent=True,
        )


def voice_sender(settings: Settings) -> VoiceSender:
    return VoiceSender(settings)
