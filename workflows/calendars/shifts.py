"""Who is on shift for round-robin assignment: a team member with a calendar of their own (a
calendar of `calendars.yaml` named on the user, `ccc user calendar NAME CALENDAR`) works its
hours; a member without one works the team's calendar."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, func, select

from ccc.access.models import Role, TeamMembership, User
from ccc.sla import service as sla
from ccc.tickets.models import Ticket
from workflows.calendars.hours import Calendar

log = logging.getLogger(__name__)
ASSIGNABLE = (Role.agent, Role.team_member, Role.supervisor)
NOBODY_ON_SHIFT = "nobody on shift"
AT_CAP = "every member is at the cap"


def on_shift(
    user: User, *, team_calendar: Calendar | None, calendars: dict[str, Calendar], now: datetime
) -> bool:
    """A calendar the files no longer hold counts as none (the team's), and is logged."""
    own = calendars.get(user.calendar) if user.calendar else None
    if user.calendar and own is None:
        log.warning("user %s names calendar %r, which does not exist", user.id, user.calendar)
    calendar = own or team_calendar
    return calendar is None or calendar.is_open(now)


def pick_member(
    session: Session,
    *,
    team_id: int,
    cap: int,
    team_calendar: Calendar | None,
    calendars: dict[str, Calendar],
    now: datetime,
) -> tuple[User | None, str]:
    """The member on shift with the fewest open tickets under the cap (then the lowest id),
    or nobody and why."""
    on = [
        (user, load)
        for user, load in _members_by_load(session, team_id)
        if on_shift(user, team_calendar=team_calendar, calendars=calendars, now=now)
    ]
    if not on:
        return None, NOBODY_ON_SHIFT
    return next(((user, "") for user, load in on if load < cap), (None, AT_CAP))


def _members_by_load(session: Session, team_id: int) -> list[tuple[User, int]]:
    load = (
        select(Ticket.assignee_id, func.count().label("n"))
        .where(col(Ticket.status).in_(sorted(sla.OPEN)))
        .group_by(col(Ticket.assignee_id))
        .subquery()
    )
    rows = session.exec(
        select(User, func.coalesce(load.c.n, 0))
        .join(TeamMembership, col(TeamMembership.user_id) == col(User.id))
        .outerjoin(load, load.c.assignee_id == col(User.id))
        .where(
            TeamMembership.team_id == team_id,
            col(User.active).is_(True),
            col(User.role).in_(list(ASSIGNABLE)),
        )
        .order_by(func.coalesce(load.c.n, 0), col(User.id))
    ).all()
    return [(user, int(count)) for user, count in rows]
