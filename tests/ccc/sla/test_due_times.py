"""Due times in business hours, with the clock frozen: the weekend, a shift break, an Iraqi public
holiday, a pause while pending, and a change of priority."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ccc.sla import policy, service
from ccc.tickets.models import Ticket
from workflows.calendars.hours import load_calendars, parse_calendars
from workflows.files.library import PACKAGE_DIR, current
from workflows.files.rulebook import parse_documents
from workflows.files.yamlfile import LineDict

BAGHDAD = ZoneInfo("Asia/Baghdad")
RULES = """
sla:
  default: {first_response: 8h, next_response: 8h, resolution: 40h, calendar: centre}
  priority:
    urgent: {first_response: 2h, resolution: 24h, calendar: always}
  category:
    assistance: {first_response: 3h, resolution: 10h, calendar: split}
  referral: {acceptance: 3h}
"""
CALENDARS = """
calendars:
  centre:
    timezone: Asia/Baghdad
    week:
      sun: ["08:00-16:00"]
      mon: ["08:00-16:00"]
      tue: ["08:00-16:00"]
      wed: ["08:00-16:00"]
      thu: ["08:00-14:00"]
      fri: []
      sat: []
    holidays: IQ
  split:
    timezone: Asia/Baghdad
    week:
      sun: ["08:00-12:00", "13:00-16:00"]
      mon: ["08:00-12:00", "13:00-16:00"]
      tue: ["08:00-12:00", "13:00-16:00"]
      wed: ["08:00-12:00", "13:00-16:00"]
      thu: ["08:00-12:00", "13:00-16:00"]
      fri: []
      sat: []
"""


def baghdad(*args: int) -> datetime:
    return datetime(*args, tzinfo=BAGHDAD)


@pytest.fixture(autouse=True)
def policies() -> Iterator[None]:
    """The policies above, with their calendars, in place of the shipped ones."""
    calendars, problems = parse_calendars(_lines(CALENDARS), "calendars.yaml")
    assert calendars is not None, problems
    book, problems = parse_documents([(_lines(RULES), "rules.yaml")], calendars)
    assert book is not None, problems
    policy.use(lambda: book.sla)
    yield
    policy.use(lambda: current().rules.sla)


def _lines(text: str) -> LineDict:
    from pathlib import Path
    from tempfile import NamedTemporaryFile

    from workflows.files.yamlfile import load

    with NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as file:
        file.write(text)
    data, problems = load(Path(file.name))
    Path(file.name).unlink()
    assert not problems
    assert isinstance(data, LineDict)
    return data


def ticket(created: datetime, **fields: str) -> Ticket:
    new = Ticket(
        reference="00000000",
        contact_id=1,
        identity_id=1,
        channel="sms",
        category=fields.get("category", "tracing"),
        priority=fields.get("priority", "normal"),
        created_at=created.astimezone(UTC),
    )
    service.start_clocks(ticket=new)
    return new


def test_a_ticket_on_thursday_afternoon_is_due_on_sunday_after_the_weekend() -> None:
    # Thursday closes at 14:00: one hour on Thursday, the other seven from Sunday 08:00.
    new = ticket(baghdad(2026, 12, 3, 13, 0))
    assert new.first_response_due == baghdad(2026, 12, 6, 15, 0)
    # 40 working hours: 1 (Thu) + 8 (Sun) + 8 (Mon) + 8 (Tue) + 8 (Wed) + 6 (Thu) = 39, then 1
    assert new.resolution_due == baghdad(2026, 12, 13, 9, 0)


def test_the_army_day_holiday_is_skipped() -> None:
    # Tuesday 5 January 2027, 15:00; Wednesday the 6th is Army Day, a public holiday in Iraq.
    new = ticket(baghdad(2027, 1, 5, 15, 0))
    # 1 h on Tuesday, none on Wednesday, 6 h on Thursday, the weekend, the last hour on Sunday.
    assert new.first_response_due == baghdad(2027, 1, 10, 9, 0)


def test_the_lunch_break_of_a_split_shift_does_not_count() -> None:
    new = ticket(baghdad(2026, 12, 6, 10, 30), category="assistance")
    assert new.first_response_due == baghdad(2026, 12, 6, 14, 30)


def test_an_urgent_ticket_counts_every_hour() -> None:
    new = ticket(baghdad(2026, 12, 4, 23, 0), priority="urgent")  # a Friday night
    assert new.first_response_due == baghdad(2026, 12, 5, 1, 0)


def test_a_change_of_priority_moves_the_due_times_from_creation() -> None:
    new = ticket(baghdad(2026, 12, 6, 9, 0))
    assert new.first_response_due == baghdad(2026, 12, 7, 9, 0)
    new.priority = "urgent"
    service.recalculate(ticket=new, now=baghdad(2026, 12, 6, 9, 30))
    assert new.first_response_due == baghdad(2026, 12, 6, 11, 0)


def test_time_pending_on_the_person_pauses_the_clocks() -> None:
    new = ticket(baghdad(2026, 12, 6, 8, 0))
    assert new.first_response_due == baghdad(2026, 12, 6, 16, 0)
    new.status = "pending"
    service.pause(ticket=new, now=baghdad(2026, 12, 6, 10, 0))
    assert service.alerts(new) == []  # nothing fires while the centre waits on the person
    new.status = "open"
    # Paused from Sunday 10:00 to Monday 09:00: 6 h on Sunday and 1 h on Monday were not counted.
    service.resume(ticket=new, now=baghdad(2026, 12, 7, 9, 0))
    assert new.sla_paused_seconds == 7 * 3600
    assert new.first_response_due == baghdad(2026, 12, 7, 15, 0)


def test_each_alert_fires_once_warning_first() -> None:
    new = ticket(baghdad(2026, 12, 6, 8, 0))
    new.status = "open"
    warn = baghdad(2026, 12, 6, 14, 24)  # 80% of 8 hours
    assert new.sla_next_check == warn
    assert service.fire_due(ticket=new, now=warn - timedelta(minutes=1)) == []
    [warning] = service.fire_due(ticket=new, now=warn)
    assert warning.name == "first_response.warning"
    assert service.fire_due(ticket=new, now=warn) == []
    [breach] = service.fire_due(ticket=new, now=baghdad(2026, 12, 6, 16, 0))
    assert breach.name == "first_response.breached"
    assert new.sla_breached_at is not None
    assert new.sla_next_check is not None and new.sla_next_check > baghdad(2026, 12, 6, 16, 0)


def test_the_shipped_calendar_file_is_the_one_read() -> None:
    assert "centre" in load_calendars(PACKAGE_DIR / "calendars.yaml")


def test_a_referral_is_due_in_the_receiving_teams_hours() -> None:
    start = baghdad(2026, 12, 6, 10, 30)
    # A calendar named after the team is its hours (here with a lunch break)...
    assert service.referral_due(team="split", start=start) == baghdad(2026, 12, 6, 14, 30)
    # ...and a team without one counts the referral policy's calendar (`always` by default).
    assert service.referral_due(team="tracing", start=start) == baghdad(2026, 12, 6, 13, 30)
