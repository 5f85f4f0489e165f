"""What a retention run touches, kind by kind, in small batches.

`due(session, kind=…, …)` finds up to `limit` records of a kind that are past their period,
scanning from a cursor, and `apply(…)` anonymises those. The runner (`tasks.py`) calls them in
one short transaction per batch, so a run over a million tickets never holds a lock for long
and the webhooks' jobs keep running beside it. Open tickets and tickets on hold are never
touched, nor the person, calls or conversations of such a ticket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, delete, select, update

from ccc.access.models import AuditEntry
from ccc.calls.models import Call, Callback, CallbackStatus, Recording
from ccc.contacts.models import Contact, Identity
from ccc.conversations.models import Conversation
from ccc.jobs.models import OutboxJob
from ccc.messages.models import Direction, Message
from ccc.retention import scrub
from ccc.retention.models import TicketHold
from ccc.retention.policy import Kind, Period, Policy
from ccc.tickets.models import Ticket, TicketStatus

BATCH = 200


@dataclass
class Batch:
    """One batch's work: its records' ids, the cursor to go on from (None: the kind is done)."""

    ids: list[int] = field(default_factory=list)
    cursor: int | None = None


def _closed_since() -> Any:
    return func.coalesce(col(Ticket.closed_at), col(Ticket.updated_at))


def due(
    session: Session, *, kind: Kind, policy: Policy, now: datetime, after: int, limit: int = BATCH
) -> Batch:
    period = policy.period(kind)
    if kind in (Kind.tickets, Kind.recordings):
        return _due_per_ticket(session, kind, period, now, after, limit)
    if period.default is None:
        return Batch()
    cutoff = now - period.default
    if kind is Kind.contacts:
        return _due_contacts(session, cutoff, after, limit)
    query = _query(kind, cutoff).where(_id_column(kind) > after)
    ids = [int(i) for i in session.exec(query.order_by(_id_column(kind)).limit(limit)).all()]
    return Batch(ids=ids, cursor=ids[-1] if len(ids) == limit else None)


def _due_per_ticket(
    session: Session, kind: Kind, period: Period, now: datetime, after: int, limit: int
) -> Batch:
    """Tickets (or their recordings) closed longer ago than the period of their category and
    sensitivity: scanned past the shortest period, then each checked against its own."""
    shortest = period.shortest()
    if shortest is None:
        return Batch()
    query = select(
        col(Ticket.id), col(Ticket.category), col(Ticket.sensitivity), _closed_since()
    ).where(
        Ticket.status == TicketStatus.closed,
        col(Ticket.id) > after,
        ~_held(col(Ticket.id)),
        _closed_since() < now - shortest,
    )
    if kind is Kind.tickets:
        query = query.where(col(Ticket.anonymised_at).is_(None))
    else:
        query = query.where(
            select(Recording.id)
            .where(col(Recording.ticket_id) == col(Ticket.id), _recording_left())
            .exists()
        )
    rows = session.execute(query.order_by(col(Ticket.id)).limit(limit)).all()
    ids = [
        int(ticket_id)
        for ticket_id, category, sensitivity, since in rows
        if _past(category, sensitivity, since, period, now)
    ]
    cursor = int(rows[-1][0]) if len(rows) == limit else None
    return Batch(ids=ids, cursor=cursor)


def _past(category: str, sensitivity: str, since: datetime, period: Period, now: datetime) -> bool:
    own = period.for_ticket(category=category, sensitivity=sensitivity)
    if since.tzinfo is None:  # SQLite hands a computed date back without its zone
        since = since.replace(tzinfo=now.tzinfo)
    return own is not None and since < now - own


def _held(ticket_id: Any) -> Any:
    """The ticket is on hold (a correlated EXISTS: an anti-join, never a NOT IN list)."""
    return (
        select(TicketHold.id)
        .where(col(TicketHold.ticket_id) == ticket_id, col(TicketHold.released_at).is_(None))
        .exists()
    )


def _recording_left() -> Any:
    return or_(
        col(Recording.stored_file).is_not(None),
        col(Recording.transcript).is_not(None),
        col(Recording.twilio_url).is_not(None),
    )


def _id_column(kind: Kind) -> Any:
    return {
        Kind.calls: col(Call.id),
        Kind.conversations: col(Message.id),
        Kind.audit: col(AuditEntry.id),
        Kind.deliveries: col(OutboxJob.id),
    }[kind]


def _query(kind: Kind, cutoff: datetime) -> Any:
    """The ids of a kind's records past `cutoff` that still hold something to remove."""
    if kind is Kind.calls:
        return select(Call.id).where(
            col(Call.started_at) < cutoff,
            col(Call.call_sid).not_like(f"{scrub.TOMBSTONE_PREFIX}%"),
            ~_kept_ticket(col(Call.ticket_id)),
            ~_kept_identity(col(Call.identity_id)),
        )
    if kind is Kind.conversations:
        # Messages outside any ticket (the menu, the chatbot's questions); the chatbot's state
        # goes with them (`apply`).
        return select(Message.id).where(
            col(Message.ticket_id).is_(None),
            col(Message.created_at) < cutoff,
            or_(col(Message.text) != "", col(Message.external_id).is_not(None)),
            ~_kept_person(col(Message.contact_id)),
        )
    if kind is Kind.audit:
        return select(AuditEntry.id).where(col(AuditEntry.created_at) < cutoff)
    return select(OutboxJob.id).where(
        col(OutboxJob.status).in_(("done", "failed")),
        func.coalesce(col(OutboxJob.finished_at), col(OutboxJob.created_at)) < cutoff,
    )


