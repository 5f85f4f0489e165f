"""Sending SMS and WhatsApp messages through Twilio's REST API."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from bots.twilio.rest import make_client, send_error
from bots.twilio.status import STATUSES
from ccc.channels.port import OutboundMessage, SendError, SendResult
from ccc.channels.sms import split_sms, split_text
from ccc.kernel.phone import mask
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow

log = logging.getLogger(__name__)

WHATSAPP_WINDOW = timedelta(hours=24)
WHATSAPP_MAX_BODY = 1600


class TwilioMessagingSender:
    """Sends one outbound message as one or more Twilio messages (SMS parts)."""

    def __init__(self, channel: str, settings: Settings) -> None:
        self.channel = channel
        self.settings = settings
        sender = settings.twilio_sms_from if channel == "sms" else settings.twilio_whatsapp_from
        if (
            channel == "whatsapp"
            and sender
            and not sender.lower().startswith("whatsapp:")
            and not sender.startswith("MG")
        ):
            sender = f"whatsapp:{sender}"
        self.sender = sender

    def send(self, message: OutboundMessage) -> SendResult:
        settings = self.settings
        if not (settings.twilio_account_sid and settings.twilio_auth_token and self.sender):
            raise SendError(
                f"Twilio is not configured for {self.channel}",
                code="not_configured",
                permanent=True,
            )
        if self.channel == "whatsapp":
            _check_window(message)
            to = f"whatsapp:{message.address}"
            parts = split_text(message.text, WHATSAPP_MAX_BODY)
        else:
            to = message.address
            parts = split_sms(message.text)
        client, http = make_client(
            settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_base
        )
        created: list[Any] = []
        skip = min(message.parts_already_sent, len(parts) - 1)
        first_sid = message.first_external_id if skip else None
        for part in parts[skip:]:
            try:
                created.append(
                    client.messages.create(
                        to=to,
                        body=part,
                        status_callback=message.status_callback_url,
                        **self._from(),
                    )
                )
            except (TwilioRestException, TwilioServiceException, requests.RequestException) as exc:
                error = send_error(exc, http.last_headers)
                log.warning(
                    "%s to %s failed on part %d of %d: %s",
                    self.channel,
                    mask(message.address),
                    skip + len(created) + 1,
                    len(parts),
                    error,
                )
                error.parts_sent = skip + len(created)
                error.first_external_id = first_sid or (str(created[0].sid) if created else None)
                raise error from exc
        first = created[0]
        return SendResult(
            external_id=first_sid or str(first.sid),
            status=STATUSES.get(str(first.status or "").lower(), "sent"),
            parts=len(parts),
        )

    def _from(self) -> dict[str, str]:
        assert self.sender is not None
        if self.sender.startswith("MG"):
            return {"messaging_service_sid": self.sender}
        return {"from_": self.sender}


def _check_window(message: OutboundMessage) -> None:
    """WhatsApp takes free text only within 24 hours of the person's last message."""
    last = message.last_inbound_at
    if last is None or utcnow() - last > WHATSAPP_WINDOW:
        raise SendError(
            "not sent: the person last wrote on WhatsApp more than 24 hours ago, and WhatsApp "
            "then accepts only an approved template; reach them on another channel or wait "
            "until they write again",
            code="outside_window",
            permanent=True,
        )


def sms_sender(settings: Settings) -> TwilioMessagingSender:
    return TwilioMessagingSender("sms", settings)


def whatsapp_sender(settings: Settings) -> TwilioMessagingSender:
    return TwilioMessagingSender("whatsapp", settings)
