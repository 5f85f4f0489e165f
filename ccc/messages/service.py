"""Storing messages: inbound ones exactly once, outbound ones as jobs that send them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from ccc.channels.port import Button, InboundMessage
from ccc.contacts.models import Identity
from ccc.contacts.service import get_or_create_identity
from ccc.jobs.outbox import schedule
from ccc.kernel import events
from ccc.kernel.errors import Invalid
from ccc.kernel.phone import mask
from ccc.kernel.text import truncate
from ccc.messages.models import Direction, Message, MessageStatus

log = logging.getLogger(__name__)

PROCESS_INBOUND = "process_inbound"
SEND_MESSAGE = "send_message"


@dataclass(frozen=True)
class Accepted:
    message_id: int
    duplicate: bool


def accept_inbound(session: Session, *, inbound: InboundMessage) -> Accepted:
    """Make an inbound message durable and schedule the chatbot turn for it.

    A repeated delivery (same channel and external id) is stored once: the unique constraint
    decides, so two webhooks racing each other cannot both insert.
    """
    _check_shape(inbound)
    if inbound.external_id:
        existing = _by_external_id(session, inbound.channel, inbound.external_id)
        if existing is not None:
            return Accepted(existing, duplicate=True)
    identity = get_or_create_identity(
        session,
        channel=inbound.channel,
        address=inbound.address,
        display_name=inbound.display_name,
    )
    if inbound.proves_reachable and identity.unreachable_reason:
        identity.unreachable_reason = None
        session.add(identity)
    assert identity.id is not None
    message = Message(
        contact_id=identity.contact_id,
        identity_id=identity.id,
        direction=Direction.inbound,
        channel=inbound.channel,
        external_id=inbound.external_id,
        text=truncate(inbound.text.replace("\x00", "")),
        media=_media(inbound),
        status=MessageStatus.received,
    )
    stored = _insert_once(session, message, inbound)
    if stored is not None:
        return Accepted(stored, duplicate=True)
    assert message.id is not None
    events.publish(
        session,
        events.DomainEvent(
            events.MESSAGE_RECEIVED, message_id=message.id, data={"channel": inbound.channel}
        ),
    )
    schedule(session, PROCESS_INBOUND, identity_id=identity.id)
    log.info("inbound %s message %s from %s", inbound.channel, message.id, mask(inbound.address))
    return Accepted(message.id, duplicate=False)


def _media(inbound: InboundMessage) -> list[dict[str, str]]:
    """Attachments, plus a shared contact or location kept as `tel:`/`geo:` items."""
    media = [item.as_dict() for item in inbound.media]
    if inbound.linked_phone:
        media.append({"kind": "contact", "url": f"tel:{inbound.linked_phone}", "content_type": ""})
    if inbound.location:
        latitude, longitude = inbound.location
        media.append({"kind": "location", "url": f"geo:{latitude},{longitude}", "content_type": ""})
    return media


def _insert_once(session: Session, message: Message, inbound: InboundMessage) -> int | None:
    """Inserts the message; the id of the copy already stored when another delivery of it won
    the race (the unique constraint on channel and external id decides)."""
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        assert inbound.external_id is not None
        existing = _by_external_id(session, inbound.channel, inbound.external_id)
        assert existing is not None
        return existing
    return None


def _check_shape(inbound: InboundMessage) -> None:
    """Refuse (4xx) what the columns cannot hold, the same on SQLite and PostgreSQL, rather
    than fail on insert with a 500 that the provider would redeliver again and again."""
    if not isinstance(inbound.text, str):
        raise Invalid("the message text must be a string")
    if not inbound.address or len(inbound.address) > 64:
        raise Invalid("the sender address must be 1 to 64 characters")
    if inbound.external_id is not None and len(inbound.external_id) > 128:
        raise Invalid("the message id is longer than 128 characters")


def _by_external_id(session: Session, channel: str, external_id: str) -> int | None:
    return session.exec(
        select(Message.id).where(Message.channel == channel, Message.external_id == external_id)
    ).first()


def queue_outbound(
    session: Session,
    *,
    identity: Identity,
    text: str,
    buttons: tuple[Button, ...] = (),
    ticket_id: int | None = None,
    author_user_id: int | None = None,
) -> Message:
    """Record an outbound message and schedule the job that sends it on the identity's channel."""
    assert identity.id is not None
    message = Message(
        contact_id=identity.contact_id,
        identity_id=identity.id,
        ticket_id=ticket_id,
        direction=Direction.outbound,
        channel=identity.channel,
        text=text,
        buttons=[{"key": b.key, "label": b.label} for b in buttons],
        status=MessageStatus.pending,
        author_user_id=author_user_id,
    )
    session.add(message)
    session.flush()
    if session.info.get(_BULK_KEY):
        schedule(session, SEND_MESSAGE, message_id=message.id, bulk=True)
    else:
        schedule(session, SEND_MESSAGE, message_id=message.id)
    return message


_BULK_KEY = "ccc.messages.bulk"


@contextmanager
def sending_in_bulk(session: Session) -> Iterator[None]:
    """The messages queued inside this block are one mass change's notices (a bulk status
    change, rules over idle tickets): they go on the bulk send queue, after every reply and
    turn, and leave part of their sender's rate to replies (ccc/channels/ratelimit.py)."""
    before = session.info.get(_BULK_KEY, False)
    session.info[_BULK_KEY] = True
    try:
        yield
    finally:
        session.info[_BULK_KEY] = before


def transcript(session: Session, identities: list[Identity]) -> list[Message]:
    """Everything exchanged with these identities, oldest first."""
    ids = [identity.id for identity in identities if identity.id is not None]
    if not ids:
        return []
    return list(
        session.exec(
            select(Message).where(col(Message.identity_id).in_(ids)).order_by(col(Message.id))
        ).all()
    )


def last_words(session: Session, ticket_ids: list[int]) -> dict[int, str]:
    """Each ticket's last inbound message: the person's own words, not the chatbot's
    acknowledgement of them."""
    if not ticket_ids:
        return {}
    latest = (
        select(func.max(Message.id))
        .where(col(Message.ticket_id).in_(ticket_ids), Message.direction == Direction.inbound)
        .group_by(col(Message.ticket_id))
    )
    messages = session.exec(select(Message).where(col(Message.id).in_(latest))).all()
    return {m.ticket_id: m.text for m in messages if m.ticket_id is not None}
