"""What the ticket page shows and offers, decided from the access layer's answers."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from ccc.access.audit import Detail, disclose
from ccc.access.models import Role, Team, User
from ccc.access.policy import (
    may_act_as_owner,
    may_answer_referral,
    may_override_consent,
    may_write,
    visible_tickets,
)
from ccc.calls.models import Call
from ccc.calls.recordings import recordings_of
from ccc.console import presence
from ccc.console.format import clock, sla_state
from ccc.console.reply_box import reply_box
from ccc.console.timeline_view import blocks
from ccc.console.web import Console
from ccc.contacts.models import Identity
from ccc.referrals.models import Referral
from ccc.referrals.service import may_refer_to
from ccc.tickets import service
from ccc.tickets.lifecycle import TRANSITIONS
from ccc.tickets.models import Priority, Sensitivity, Ticket, TicketStatus

LEVELS = [s.value for s in Sensitivity]


def _may_change(console: Console, ticket: Ticket, changes: service.Changes) -> bool:
    focal = console.settings.restricted_focal_team
    return service.permitted(
        console.session, ticket=ticket, changes=changes, caller=console.caller, focal_team=focal
    )


def _team_choices(console: Console, ticket: Ticket, teams: list[Team]) -> list[str]:
    """The ticket's own team and every team its POST may move it to: staff move a ticket to
    a programme team with the person's consent, a team member only hands it back to the centre."""
    return [
        t.slug
        for t in teams
        if t.id == ticket.team_id or _may_change(console, ticket, service.Changes(team=t.slug))
    ]


def _sensitivity_choices(console: Console, ticket: Ticket) -> list[str]:
    """Anyone who may change the ticket may raise its sensitivity; lowering is for
    supervisors, admins and the focal team."""
    return [
        level
        for level in LEVELS
        if level == ticket.sensitivity
        or _may_change(console, ticket, service.Changes(sensitivity=level))
    ]


def _status_choices(console: Console, ticket: Ticket) -> list[str]:
    # `referred` comes only from a referral to a team (the form beside), never from this menu.
    allowed = TRANSITIONS[TicketStatus(ticket.status)] - {TicketStatus.referred}
    others = sorted(v.value for v in allowed)
    return [
        ticket.status,
        *(s for s in others if _may_change(console, ticket, service.Changes(status=s))),
    ]


def may_claim(console: Console, ticket: Ticket) -> bool:
    if ticket.assignee_id == console.user.id:
        return False
    return _may_change(console, ticket, service.Changes(assignee=console.user.name))


def _controls(console: Console, ticket: Ticket, teams: list[Team]) -> dict[str, Any]:
    """Which forms the page shows: only those whose POST this user may make, decided by the
    same predicates and checks as the API (`ccc/access/policy.py`)."""
    session, caller = console.session, console.caller
    focal = console.settings.restricted_focal_team
    owner = may_act_as_owner(session, caller=caller, ticket=ticket, focal_team=focal)
    consented = ticket.answers.get("consent_to_share") == "yes"
    override = may_override_consent(caller) and not consented
    refer_to = [
        t.slug
        for t in teams
        if may_refer_to(
            session,
            ticket=ticket,
            team=t,
            caller=caller,
            override_reason="override" if override else None,
        )
    ]
    return {
        "may_note": may_write(session, caller=caller, ticket=ticket),
        # The focal team is the owning side of a restricted ticket, wherever it sits.
        "may_reply": owner,
        "may_change": owner,
        "may_claim": owner and may_claim(console, ticket),
        "may_unassign": owner and _may_change(console, ticket, service.Changes(unassign=True)),
        "may_override": may_override_consent(caller),
        "refer_to": refer_to,
    }


