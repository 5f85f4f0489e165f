"""What the ticket's reply box offers: the saved replies in the ticket's language, and the
channel the reply will really take (a caller's reply goes by WhatsApp or SMS, not by phone)."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from ccc.channels import templates
from ccc.channels.models import Channel
from ccc.console.i18n import plural_forms
from ccc.console.web import Console
from ccc.contacts.models import Identity
from ccc.kernel.timeutil import utcnow
from ccc.replies import service as saved_replies
from ccc.tickets.models import Ticket

WHATSAPP_WINDOW_HOURS = 24
# Channels whose replies are cut into SMS segments, so the box counts them as the agent types.
SEGMENTED = frozenset({"sms"})


def reply_channel(console: Console, identity: Identity | None) -> str:
    """As the voice sender decides: WhatsApp when the same number wrote there within 24 hours
    and WhatsApp is set up, else SMS."""
    if identity is None:
        return "sms"
    if identity.channel != Channel.voice:
        return str(identity.channel)
    settings = console.settings
    whatsapp = console.session.exec(
        select(Identity.last_inbound_at).where(
            Identity.address == identity.address, Identity.channel == Channel.whatsapp
        )
    ).first()
    recent = whatsapp is not None and (utcnow() - whatsapp).total_seconds() < (
        WHATSAPP_WINDOW_HOURS * 3600
    )
    if settings.twilio_whatsapp_from and recent:
        return "whatsapp"
    return "sms"


# WhatsApp 24 hours after the person last wrote (docs/handover.md): what really reaches them.
TEMPLATE_WORDS = (
    "WhatsApp's 24 hours since the person last wrote have passed: they get the approved "
    "template “the centre answered your request”, and your text when they reply."
)
SMS_WORDS = (
    "WhatsApp's 24 hours since the person last wrote have passed: this reply goes by SMS to "
    "the same number."
)
NOT_SENT_WORDS = (
    "WhatsApp's 24 hours since the person last wrote have passed, and neither an approved "
    "template nor SMS is set up: this reply cannot be sent. Reach them on another channel or "
    "wait until they write again."
)
WINDOW_WORDS = (TEMPLATE_WORDS, SMS_WORDS, NOT_SENT_WORDS)


def after_window(
    console: Console, ticket: Ticket, identity: Identity | None
) -> tuple[str, str] | None:
    """On WhatsApp outside its 24 hours, as the sender decides (bots/twilio/sender.py): the
    channel the reply really takes and a word for the agent; None inside the window."""
    if identity is None or identity.channel != Channel.whatsapp:
        return None
    settings = console.settings
    if settings.outbound_mode("whatsapp") != "live":
        return None
    if not templates.outside_window(identity.last_inbound_at, utcnow()):
        return None
    language = ticket.language or "ar"
    if templates.find(templates.CENTRE_ANSWERED, language, {"reference": ticket.reference}):
        return "whatsapp", TEMPLATE_WORDS
    if settings.twilio_sms_from:
        return "sms", SMS_WORDS
    return "whatsapp", NOT_SENT_WORDS


# The counter's words, with a form for each of the reader's plural categories.
CHARACTERS = ("%(n)s character", "%(n)s characters")
SMS_PARTS = ("%(n)s SMS part", "%(n)s SMS parts")


def counter_words(language: str) -> dict[str, dict[str, str]]:
    """What the box's script writes as the agent types, per CLDR plural category: Arabic has
    six ("جزء واحد", "جزآن", "٣ أجزاء", "١١ جزءًا"…), Sorani, Badini and English two."""
    return {
        "characters": plural_forms(language, *CHARACTERS),
        "segments": plural_forms(language, *SMS_PARTS),
    }


def reply_box(console: Console, ticket: Ticket, identity: Identity | None) -> dict[str, Any]:
    channel = reply_channel(console, identity)
    window = after_window(console, ticket, identity)
    if window is not None:
        channel = window[0]
    replies = [
        {
            "id": reply.id,
            "name": reply.name,
            "text": saved_replies.text_for(
                reply, language=ticket.language, reference=ticket.reference
            ),
        }
        for reply in saved_replies.all_replies(console.session)
    ]
    return {
        "reply_channel": channel,
        "reply_window": window[1] if window is not None else None,
        "count_sms": channel in SEGMENTED,
        "saved_replies": replies,
        "reply_language": ticket.language or "ar",
        "counter_words": counter_words(console.language),
    }
