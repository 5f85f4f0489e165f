"""The agents' queue: filters, search and cursor pagination over the visible tickets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from ccc.access.models import Role, Team, User
from ccc.access.policy import Caller, searchable_answers, visible_tickets
from ccc.channels.models import Channel
from ccc.contacts.models import Identity
from ccc.kernel.errors import Forbidden, Invalid, TooManyRequests
from ccc.kernel.paging import decode_cursor, encode_cursor, page
from ccc.kernel.phone import to_e164
from ccc.kernel.runtime import get_runtime
from ccc.kernel.text import normalise
from ccc.kernel.timeutil import utcnow
from ccc.sla import service as sla
from ccc.tickets import references
from ccc.tickets.lifecycle import parse_status
from ccc.tickets.models import Category, Priority, Ticket, WaitingOn
from ccc.tickets.service import parse_enum


@dataclass(frozen=True)
class QueueFilter:
    status: str | None = None
    team: str | None = None
    category: str | None = None
    channel: str | None = None
    assignee: str | None = None
    priority: str | None = None
    sla: str | None = None
    q: str | None = None
    # `centre`: the people waiting for an answer, oldest first; `person`: waiting on them.
    waiting: str | None = None


# Three letters make a trigram: a shorter word would read every ticket.
MIN_WORDS = 3


def _values(raw: str | None) -> list[str]:
    return [v.strip() for v in raw.split(",") if v.strip()] if raw else []


def list_tickets(
    session: Session,
    *,
    caller: Caller,
    filters: QueueFilter,
    focal_team: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[Ticket], str | None]:
    query = visible_tickets(caller, focal_team=focal_team)
    query = _apply(session, query, filters, caller)
    if filters.waiting == WaitingOn.centre:
        return oldest_waiting_first(session, query, cursor=cursor, limit=limit)
    return page(session, query, Ticket.id, cursor=cursor, limit=limit)


def oldest_waiting_first(
    session: Session, query: SelectOfScalar[Ticket], *, cursor: str | None, limit: int
) -> tuple[list[Ticket], str | None]:
    """A page of waiting tickets, the one waiting longest first (by `last_inbound_at`, then
    id); the cursor is the last row's id, its wait read back from the row itself."""
    if cursor:
        last = session.get(Ticket, decode_cursor(cursor))
        if last is None or last.last_inbound_at is None:
            raise Invalid("invalid cursor")
        query = query.where(
            or_(
                col(Ticket.last_inbound_at) > last.last_inbound_at,
                and_(
                    col(Ticket.last_inbound_at) == last.last_inbound_at,
                    col(Ticket.id) > last.id,
                ),
            )
        )
    ordered = query.order_by(col(Ticket.last_inbound_at), col(Ticket.id)).limit(limit + 1)
    rows = list(session.exec(ordered).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    assert rows[-1].id is not None
    return rows, encode_cursor(rows[-1].id)


def _apply(
    session: Session, query: SelectOfScalar[Ticket], f: QueueFilter, caller: Caller
) -> SelectOfScalar[Ticket]:
    for condition in _conditions(session, f, caller):
        query = query.where(condition)
    return query


def _conditions(session: Session, f: QueueFilter, caller: Caller) -> Iterator[Any]:
    """One condition per filter given, each checked as it is read (an unknown value is 422)."""
    if f.status:
        yield col(Ticket.status).in_([parse_status(s) for s in _values(f.status)])
    if f.category:
        yield _one_of(Ticket.category, Category, f.category, "category")
    if f.channel:
        yield _one_of(Ticket.channel, Channel, f.channel, "channel")
    if f.priority:
        yield _one_of(Ticket.priority, Priority, f.priority, "priority")
    if f.team:
        yield _in_teams(session, _values(f.team))
    if f.assignee:
        yield _assigned_to(session, f.assignee)
    if f.sla:
        if f.sla != "breached":
            raise Invalid("sla filter takes only 'breached'")
        yield sla.breached_filter(utcnow())
    if f.q:
        yield _search(f.q, caller)
        _count_search(caller)
    if f.waiting:
        yield Ticket.waiting_on == parse_enum(WaitingOn, f.waiting, "waiting")


def _one_of(column: Any, kind: type[StrEnum], raw: str, name: str) -> Any:
    return col(column).in_([parse_enum(kind, value, name) for value in _values(raw)])


def _in_teams(session: Session, slugs: list[str]) -> Any:
    teams = session.exec(select(Team).where(col(Team.slug).in_(slugs))).all()
    unknown = set(slugs) - {t.slug for t in teams}
    if unknown:
        raise Invalid(f"unknown team {sorted(unknown)[0]!r}")
    return col(Ticket.team_id).in_([t.id for t in teams])


def _assigned_to(session: Session, assignee: str) -> Any:
    if assignee == "none":
        return col(Ticket.assignee_id).is_(None)
    user = session.exec(select(User).where(User.name == assignee)).first()
    if user is None:
        raise Invalid(f"unknown user {assignee!r}")
    return Ticket.assignee_id == user.id


def _search(q: str, caller: Caller) -> Any:
    """Routed by its shape, so that each kind of search reads one index and never the table: a
    reference (however written) by the unique reference; a phone number in any form by the
    contact's identities; words by the trigrams of the normalised search text (`search.py`)."""
    q = q.strip()
    if not q or len(q) > 200:
        raise Invalid("q must be 1 to 200 characters")
    compact = references.compact(q)
    if compact.isascii() and compact.isdigit() and len(compact) == references.LENGTH:
        return Ticket.reference == compact
    phone = to_e164(q) if any(ch.isdigit() for ch in q) else None
    if phone:
        if caller.role == Role.team_member:
            # They see numbers masked (+964 770 *** **01): a search would confirm a guess.
            raise Forbidden("a team member sees numbers masked and cannot search by number")
        identity_contacts = select(Identity.contact_id).where(Identity.address == phone)
        return col(Ticket.contact_id).in_(identity_contacts)
    return and_(_words(q), searchable_answers(caller))


def _words(q: str) -> Any:
    """Words anywhere in the answers or the person's messages, in any spelling of them."""
    words = normalise(q)
    if len(words) < MIN_WORDS:
        raise Invalid(
            f"search words must have at least {MIN_WORDS} letters (or give a reference or a "
            "phone number)"
        )
    escaped = words.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return col(Ticket.search_text).like(f"%{escaped}%", escape="/")


def _count_search(caller: Caller) -> None:
    """Searches are limited per user (429 with the seconds to wait), so numbers or names
    cannot be tried one after another."""
    if caller.user_id is None:
        return
    wait = get_runtime().searches.take(caller.user_id)
    if wait is not None:
        raise TooManyRequests("too many searches; try again shortly", retry_after=wait)
