"""How one record is anonymised: content and identities go, what the reports count stays.

Kept on purpose (the reports read them, `ccc/reports/service.py`, `ccc/calls/report.py`):
a ticket's reference, channel, category, team, priority, sensitivity, status, every date and
SLA field, satisfaction, and the `governorate` answer; a message's direction, channel, status,
dates and its links to the contact and ticket; a call's outcome, menu, durations, wait and
links; a callback's flags, attempts and result; the rows themselves, so every count holds.
Replaced: bodies, other answers, notes, referral texts, transcripts, recordings, addresses,
names, Twilio ids and keys pressed (a keyed reference locates the person's ticket).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, delete, select, update

from ccc.calls.models import AttemptOutcome, Call, Callback, Outcome, Recording
from ccc.contacts.models import Contact, Identity
from ccc.conversations.models import Conversation
from ccc.messages.models import Message
from ccc.referrals.models import Referral
from ccc.tickets import search
from ccc.tickets.models import Ticket, TicketEvent

KEPT_ANSWERS = frozenset({"governorate"})
# Timeline data that names no one: what changed from what to what, which rule, which score.
KEPT_EVENT_KEYS = frozenset(
    {"from", "to", "rule", "on", "score", "status", "team", "category", "channel", "notify"}
    | {"referral_id", "message_id", "recording", "callback_id", "attempt"}
)
KNOWN_OUTCOMES = frozenset(str(o) for o in (*Outcome, *AttemptOutcome))
TOMBSTONE_PREFIX = "~"  # an address or Twilio id replaced by "~" and the row's id


def tombstone(row_id: int | None) -> str:
    return f"{TOMBSTONE_PREFIX}{row_id}"


def scrub_ticket(session: Session, *, ticket: Ticket, now: datetime) -> list[Path]:
    """The ticket's content replaced; returns recording files to delete after the commit."""
    assert ticket.id is not None
    ticket.answers = {k: v for k, v in ticket.answers.items() if k in KEPT_ANSWERS}
    ticket.anonymised_at = now
    session.add(ticket)
    blank_messages(session, col(Message.ticket_id) == ticket.id)
    for event in session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)):
        kept = {k: v for k, v in event.data.items() if _kept_event_value(k, v)}
        if kept != event.data:
            event.data = kept
            session.add(event)
    session.execute(
        update(Referral)
        .where(col(Referral.ticket_id) == ticket.id)
        .values(note=None, reason=None, outcome=None, consent_override_reason=None)
    )
    session.execute(update(Callback).where(col(Callback.ticket_id) == ticket.id).values(phone=""))
    calls = session.exec(select(Call).where(Call.ticket_id == ticket.id)).all()
    scrub_calls(session, calls)
    recordings = session.exec(select(Recording).where(Recording.ticket_id == ticket.id)).all()
    return scrub_recordings(session, recordings)


def _kept_event_value(key: str, value: Any) -> bool:
    if key == "outcome":
        return value in KNOWN_OUTCOMES
    return key in KEPT_EVENT_KEYS


def blank_messages(session: Session, where: Any) -> None:
    """Bodies, media, buttons, provider ids and error texts of the messages `where` selects;
    their tickets' search text written again without them."""
    tickets = session.exec(select(Message.ticket_id).where(where).distinct()).all()
    session.execute(
        update(Message)
        .where(where)
        .values(text="", media=[], buttons=[], external_id=None, error_message=None)
        .execution_options(synchronize_session=False)
    )
    search.refresh(session, [t for t in tickets if t is not None])


def scrub_calls(session: Session, calls: Iterable[Call]) -> int:
    count = 0
    for call in calls:
        if call.call_sid.startswith(TOMBSTONE_PREFIX):
            continue
        call.call_sid = tombstone(call.id)
        call.path = ""
        call.stage = None
        session.add(call)
        count += 1
    return count


def scrub_recordings(session: Session, recordings: Iterable[Recording]) -> list[Path]:
    """Transcripts and links dropped; the files are returned, to be deleted once committed
    (a rolled-back run must not lose a file its row still points at)."""
    files: list[Path] = []
    for recording in recordings:
        if recording.stored_file:
            files.append(Path(recording.stored_file))
        recording.stored_file = None
        recording.twilio_url = None
        recording.transcript = None
        recording.recording_sid = tombstone(recording.id)
        session.add(recording)
    return files


def scrub_contact(session: Session, *, contact: Contact, now: datetime) -> None:
    """Every address and name of the person, and whatever they wrote outside a kept ticket."""
    identities = session.exec(select(Identity).where(Identity.contact_id == contact.id)).all()
    ids = [identity.id for identity in identities]
    for identity in identities:
        identity.address = tombstone(identity.id)
        identity.display_name = None
        identity.unreachable_reason = None
        session.add(identity)
    contact.verified_phone = None
    contact.anonymised_at = now
    session.add(contact)
    blank_messages(session, col(Message.contact_id) == contact.id)
    if ids:
        session.execute(update(Callback).where(col(Callback.identity_id).in_(ids)).values(phone=""))
        scrub_calls(session, session.exec(select(Call).where(col(Call.identity_id).in_(ids))))
        session.execute(delete(Conversation).where(col(Conversation.identity_id).in_(ids)))
