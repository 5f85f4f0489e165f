"""A broken calendars.yaml is refused whole, with each problem reported as `file:line: message`.

Each case breaks one thing in a copy of the shipped file and expects the exact message at the
line a supervisor would look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.calendars.hours import load_calendars, parse_calendars
from workflows.files.library import PACKAGE_DIR, check_paths
from workflows.files.yamlfile import LoadError, Problem, load

SHIPPED = (PACKAGE_DIR / "calendars.yaml").read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert SHIPPED.count(old) == 1, f"{old!r} should occur once in the shipped calendars"
    path = tmp_path / "calendars.yaml"
    path.write_text(SHIPPED.replace(old, new), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """The first line that has `needle` outside a comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(
        number for number, line in enumerate(lines, start=1) if needle in line.split("#")[0]
    )


def problems_of(path: Path) -> list[Problem]:
    """What `ccc workflows check` says, after making sure loading refuses the same problems."""
    with pytest.raises(LoadError) as refused:
        load_calendars(path)
    assert check_paths([path]) == refused.value.problems
    return refused.value.problems


def at(path: Path, needle: str, message: str) -> Problem:
    return Problem(str(path), line_of(path, needle), message)


def test_the_shipped_calendars_check_clean() -> None:
    assert check_paths([PACKAGE_DIR / "calendars.yaml"]) == []


def test_an_unknown_top_level_key(tmp_path: Path) -> None:
    path = broken(tmp_path, "calendars:\n", "colour: red\ncalendars:\n")
    assert problems_of(path) == [
        at(path, "colour", "unknown key 'colour'; a calendars file has 'calendars'")
    ]


def test_a_file_without_calendars_is_not_a_calendars_file(tmp_path: Path) -> None:
    path = tmp_path / "calendars.yaml"
    path.write_text("calendars: []\n", encoding="utf-8")
    assert problems_of(path) == [
        Problem(str(path), 1, "a calendars file needs a mapping under 'calendars'")
    ]


def test_an_unknown_key_in_a_calendar(tmp_path: Path) -> None:
    path = broken(tmp_path, "    holidays: IQ", "    opens: 8\n    holidays: IQ")
    assert problems_of(path) == [
        at(
            path,
            "opens",
            "centre: unknown key 'opens'; a calendar has timezone, week, holidays, closed",
        )
    ]


def test_an_unknown_day_name(tmp_path: Path) -> None:
    path = broken(tmp_path, "      fri: []", "      friday: []")
    assert problems_of(path) == [
        at(
            path,
            "friday",
            "centre: unknown day 'friday'; the days are sun, mon, tue, wed, thu, fri, sat",
        ),
        at(path, "week:", "centre: 'week' has no 'fri' (write fri: [] for a closed day)"),
    ]


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        ("8-16", 'centre: thu: shift \'8-16\' is not "HH:MM-HH:MM", e.g. "08:00-16:00"'),
        (
            "16:00-08:00",
            "centre: thu: shift '16:00-08:00' ends before it starts (split a night at 24:00)",
        ),
        (
            "08:00-08:00",
            "centre: thu: shift '08:00-08:00' ends before it starts (split a night at 24:00)",
        ),
        ("08:60-14:00", "centre: thu: 08:60 is not a time from 00:00 to 24:00"),
        ("08:00-24:30", "centre: thu: 24:30 is not a time from 00:00 to 24:00"),
        ("25:00-26:00", "centre: thu: 25:00 is not a time from 00:00 to 24:00"),
    ],
)
def test_a_malformed_shift(tmp_path: Path, shift: str, message: str) -> None:
    path = broken(tmp_path, '"08:00-14:00"', f'"{shift}"')
    assert problems_of(path) == [at(path, "thu:", message)]


def test_a_shift_that_is_not_text(tmp_path: Path) -> None:
    path = broken(tmp_path, '["08:00-14:00"]', "[8]")
    assert problems_of(path) == [
        at(path, "thu:", 'centre: thu: shift 8 is not "HH:MM-HH:MM", e.g. "08:00-16:00"')
    ]


def test_a_day_that_is_not_a_list(tmp_path: Path) -> None:
    path = broken(tmp_path, '["08:00-14:00"]', '"08:00-14:00"')
    assert problems_of(path) == [
        at(path, "thu:", 'centre: thu must be a list of "HH:MM-HH:MM" shifts ([] when closed)')
    ]


def test_overlapping_shifts_on_one_day(tmp_path: Path) -> None:
    path = broken(tmp_path, '["08:00-14:00"]', '["11:00-14:00", "08:00-12:00"]')
    assert problems_of(path) == [
        at(path, "thu:", "centre: thu: shifts 08:00-12:00 and 11:00-14:00 overlap")
    ]


