"""The one interface every channel implements, and the normalised message types it speaks.

An adapter knows its channel and nothing of tickets: it turns a verified webhook into
`InboundMessage`s, and sends an `OutboundMessage`, reporting failures as `SendError` with
enough detail (permanent or not, how long to wait) for the core to decide on a retry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str
    kind: str = "file"  # image, audio, voice, video, document, file

    def as_dict(self) -> dict[str, str]:
        return {"url": self.url, "content_type": self.content_type, "kind": self.kind}


@dataclass(frozen=True)
class InboundMessage:
    """One message from a person, as every channel looks once normalised.

    `address` is already canonical: E.164 for phone channels, the chat id for Telegram.
    `linked_phone` carries a phone number the person shared (Telegram contact), which the core
    only joins to a phone contact after the person confirms. `proves_reachable` is set where a
    message shows the person can be written to again (a Telegram chat that had blocked the bot).
    """

    channel: str
    address: str
    external_id: str | None
    text: str = ""
    media: tuple[Media, ...] = ()
    display_name: str | None = None
    linked_phone: str | None = None
    location: tuple[float, float] | None = None
    proves_reachable: bool = False


@dataclass(frozen=True)
class Button:
    key: str
    label: str


@dataclass(frozen=True)
class Template:
    """An approved WhatsApp template (Twilio's Content API): the one kind of message WhatsApp
    takes 24 hours after the person last wrote. `variables` fill its numbered places."""

    content_sid: str
    variables: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OutboundMessage:
    channel: str
    address: str
    text: str
    buttons: tuple[Button, ...] = ()
    status_callback_url: str | None = None
    # When the person last wrote in: WhatsApp refuses free text 24 hours after it.
    last_inbound_at: datetime | None = None
    # A retry of a split message: these parts already went out; the first one had this id.
    parts_already_sent: int = 0
    first_external_id: str | None = None
    # Other phone channels this number wrote in from, with when it last did: a channel that
    # cannot carry text itself (voice) answers on one of them.
    same_number: tuple[tuple[str, datetime | None], ...] = ()
    # WhatsApp outside its 24 hours: the approved template that stands in for the text.
    template: Template | None = None


@dataclass(frozen=True)
class SendResult:
    external_id: str | None
    status: str = "sent"
    parts: int = 1
    # The channel that really carried it, when an adapter handed the message to another one.
    channel: str | None = None
    # What the adapter did in place of the plain send (a template, SMS), for the timeline.
    note: str | None = None
    # True when a template went in place of the text: the text waits for the person's reply.
    held: bool = False


@dataclass
class SendError(Exception):
    """A send that did not go through. `permanent` errors are never retried; `unreachable`
    means the person cannot be written to on this identity any more (blocked, unsubscribed).
    `parts_sent` and `first_external_id` tell how far a split message got before it failed."""

    message: str
    code: str | None = None
    permanent: bool = False
    unreachable: bool = False
    retry_after: float | None = None
    # The provider refused for too many requests (HTTP 429, Twilio 20429): backed off, deferred,
    # never counted as a failed attempt (ccc/channels/ratelimit.py).
    rate_limited: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    parts_sent: int = 0
    first_external_id: str | None = None

    def __str__(self) -> str:
        return f"{self.code or 'error'}: {self.message}"


class Sender(Protocol):
    channel: str

    def send(self, message: OutboundMessage) -> SendResult: ...
