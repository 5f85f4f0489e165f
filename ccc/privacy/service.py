"""Everything held about one person, and their erasure.

A person is found by any of their addresses (a phone number in any usual spelling, a
`whatsapp:` address, a Telegram chat id) and is every contact behind it, with all of that
contact's identities. Neither function commits; the command line's unit of work does.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from ccc.access import audit
from ccc.access.models import AuditEntry, Team
from ccc.access.policy import Caller
from ccc.calls.models import Call, Callback, Recording
from ccc.contacts.models import Contact, Identity
from ccc.contacts.service import identities_for_address
from ccc.conversations.models import Conversation
from ccc.kernel.errors import Invalid, NotFound
from ccc.kernel.phone import to_e164
from ccc.kernel.vault import open_text
from ccc.messages.models import Message
from ccc.privacy.summary import summary
from ccc.referrals.models import Referral
from ccc.retention import scrub
from ccc.retention.models import TicketHold
from ccc.tickets.models import Ticket, TicketEvent


def find_person(session: Session, *, address: str, region: str = "IQ") -> list[Contact]:
    """The contacts behind an address; NotFound when CCC knows no one by it."""
    text = address.strip()
    candidates = {text}
    plain = text.split(":", 1)[1] if text.lower().startswith("whatsapp:") else text
    if not plain.isdigit() or plain.startswith("0"):
        normalised = to_e164(plain, region)
        if normalised:
            candidates.add(normalised)
    ids: set[int] = set()
    for candidate in candidates:
        ids |= {i.contact_id for i in identities_for_address(session, address=candidate)}
        ids |= {
            int(c)
            for c in session.exec(select(Contact.id).where(Contact.verified_phone == candidate))
            if c is not None
        }
    if not ids:
        raise NotFound("no one is known by that address")
    return list(session.exec(select(Contact).where(col(Contact.id).in_(sorted(ids)))).all())


def export(
    session: Session, *, contacts: list[Contact], caller: Caller, keys: str | None = None
) -> dict[str, Any]:
    """Everything held about the person, as plain JSON-ready data; the export is audited (by
    contact id: the audit log never carries the address). Transcripts are opened with the
    recordings' key ring (`keys`): the person gets their words, not a sealed token."""
    teams = {team.id: team.slug for team in session.exec(select(Team)).all()}
    people = [_contact(session, contact, teams) for contact in contacts]
    tickets = [ticket for person in people for ticket in person["tickets"]]
    _open_transcripts(tickets, keys)
    counts = {
        "tickets": len(tickets),
        "messages": sum(len(p["messages"]) for p in people)
        + sum(len(t["messages"]) for t in tickets),
        "calls": sum(len(p["calls"]) for p in people),
        "held": sum(1 for t in tickets if t["on_hold"]),
    }
    language = next((c.language for c in contacts if c.language), None)
    audit.record(
        session,
        caller=caller,
        action=audit.Action.export,
        what="contact",
        contacts=[contact.id for contact in contacts],
        counts=counts,
    )
    return {"summary": summary(language, **counts), "people": people}


def _open_transcripts(tickets: list[dict[str, Any]], keys: str | None) -> None:
    for ticket in tickets:
        for recording in ticket["recordings"]:
            if recording.get("transcript"):
                try:
                    recording["transcript"] = open_text(keys, recording["transcript"])
                except ValueError as exc:
                    raise Invalid(f"a transcript could not be opened: {exc}") from None


def _contact(session: Session, contact: Contact, teams: dict[int | None, str]) -> dict[str, Any]:
    identities = session.exec(select(Identity).where(Identity.contact_id == contact.id)).all()
    identity_ids = [identity.id for identity in identities]
    tickets = session.exec(
        select(Ticket).where(Ticket.contact_id == contact.id).order_by(col(Ticket.id))
    ).all()
    loose = session.exec(
        select(Message)
        .where(Message.contact_id == contact.id, col(Message.ticket_id).is_(None))
        .order_by(col(Message.id))
    ).all()
    calls = session.exec(
        select(Call).where(col(Call.identity_id).in_(identity_ids)).order_by(col(Call.id))
    ).all()
    conversations = session.exec(
        select(Conversation).where(col(Conversation.identity_id).in_(identity_ids))
    ).all()
    return {
        "contact": _fields(contact, "id", "language", "verified_phone", "created_at"),
        "identities": [
            _fields(i, "channel", "address", "display_name", "created_at", "last_inbound_at")
            for i in identities
        ],
        "tickets": [_ticket(session, ticket, teams) for ticket in tickets],
        "messages": [_message(m) for m in loose],
        "calls": [
            _fields(c, "started_at", "language", "path", "outcome", "duration", "wait_seconds")
            for c in calls
        ],
        "conversations": [
            _fields(c, "flow", "step", "language", "answers", "updated_at") for c in conversations
        ],
    }


