"""Twilio's signed form posts: verification, and the reading of a message form.

Every Twilio webhook (messaging, status callbacks, and the voice line) comes through
`verified_form`: a missing or wrong `X-Twilio-Signature` is refused before anything is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from twilio.twiml.messaging_response import MessagingResponse

from bots.twilio.signature import signed_url, twilio_signature_valid
from bots.webhooks import FORM, parse_form, refuse, require_content_type, without_nul
from ccc.channels.port import InboundMessage, Media
from ccc.kernel.errors import Invalid
from ccc.kernel.phone import to_e164
from ccc.kernel.settings import Settings
from ccc.kernel.web import SettingsDep

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_MEDIA = 10  # Twilio's own limit per message
MAX_MEDIA_URL = 1000
# Twilio hands media over as links to its own hosts; anything else in a MediaUrl was not
# written by Twilio, and the console would show it as a link to follow.
MEDIA_DOMAINS = ("twilio.com", "twiliocdn.com")


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
    return await read_verified_form(request, settings)


async def read_verified_form(request: Request, settings: Settings) -> TwilioForm:
    """`verified_form` for a route that reads it itself: the messaging webhook, where FastAPI's
    dependency solver (three nested dependencies) cost a tenth of the request's CPU."""
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
        # Say only that it did not match: the URL signed is CCC_PUBLIC_URL, not for strangers.
        raise refuse(request, f"{SIGNATURE_HEADER} does not match")
    return TwilioForm(tuple((name, without_nul(value)) for name, value in pairs))


FormDep = Annotated[TwilioForm, Depends(verified_form)]


# The empty answer, built once: every webhook returns the same bytes.
EMPTY_TWIML = str(MessagingResponse())


def twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")


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
        _check_media_url(url, index)
        content_type = form.get(f"MediaContentType{index}") or "application/octet-stream"
        if len(content_type) > 100:
            raise Invalid(f"MediaContentType{index} is longer than 100 characters")
        items.append(Media(url=url, content_type=content_type, kind=media_kind(content_type)))
    return tuple(items)


def _check_media_url(url: str, index: int) -> None:
    host = (urlsplit(url).hostname or "") if url.startswith("https://") else ""
    ours = any(host == domain or host.endswith("." + domain) for domain in MEDIA_DOMAINS)
    if not ours or len(url) > MAX_MEDIA_URL:
        raise Invalid(
            f"MediaUrl{index} must be an https:// link to Twilio's hosts, "
            f"of at most {MAX_MEDIA_URL} characters"
        )


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