def referrals_of(console: Console, ticket: Ticket) -> list[dict[str, Any]]:
    """As `GET /api/tickets/{reference}/referrals`: a receiving team sees only its own."""
    caller = console.caller
    query = select(Referral).where(Referral.ticket_id == ticket.id)
    if caller.role == Role.team_member and ticket.team_id not in caller.team_ids:
        query = query.where(col(Referral.team_id).in_(sorted(caller.team_ids)))
    rows = console.session.exec(query.order_by(col(Referral.id))).all()
    teams = {t.id: t.slug for t in console.session.exec(select(Team)).all()}
    return [
        {
            "referral": r,
            "team": teams.get(r.team_id),
            "answerable": may_answer_referral(caller, referral_team_id=r.team_id),
        }
        for r in rows
    ]


def other_tickets(console: Console, ticket: Ticket) -> list[Ticket]:
    query = visible_tickets(console.caller, focal_team=console.settings.restricted_focal_team)
    query = query.where(Ticket.contact_id == ticket.contact_id, Ticket.id != ticket.id)
    return list(console.session.exec(query.order_by(col(Ticket.id).desc()).limit(10)).all())


def still_visible(console: Console, ticket: Ticket) -> bool:
    """Whether the user still sees the ticket after their own change (restricting it, handing
    it to the centre, rejecting its referral take it away): where to send them next."""
    query = visible_tickets(console.caller, focal_team=console.settings.restricted_focal_team)
    return console.session.exec(query.where(Ticket.id == ticket.id)).first() is not None


def voice_of(console: Console, ticket: Ticket, details: bool) -> dict[str, Any]:
    """The ticket's calls (duration, keys, outcome) and voice messages, with its details only:
    the keys pressed tell what the call was about. The audio itself is fetched only when
    played, through `/console/recordings/…`, which records each play."""
    if not details:
        return {"calls": [], "recordings": []}
    calls = console.session.exec(
        select(Call).where(Call.ticket_id == ticket.id).order_by(col(Call.id))
    ).all()
    return {"calls": list(calls), "recordings": recordings_of(console.session, ticket=ticket)}


def ticket_context(console: Console, ticket: Ticket) -> dict[str, Any]:
    session = console.session
    # Through the access layer's one door: a yes on a sensitive ticket is recorded as a view.
    details = disclose(session, caller=console.caller, ticket=ticket, what=Detail.ticket)
    shows_timeline = details and disclose(
        session, caller=console.caller, ticket=ticket, what=Detail.timeline
    )
    teams = list(session.exec(select(Team).order_by(col(Team.slug))).all())
    team = next((t.slug for t in teams if t.id == ticket.team_id), None)
    assignee = session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    identity = session.get(Identity, ticket.identity_id)
    due = clock(
        status=ticket.status,
        first_response_due=ticket.first_response_due,
        first_response_at=ticket.first_response_at,
        resolution_due=ticket.resolution_due,
    )
    timeline = (
        service.timeline(session, ticket=ticket, reader=console.caller) if shows_timeline else []
    )
    controls = _controls(console, ticket, teams)
    refer_to = controls.pop("refer_to")
    return {
        "ticket": ticket,
        "details": details,
        "team": team,
        "assignee": assignee.name if assignee else None,
        "address": identity.address if identity else None,
        "mask_address": console.caller.role == Role.team_member,
        "sla": sla_state(due),
        "timeline_blocks": blocks(session, timeline, console._),
        "choices": {
            "status": _status_choices(console, ticket),
            "priority": [p.value for p in Priority],
            "team": _team_choices(console, ticket, teams),
            "sensitivity": _sensitivity_choices(console, ticket),
            "refer_to": refer_to,
        },
        **controls,
        "consented": ticket.answers.get("consent_to_share") == "yes",
        # A voice message or a callback never asks: "not asked" is not "refused".
        "consent_asked": "consent_to_share" in ticket.answers,
        "referrals": referrals_of(console, ticket),
        "others": other_tickets(console, ticket),
        "also_open": presence.others(
            session, ticket_id=ticket.id or 0, user_id=console.user.id or 0
        ),
        **voice_of(console, ticket, details),
        **reply_box(console, ticket, identity),
    }
