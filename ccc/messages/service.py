"""Storing messages: inbound ones exactly once, outbound ones as jobs that send them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import String, Table, Update, bindparam, case, func, null, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from ccc.channels.port import Button, InboundMessage
from ccc.contacts.models import Identity
from ccc.contacts.service import IDENTITY, insert_identity
from ccc.jobs.outbox import schedule, schedule_held
from ccc.kernel import events
from ccc.kernel.db import insert_unless_present
from ccc.kernel.errors import Invalid
from ccc.kernel.phone import mask
from ccc.kernel.text import truncate
from ccc.kernel.timeutil import UTCDateTime, utcnow
from ccc.messages.models import Direction, Message, MessageStatus

log = logging.getLogger(__name__)

PROCESS_INBOUND = "process_inbound"
SEND_MESSAGE = "send_message"
MESSAGE: Table = Message.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Accepted:
    message_id: int
    duplicate: bool


def accept_inbound(session: Session, *, inbound: InboundMessage) -> Accepted:
    """Make an inbound message durable and schedule the chatbot turn for it.

    A repeated delivery (same channel and external id) is stored once: the unique constraint
    decides, so two webhooks racing each other cannot both insert. For a person heard from
    before, this is three statements in the caller's one transaction and no savepoint: the
    identity stamped (reading in the same statement the copy already stored, if any), the
    message inserted unless present, its outbox row.
    """
    _check_shape(inbound)
    now = utcnow()
    identity_id, contact_id, stored = _identity(session, inbound, now)
    if stored is not None:
        return Accepted(stored, duplicate=True)
    message_id = _insert_once(session, inbound, identity_id, contact_id, now)
    if message_id is None:  # a concurrent delivery of the same message won
        assert inbound.external_id is not None
        existing = _by_external_id(session, inbound.channel, inbound.external_id)
        assert existing is not None
        return Accepted(existing, duplicate=True)
    events.publish(
        session,
        events.DomainEvent(
            events.MESSAGE_RECEIVED, message_id=message_id, data={"channel": inbound.channel}
        ),
    )
    schedule(session, PROCESS_INBOUND, identity_id=identity_id)
    log.info("inbound %s message %s from %s", inbound.channel, message_id, mask(inbound.address))
    return Accepted(message_id, duplicate=False)


def _identity(
    session: Session, inbound: InboundMessage, now: datetime
) -> tuple[int, int, int | None]:
    """The sender's identity and contact, created on a first message, and the id of this
    message's copy when it was stored before (then the identity is left as it was)."""
    found = _stamp_identity(session, inbound, now)
    if found is not None:
        return found
    made = insert_identity(
        session,
        channel=inbound.channel,
        address=inbound.address,
        display_name=inbound.display_name,
        now=now,
    )
    if made is not None:
        return (*made, None)
    found = _stamp_identity(session, inbound, now)  # a concurrent request created it
    assert found is not None
    return found


def _stamp_identity(
    session: Session, inbound: InboundMessage, now: datetime
) -> tuple[int, int, int | None] | None:
    """One UPDATE … RETURNING: the person was just heard from (and, with a display name, named;
    with a message that proves it, reachable again), unless this message is a redelivery, whose
    stored copy's id it returns. None when the identity does not exist yet."""
    name = inbound.display_name if isinstance(inbound.display_name, str) else ""
    statement = _stamp_statement(
        bool(inbound.external_id), bool(name), bool(inbound.proves_reachable)
    )
    row = session.execute(
        statement,
        {
            "b_channel": inbound.channel,
            "b_address": inbound.address,
            "b_external_id": inbound.external_id,
            "b_now": now,
            "b_name": name[:200],
        },
    ).first()
    return None if row is None else (row[0], row[1], row[2])


@cache
def _stamp_statement(redelivery: bool, named: bool, reachable: bool) -> Update:
    """The identity's UPDATE for one shape of message, built once: built per request, its
    clauses, their coercions and its cache key cost a webhook more CPU than the rest of its
    transaction (bench/webhook_costs.py). Values are bound parameters (`b_…`: SQLAlchemy keeps
    the columns' own names for the SET clause)."""
    stored: ColumnElement[Any] = null()
    if redelivery:
        stored = (
            select(MESSAGE.c.id)
            .where(
                MESSAGE.c.channel == bindparam("b_channel"),
                MESSAGE.c.external_id == bindparam("b_external_id"),
            )
            .scalar_subquery()
        )
    changes: dict[str, Any] = {
        "last_inbound_at": case(
            (stored.is_not(None), IDENTITY.c.last_inbound_at),
            else_=bindparam("b_now", type_=UTCDateTime()),
        )
    }
    if named:
        changes["display_name"] = func.coalesce(
            func.nullif(IDENTITY.c.display_name, ""), bindparam("b_name", type_=String())
        )
    if reachable:
        changes["unreachable_reason"] = null()
    return (
        update(IDENTITY)
        .where(
            IDENTITY.c.channel == bindparam("b_channel"),
            IDENTITY.c.address == bindparam("b_address"),
        )
        .values(changes)
        .returning(IDENTITY.c.id, IDENTITY.c.contact_id, stored)
    )


def _media(inbound: InboundMessage) -> list[dict[str, str]]:
    """Attachments, plus a shared contact or location kept as `tel:`/`geo:` items."""
    media = [item.as_dict() for item in inbound.media]
    if inbound.linked_phone:
        media.append({"kind": "contact", "url": f"tel:{inbound.linked_phone}", "content_type": ""})
    if inbound.location:
        latitude, longitude = inbound.location
        media.append({"kind": "location", "url": f"geo:{latitude},{longitude}", "content_type": ""})
    return media


def _insert_once(
    session: Session, inbound: InboundMessage, identity_id: int, contact_id: int, now: datetime
) -> int | None:
    """Inserts the message; None when another delivery of it won the race (the unique
    constraint on channel and external id decides, with no savepoint to roll back)."""
    values: dict[str, Any] = {
        "contact_id": contact_id,
        "identity_id": identity_id,
        "direction": Direction.inbound.value,
        "channel": inbound.channel,
        "external_id": inbound.external_id,
        "text": truncate(inbound.text.replace("\x00", "")),
        "media": _media(inbound),
        "buttons": [],
        "status": MessageStatus.received.value,
        "parts_sent": 0,
        "created_at": now,
        "updated_at": now,
    }
    row = insert_unless_present(
        session, MESSAGE, values, keys=("channel", "external_id"), returning=(MESSAGE.c.id,)
    )
    return None if row is None else int(row[0])


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
        job = schedule_held(session, SEND_MESSAGE, message_id=message.id)
        # Held until the transaction ends: the session's map of rows keeps only those someone
        # holds, and a worker's turn claims its replies before it commits (ccc.jobs.runner),
        # which then finds both rows there instead of reading them again.
        session.info.setdefault(_WRITTEN_KEY, []).extend((message, job))
    return message


_BULK_KEY = "ccc.messages.bulk"
_WRITTEN_KEY = "ccc.messages.written"


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
