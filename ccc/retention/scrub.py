"""How one record is anonymised: content and identities go, what the reports count stays.

Kept on purpose (the reports read them, `ccc/reports/service.py`, `ccc/calls/report.py`):
a ticket's reference, channel, category, team, priority, sensitivity, status, every date and
SLA field, satisfaction, and the `governorate` answer; a message's direction, channel, status,
dates and its links to the contact and ticket; a call's outcome, menu, durations, wait and
links; a callback's flags, attempts and result; the rows themselves, so every count holds.
Replaced: bodies, other answers, notes, referral texts, transcripts, recordings, addresses,
names, Twilio ids and keys pressed (a keyed reference locates the person's ticket).

Set-based: a batch of tickets (or contacts) is one UPDATE per table, whatever its size, so a run
over a million tickets costs a few statements per batch, not a few per ticket. Only the values
that differ from row to row are computed here: a ticket's kept answers (and the search text they
make) and the timeline events that name someone, each kind written by one statement.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    func,
    inspect,
    literal,
    or_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import attributes
from sqlmodel import Session, col, delete, select, update

from ccc.calls.models import AttemptOutcome, Call, Callback, Outcome, Recording
from ccc.contacts.models import Contact, Identity
from ccc.conversations.models import Conversation
from ccc.messages.models import Direction, Message
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


def _tombstone_of(column: Any) -> Any:
    """`tombstone(id)` in SQL: "~" and the row's id."""
    return literal(TOMBSTONE_PREFIX).concat(cast(column, String))


def _bulk(statement: Any) -> Any:
    """An UPDATE or DELETE of many rows at once: no ORM objects are loaded for it."""
    return statement.execution_options(synchronize_session=False)


def among(session: Session, column: Any, ids: list[int]) -> Any:
    """`column IN ids`; on PostgreSQL `column = ANY(:ids)`, one array parameter whatever the
    batch's size. (An IN list of 200 parameters made a statement text too long for psycopg's
    cache and for prepared statements: parsed anew, client and server side, at each batch;
    a third of the run's CPU time in Python.)"""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(ids, ARRAY(Integer)))
    return column.in_(ids)


def scrub_ticket(session: Session, *, ticket: Ticket, now: datetime) -> list[Path]:
    """One ticket's content replaced (`ccc contact forget`); returns recording files to delete
    after the commit. The loaded ticket is refreshed from what was written."""
    assert ticket.id is not None
    session.flush()
    files = scrub_tickets(session, [ticket.id], now=now)
    session.expire(ticket)
    return files


def scrub_tickets(session: Session, ids: list[int], *, now: datetime) -> list[Path]:
    """These tickets' content replaced, a few statements for the whole batch; returns the
    recording files to delete after the commit."""
    if not ids:
        return []
    _keep_answers(session, ids, now=now)
    blank_messages(session, among(session, col(Message.ticket_id), ids), refresh=False)
    _keep_event_data(session, ids)
    session.execute(
        _bulk(
            update(Referral)
            .where(among(session, col(Referral.ticket_id), ids))
            .values(note=None, reason=None, outcome=None, consent_override_reason=None)
        )
    )
    session.execute(
        _bulk(update(Callback).where(among(session, col(Callback.ticket_id), ids)).values(phone=""))
    )
    scrub_calls_where(session, among(session, col(Call.ticket_id), ids))
    return scrub_recordings_where(session, among(session, col(Recording.ticket_id), ids))


def _keep_answers(session: Session, ids: list[int], *, now: datetime) -> None:
    """Only the kept answers stay, and the search text is what they alone make (the messages
    are blanked in the same batch), each ticket's written by one statement for the batch.
    (One UPDATE per distinct kept value, as before, was 19 round trips a batch, one per
    governorate.)"""
    found = session.execute(
        select(col(Ticket.id), col(Ticket.answers)).where(among(session, col(Ticket.id), ids))
    )
    changes = []
    for ticket_id, answers in found:
        kept = {k: v for k, v in (answers or {}).items() if k in KEPT_ANSWERS}
        changes.append(
            {"id": ticket_id, "answers": kept, "search_text": search.search_text(kept, [])}
        )
    update_each(session, Ticket.__table__, changes, anonymised_at=now)  # type: ignore[attr-defined]


