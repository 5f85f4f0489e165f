"""Sending SMS and WhatsApp messages through Twilio's REST API."""

from __future__ import annotations

import json
import logging
from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from bots.twilio.rest import make_client, send_error
from bots.twilio.status import STATUSES
from ccc.channels.port import OutboundMessage, SendError, SendResult
from ccc.channels.sms import SMS_MAX_BODY, split_message
from ccc.channels.templates import outside_window
from ccc.kernel.phone import mask
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow

log = logging.getLogger(__name__)

# Twilio's Messages API takes a body of up to 1,600 characters on WhatsApp too (error 21617
# beyond), though WhatsApp itself would take 4,096: through Twilio the lower bound holds.
WHATSAPP_MAX_BODY = 1600


class TwilioMessagingSender:
    """Sends one outbound message as one Twilio message (more only beyond 1,600 characters)."""

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
        if self.channel == "whatsapp" and outside_window(message.last_inbound_at, utcnow()):
            return self._outside_window(message)
        # One Twilio message per text: Twilio and the carrier segment a long SMS and the phone
        # joins it again. Only a text longer than a body may be is cut, between sentences or
        # words (ccc.channels.sms).
        if self.channel == "whatsapp":
            to = f"whatsapp:{message.address}"
            parts = split_message(message.text, WHATSAPP_MAX_BODY)
        else:
            to = message.address
            parts = split_message(message.text, SMS_MAX_BODY)
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

    def _outside_window(self, message: OutboundMessage) -> SendResult:
        """24 hours after the person last wrote, WhatsApp takes only an approved template: the
        one the message carries, else the whole text by SMS to the same number where SMS is set
        up; else nothing is sent, and the agent is told why."""
        if message.template is not None:
            return self._send_template(message)
        if self.settings.twilio_sms_from:
            by_sms = TwilioMessagingSender("sms", self.settings)
            handed = OutboundMessage(
                channel="sms",
                address=message.address,
                text=message.text,
                status_callback_url=message.status_callback_url,
                parts_already_sent=message.parts_already_sent,
                first_external_id=message.first_external_id,
            )
            result = by_sms.send(handed)
            note = (
                "Sent by SMS to the same number: the person last wrote on WhatsApp more than "
                "24 hours ago and no approved WhatsApp template is set up for this message."
            )
            return SendResult(
                result.external_id, result.status, result.parts, channel="sms", note=note
            )
        raise SendError(
            "not sent: the person last wrote on WhatsApp more than 24 hours ago, and WhatsApp "
            "then accepts only an approved template; none is set up for this message and SMS "
            "is not set up either; reach them on another channel or wait until they write again",
            code="outside_window",
            permanent=True,
        )

    def _send_template(self, message: OutboundMessage) -> SendResult:
        settings = self.settings
        assert message.template is not None
        assert settings.twilio_account_sid and settings.twilio_auth_token
        client, http = make_client(
            settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_base
        )
        try:
            created = client.messages.create(
                to=f"whatsapp:{message.address}",
                content_sid=message.template.content_sid,
                content_variables=json.dumps(dict(message.template.variables), ensure_ascii=False),
                status_callback=message.status_callback_url,
                **self._from(),
            )
        except (TwilioRestException, TwilioServiceException, requests.RequestException) as exc:
            error = send_error(exc, http.last_headers)
            log.warning("whatsapp template to %s failed: %s", mask(message.address), error)
            raise error from exc
        note = (
            "Sent as the approved WhatsApp template: the person last wrote on WhatsApp more "
            "than 24 hours ago. The text itself goes out when they reply."
        )
        return SendResult(
            str(created.sid),
            STATUSES.get(str(created.status or "").lower(), "sent"),
            note=note,
            held=True,
        )

    def _from(self) -> dict[str, str]:
        assert self.sender is not None
        if self.sender.startswith("MG"):
            return {"messaging_service_sid": self.sender}
        return {"from_": self.sender}


def sms_sender(settings: Settings) -> TwilioMessagingSender:
    return TwilioMessagingSender("sms", settings)


def whatsapp_sender(settings: Settings) -> TwilioMessagingSender:
    return TwilioMessagingSender("whatsapp", settings)
