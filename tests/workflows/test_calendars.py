"""Business calendars: when the centre is open, and business-time arithmetic for SLA due times.

The shipped `centre` calendar is Asia/Baghdad (UTC+3, no daylight saving): Sunday to Wednesday
08:00-16:00, Thursday 08:00-14:00, Friday and Saturday closed, Iraq's public holidays and
2026-12-25 closed. Every instant is fixed; nothing reads the clock.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendars.hours import ALWAYS, Calendar, load_calendars
from workflows.files.library import PACKAGE_DIR, get_library

BAGHDAD = ZoneInfo("Asia/Baghdad")
ARMY_DAY = date(2026, 1, 6)  # a Tuesday, and an Iraqi public holiday


def local(day: str, clock: str) -> datetime:
    """An instant written as Baghdad wall-clock time, as a supervisor would say it."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BAGHDAD)


def calendar_from(text: str, tmp_path: Path, name: str = "centre") -> Calendar:
    path = tmp_path / "calendars.yaml"
    path.write_text(text, encoding="utf-8")
    return load_calendars(path)[name]


@pytest.fixture(scope="module")
def centre() -> Calendar:
    return load_calendars(PACKAGE_DIR / "calendars.yaml")["centre"]


def two_shifts(tmp_path: Path) -> Calendar:
    """Open 08:00-12:00 and 13:00-17:00 every day, with a lunch break between."""
    days = "\n".join(
        f'      {day}: ["13:00-17:00", "08:00-12:00"]'
        for day in ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
    )
    text = BASE + f"  split:\n    timezone: Asia/Baghdad\n    week:\n{days}\n"
    return calendar_from(text, tmp_path, "split")


# --- open and closed -----------------------------------------------------------------------


def test_a_weekday_opens_at_eight_and_closes_at_four_baghdad_time(centre: Calendar) -> None:
    assert not centre.is_open(local("2026-12-06", "07:59"))
    assert centre.is_open(local("2026-12-06", "08:00"))
    assert centre.is_open(local("2026-12-06", "15:59:59"))
    assert not centre.is_open(local("2026-12-06", "16:00"))


def test_instants_in_utc_are_read_in_the_calendars_timezone(centre: Calendar) -> None:
    assert centre.is_open(datetime(2026, 12, 6, 5, 0, tzinfo=UTC))  # 08:00 in Baghdad
    assert not centre.is_open(datetime(2026, 12, 6, 13, 0, tzinfo=UTC))  # 16:00 in Baghdad


def test_thursday_is_a_short_day(centre: Calendar) -> None:
    assert centre.is_open(local("2026-12-03", "13:59"))
    assert not centre.is_open(local("2026-12-03", "14:00"))


def test_friday_and_saturday_are_the_weekend(centre: Calendar) -> None:
    assert not centre.is_open(local("2026-12-04", "10:00"))
    assert not centre.is_open(local("2026-12-05", "10:00"))


def test_an_iraqi_public_holiday_is_closed(centre: Calendar) -> None:
    assert ARMY_DAY in holidays.country_holidays("IQ", years=2026)
    assert centre.is_holiday(ARMY_DAY)
    assert not centre.is_open(local("2026-01-06", "10:00"))
    assert centre.is_open(local("2026-01-07", "10:00"))


def test_the_centres_own_closed_day_is_a_holiday(centre: Calendar, tmp_path: Path) -> None:
    assert centre.is_holiday(date(2026, 12, 25))
    assert not centre.is_holiday(date(2026, 12, 24))
    every_day = calendar_from(ALL_DAY.replace("closed: []", 'closed: ["2026-12-25"]'), tmp_path)
    assert not every_day.is_open(local("2026-12-25", "12:00"))
    assert every_day.is_open(local("2026-12-24", "23:59"))
    assert every_day.is_open(local("2026-12-26", "00:00"))