def _keep_event_data(session: Session, ids: list[int]) -> None:
    """Timeline events keep only the data that names no one; the changed ones are written by
    one statement for the batch."""
    changes = []
    found = session.execute(
        select(col(TicketEvent.id), col(TicketEvent.data)).where(
            among(session, col(TicketEvent.ticket_id), ids)
        )
    )
    for event_id, data in found:
        kept = {k: v for k, v in (data or {}).items() if _kept_event_value(k, v)}
        if kept != (data or {}):
            changes.append({"id": event_id, "data": kept})
    update_each(session, TicketEvent.__table__, changes)  # type: ignore[attr-defined]


def update_each(session: Session, table: Table, changes: list[dict[str, Any]], **same: Any) -> None:
    """Rows of `table`, each with its own new values (`id` and the columns, the same in every
    change), and `same` for all of them. On PostgreSQL one `UPDATE … FROM unnest(…)` with an
    array per column: a batch's 200 or 400 rows cost one statement, where an executemany sent
    as many (in one pipeline, but each parsed, planned and run, and each row's parameters
    converted one by one in Python); elsewhere that executemany."""
    if not changes:
        return
    names = [name for name in changes[0] if name != "id"]
    if session.get_bind().dialect.name != "postgresql":
        session.connection().execute(
            table.update()
            .where(table.c.id == bindparam("row_id"))
            .values(**{name: bindparam(f"new_{name}") for name in names}, **same),
            [
                {"row_id": change["id"], **{f"new_{name}": change[name] for name in names}}
                for change in changes
            ],
        )
        return
    arrays = [literal([change["id"] for change in changes], ARRAY(Integer))]
    for name in names:
        values = [change[name] for change in changes]
        if isinstance(table.c[name].type, JSON):  # as text, cast back in SQL
            arrays.append(literal([_json_text(value) for value in values], ARRAY(Text)))
        else:
            arrays.append(literal(values, ARRAY(table.c[name].type)))
    given = func.unnest(*arrays).table_valued("row_id", *names).render_derived()
    new = {
        name: cast(given.c[name], JSON) if isinstance(table.c[name].type, JSON) else given.c[name]
        for name in names
    }
    session.execute(_bulk(update(table).where(table.c.id == given.c.row_id).values(**new, **same)))


def _json_text(value: Any) -> str:
    """As `ccc.kernel.db.make_engine` writes JSON: unescaped, Arabic and Kurdish as written."""
    return json.dumps(value, ensure_ascii=False)


def _kept_event_value(key: str, value: Any) -> bool:
    if key == "outcome":
        return value in KNOWN_OUTCOMES
    return key in KEPT_EVENT_KEYS


def blank_messages(session: Session, where: Any, *, refresh: bool = True) -> None:
    """Bodies, media, buttons, provider ids and error texts of the messages `where` selects;
    their tickets' search text written again without them (unless the caller writes it)."""
    tickets: list[int] = []
    if refresh:
        found = session.exec(select(Message.ticket_id).where(where).distinct()).all()
        tickets = [t for t in found if t is not None]
    session.execute(
        _bulk(
            update(Message)
            .where(where)
            .values(text="", media=[], buttons=[], external_id=None, error_message=None)
        )
    )
    refresh_search(session, tickets)


