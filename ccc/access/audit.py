"""The audit log, and the one door through which a ticket's details leave CCC.

`disclose` is the only function that says yes to showing a ticket's answers, timeline or
referral notes, and it records the read of a sensitive or restricted ticket as it says yes: an
endpoint cannot show details without leaving the record, because it has no other way to learn
that it may. `record` writes the other audited actions (sensitivity changes, consent overrides,
exports, logins, tokens); nothing in CCC updates or deletes an entry.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlmodel import Session

from ccc.access.models import AuditEntry
from ccc.access.policy import Caller, may_read_referral_notes, may_see_details
from ccc.kernel.errors import Forbidden
from ccc.tickets.models import Sensitivity, Ticket, TicketEvent

_DISCLOSED = "ccc.access.disclosed"  # session.info key: (ticket id, what) already recorded


class Action(StrEnum):
    viewed = "viewed"
    sensitivity_changed = "sensitivity_changed"
    consent_override = "consent_override"
    export = "export"
    login = "login"
    logout = "logout"
    token_issued = "token_issued"  # noqa: S105  (an action name)
    token_revoked = "token_revoked"  # noqa: S105  (an action name)
    user_deactivated = "user_deactivated"


class Detail(StrEnum):
    """What part of a ticket a read disclosed."""

    ticket = "ticket"  # its answers (one ticket, a queue item, a search hit, a change's answer)
    timeline = "timeline"  # its events, notes and messages
    referrals = "referrals"  # referral notes, override reasons, rejection reasons, outcomes
    recording = "recording"  # a voice message, streamed through CCC


def record(
    session: Session,
    *,
    caller: Caller,
    action: Action,
    ticket: Ticket | None = None,
    **data: Any,
) -> AuditEntry:
    entry = AuditEntry(
        user_id=caller.user_id,
        actor=caller.name,
        action=action.value,
        ticket_id=ticket.id if ticket is not None else None,
        restricted=ticket is not None and ticket.sensitivity == Sensitivity.restricted,
        address=caller.address,
        data=data,
    )
    session.add(entry)
    return entry


def disclose(
    session: Session,
    *,
    caller: Caller,
    ticket: Ticket,
    what: Detail,
    referral_team_id: int | None = None,
) -> bool:
    """Whether the caller may read this detail of the ticket; a yes on a sensitive or
    restricted ticket is recorded (once per request and detail) in the ticket's timeline
    and in the audit log, with who, when and from which address."""
    if referral_team_id is not None:
        allowed = may_read_referral_notes(
            session, caller=caller, ticket=ticket, referral_team_id=referral_team_id
        )
    else:
        allowed = may_see_details(session, caller=caller, ticket=ticket)
    if not allowed or ticket.sensitivity == Sensitivity.normal or caller.user_id is None:
        return allowed
    assert ticket.id is not None
    seen: set[tuple[int, str]] = session.info.setdefault(_DISCLOSED, set())
    if (ticket.id, what.value) not in seen:
        seen.add((ticket.id, what.value))
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind="viewed",
                actor=caller.name,
                actor_user_id=caller.user_id,
                data={"what": what.value},
            )
        )
        record(session, caller=caller, action=Action.viewed, ticket=ticket, what=what.value)
    return True


def require_disclosure(session: Session, *, caller: Caller, ticket: Ticket, what: Detail) -> None:
    """`disclose`, for reads that are nothing but detail (the timeline): 403 when not allowed."""
    if not disclose(session, caller=caller, ticket=ticket, what=what):
        raise Forbidden("the details of a sensitive ticket are for its team and supervisors")
