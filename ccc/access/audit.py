"""The audit log, and the one door through which a ticket's details leave CCC.

`disclose` is the only function that says yes to showing a ticket's answers, timeline or
referral notes, and it records the read of a sensitive or restricted ticket as it says yes: an
endpoint cannot show details without leaving the record, because it has no other way to learn
that it may. `record` writes the other audited actions (sensitivity changes, consent overrides,
exports, logins, tokens); nothing in CCC updates or deletes an entry.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from ccc.access.models import AuditEntry
from ccc.access.policy import Caller, may_read_referral_notes, may_see_details
from ccc.kernel.errors import Forbidden
from ccc.kernel.runtime import get_runtime
from ccc.kernel.timeutil import utcnow
from ccc.tickets.models import Sensitivity, Ticket, TicketEvent

_DISCLOSED = "ccc.access.disclosed"  # session.info key: (ticket id, what) already recorded


class Action(StrEnum):
    viewed = "viewed"
    sensitivity_changed = "sensitivity_changed"
    consent_override = "consent_override"
    export = "export"
    login = "login"  # a console login, `outcome` success or failure (with its `reason`)
    logout = "logout"  # a console session ended: `reason` logout, idle, lifetime, revoked, …
    password_changed = "password_changed"  # noqa: S105  (an action name)
    second_factor_changed = "second_factor_changed"
    token_issued = "token_issued"  # noqa: S105  (an action name)
    token_revoked = "token_revoked"  # noqa: S105  (an action name)
    user_deactivated = "user_deactivated"
    break_glass = "break_glass"  # a restricted ticket opened outside its focal team, with why
    hold = "hold"  # a ticket kept from retention and erasure, with the reason
    hold_released = "hold_released"
    erasure = "erasure"  # `ccc contact forget`: the reason, contact ids and counts
    retention = "retention"  # a retention run: the counts per kind of record


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
    restricted ticket is recorded in the ticket's timeline and in the audit log, with who,
    when and from which address: once per request and detail, and once per
    `CCC_AUDIT_VIEW_WINDOW_MINUTES` for the same user, ticket, detail, address and
    sensitivity (a page left open refreshes every 10 s; a reader is still seen reading)."""
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
    if (ticket.id, what.value) in seen:
        return True
    seen.add((ticket.id, what.value))
    # A restricted ticket read outside its team is a break-glass read: every one is recorded.
    glass = ticket.sensitivity == Sensitivity.restricted and ticket.team_id not in caller.team_ids
    if not glass and _recorded_lately(session, caller=caller, ticket=ticket, what=what):
        return True
    data: dict[str, Any] = {"what": what.value, **({"break_glass": True} if glass else {})}
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            kind="viewed",
            actor=caller.name,
            actor_user_id=caller.user_id,
            data=data,
        )
    )
    record(session, caller=caller, action=Action.viewed, ticket=ticket, **data)
    return True


def view_window() -> timedelta:
    """`CCC_AUDIT_VIEW_WINDOW_MINUTES` of the running server or worker."""
    return timedelta(minutes=get_runtime().settings.audit_view_window_minutes)


def _recorded_lately(session: Session, *, caller: Caller, ticket: Ticket, what: Detail) -> bool:
    """Whether this user's read of this detail, from this address and at this sensitivity,
    is already in the audit log within the window (`ix_audit_entry_ticket` finds the rows)."""
    window = view_window()
    if window <= timedelta(0):
        return False
    address = col(AuditEntry.address)
    rows = session.exec(
        select(AuditEntry.data).where(
            AuditEntry.ticket_id == ticket.id,
            AuditEntry.user_id == caller.user_id,
            AuditEntry.action == Action.viewed.value,
            AuditEntry.restricted == (ticket.sensitivity == Sensitivity.restricted),
            address.is_(None) if caller.address is None else address == caller.address,
            col(AuditEntry.created_at) >= utcnow() - window,
        )
    ).all()
    return any(data.get("what") == what.value for data in rows)


def require_disclosure(session: Session, *, caller: Caller, ticket: Ticket, what: Detail) -> None:
    """`disclose`, for reads that are nothing but detail (the timeline): 403 when not allowed."""
    if not disclose(session, caller=caller, ticket=ticket, what=what):
        raise Forbidden("the details of a sensitive ticket are for its team and supervisors")