def test_a_calendar_needs_timezone_aware_instants(centre: Calendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        centre.is_open(datetime(2026, 12, 6, 10, 0))


# --- next opening and closing --------------------------------------------------------------


def test_next_open_is_now_while_open(centre: Calendar) -> None:
    at = local("2026-12-06", "10:00")
    assert centre.next_open(at) == at


def test_after_thursday_the_centre_next_opens_on_sunday_morning(centre: Calendar) -> None:
    opens = centre.next_open(local("2026-12-03", "14:00"))
    assert opens == local("2026-12-06", "08:00")
    assert opens is not None and opens.tzinfo is UTC


def test_after_the_holiday_eve_the_centre_next_opens_the_day_after(centre: Calendar) -> None:
    assert centre.next_open(local("2026-01-05", "16:00")) == local("2026-01-07", "08:00")


def test_closes_at_is_the_end_of_the_current_shift(centre: Calendar) -> None:
    assert centre.closes_at(local("2026-12-06", "10:00")) == local("2026-12-06", "16:00")
    assert centre.closes_at(local("2026-12-03", "09:00")) == local("2026-12-03", "14:00")
    assert centre.closes_at(local("2026-12-04", "10:00")) is None


def test_shifts_that_meet_at_midnight_are_one_stretch(tmp_path: Path) -> None:
    nights = BASE + (
        "  nights:\n    timezone: Asia/Baghdad\n    week:\n"
        '      sun: ["20:00-24:00"]\n      mon: ["00:00-06:00"]\n'
        "      tue: []\n      wed: []\n      thu: []\n      fri: []\n      sat: []\n"
    )
    calendar = calendar_from(nights, tmp_path, "nights")
    assert calendar.closes_at(local("2026-12-06", "21:00")) == local("2026-12-07", "06:00")


def test_a_calendar_with_no_shifts_never_opens(tmp_path: Path) -> None:
    never = calendar_from(ALL_DAY.replace('["00:00-24:00"]', "[]"), tmp_path)
    assert never.next_open(local("2026-12-06", "10:00")) is None
    assert never.elapsed(local("2026-01-01", "00:00"), local("2027-01-01", "00:00")) == timedelta()
    with pytest.raises(ValueError, match="never opens"):
        never.add(local("2026-12-06", "10:00"), timedelta(hours=1))


# --- business-time arithmetic --------------------------------------------------------------


def test_eight_hours_from_the_opening_is_the_closing_not_the_next_morning(
    centre: Calendar,
) -> None:
    due = centre.add(local("2026-12-06", "08:00"), timedelta(hours=8))
    assert due == local("2026-12-06", "16:00")
    assert due.tzinfo is UTC


def test_adding_across_the_weekend_resumes_on_sunday(centre: Calendar) -> None:
    # Thursday 12:00 leaves two hours before 14:00; the other two run from Sunday 08:00.
    assert centre.add(local("2026-12-03", "12:00"), timedelta(hours=4)) == local(
        "2026-12-06", "10:00"
    )


def test_adding_across_a_public_holiday_skips_it(centre: Calendar) -> None:
    # Monday 5 January 15:00: one hour that day, Army Day is closed, one hour on Wednesday.
    assert centre.add(local("2026-01-05", "15:00"), timedelta(hours=2)) == local(
        "2026-01-07", "09:00"
    )


def test_adding_across_a_shift_break_skips_the_break(tmp_path: Path) -> None:
    split = two_shifts(tmp_path)
    assert split.add(local("2026-12-06", "11:00"), timedelta(hours=2)) == local(
        "2026-12-06", "14:00"
    )
    assert not split.is_open(local("2026-12-06", "12:30"))
    assert split.next_open(local("2026-12-06", "12:30")) == local("2026-12-06", "13:00")
    assert split.closes_at(local("2026-12-06", "09:00")) == local("2026-12-06", "12:00")


def test_a_ticket_that_arrives_on_friday_is_due_counting_from_sunday(centre: Calendar) -> None:
    assert centre.add(local("2026-12-04", "22:00"), timedelta(minutes=30)) == local(
        "2026-12-06", "08:30"
    )


def test_adding_nothing_is_the_start_and_adding_less_than_nothing_is_refused(
    centre: Calendar,
) -> None:
    start = local("2026-12-04", "22:00")
    assert centre.add(start, timedelta()) == start
    with pytest.raises(ValueError, match="negative"):
        centre.add(start, -timedelta(minutes=1))


def test_a_week_of_business_time_is_a_working_week(centre: Calendar) -> None:
    # 4 × 8 h + 6 h = 38 h a week: from Sunday 08:00, 38 h end the next Thursday at 14:00.
    assert centre.add(local("2026-12-06", "08:00"), timedelta(hours=38)) == local(
        "2026-12-10", "14:00"
    )


def test_elapsed_counts_only_open_time(centre: Calendar) -> None:
    assert centre.elapsed(local("2026-12-03", "12:00"), local("2026-12-06", "10:00")) == timedelta(
        hours=4
    )
    assert centre.elapsed(local("2026-12-04", "00:00"), local("2026-12-06", "00:00")) == timedelta()
    assert centre.elapsed(local("2026-01-05", "00:00"), local("2026-01-08", "00:00")) == timedelta(
        hours=16
    )


def test_elapsed_backwards_is_negative(centre: Calendar) -> None:
    start, end = local("2026-12-03", "12:00"), local("2026-12-06", "10:00")
    assert centre.elapsed(end, start) == -timedelta(hours=4)


def test_elapsed_undoes_add_across_weeks(centre: Calendar) -> None:
    start = local("2026-12-20", "09:17")
    for hours in (1, 8, 38, 100, 500):
        assert centre.elapsed(start, centre.add(start, timedelta(hours=hours))) == timedelta(
            hours=hours
        )


# --- always --------------------------------------------------------------------------------


def test_always_is_open_at_every_hour_and_adds_plain_time() -> None:
    at = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    assert ALWAYS.name == "always"
    assert ALWAYS.is_open(at)
    assert ALWAYS.next_open(at) == at
    assert ALWAYS.closes_at(at) is None
    assert ALWAYS.add(at, timedelta(days=3)) == at + timedelta(days=3)
    assert ALWAYS.elapsed(at, at + timedelta(days=3)) == timedelta(days=3)


def test_open_all_day_every_day_behaves_as_always(tmp_path: Path) -> None:
    every_day = calendar_from(ALL_DAY, tmp_path)
    start = local("2026-12-03", "13:00")
    for hours in (0, 1, 11, 24, 24 * 9 + 5):
        at = start + timedelta(hours=hours)
        assert every_day.is_open(at) and ALWAYS.is_open(at)
        assert every_day.add(start, timedelta(hours=hours)) == ALWAYS.add(
            start, timedelta(hours=hours)
        )
        assert every_day.elapsed(start, at) == ALWAYS.elapsed(start, at)
    assert every_day.closes_at(start) is None


def test_every_calendars_file_offers_always() -> None:
    assert load_calendars(PACKAGE_DIR / "calendars.yaml")["always"] is ALWAYS


@settings(deadline=None, max_examples=200)
@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
    duration=st.timedeltas(min_value=timedelta(), max_value=timedelta(days=60)),
)
def test_elapsed_is_the_inverse_of_add(start: datetime, duration: timedelta) -> None:
    centre = load_calendars(PACKAGE_DIR / "calendars.yaml")["centre"]
    assert centre.elapsed(start, centre.add(start, duration)) == duration