def test_shifts_that_touch_do_not_overlap(tmp_path: Path) -> None:
    path = broken(tmp_path, '["08:00-14:00"]', '["08:00-11:00", "11:00-14:00"]')
    assert check_paths([path]) == []


def test_a_shift_block_list_is_reported_at_its_day(tmp_path: Path) -> None:
    path = broken(tmp_path, '      thu: ["08:00-14:00"]', '      thu:\n        - "8-14"')
    assert problems_of(path) == [
        at(path, "thu:", 'centre: thu: shift \'8-14\' is not "HH:MM-HH:MM", e.g. "08:00-16:00"')
    ]


def test_an_unknown_timezone(tmp_path: Path) -> None:
    path = broken(tmp_path, "Asia/Baghdad", "Asia/Bagdad")
    assert problems_of(path) == [
        at(path, "timezone", "centre: unknown timezone 'Asia/Bagdad' (e.g. Asia/Baghdad)")
    ]


def test_an_unknown_holiday_country(tmp_path: Path) -> None:
    path = broken(tmp_path, "holidays: IQ", "holidays: XX")
    assert problems_of(path) == [
        at(path, "holidays", "centre: unknown holiday country 'XX'; give an ISO code such as IQ")
    ]


def test_a_country_code_that_yaml_reads_as_no_asks_for_quotes(tmp_path: Path) -> None:
    path = broken(tmp_path, "holidays: IQ", "holidays: NO")
    assert problems_of(path) == [
        at(
            path,
            "holidays",
            "centre: unknown holiday country False; give an ISO code such as IQ "
            "(write the code in quotes)",
        )
    ]


def test_holidays_may_be_omitted_and_the_code_written_in_lower_case(tmp_path: Path) -> None:
    assert load_calendars(broken(tmp_path, "holidays: IQ", "holidays: iq"))["centre"].holidays == (
        "IQ"
    )
    assert load_calendars(broken(tmp_path, "    holidays: IQ", ""))["centre"].holidays is None


@pytest.mark.parametrize("day", ["2026-13-01", "25/12/2026", "2026-12-25 10:00", "tomorrow"])
def test_a_malformed_closed_day(tmp_path: Path, day: str) -> None:
    path = broken(tmp_path, '"2026-12-25"', f'"{day}"')
    assert problems_of(path) == [
        at(path, "closed", f'centre: closed day {day!r} is not a date "YYYY-MM-DD"')
    ]


def test_closed_days_may_be_written_without_quotes(tmp_path: Path) -> None:
    path = broken(tmp_path, '["2026-12-25"]', "[2026-12-25, 2027-01-03]")
    assert len(load_calendars(path)["centre"].closed) == 2


def test_a_missing_centre_calendar(tmp_path: Path) -> None:
    path = broken(tmp_path, "  centre:", "  office:")
    assert problems_of(path) == [
        at(path, "calendars:", "no 'centre' calendar: the centre's opening hours")
    ]


def test_the_name_always_is_reserved(tmp_path: Path) -> None:
    path = broken(tmp_path, "calendars:\n", "calendars:\n  always:\n    timezone: UTC\n")
    assert problems_of(path) == [
        at(path, "always:", "the name 'always' is reserved for the calendar open at all hours")
    ]


def test_a_calendar_missing_its_timezone_and_week(tmp_path: Path) -> None:
    path = broken(tmp_path, "calendars:\n", "calendars:\n  office:\n    holidays: IQ\n")
    assert problems_of(path) == [
        at(path, "office:", "office: missing 'timezone'"),
        at(path, "office:", "office: missing 'week'"),
    ]


def test_every_problem_is_reported_at_once_and_nothing_loads(tmp_path: Path) -> None:
    path = broken(tmp_path, "Asia/Baghdad", "Mars/Olympus")
    path.write_text(
        path.read_text(encoding="utf-8").replace('"08:00-14:00"', '"14:00-08:00"'),
        encoding="utf-8",
    )
    data, _ = load(path)
    calendars, problems = parse_calendars(data, path)
    assert calendars is None
    assert [problem.line for problem in problems] == [
        line_of(path, "timezone"),
        line_of(path, "thu"),
    ]


def test_ccc_workflows_check_finds_a_calendars_file_in_a_folder(tmp_path: Path) -> None:
    path = broken(tmp_path, "Asia/Baghdad", "Asia/Bagdad")
    assert check_paths([tmp_path]) == [
        at(path, "timezone", "centre: unknown timezone 'Asia/Bagdad' (e.g. Asia/Baghdad)")
    ]
