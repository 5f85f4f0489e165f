"""Tickets: creation with a fresh reference, checked changes, notes, replies, the timeline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

from sqlmodel import Session, col, func, select

from ccc.access import audit
from ccc.access.audit import Detail, disclose
from ccc.access.models import Team, User
from ccc.access.policy import (
    Caller,
    authorize_changes,
    check_owning_side,
    check_write,
    running_focal_team,
)
from ccc.access.service import team_by_slug
from ccc.contacts.models import Identity
from ccc.conversations.service import focus_on_ticket
from ccc.kernel import events
from ccc.kernel.db import add_unless_present
from ccc.kernel.errors import CCCError, Conflict, Invalid
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Message
from ccc.messages.service import queue_outbound
from ccc.referrals.models import Referral
from ccc.sla import service as sla
from ccc.tickets import references, search, waiting
from ccc.tickets.lifecycle import check_transition
from ccc.tickets.models import Category, Priority, Sensitivity, Ticket, TicketEvent, TicketStatus

CONTACT = Caller(user_id=None, name="contact", role="contact")
# Draws of a reference before giving up: of its 10⁷ values, a draw is taken one time in ten
# at a million tickets.
REFERENCE_TRIES = 20
ROUTING = Caller(user_id=None, name="routing", role="system")


def record(
    session: Session, *, ticket: Ticket, kind: str, caller: Caller, **data: Any
) -> TicketEvent:
    assert ticket.id is not None
    event = TicketEvent(
        ticket_id=ticket.id, kind=kind, actor=caller.name, actor_user_id=caller.user_id, data=data
    )
    session.add(event)
    return event


def create_ticket(
    session: Session,
    *,
    identity: Identity,
    category: str,
    language: str | None,
    answers: dict[str, Any],
    caller: Caller = CONTACT,
    priority: str = Priority.normal,
    sensitivity: str = Sensitivity.normal,
) -> Ticket:
    """A new ticket for the identity's contact, routed by whoever subscribes to its creation.

    Written by one `INSERT … ON CONFLICT (reference) DO NOTHING RETURNING id` and put in the
    session as written (`add_unless_present`); a reference found taken is drawn again. Looking
    the reference up first, then the ORM's flush of the row inside a savepoint (for the race
    between the look-up and the insert) cost every ticket three statements more, and the unit
    of work's CPU: a ticket is made on most calls to the line (a voice message, an abandoned
    caller's callback) and at every chatbot intake."""
    assert identity.id is not None
    parse_enum(Category, category, "category")
    draft = Ticket(
        reference="",
        contact_id=identity.contact_id,
        identity_id=identity.id,
        channel=identity.channel,
        language=language,
        category=category,
        priority=priority,
        sensitivity=sensitivity,
        answers=answers,
    )
    # Its clocks, who it waits for and its search text are known before it is written: one
    # INSERT, where setting them after took two UPDATEs and four reads of answers and
    # messages that cannot exist yet. A message or answer joining it later in the transaction
    # has the text written again at the commit (`ccc.tickets.search`).
    sla.start_clocks(ticket=draft)
    waiting.opened(draft)
    draft.search_text = search.search_text(answers, [])
    for _ in range(REFERENCE_TRIES):
        draft.reference = references.generate()
        if add_unless_present(session, draft, keys=("reference",)):
            break
    else:
        raise RuntimeError(f"could not find a free reference in {REFERENCE_TRIES} tries")
    ticket = draft
    assert ticket.id is not None
    record(
        session,
        ticket=ticket,
        kind="created",
        caller=caller,
        category=category,
        channel=identity.channel,
    )
    events.publish(session, events.DomainEvent(events.TICKET_CREATED, ticket_id=ticket.id))
    return ticket