def _ticket(session: Session, ticket: Ticket, teams: dict[int | None, str]) -> dict[str, Any]:
    messages = session.exec(
        select(Message).where(Message.ticket_id == ticket.id).order_by(col(Message.id))
    ).all()
    events = session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(col(TicketEvent.id))
    ).all()
    referrals = session.exec(select(Referral).where(Referral.ticket_id == ticket.id)).all()
    callbacks = session.exec(select(Callback).where(Callback.ticket_id == ticket.id)).all()
    recordings = session.exec(select(Recording).where(Recording.ticket_id == ticket.id)).all()
    views = session.exec(
        select(AuditEntry)
        .where(AuditEntry.ticket_id == ticket.id, AuditEntry.action == audit.Action.viewed.value)
        .order_by(col(AuditEntry.id))
    ).all()
    fields = (
        "reference", "status", "category", "priority", "sensitivity", "channel", "language",
        "answers", "created_at", "resolved_at", "closed_at", "satisfaction", "anonymised_at",
    )  # fmt: skip
    return {
        **_fields(ticket, *fields),
        "team": teams.get(ticket.team_id),
        "on_hold": _held(session, ticket),
        "messages": [_message(m) for m in messages],
        "timeline": [_fields(e, "kind", "actor", "data", "created_at") for e in events],
        "referrals": [
            {"team": teams.get(r.team_id), **_fields(r, "status", "note", "outcome", "created_at")}
            for r in referrals
        ],
        "callbacks": [
            _fields(c, "phone", "status", "result", "attempts", "created_at") for c in callbacks
        ],
        "recordings": [_fields(r, "duration", "transcript", "created_at") for r in recordings],
        "viewed_by": [{"user": v.actor, "at": v.created_at.isoformat()} for v in views],
    }


def _message(message: Message) -> dict[str, Any]:
    return _fields(message, "direction", "channel", "text", "status", "created_at")


def _fields(row: Any, *names: str) -> dict[str, Any]:
    values = {}
    for name in names:
        value = getattr(row, name)
        values[name] = value.isoformat() if isinstance(value, datetime) else value
    return values


def _held(session: Session, ticket: Ticket) -> bool:
    return (
        session.exec(
            select(TicketHold.id).where(
                TicketHold.ticket_id == ticket.id, col(TicketHold.released_at).is_(None)
            )
        ).first()
        is not None
    )


def forget(
    session: Session, *, contacts: list[Contact], reason: str, caller: Caller, now: datetime
) -> tuple[dict[str, int], list[Path]]:
    """Erase the person now, as retention would whatever the periods, open tickets included;
    tickets on hold (and, while one is, the person's addresses) are kept. Returns the counts
    and the recording files to delete once committed."""
    reason = reason.strip()
    if not reason:
        raise Invalid("an erasure needs a reason (who asked for it)")
    counts = {"tickets": 0, "held": 0, "contacts": 0}
    files: list[Path] = []
    for contact in contacts:
        tickets = session.exec(select(Ticket).where(Ticket.contact_id == contact.id)).all()
        held = [ticket for ticket in tickets if _held(session, ticket)]
        counts["held"] += len(held)
        for ticket in tickets:
            if ticket in held or ticket.anonymised_at is not None:
                continue
            files += scrub.scrub_ticket(session, ticket=ticket, now=now)
            counts["tickets"] += 1
        scrub.blank_messages(
            session, (col(Message.contact_id) == contact.id) & col(Message.ticket_id).is_(None)
        )
        if not held:
            scrub.scrub_contact(session, contact=contact, now=now)
            counts["contacts"] += 1
    audit.record(
        session,
        caller=caller,
        action=audit.Action.erasure,
        reason=reason,
        contacts=[contact.id for contact in contacts],
        counts=counts,
    )
    return counts, files
