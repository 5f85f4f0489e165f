"""SMS and WhatsApp through Twilio Messaging: the inbound webhook, status callbacks, sending.

Twilio posts one form per message to `/webhooks/twilio/messaging`, WhatsApp addresses written
`whatsapp:+964…`. Each request is verified against `CCC_PUBLIC_URL`, stored once by its
`MessageSid`, and answered with an empty TwiML `<Response/>`: replies are sent by jobs, never
inline, so that a slow chatbot turn cannot make Twilio time out and retry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import requests
from fastapi import APIRouter, Depends, Request, Response
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.twiml.messaging_response import MessagingResponse

from bots.sms import split_sms, split_text
from bots.twilio.rest import make_client, send_error
from bots.twilio.signature import signed_url, twilio_signature_valid
from bots.webhooks import FORM, parse_form, refuse, require_content_type, without_nul
from ccc.api.deps import SessionDep, SettingsDep
from ccc.channels.delivery import record_status, set_reachable
from ccc.channels.port import InboundMessage, Media, OutboundMessage, SendError, SendResult
from ccc.jobs.outbox import run_in_background
from ccc.kernel.errors import Invalid
from ccc.kernel.phone import mask, to_e164
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow
from ccc.messages.service import accept_inbound

log = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks/twilio", tags=["webhooks"])

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_MEDIA = 10  # Twilio's own limit per message
WHATSAPP_WINDOW = timedelta(hours=24)
WHATSAPP_MAX_BODY = 1600

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


@dataclass(frozen=True)
class TwilioForm:
    """A verified form post from Twilio, read as Twilio documents it: one value per name."""

    pairs: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str:
        for key, value in self.pairs:
            if key == name:
                return value.strip()
        return ""


async def verified_form(request: Request, settings: SettingsDep) -> TwilioForm:
    """The form Twilio posted, or a refusal before anything is read into the database."""
    if not settings.twilio_auth_token:
        raise refuse(request, "TWILIO_AUTH_TOKEN is not set")
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        raise refuse(request, f"no {SIGNATURE_HEADER} header")
    require_content_type(request, FORM)
    pairs = parse_form(await request.body())
    url = signed_url(settings.public_url, request.url.path, request.url.query)
    if not twilio_signature_valid(
        auth_token=settings.twilio_auth_token, url=url, params=pairs, signature=signature
    ):
        raise refuse(request, f"{SIGNATURE_HEADER} does not match {url}")
    return TwilioForm(tuple((name, without_nul(value)) for name, value in pairs))


FormDep = Annotated[TwilioForm, Depends(verified_form)]


def twiml() -> Response:
    return Response(str(MessagingResponse()), media_type="text/xml")


@router.post("/messaging", summary="Twilio Messaging webhook (SMS and WhatsApp)")
def messaging(form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    inbound = parse_message(form, settings.default_region)
    run_in_background(session)
    accepted = accept_inbound(session, inbound)
    opt_out = form.get("OptOutType").upper()
    if not accepted.duplicate and opt_out in {"STOP", "START"}:
        reason = f"{opt_out}: the person unsubscribed by text" if opt_out == "STOP" else None
        set_reachable(session, channel=inbound.channel, address=inbound.address, reason=reason)
    return twiml()


@router.post("/status", summary="Twilio message status callback")
def status_callback(form: FormDep, session: SessionDep) -> Response:
    sid = form.get("MessageSid") or form.get("SmsSid")
    reported = (form.get("MessageStatus") or form.get("SmsStatus")).lower()
    if not sid or not reported:
        raise Invalid("a status callback needs MessageSid and MessageStatus")
    status = STATUSES.get(reported)
    if status is not None:
        code = form.get("ErrorCode") or None
        record_status(
            session,
            channels=("sms", "whatsapp"),
            external_id=sid,
            status=status,
            error_code=code,
            error_message=ERROR_TEXTS.get(code or "", f"Twilio error {code}" if code else None),
        )
    return twiml()


def parse_message(form: TwilioForm, region: str) -> InboundMessage:
    """One inbound SMS, MMS or WhatsApp message, normalised."""
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid")
    raw_from = form.get("From")
    if not sid:
        raise Invalid("MessageSid is missing")
    if not raw_from:
        raise Invalid("From is missing")
    whatsapp = raw_from.lower().startswith("whatsapp:")
    address = to_e164(raw_from, region)
    if address is None and form.get("WaId"):
        address = to_e164("+" + form.get("WaId").lstrip("+"), region)
    if address is None:
        raise Invalid("From is not a phone number")
    text = form.get("Body") or form.get("ButtonPayload") or form.get("ButtonText")
    return InboundMessage(
        channel="whatsapp" if whatsapp else "sms",
        address=address,
        external_id=sid,
        text=text,
        media=_media(form),
        display_name=(form.get("ProfileName") or None) if whatsapp else None,
        location=_location(form),
    )


def _media(form: TwilioForm) -> tuple[Media, ...]:
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError as exc:
        raise Invalid("NumMedia is not a number") from exc
    items = []
    for index in range(max(0, min(count, MAX_MEDIA))):
        url = form.get(f"MediaUrl{index}")
        if not url:
            continue
        content_type = form.get(f"MediaContentType{index}") or "application/octet-stream"
        items.append(Media(url=url, content_type=content_type, kind=media_kind(content_type)))
    return tuple(items)


def media_kind(content_type: str) -> str:
    """WhatsApp voice notes are Ogg/Opus audio; other audio is a file someone sent."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind.startswith("image/"):
        return "image"
    if kind in {"audio/ogg", "audio/opus"}:
        return "voice"
    if kind.startswith("audio/"):
        return "audio"
    if kind.startswith("video/"):
        return "video"
    if kind.startswith(("application/", "text/")):
        return "document"
    return "file"


def _location(form: TwilioForm) -> tuple[float, float] | None:
    latitude, longitude = form.get("Latitude"), form.get("Longitude")
    if not latitude or not longitude:
        return None
    try:
        lat, lon = float(latitude), float(longitude)
    except ValueError as exc:
        raise Invalid("Latitude and Longitude must be numbers") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid("Latitude or Longitude out of range")
    return (lat, lon)


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
