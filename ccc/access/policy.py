"""Who may see which ticket, decided in one place.

Every read of tickets (the queue, one ticket, its timeline, its referrals) starts from
`visible_tickets`, so need-to-know rules change here and nowhere else. A team member sees their
teams' tickets and the tickets referred to their teams. Restricted tickets (misconduct, sexual
exploitation and abuse, fraud) fail closed: only the focal team sees that they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, true
from sqlmodel import Session, col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from ccc.access.models import BreakGlassGrant, Role, Team, TeamMembership
from ccc.kernel.errors import Conflict, Forbidden, NotFound
from ccc.kernel.runtime import get_runtime
from ccc.kernel.timeutil import utcnow
from ccc.referrals.models import Referral, ReferralStatus
from ccc.tickets.models import Sensitivity, Ticket


@dataclass(frozen=True)
class Caller:
    user_id: int | None
    name: str
    role: str
    team_ids: frozenset[int] = frozenset()
    team_slugs: frozenset[str] = frozenset()
    # Where the request came from, for the audit log; None for the system and the CLI.
    address: str | None = None


# A team keeps seeing a ticket referred to it while the referral is open or done; a rejected
# or cancelled referral gives nothing.
SEEING_REFERRALS = (ReferralStatus.pending, ReferralStatus.accepted, ReferralStatus.completed)


def visible_tickets(caller: Caller, *, focal_team: str) -> SelectOfScalar[Ticket]:
    """A `select(Ticket)` limited to what the caller may see.

    Every member of the focal team sees every restricted ticket, whichever team owns it: a
    restricted case must never be lost by the one team allowed to handle it."""
    query = select(Ticket)
    in_focal_team = focal_team in caller.team_slugs
    if not in_focal_team:
        query = query.where(
            or_(Ticket.sensitivity != Sensitivity.restricted, col(Ticket.id).in_(granted(caller)))
        )
    if caller.role == Role.team_member:
        if not caller.team_ids:
            return query.where(col(Ticket.id).is_(None))
        teams = sorted(caller.team_ids)
        referred_to_them = select(Referral.ticket_id).where(
            col(Referral.team_id).in_(teams), col(Referral.status).in_(SEEING_REFERRALS)
        )
        conditions: list[ColumnElement[bool]] = [
            col(Ticket.team_id).in_(teams),
            col(Ticket.id).in_(referred_to_them),
        ]
        if in_focal_team:
            conditions.append(col(Ticket.sensitivity) == Sensitivity.restricted)
        query = query.where(or_(*conditions))
    return query


def granted(caller: Caller) -> Any:
    """The restricted tickets this supervisor or admin has broken the glass to, until the
    grant ends (`ccc/access/break_glass.py`); nothing for anyone else."""
    if caller.role not in OVERSIGHT or caller.user_id is None:
        return select(BreakGlassGrant.ticket_id).where(false())
    return select(BreakGlassGrant.ticket_id).where(
        BreakGlassGrant.user_id == caller.user_id, col(BreakGlassGrant.expires_at) > utcnow()
    )


def get_visible_ticket(
    session: Session, *, caller: Caller, reference: str, focal_team: str
) -> Ticket:
    """The ticket, or 404 exactly as for one that does not exist."""
    ticket = session.exec(
        visible_tickets(caller, focal_team=focal_team).where(Ticket.reference == reference)
    ).first()
    if ticket is None:
        raise NotFound("ticket not found")
    return ticket


_LEVEL = {Sensitivity.normal: 0, Sensitivity.sensitive: 1, Sensitivity.restricted: 2}
STAFF = frozenset({Role.agent, Role.supervisor, Role.admin})
OVERSIGHT = frozenset({Role.supervisor, Role.admin})
CENTRE_TEAM = "ccc"


def authorize_changes(
    session: Session,
    caller: Caller,
    ticket: Ticket,
    updates: dict[str, tuple[Any, Any]],
    *,
    focal_team: str | None,
    override_reason: str | None = None,
    by_referral: bool = False,
) -> str | None:
    """Who may change what, beyond seeing the ticket (403 otherwise); returns the consent
    override reason to record when the change shares the ticket against the person's No.

    Anyone who sees a ticket may raise its sensitivity (an agent who reads an abuse allegation
    must be able to restrict it at once), but only supervisors, admins and the focal team may
    lower it. Moving a ticket to a programme team shares it, so it needs the right to read its
    details and the person's consent (or a supervisor's recorded override), as a referral does.
    Team members may hand a ticket back to the centre, not move it elsewhere, and may assign it
    only within the ticket's team. Every change needs the right to read the ticket's details,
    and a team that only received a referral changes nothing of the ticket itself: it answers
    its referral, whose consequence on the status (`by_referral`) is the one change it makes.
    """
    if caller.user_id is None:
        return None  # the system itself: routing, the person's own messages, periodic jobs
    if not by_referral:
        # A referral's own consequence on the status was authorised by the referral service
        # (the referrer may share the ticket; the receiving team answers its referral, and a
        # team that has just rejected one no longer reads the details, yet its answer stands).
        check_write(session, caller=caller, ticket=ticket)
        check_owning_side(caller, ticket, focal_team=focal_team, doing="changing the ticket")
    if "sensitivity" in updates:
        _check_lowering(caller, updates["sensitivity"], focal_team)
    override = None
    if "team_id" in updates:
        override = _authorize_move(session, caller, ticket, updates, focal_team, override_reason)
    if caller.role not in STAFF:
        _check_team_members_change(session, ticket, updates, focal_team)
    return override


def _check_lowering(caller: Caller, change: tuple[Any, Any], focal_team: str | None) -> None:
    old, new = change
    lowering = _LEVEL[Sensitivity(new)] < _LEVEL[Sensitivity(old)]
    in_focal_team = focal_team is not None and focal_team in caller.team_slugs
    if lowering and caller.role not in OVERSIGHT and not in_focal_team:
        raise Forbidden("only a supervisor, an admin or the focal team may lower sensitivity")


def _check_team_members_change(
    session: Session, ticket: Ticket, updates: dict[str, tuple[Any, Any]], focal_team: str | None
) -> None:
    """A team member hands a ticket back to the centre and assigns within the ticket's team.
    A restricted case belongs to the focal team: restricting a ticket hands it there (the
    move's destination was checked by `_authorize_move`), and its members assign it among
    themselves."""
    restricted = updates.get("sensitivity", (None, ticket.sensitivity))[1] == Sensitivity.restricted
    if "team_id" in updates and not restricted:
        centre = session.exec(select(Team.id).where(Team.slug == CENTRE_TEAM)).first()
        if updates["team_id"][1] != centre:
            raise Forbidden(f"a team member may only hand a ticket back to {CENTRE_TEAM!r}")
    if "assignee_id" in updates and updates["assignee_id"][1] is not None:
        teams = {updates.get("team_id", (None, ticket.team_id))[1]}
        if restricted and focal_team is not None:
            teams.add(session.exec(select(Team.id).where(Team.slug == focal_team)).first())
        assignee = updates["assignee_id"][1]
        if not any(session.get(TeamMembership, (assignee, team)) for team in teams):
            raise Forbidden("a team member may assign a ticket only to someone of its team")


def _authorize_move(
    session: Session,
    caller: Caller,
    ticket: Ticket,
    updates: dict[str, tuple[Any, Any]],
    focal_team: str | None,
    override_reason: str | None,
) -> str | None:
    check_may_share(session, caller=caller, ticket=ticket)
    if ticket.sensitivity == Sensitivity.sensitive and not (
        caller.role in OVERSIGHT or ticket.team_id in caller.team_ids
    ):
        # Its new team reads what only its team may read: even the centre's agents are new.
        raise Forbidden("a sensitive ticket is moved only by its own team or a supervisor")
    team = session.get(Team, updates["team_id"][1])
    slug = team.slug if team is not None else None
    sensitivity = updates.get("sensitivity", (None, ticket.sensitivity))[1]
    if sensitivity == Sensitivity.restricted:
        if slug != focal_team:
            raise Conflict(
                "a restricted ticket stays with the focal team; lower its sensitivity first"
            )
        return None  # restricting hands the case to the focal team, whatever the consent
    if slug == CENTRE_TEAM:
        return None  # the centre's own agents keep a ticket the person did not agree to share
    return check_consent(ticket=ticket, caller=caller, override_reason=override_reason)


def may_write(session: Session, *, caller: Caller, ticket: Ticket) -> bool:
    """Every write (a change, a reply, a note, a referral) needs the right to read the details:
    acting on a case one may not read is acting blind, and its answer would reveal it. The
    console shows a write control only when this is true (`check_write` refuses otherwise)."""
    return may_see_details(session, caller=caller, ticket=ticket)


def may_act_as_owner(
    session: Session, *, caller: Caller, ticket: Ticket, focal_team: str | None
) -> bool:
    """Changing the ticket, replying to the person, referring it and assigning it: a write
    by the owning side, not by a team that only received a referral (`check_owning_side`)."""
    return may_write(session, caller=caller, ticket=ticket) and not holds_only_a_referral(
        caller, ticket, focal_team=focal_team
    )


def may_override_consent(caller: Caller) -> bool:
    """Sharing a ticket against the person's No, with a recorded reason (`check_consent`)."""
    return caller.role in OVERSIGHT


def may_answer_referral(caller: Caller, *, referral_team_id: int) -> bool:
    """Accepting, rejecting and completing a referral: its receiving team, or a supervisor."""
    return caller.role in OVERSIGHT or referral_team_id in caller.team_ids


def may_break_glass(caller: Caller) -> bool:
    """Asking, with a reason, to open a restricted ticket outside the focal team."""
    return caller.role in OVERSIGHT and caller.user_id is not None


def check_write(session: Session, *, caller: Caller, ticket: Ticket) -> None:
    """403 unless `may_write`."""
    if not may_write(session, caller=caller, ticket=ticket):
        raise Forbidden("only those who may read a sensitive ticket's details may act on it")


def holds_only_a_referral(caller: Caller, ticket: Ticket, *, focal_team: str | None) -> bool:
    """A team member who sees the ticket only because it was referred to their team."""
    if caller.user_id is None or caller.role != Role.team_member:
        return False
    if ticket.team_id in caller.team_ids:
        return False
    in_focal_team = focal_team is not None and focal_team in caller.team_slugs
    return not (ticket.sensitivity == Sensitivity.restricted and in_focal_team)


def running_focal_team() -> str:
    """`CCC_RESTRICTED_FOCAL_TEAM` of the running CCC, for a service whose callers name none
    (a reply, a referral): the focal team is the owning side of every restricted case."""
    return get_runtime().settings.restricted_focal_team


def check_owning_side(
    caller: Caller, ticket: Ticket, *, focal_team: str | None, doing: str
) -> None:
    """A receiving team answers its referral and adds notes; moving, resolving, re-referring,
    assigning, replying to the person and changing the sensitivity stay with the owning team,
    the centre's agents and supervisors (403). The focal team is the owning side of a
    restricted ticket, whichever team it sits in."""
    if holds_only_a_referral(caller, ticket, focal_team=focal_team):
        raise Forbidden(
            f"{doing} is for the ticket's own team: a team that received a referral "
            "answers it and adds notes"
        )


def check_may_share(session: Session, *, caller: Caller, ticket: Ticket) -> None:
    """Moving or referring a ticket needs the right to read what is being passed on."""
    if not may_see_details(session, caller=caller, ticket=ticket):
        raise Forbidden("moving or referring a sensitive ticket is for its team and supervisors")


def check_consent(*, ticket: Ticket, caller: Caller, override_reason: str | None) -> str | None:
    """Sharing a ticket with a programme team needs the person's Yes, or a supervisor's or an
    admin's recorded reason (409 without one, 403 for anyone else). Returns the override to
    record, or None when consent was given."""
    override = (override_reason or "").strip() or None
    if ticket.answers.get("consent_to_share") == "yes":
        return None
    if override is None:
        raise Conflict(
            "the person has not agreed to share their data; a supervisor may share it "
            "with an 'override_reason'"
        )
    if not may_override_consent(caller):
        raise Forbidden("only a supervisor or an admin may override the person's consent")
    return override


def may_see_details(session: Session, *, caller: Caller, ticket: Ticket) -> bool:
    """A `sensitive` ticket's answers and timeline are for its own team, a team it is referred
    to, and supervisors; others see that it exists, its status and its clocks."""
    if ticket.sensitivity != Sensitivity.sensitive or caller.user_id is None:
        return True
    if caller.role in OVERSIGHT or ticket.team_id in caller.team_ids:
        return True
    referred = session.exec(
        select(Referral.id).where(
            Referral.ticket_id == ticket.id,
            col(Referral.team_id).in_(sorted(caller.team_ids)),
            col(Referral.status).in_(SEEING_REFERRALS),
        )
    ).first()
    return referred is not None


def may_read_referral_notes(
    session: Session, *, caller: Caller, ticket: Ticket, referral_team_id: int
) -> bool:
    """A referral's note, override reason, rejection reason and outcome follow the ticket's
    answers; a receiving team also reads only the notes of its own referrals, not those
    meant for other teams."""
    if not may_see_details(session, caller=caller, ticket=ticket):
        return False
    if caller.role != Role.team_member or ticket.team_id in caller.team_ids:
        return True
    return referral_team_id in caller.team_ids


def searchable_answers(caller: Caller) -> Any:
    """The condition under which a ticket's answers may be searched by this caller."""
    if caller.role in OVERSIGHT:
        return true()
    return or_(
        Ticket.sensitivity == Sensitivity.normal,
        col(Ticket.team_id).in_(sorted(caller.team_ids)),
    )
