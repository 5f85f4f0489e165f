"""A year of the centre's work, written straight into the database with dates of that year:
people with numbers and names, tickets of every category, channel, governorate and status,
their messages, notes, referrals, calls, recordings, callbacks, the chatbot's state, delivery
jobs and audit entries. Every personal value is recorded in `Year.secrets`, so a test can scan
the database for what must be gone."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from ccc.access.models import AuditEntry, Team
from ccc.calls.models import Call, Callback, Recording
from ccc.contacts.models import Contact, Identity
from ccc.conversations.models import Conversation
from ccc.jobs.models import OutboxJob
from ccc.messages.models import Message
from ccc.referrals.models import Referral
from ccc.tickets import references
from ccc.tickets.models import Ticket, TicketEvent

CATEGORIES = ("tracing", "detention", "assistance", "complaint")
CHANNELS = ("sms", "whatsapp", "telegram", "voice")
GOVERNORATES = ("ninawa", "baghdad", "erbil", "basra", "anbar")
TEAM_OF = {
    "tracing": "tracing",
    "detention": "detention",
    "assistance": "assistance",
    "complaint": "ccc",
}
FIRST = ("Layla", "Omar", "Zainab", "Yusuf", "Huda", "Karim", "Noor", "Sami")


@dataclass
class Person:
    phone: str
    name: str
    body: str  # a sentence only this person wrote
    chat: str | None = None  # a Telegram chat id

    def secrets(self) -> list[str]:
        return [self.phone, self.name, self.body] + ([self.chat] if self.chat else [])


@dataclass
class Year:
    tickets: dict[str, Person] = field(default_factory=dict)  # reference -> its person
    open_refs: list[str] = field(default_factory=list)
    complaint_refs: list[str] = field(default_factory=list)
    restricted_refs: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # reference -> its kept recording

    def people(self, refs: list[str] | None = None) -> list[Person]:
        chosen = self.tickets if refs is None else {r: self.tickets[r] for r in refs}
        return list(chosen.values())


def generate(
    session: Session, *, year: int, count: int, recordings_dir: Path | None, seed: int = 19
) -> Year:
    rng = random.Random(seed)
    teams = {team.slug: team.id for team in session.exec(select(Team)).all()}
    made = Year()
    start = datetime(year, 1, 1, 8, tzinfo=UTC)
    for n in range(count):
        created = start + timedelta(days=n * 360 / count, minutes=rng.randrange(600))
        person = Person(
            phone=f"+96477{n:08d}",
            name=f"{FIRST[n % len(FIRST)]} Qadir{n:04d}",
            body=f"my brother vanished near checkpoint {n:04d}x",
        )
        reference = _ticket(session, rng, made, person, n, created, teams, recordings_dir)
        made.tickets[reference] = person
    session.flush()
    for n in range(count // 4):
        session.add(
            AuditEntry(
                actor="sam",
                action="viewed",
                created_at=start + timedelta(days=n),
                data={"what": "ticket"},
            )
        )
    return made


def _ticket(
    session: Session,
    rng: random.Random,
    made: Year,
    person: Person,
    n: int,
    created: datetime,
    teams: dict[str, int | None],
    recordings_dir: Path | None,
) -> str:
    category = CATEGORIES[n % len(CATEGORIES)]
    channel = CHANNELS[n % len(CHANNELS)]
    contact = Contact(language="ar", created_at=created, verified_phone=person.phone)
    session.add(contact)
    session.flush()
    identity = Identity(
        contact_id=contact.id,  # type: ignore[arg-type]
        channel=channel,
        address=person.phone if channel != "telegram" else f"7{n:09d}",
        display_name=person.name,
        last_inbound_at=created,
        created_at=created,
    )
    if channel == "telegram":
        person.chat = identity.address
    session.add(identity)
    session.flush()
    is_open = n % 9 == 0
    restricted = category == "complaint" and n % 8 == 3
    closed = created + timedelta(days=rng.randrange(1, 40))
    first_response = created + timedelta(minutes=rng.randrange(5, 600))
    ticket = Ticket(
        reference=_reference(session),
        status="open" if is_open else "closed",
        category=category,
        priority="normal",
        sensitivity="restricted" if restricted else ("sensitive" if n % 5 == 0 else "normal"),
        channel=channel,
        language="ar",
        contact_id=contact.id,  # type: ignore[arg-type]
        identity_id=identity.id,  # type: ignore[arg-type]
        team_id=teams["accountability" if restricted else TEAM_OF[category]],
        created_at=created,
        updated_at=closed,
        first_response_due=created + timedelta(hours=4),
        first_response_at=first_response,
        resolution_due=created + timedelta(days=20),
        resolved_at=None if is_open else closed - timedelta(hours=2),
        closed_at=None if is_open else closed,
        satisfaction=None if is_open else 1 + n % 5,
        satisfaction_at=None if is_open else closed - timedelta(hours=1),
        answers={
            "governorate": GOVERNORATES[n % len(GOVERNORATES)],
            "name": person.name,
            "missing_name": f"{person.name} junior",
            "description": person.body,
            "phone": person.phone,
        },
    )
    session.add(ticket)
    session.flush()
    reference = ticket.reference
    if is_open:
        made.open_refs.append(reference)
    if category == "complaint":
        made.complaint_refs.append(reference)
    if restricted:
        made.restricted_refs.append(reference)
    ids = {"contact_id": contact.id, "identity_id": identity.id, "channel": channel}
    session.add(
        Message(
            **ids,
            direction="in",
            text=person.body,
            status="received",  # type: ignore[arg-type]
            external_id=f"SM{n:032d}",
            created_at=created - timedelta(minutes=3),
        )
    )
    session.add(
        Message(
            **ids,
            ticket_id=ticket.id,
            direction="in",
            text=f"I am {person.name}",  # type: ignore[arg-type]
            status="received",
            external_id=f"SN{n:032d}",
            created_at=created,
            media=[{"url": f"https://api.twilio.com/media/{n}"}],
        )
    )
    session.add(
        Message(
            **ids,
            ticket_id=ticket.id,
            direction="out",  # type: ignore[arg-type]
            text=f"Dear {person.name}, we received it",
            status="failed",
            error_message=f"unreachable {person.phone}",
            created_at=first_response,
        )
    )
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            kind="note",
            actor="alice",  # type: ignore[arg-type]
            data={"text": f"called {person.phone}: {person.body}"},
            created_at=first_response,
        )
    )
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            kind="status_changed",
            actor="alice",  # type: ignore[arg-type]
            data={"from": "open", "to": "resolved", "reason": f"{person.name} found"},
            created_at=closed,
        )
    )
    session.add(
        Referral(
            ticket_id=ticket.id,
            team_id=teams["assistance"],  # type: ignore[arg-type]
            note=f"{person.name} needs help",
            outcome=f"paid {person.name}",
            status="completed",
            created_at=created,
        )
    )
    session.add(
        Conversation(
            identity_id=identity.id,
            flow="default",
            step=None,  # type: ignore[arg-type]
            answers={"name": person.name},
            updated_at=created,
        )
    )
    session.add(
        OutboxJob(
            kind="send_message",
            payload={"message_id": 1},
            status="done",
            created_at=created,
            finished_at=created,
            last_error=None,
        )
    )
    if channel == "voice":
        _voice(session, n, ticket, identity, person, created, recordings_dir, made)
    return reference


def _voice(
    session: Session,
    n: int,
    ticket: Ticket,
    identity: Identity,
    person: Person,
    created: datetime,
    recordings_dir: Path | None,
    made: Year,
) -> None:
    call = Call(
        call_sid=f"CA{n:032d}",
        identity_id=identity.id,
        language="ar",
        path=f"1 2 {ticket.reference}#",
        outcome="voice_message" if n % 3 else "abandoned",
        menu="main",
        duration=60 + n,
        wait_seconds=n % 50,
        ticket_id=ticket.id,
        started_at=created - timedelta(minutes=5),
        ended_at=created,
    )
    session.add(call)
    session.flush()
    stored = None
    if recordings_dir is not None:
        stored = f"RE{n:032d}.bin"
        (recordings_dir / stored).write_bytes(b"voice of " + person.name.encode())
        made.files[ticket.reference] = recordings_dir / stored
    session.add(
        Recording(
            recording_sid=f"RE{n:032d}",
            call_id=call.id,  # type: ignore[arg-type]
            ticket_id=ticket.id,
            duration=40,
            stored_file=stored,  # type: ignore[arg-type]
            twilio_url=f"https://api.twilio.com/rec/RE{n:032d}",
            transcript=f"this is {person.name}, {person.body}",
            created_at=created,
        )
    )
    session.add(
        Callback(
            ticket_id=ticket.id,
            identity_id=identity.id,  # type: ignore[arg-type]
            phone=person.phone,
            language="ar",
            safe_to_call=True,
            attempts=1,
            status="done",
            result="reached",
            created_at=created,
            closed_at=created + timedelta(hours=3),
        )
    )


def _reference(session: Session) -> str:
    while True:
        reference = references.generate()
        if session.exec(select(Ticket).where(Ticket.reference == reference)).first() is None:
            return reference