def parse_enum(enum: Any, value: str, field: str) -> str:
    try:
        return str(enum(value).value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise Invalid(f"unknown {field} {value!r}; one of: {allowed}") from None


@dataclass
class Changes:
    status: str | None = None
    priority: str | None = None
    team: str | None = None
    assignee: str | None = None
    unassign: bool = False
    category: str | None = None
    sensitivity: str | None = None
    notify: bool = True
    reason: str | None = None
    # A supervisor's reason for moving the ticket to a team although the person said No.
    override_reason: str | None = None
    # The closing message for the person, in place of the standard notice (with `resolved`).
    message: str | None = None


class ChangeRequest(TypedDict):
    """What `apply_changes` and `permitted` are asked, by keyword: the one definition of their
    parameters after the session.

    `focal_team` is the restricted cases' team: its members may lower sensitivity, and a
    ticket made restricted moves into its queue; callers that do not name it (internal status
    changes) leave lowering to supervisors and admins. Only a referral (`by_referral`) may
    put a ticket in `referred`: the person is told their case is with the team in charge."""

    ticket: Ticket
    changes: Changes
    caller: Caller
    focal_team: NotRequired[str | None]
    by_referral: NotRequired[bool]


def apply_changes(session: Session, **request: Unpack[ChangeRequest]) -> Ticket:
    """Validate every change first, then apply all of them, so a bad field changes nothing."""
    ticket, changes, caller = request["ticket"], request["changes"], request["caller"]
    checked = _checked(session, request)
    if checked is None:
        return ticket
    updates, override = checked
    for field, (_old, new) in updates.items():
        setattr(ticket, field, new)
    if "status" in updates:
        _stamp_status(ticket, TicketStatus(updates["status"][1]))
        waiting.refresh(session, ticket=ticket)
    ticket.updated_at = utcnow()
    session.add(ticket)
    session.flush()
    _record_updates(session, ticket, updates, changes, caller, override)
    _audit(session, ticket, updates, caller, override)
    events.publish(
        session,
        events.DomainEvent(
            events.TICKET_UPDATED,
            ticket_id=ticket.id,
            data={
                "changed": sorted(f.removesuffix("_id") for f in updates),
                "status": updates.get("status", (None, None))[1],
                "notify": changes.notify,
                "actor": caller.name,
                "message": changes.message,
                "author_user_id": caller.user_id,
            },
        ),
    )
    return ticket


def permitted(session: Session, **request: Unpack[ChangeRequest]) -> bool:
    """Whether `apply_changes` would accept these changes, asked without making them: the
    console offers a choice only when its own POST goes through these very checks and passes."""
    try:
        _checked(session, request)
    except CCCError:
        return False
    return True


def _checked(
    session: Session, request: ChangeRequest
) -> tuple[dict[str, tuple[Any, Any]], str | None] | None:
    """The planned updates and the consent override they carry, once every check has passed
    (raising 403/409/422 at the first that fails); None when nothing would change."""
    ticket, changes = request["ticket"], request["changes"]
    focal_team = request.get("focal_team")
    by_referral = request.get("by_referral", False)
    updates = _planned_updates(session, ticket, changes, focal_team, by_referral=by_referral)
    if not updates:
        return None
    override = authorize_changes(
        session,
        request["caller"],
        ticket,
        updates,
        focal_team=focal_team,
        override_reason=changes.override_reason,
        by_referral=by_referral,
    )
    return updates, override


def _record_updates(
    session: Session,
    ticket: Ticket,
    updates: dict[str, tuple[Any, Any]],
    changes: Changes,
    caller: Caller,
    override: str | None,
) -> None:
    """One `FIELD_changed` event per change on the timeline, with its reason."""
    for field, (old, new) in updates.items():
        data: dict[str, Any] = {
            "from": _label(session, field, old),
            "to": _label(session, field, new),
        }
        if field == "status" and changes.reason:
            data["reason"] = changes.reason
        if field == "status" and new == TicketStatus.resolved:
            data["notify"] = changes.notify
        if field == "team_id" and override is not None:
            data["consent_override_reason"] = override
        record(
            session,
            ticket=ticket,
            kind=f"{field.removesuffix('_id')}_changed",
            caller=caller,
            **data,
        )


def _audit(
    session: Session,
    ticket: Ticket,
    updates: dict[str, tuple[Any, Any]],
    caller: Caller,
    override: str | None,
) -> None:
    """Sensitivity changes and consent overrides by people go to the audit log as well."""
    if caller.user_id is None:
        return
    if "sensitivity" in updates:
        old, new = updates["sensitivity"]
        audit.record(
            session,
            caller=caller,
            action=audit.Action.sensitivity_changed,
            ticket=ticket,
            **{"from": old, "to": new},
        )
    if override is not None:
        team = _label(session, "team_id", updates["team_id"][1])
        audit.record(
            session,
            caller=caller,
            action=audit.Action.consent_override,
            ticket=ticket,
            team=team,
            reason=override,
        )


def _planned_updates(
    session: Session,
    ticket: Ticket,
    changes: Changes,
    focal_team: str | None,
    *,
    by_referral: bool,
) -> dict[str, tuple[Any, Any]]:
    """Column -> (old, new) for every requested change that really changes something;
    raises 409/422 for the first change that is not allowed."""
    updates: dict[str, tuple[Any, Any]] = {}
    updates.update(_status_update(ticket, changes, by_referral=by_referral))
    _check_closing_message(changes, updates)
    for field, enum in (
        ("priority", Priority),
        ("category", Category),
        ("sensitivity", Sensitivity),
    ):
        value = getattr(changes, field)
        if value is not None and parse_enum(enum, value, field) != getattr(ticket, field):
            updates[field] = (getattr(ticket, field), value)
    restricting = updates.get("sensitivity", (None, None))[1] == Sensitivity.restricted
    updates.update(_team_update(session, ticket, changes, focal_team if restricting else None))
    updates.update(_assignee_update(session, ticket, changes))
    return updates


def _status_update(
    ticket: Ticket, changes: Changes, *, by_referral: bool
) -> dict[str, tuple[Any, Any]]:
    if changes.status is None:
        return {}
    status = check_transition(ticket.status, changes.status)
    if status == ticket.status:
        return {}
    if status == TicketStatus.referred and not by_referral:
        raise Conflict(
            "a ticket becomes 'referred' only by a referral "
            "(POST /api/tickets/{reference}/referrals)"
        )
    if status == TicketStatus.resolved and not changes.notify and not changes.reason:
        raise Invalid("resolving without telling the person needs a 'reason'")
    return {"status": (ticket.status, status.value)}


def _team_update(
    session: Session, ticket: Ticket, changes: Changes, restricted_to: str | None
) -> dict[str, tuple[Any, Any]]:
    """`restricted_to`: the focal team, when this change restricts the ticket; a restricted
    case belongs in its queue unless the change names a team itself."""
    team_slug = changes.team if changes.team is not None else restricted_to
    if team_slug is None:
        return {}
    team = team_by_slug(session, team_slug)
    if team is None:
        raise Invalid(f"unknown team {team_slug!r}")
    return {} if team.id == ticket.team_id else {"team_id": (ticket.team_id, team.id)}


def _assignee_update(
    session: Session, ticket: Ticket, changes: Changes
) -> dict[str, tuple[Any, Any]]:
    if changes.unassign and ticket.assignee_id is not None:
        return {"assignee_id": (ticket.assignee_id, None)}
    if changes.assignee is None:
        return {}
    user = session.exec(select(User).where(User.name == changes.assignee)).first()
    if user is None or not user.active:
        raise Invalid(f"unknown user {changes.assignee!r}")
    return {} if user.id == ticket.assignee_id else {"assignee_id": (ticket.assignee_id, user.id)}


def _check_closing_message(changes: Changes, updates: dict[str, tuple[Any, Any]]) -> None:
    if changes.message is None:
        return
    if not changes.message.strip():
        raise Invalid("a closing message needs some text")
    if updates.get("status", (None, None))[1] != TicketStatus.resolved:
        raise Invalid("a 'message' is the closing message: it goes with status 'resolved'")
    if not changes.notify:
        raise Invalid("a closing 'message' is sent to the person: it cannot go with notify false")


def _stamp_status(ticket: Ticket, status: TicketStatus) -> None:
    now = utcnow()
    if status == TicketStatus.resolved:
        ticket.resolved_at = now
    elif status == TicketStatus.closed:
        ticket.closed_at = now
    elif status in (TicketStatus.open, TicketStatus.referred, TicketStatus.pending):
        ticket.resolved_at = None


def _label(session: Session, field: str, value: Any) -> Any:
    if value is None:
        return None
    if field == "team_id":
        team = session.get(Team, value)
        return team.slug if team else None
    if field == "assignee_id":
        user = session.get(User, value)
        return user.name if user else None
    return value


def add_note(session: Session, *, ticket: Ticket, text: str, caller: Caller) -> TicketEvent:
    check_write(session, caller=caller, ticket=ticket)
    text = text.strip()
    if not text:
        raise Invalid("a note needs some text")
    return record(session, ticket=ticket, kind="note", caller=caller, text=text)


def reply(
    session: Session, *, ticket: Ticket, text: str, caller: Caller, by_referral: bool = False
) -> Message:
    """A message to the person on the channel of the ticket; it goes out as a job.
    `by_referral`: the message a team leaves when completing its referral (CONTRACT), which
    the referral service authorised (`check_answerable`); any other reply is the owning
    side's, and the focal team is the owning side of a restricted case."""
    check_write(session, caller=caller, ticket=ticket)
    focal_team = running_focal_team() if caller.user_id is not None else None
    if not by_referral:
        check_owning_side(caller, ticket, focal_team=focal_team, doing="replying to the person")
    text = text.strip()
    if not text:
        raise Invalid("a reply needs some text")
    identity = session.get(Identity, ticket.identity_id)
    assert identity is not None
    message = queue_outbound(
        session, identity=identity, text=text, ticket_id=ticket.id, author_user_id=caller.user_id
    )
    assert identity.id is not None and ticket.id is not None
    focus_on_ticket(session, identity_id=identity.id, ticket_id=ticket.id)
    if ticket.first_response_at is None:
        ticket.first_response_at = utcnow()
        sla.schedule_next(ticket=ticket)
    sla.answered(ticket=ticket)
    ticket.updated_at = utcnow()
    session.add(ticket)
    record(session, ticket=ticket, kind="reply", caller=caller, message_id=message.id)
    if ticket.status == TicketStatus.new:
        # Someone of the centre is working on it now.
        opened = Changes(status=TicketStatus.open)
        apply_changes(session, ticket=ticket, changes=opened, caller=caller, focal_team=focal_team)
    waiting.refresh(session, ticket=ticket)
    events.publish(
        session,
        events.DomainEvent(events.TICKET_REPLIED, ticket_id=ticket.id, message_id=message.id),
    )
    return message


REFERRAL_NOTES = ("note", "consent_override_reason", "reason", "outcome")


def timeline(session: Session, *, ticket: Ticket, reader: Caller) -> list[dict[str, Any]]:
    """Events and messages of a ticket, oldest first. A referral's notes show only to those
    who may read them (`disclose`): a receiving team does not read what was sent to others."""
    referral_teams = dict(
        session.exec(
            select(Referral.id, Referral.team_id).where(Referral.ticket_id == ticket.id)
        ).all()
    )
    items: list[dict[str, Any]] = []
    for event in session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(col(TicketEvent.id))
    ):
        data = event.data
        team_id = referral_teams.get(data.get("referral_id"))
        if team_id is not None and not disclose(
            session, caller=reader, ticket=ticket, what=Detail.referrals, referral_team_id=team_id
        ):
            data = {k: v for k, v in data.items() if k not in REFERRAL_NOTES}
            data["details_hidden"] = True
        items.append(
            {
                "type": "event",
                "id": event.id,
                "kind": event.kind,
                "actor": event.actor,
                "data": data,
                "created_at": event.created_at,
            }
        )
    for message in session.exec(
        select(Message).where(Message.ticket_id == ticket.id).order_by(col(Message.id))
    ):
        items.append(
            {
                "type": "message",
                "id": message.id,
                "direction": message.direction,
                "channel": message.channel,
                "text": message.text,
                "media": message.media,
                "status": message.status,
                "error_code": message.error_code,
                "error_message": message.error_message,
                "created_at": message.created_at,
            }
        )
    items.sort(key=lambda item: (item["created_at"], item["type"] == "event", item["id"]))
    return items


def references_by_id(session: Session, ticket_ids: Iterable[int]) -> dict[int, str]:
    """The references of these tickets, by id (for lists whose rows name their ticket)."""
    pairs = session.exec(
        select(Ticket.id, Ticket.reference).where(col(Ticket.id).in_(set(ticket_ids)))
    ).all()
    return {ticket_id: reference for ticket_id, reference in pairs if ticket_id is not None}


def oldest_ticket_at(session: Session) -> datetime | None:
    """When the oldest ticket was opened; None before the first."""
    return session.exec(select(func.min(col(Ticket.created_at)))).one()
