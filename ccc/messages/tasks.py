"""The job kinds: a chatbot turn for inbound messages, and sending an outbound message.

A turn runs in its job's transaction. A send is an external kind (`registry.External`): the call
to the channel's API is made between two short transactions, never inside one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from ccc.channels import ratelimit, templates
from ccc.channels.models import Channel
from ccc.channels.port import Button, OutboundMessage, SendError, SendResult, Template
from ccc.contacts.models import Contact, Identity
from ccc.contacts.service import lock_identity
from ccc.jobs.models import OutboxJob
from ccc.jobs.registry import (
    Deferred,
    External,
    Outcome,
    RetryLater,
    external_job_kind,
    job_kind,
)
from ccc.kernel import events, ports
from ccc.kernel.phone import mask
from ccc.kernel.runtime import get_runtime
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Message, MessageStatus
from ccc.messages.service import PROCESS_INBOUND, SEND_MESSAGE, queue_outbound
from ccc.tickets.models import HELD_FOR_REPLY, HELD_SENT, Ticket, TicketEvent
from ccc.tickets.service import ROUTING, record

log = logging.getLogger(__name__)


def _send_attempts() -> int:
    return get_runtime().settings.send_attempts


@job_kind(PROCESS_INBOUND, max_attempts=5, order_by="identity_id")
def process_inbound(session: Session, identity_id: int, **_extra: Any) -> None:
    hours = get_runtime().settings.conversation_timeout_hours
    release_held(session, identity_id=identity_id)
    ports.engine().chatbot_turn(session, identity_id, timeout_hours=hours)


# Built once: every WhatsApp turn asks it, and building it cost more CPU than running it.
_HELD_AND_RELEASED = (
    select(TicketEvent)
    .join(Ticket, col(Ticket.id) == col(TicketEvent.ticket_id))
    .where(
        Ticket.identity_id == bindparam("b_identity_id"),
        # The kinds written into the statement, not bound: PostgreSQL's generic plan of a
        # prepared statement can then use their partial index (`ix_ticket_event_held`).
        col(TicketEvent.kind).in_(
            bindparam(
                "held_kinds", [HELD_FOR_REPLY, HELD_SENT], expanding=True, literal_execute=True
            )
        ),
    )
    .order_by(col(TicketEvent.id))
)


def release_held(session: Session, *, identity_id: int) -> int:
    """The person answered a WhatsApp template ("the centre answered your request, reply to
    read it"): the texts it stood in for go out now, inside WhatsApp's 24 hours again. The
    identity is locked here already, for the turn that follows (`lock_identity`)."""
    identity = lock_identity(session, identity_id)
    if identity is None or identity.channel != Channel.whatsapp:
        return 0
    held = session.exec(_HELD_AND_RELEASED, params={"b_identity_id": identity_id}).all()
    released = {e.data.get("message_id") for e in held if e.kind == HELD_SENT}
    count = 0
    for event in held:
        message_id = event.data.get("message_id")
        if event.kind != HELD_FOR_REPLY or message_id in released:
            continue
        original = session.get(Message, message_id)
        ticket = session.get(Ticket, event.ticket_id)
        if original is None or ticket is None:
            continue
        copy = queue_outbound(
            session,
            identity=identity,
            text=original.text,
            ticket_id=ticket.id,
            author_user_id=original.author_user_id,
        )
        record(
            session,
            ticket=ticket,
            kind=HELD_SENT,
            caller=ROUTING,
            message_id=message_id,
            sent_as=copy.id,
        )
        released.add(message_id)
        count += 1
    return count


def _give_up_sending(session: Session, job: OutboxJob, reason: str) -> None:
    message = session.get(Message, job.payload["message_id"])
    if message is None:
        return
    _fail(session, message, message.error_code or "retries_exhausted", reason)


@dataclass(frozen=True)
class Delivery:
    """What a send needs once its transaction has closed: plain values, no database rows."""

    message_id: int
    outbound: OutboundMessage
    # The sender's last sends were refused for too many requests (its backoff is over now).
    after_backoff: bool = False


def prepare_send(session: Session, message_id: int, bulk: bool = False) -> Delivery | None:
    """First phase: decide whether the message must really leave, and with what.

    Nothing to send for a message no longer pending (a repeated job), for a person who cannot
    be reached, or in record mode, where the message is simply marked sent here. A message
    that must leave takes a token of its sender's bucket last: with none free, the job is
    deferred to when one will be (`ratelimit`), and this worker goes on to other jobs.
    """
    message = session.get(Message, message_id, with_for_update=True)
    if message is None:
        raise LookupError(f"message {message_id} does not exist")
    return _prepare(session, message, bulk)


def prepare_reply(session: Session, message_id: int, bulk: bool = False) -> Delivery | None:
    """`prepare_send` for a message written by this same transaction (a turn's reply claimed in
    the turn's, `ccc.jobs.runner`): no other transaction can see it, so it is taken from the
    session as it is, without the lock's statement; so is its identity, locked by the turn."""
    message = session.get(Message, message_id)
    if message is None:
        raise LookupError(f"message {message_id} does not exist")
    return _prepare(session, message, bulk)


def _prepare(session: Session, message: Message, bulk: bool) -> Delivery | None:
    if message.status != MessageStatus.pending:
        return None
    assert message.id is not None
    message_id = message.id
    identity = session.get(Identity, message.identity_id)
    assert identity is not None
    if identity.unreachable_reason:
        _fail(session, message, "unreachable", identity.unreachable_reason, status="not_sent")
        return None
    settings = get_runtime().settings
    if settings.outbound_mode(message.channel) == "record":
        _mark(session, message, MessageStatus.sent)
        return None
    outbound = OutboundMessage(
        channel=message.channel,
        address=identity.address,
        text=message.text,
        buttons=tuple(Button(b["key"], b["label"]) for b in message.buttons),
        status_callback_url=get_runtime().channels.status_callback_url(message.channel, settings),
        last_inbound_at=identity.last_inbound_at,
        parts_already_sent=message.parts_sent,
        first_external_id=message.external_id,
        same_number=_same_number(session, identity),
        template=_template(session, message, identity),
    )
    token = ratelimit.take_token(get_runtime(), message.channel, bulk=bulk)
    if token.wait > 0:
        raise Deferred(f"waiting for the {message.channel} sender's rate", delay=token.wait)
    return Delivery(message_id=message_id, outbound=outbound, after_backoff=token.after_backoff)


def _template(session: Session, message: Message, identity: Identity) -> Template | None:
    """On WhatsApp 24 hours after the person last wrote: the approved template for what this
    message is (an agent's answer, the closing notice), when the centre has one."""
    if message.channel != Channel.whatsapp or message.ticket_id is None:
        return None
    if not templates.outside_window(identity.last_inbound_at, utcnow()):
        return None
    ticket = session.get(Ticket, message.ticket_id)
    if ticket is None:
        return None
    purpose = _purpose(session, message)
    if purpose is None:
        return None
    contact = session.get(Contact, ticket.contact_id)
    language = ticket.language or (contact.language if contact else None) or "ar"
    return templates.find(purpose, language, {"reference": ticket.reference})


def _purpose(session: Session, message: Message) -> str | None:
    if message.author_user_id is not None:
        return templates.CENTRE_ANSWERED
    notices = session.exec(
        select(TicketEvent).where(
            TicketEvent.ticket_id == message.ticket_id, TicketEvent.kind == "person_notified"
        )
    ).all()
    if any(event.data.get("message_id") == message.id for event in notices):
        return templates.CLOSING_NOTICE
    return None


def _same_number(session: Session, identity: Identity) -> tuple[tuple[str, datetime | None], ...]:
    if identity.channel != Channel.voice:
        return ()
    others = session.exec(
        select(Identity).where(Identity.address == identity.address, Identity.id != identity.id)
    ).all()
    return tuple((other.channel, other.last_inbound_at) for other in others)


def perform_send(delivery: Delivery) -> SendResult:
    """Second phase, outside any transaction: the call to Twilio or Telegram."""
    runtime = get_runtime()
    outbound = delivery.outbound
    return runtime.channels.sender(outbound.channel, runtime.settings).send(outbound)


def finish_send(session: Session, delivery: Delivery, outcome: Outcome[SendResult]) -> None:
    """Last phase: store the channel's id and status, or what went wrong."""
    message = session.get(Message, delivery.message_id, with_for_update=True)
    if message is None:
        raise LookupError(f"message {delivery.message_id} does not exist")
    try:
        result = outcome.unwrap()
    except SendError as exc:
        _send_failed(session, message, exc)
        return
    if delivery.after_backoff:
        ratelimit.went_through(get_runtime(), message.channel)
    message.external_id = result.external_id
    _note_how_it_went(session, message, result)
    if result.channel:
        message.channel = result.channel  # the timeline says which channel carried it
    message.error_code = None
    message.error_message = None
    if message.status == MessageStatus.pending:
        _mark(session, message, result.status)
    else:
        # A status report for the parts an earlier attempt sent came in during the call, and
        # it already moved the message further: that status stands.
        session.add(message)
    address = mask(delivery.outbound.address)
    log.info("sent %s message %s to %s", message.channel, message.id, address)


def _note_how_it_went(session: Session, message: Message, result: SendResult) -> None:
    """A template or an SMS in place of a WhatsApp message: said on the ticket, and a held
    text remembered until the person replies."""
    ticket = session.get(Ticket, message.ticket_id) if message.ticket_id is not None else None
    if ticket is None:
        return
    if result.note:
        record(
            session,
            ticket=ticket,
            kind="note",
            caller=ROUTING,
            text=result.note,
            message_id=message.id,
        )
    if result.held:
        record(session, ticket=ticket, kind=HELD_FOR_REPLY, caller=ROUTING, message_id=message.id)


def _send_failed(session: Session, message: Message, exc: SendError) -> None:
    """A permanent error fails the message for good (`_fail` records the error); any other is
    retried later, and `_remember_attempt` keeps the error past the attempt's rollback."""
    if exc.unreachable:
        identity = session.get(Identity, message.identity_id)
        assert identity is not None
        identity.unreachable_reason = f"{exc.code}: {exc.message}"[:200]
        session.add(identity)
    if exc.permanent:
        status = "not_sent" if exc.code == "outside_window" else MessageStatus.failed
        _fail(session, message, exc.code or "error", exc.message, status=status)
        return
    if exc.rate_limited:
        delay = ratelimit.back_off(get_runtime(), message.channel, exc.retry_after)
        keep = _remember_attempt(message.id, exc)
        raise Deferred(str(exc), delay=delay, keep=keep) from exc
    raise RetryLater(
        str(exc), delay=exc.retry_after, keep=_remember_attempt(message.id, exc)
    ) from exc


external_job_kind(
    SEND_MESSAGE,
    External(
        prepare=prepare_send, perform=perform_send, finish=finish_send, prepare_own=prepare_reply
    ),
    max_attempts=_send_attempts,
    on_give_up=_give_up_sending,
)


def _remember_attempt(message_id: int | None, error: SendError) -> Callable[[Session], None]:
    """What a failed attempt leaves on the message: its error, and the parts that went out."""

    def keep(session: Session) -> None:
        message = session.get(Message, message_id)
        if message is None:
            return
        message.error_code = (error.code or "error")[:40]
        message.error_message = error.message[:500]
        if error.parts_sent > message.parts_sent:
            message.parts_sent = error.parts_sent
            message.external_id = error.first_external_id or message.external_id
        session.add(message)

    return keep


def _mark(session: Session, message: Message, status: str) -> None:
    message.status = status
    message.updated_at = utcnow()
    session.add(message)
    session.flush()
    events.publish(session, events.DomainEvent(events.MESSAGE_SENT, message_id=message.id))


def _fail(
    session: Session, message: Message, code: str, reason: str, *, status: str = "failed"
) -> None:
    message.status = status
    message.error_code = code[:40]
    message.error_message = reason[:500]
    message.updated_at = utcnow()
    session.add(message)
    if message.ticket_id is not None:
        ticket = session.get(Ticket, message.ticket_id)
        if ticket is not None:
            record(
                session,
                ticket=ticket,
                kind="note",
                caller=ROUTING,
                text=f"A message to the person could not be sent ({code}): {reason}"[:1000],
                message_id=message.id,
            )
    log.warning("message %s %s: %s", message.id, status, code)