# --- the library ---------------------------------------------------------------------------


def test_the_library_holds_the_shipped_calendars() -> None:
    calendars = get_library().calendars
    assert set(calendars) == {"always", "centre"}
    assert calendars["centre"].timezone == "Asia/Baghdad"
    assert calendars["centre"].holidays == "IQ"


def test_a_workflows_folder_without_calendars_uses_ccc_own(tmp_path: Path) -> None:
    folder = _workflows_copy(tmp_path)
    assert set(get_library(folder).calendars) == {"always", "centre"}


def test_a_workflows_folder_with_calendars_uses_its_own(tmp_path: Path) -> None:
    folder = _workflows_copy(tmp_path)
    (folder / "calendars.yaml").write_text(ALL_DAY, encoding="utf-8")
    assert get_library(folder).calendars["centre"].is_open(local("2026-12-04", "03:00"))


def _workflows_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "workflows"
    for part in ("flows", "prompts", "rules"):
        shutil.copytree(PACKAGE_DIR / part, folder / part)
    return folder


# --- the shipped file and a template for broken ones ---------------------------------------

BASE = """\
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
    closed: ["2026-12-25"]
"""

ALL_DAY = """\
calendars:
  centre:
    timezone: Asia/Baghdad
    week:
      sun: ["00:00-24:00"]
      mon: ["00:00-24:00"]
      tue: ["00:00-24:00"]
      wed: ["00:00-24:00"]
      thu: ["00:00-24:00"]
      fri: ["00:00-24:00"]
      sat: ["00:00-24:00"]
    closed: []
"""


def test_the_shipped_file_is_the_contracts_centre(centre: Calendar, tmp_path: Path) -> None:
    assert centre == calendar_from(BASE, tmp_path)