def _due_contacts(session: Session, cutoff: datetime, after: int, limit: int) -> Batch:
    """People past the period with no recent message and no ticket left to anonymise.

    The next `limit` people after the cursor are read first and each is then checked by two
    index look-ups: a batch costs the same at the millionth person as at the first. (Asked as
    one query with NOT EXISTS, PostgreSQL merged the whole identity and ticket indexes against
    the people from the start for every batch of 200: 370 ms a batch at 400,000 people.)"""
    window = (
        select(col(Contact.id).label("id"))
        .where(
            col(Contact.id) > after,
            col(Contact.anonymised_at).is_(None),
            col(Contact.created_at) < cutoff,
        )
        .order_by(col(Contact.id))
        .limit(limit)
        .subquery()
    )
    recent = select(Identity.id).where(
        col(Identity.contact_id) == window.c.id, col(Identity.last_inbound_at) >= cutoff
    )
    unscrubbed = select(Ticket.id).where(
        col(Ticket.contact_id) == window.c.id, col(Ticket.anonymised_at).is_(None)
    )
    kept = or_(recent.exists(), unscrubbed.exists())
    rows = session.execute(select(window.c.id, kept).order_by(window.c.id)).all()
    ids = [int(contact_id) for contact_id, stays in rows if not stays]
    cursor = int(rows[-1][0]) if len(rows) == limit else None
    return Batch(ids=ids, cursor=cursor)


def _kept(ticket: type[Ticket]) -> Any:
    """A ticket retention must not touch: open, or on hold."""
    return or_(col(ticket.status) != TicketStatus.closed, _held(col(ticket.id)))


def _kept_ticket(ticket_id: Any) -> Any:
    return select(Ticket.id).where(col(Ticket.id) == ticket_id, _kept(Ticket)).exists()


def _kept_person(contact_id: Any) -> Any:
    """The person has a kept ticket (their person, calls and conversations stay)."""
    return select(Ticket.id).where(col(Ticket.contact_id) == contact_id, _kept(Ticket)).exists()


def _kept_identity(identity_id: Any) -> Any:
    return (
        select(Identity.id)
        .where(col(Identity.id) == identity_id, _kept_person(col(Identity.contact_id)))
        .exists()
    )


def apply(
    session: Session, *, kind: Kind, ids: list[int], now: datetime, policy: Policy
) -> list[Path]:
    """Anonymise (or, for audit entries and finished jobs, delete) these records; returns the
    recording files to delete once the transaction is committed."""
    if not ids:
        return []
    if kind is Kind.tickets:
        return scrub.scrub_tickets(session, ids, now=now)
    if kind is Kind.recordings:
        return scrub.scrub_recordings_where(
            session, scrub.among(session, col(Recording.ticket_id), ids) & _recording_left()
        )
    if kind is Kind.calls:
        scrub.scrub_calls_where(session, scrub.among(session, col(Call.id), ids))
        _blank_callbacks(session, ids)
    elif kind is Kind.conversations:
        _forget_conversations(session, ids, now=now, policy=policy)
    elif kind is Kind.contacts:
        scrub.scrub_contacts(session, ids, now=now)
    elif kind is Kind.audit:
        session.execute(delete(AuditEntry).where(scrub.among(session, col(AuditEntry.id), ids)))
    else:
        session.execute(delete(OutboxJob).where(scrub.among(session, col(OutboxJob.id), ids)))
        _forget_delivery_errors(session, now=now, policy=policy)
    return []


def _blank_callbacks(session: Session, call_ids: list[int]) -> None:
    """The numbers of finished callbacks of these calls' people."""
    people = select(Call.identity_id).where(scrub.among(session, col(Call.id), call_ids))
    session.execute(
        update(Callback)
        .where(
            col(Callback.identity_id).in_(people),
            col(Callback.status) == CallbackStatus.done,
            ~_kept_ticket(col(Callback.ticket_id)),
        )
        .values(phone="")
        .execution_options(synchronize_session=False)
    )


def _forget_conversations(
    session: Session, message_ids: list[int], *, now: datetime, policy: Policy
) -> None:
    scrub.blank_messages(session, scrub.among(session, col(Message.id), message_ids))
    period = policy.period(Kind.conversations).default
    if period is None:
        return
    people = select(Message.identity_id).where(scrub.among(session, col(Message.id), message_ids))
    session.execute(
        delete(Conversation).where(
            col(Conversation.identity_id).in_(people), col(Conversation.updated_at) < now - period
        )
    )


def _forget_delivery_errors(session: Session, *, now: datetime, policy: Policy) -> None:
    period = policy.period(Kind.deliveries).default
    if period is None:
        return
    session.execute(
        update(Message)
        .where(
            col(Message.direction) == Direction.outbound,
            col(Message.error_message).is_not(None),
            col(Message.created_at) < now - period,
        )
        .values(error_message=None)
        .execution_options(synchronize_session=False)
    )


def count_due(session: Session, *, kind: Kind, policy: Policy, now: datetime) -> int:
    """How many records a run would touch now (the dry run's figure)."""
    total, cursor = 0, 0
    while True:
        batch = due(session, kind=kind, policy=policy, now=now, after=cursor, limit=5000)
        total += len(batch.ids)
        if batch.cursor is None:
            return total
        cursor = batch.cursor