def refresh_search(session: Session, ticket_ids: list[int]) -> None:
    """`ccc.tickets.search.refresh`, one UPDATE per distinct text rather than per ticket (after
    retention most tickets of a batch share theirs: their governorate, or nothing)."""
    if not ticket_ids:
        return
    ids = sorted(set(ticket_ids))
    answers = dict(
        session.execute(
            select(col(Ticket.id), col(Ticket.answers)).where(among(session, col(Ticket.id), ids))
        )
        .tuples()
        .all()
    )
    said: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(col(Message.ticket_id), col(Message.text))
        .where(
            among(session, col(Message.ticket_id), ids),
            col(Message.direction) == Direction.inbound,
        )
        .order_by(col(Message.id))
    )
    for ticket_id, text in rows:
        said[ticket_id].append(text)
    groups: dict[str, list[int]] = defaultdict(list)
    for ticket_id, ticket_answers in answers.items():
        groups[search.search_text(ticket_answers or {}, said[ticket_id])].append(ticket_id)
    for value, group in groups.items():
        session.execute(
            _bulk(
                update(Ticket)
                .where(among(session, col(Ticket.id), group))
                .values(search_text=value)
            )
        )
        for ticket_id in group:
            loaded = session.identity_map.get(
                inspect(Ticket).identity_key_from_primary_key((ticket_id,))
            )
            if loaded is not None:
                attributes.set_committed_value(loaded, "search_text", value)


def scrub_calls_where(session: Session, where: Any) -> None:
    """The calls `where` selects lose their Twilio id, keys pressed and stage."""
    session.execute(
        _bulk(
            update(Call)
            .where(where, col(Call.call_sid).not_like(f"{TOMBSTONE_PREFIX}%"))
            .values(call_sid=_tombstone_of(col(Call.id)), path="", stage=None)
        )
    )


def scrub_recordings_where(session: Session, where: Any) -> list[Path]:
    """Transcripts and links of the recordings `where` selects dropped; their files are
    returned, to be deleted once committed (a rolled-back run must not lose a file its row
    still points at)."""
    files = session.exec(
        select(Recording.stored_file).where(where, col(Recording.stored_file).is_not(None))
    ).all()
    session.execute(
        _bulk(
            update(Recording)
            .where(where)
            .values(
                stored_file=None,
                twilio_url=None,
                transcript=None,
                recording_sid=_tombstone_of(col(Recording.id)),
            )
        )
    )
    return [Path(name) for name in files if name]


def scrub_contact(session: Session, *, contact: Contact, now: datetime) -> None:
    """One person (`ccc contact forget`); the loaded contact is refreshed from what was written."""
    assert contact.id is not None
    session.flush()
    scrub_contacts(session, [contact.id], now=now)
    session.expire(contact)


def scrub_contacts(session: Session, ids: list[int], *, now: datetime) -> None:
    """Every address and name of these people, and whatever they wrote outside a kept ticket."""
    if not ids:
        return
    people = among(session, col(Identity.contact_id), ids)
    identities = select(Identity.id).where(people)
    session.execute(
        _bulk(
            update(Identity)
            .where(people)
            .values(
                address=_tombstone_of(col(Identity.id)), display_name=None, unreachable_reason=None
            )
        )
    )
    session.execute(
        _bulk(
            update(Contact)
            .where(among(session, col(Contact.id), ids))
            .values(verified_phone=None, anonymised_at=now)
        )
    )
    # Messages of anonymised tickets were blanked with them: only those left are written.
    blank_messages(
        session,
        among(session, col(Message.contact_id), ids)
        & or_(
            col(Message.ticket_id).is_(None),
            col(Message.text) != "",
            col(Message.external_id).is_not(None),
            col(Message.ticket_id).in_(
                select(Ticket.id).where(
                    among(session, col(Ticket.contact_id), ids),
                    col(Ticket.anonymised_at).is_(None),
                )
            ),
        ),
    )
    session.execute(
        _bulk(update(Callback).where(col(Callback.identity_id).in_(identities)).values(phone=""))
    )
    scrub_calls_where(session, col(Call.identity_id).in_(identities))
    session.execute(
        _bulk(delete(Conversation).where(col(Conversation.identity_id).in_(identities)))
    )
