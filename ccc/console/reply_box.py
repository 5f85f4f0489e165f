"""What the ticket's reply box offers: the saved replies in the ticket's language, and the
channel the reply will really take (a caller's reply goes by WhatsApp or SMS, not by phone)."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from ccc.channels.models import Channel
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


def reply_box(console: Console, ticket: Ticket, identity: Identity | None) -> dict[str, Any]:
    channel = reply_channel(console, identity)
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
        "count_sms": channel in SEGMENTED,
        "saved_replies": replies,
        "reply_language": ticket.language or "ar",
    }
