"""Round robin among the members on shift now: a member with a calendar of their own works its
hours, one without works the team's calendar. The clock is frozen at chosen instants."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from ccc.access.models import Team, User
from tests.ccc.sla.test_due_times import _lines
from tests.conftest import Harness
from tests.flows import open_ticket
from workflows.calendars.hours import Calendar, parse_calendars
from workflows.calendars.shifts import AT_CAP, NOBODY_ON_SHIFT, pick_member

BAGHDAD = ZoneInfo("Asia/Baghdad")
CALENDARS = """
calendars:
  centre:
    timezone: Asia/Baghdad
    week: {sun: ["08:00-16:00"], mon: ["08:00-16:00"], tue: ["08:00-16:00"],
           wed: ["08:00-16:00"], thu: ["08:00-14:00"], fri: [], sat: []}
    holidays: IQ
  late_shift:
    timezone: Asia/Baghdad
    week: {sun: ["14:00-22:00"], mon: ["14:00-22:00"], tue: ["14:00-22:00"],
           wed: ["14:00-22:00"], thu: ["14:00-22:00"], fri: [], sat: []}
  weekend_duty:
    timezone: Asia/Baghdad
    week: {sun: [], mon: [], tue: [], wed: [], thu: [], fri: ["09:00-15:00"],
           sat: ["09:00-15:00"]}
"""
SUNDAY_MORNING = datetime(2026, 12, 6, 10, 0, tzinfo=BAGHDAD)
SUNDAY_EVENING = datetime(2026, 12, 6, 19, 0, tzinfo=BAGHDAD)
FRIDAY_NOON = datetime(2026, 12, 4, 12, 0, tzinfo=BAGHDAD)
SUNDAY_NIGHT = datetime(2026, 12, 6, 23, 30, tzinfo=BAGHDAD)


def calendars() -> dict[str, Calendar]:
    found, problems = parse_calendars(_lines(CALENDARS), "calendars.yaml")
    assert found is not None, problems
    return found


def staff(ccc: Harness) -> None:
    """Bob works the team's hours, Carol the late shift, Dina the weekend duty."""
    for name in ("bob", "carol", "dina"):
        ccc.user(name, "team_member", ["assistance"])
    with ccc.session() as session:
        for name, calendar in (("carol", "late_shift"), ("dina", "weekend_duty")):
            user = session.exec(select(User).where(User.name == name)).one()
            user.calendar = calendar
            session.add(user)
        session.commit()


def pick(session: Session, now: datetime, cap: int = 5) -> tuple[str | None, str]:
    team = session.exec(select(Team).where(Team.slug == "assistance")).one()
    assert team.id is not None
    found = calendars()
    member, reason = pick_member(
        session, team_id=team.id, cap=cap, team_calendar=found["centre"], calendars=found, now=now
    )
    return (member.name if member else None), reason


def test_only_members_on_shift_now_are_picked(ccc: Harness) -> None:
    staff(ccc)
    with ccc.session() as session:
        assert pick(session, SUNDAY_MORNING) == ("bob", "")  # the team's hours; Carol at 14:00
        assert pick(session, SUNDAY_EVENING) == ("carol", "")  # the centre closed at 16:00
        assert pick(session, FRIDAY_NOON) == ("dina", "")  # the weekend duty
        assert pick(session, SUNDAY_NIGHT) == (None, NOBODY_ON_SHIFT)


def test_the_cap_counts_among_those_on_shift(ccc: Harness) -> None:
    staff(ccc)
    reference = open_ticket(ccc, "+9647704449001", "assistance")
    with ccc.session() as session:
        from ccc.tickets.models import Ticket

        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        carol = session.exec(select(User).where(User.name == "carol")).one()
        ticket.assignee_id = carol.id
        session.add(ticket)
        session.flush()
        # Carol holds one open ticket: with a cap of one she is full, and Bob is off shift.
        assert pick(session, SUNDAY_EVENING, cap=1) == (None, AT_CAP)
        assert pick(session, SUNDAY_EVENING, cap=2) == ("carol", "")
        session.rollback()


def test_a_calendar_that_no_longer_exists_follows_the_team_calendar(ccc: Harness) -> None:
    ccc.user("erin", "team_member", ["assistance"])
    with ccc.session() as session:
        erin = session.exec(select(User).where(User.name == "erin")).one()
        erin.calendar = "night_shift"  # removed from calendars.yaml since
        session.add(erin)
        session.flush()
        assert pick(session, SUNDAY_MORNING) == ("erin", "")
        assert pick(session, SUNDAY_EVENING) == (None, NOBODY_ON_SHIFT)
        session.rollback()
