"""Business calendars: when the centre is open, and how much open time lies between two instants.

SLA due times are counted in a team's working hours, and the voice line offers a person only
while the centre is open, so both ask the same questions of a `Calendar`. Every instant in and
out is timezone-aware; results are in UTC. Shifts are local wall-clock times of the calendar's
timezone and never cross midnight (a night shift is written as two shifts), so a day's open time
can be worked out from that day alone, and arithmetic walks day by day, never minute by minute.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_data

from workflows.files.yamlfile import LineDict, LoadError, Problem, load

DAY_MINUTES = 24 * 60
# Without a bound, a calendar whose only open day is always a holiday would be walked forever.
# A gap this long in a real calendar is a mistake, and is then treated as "never opens again".
HORIZON_DAYS = 3 * 366
_REMEMBERED_DAYS = 4096
ONE_DAY = timedelta(days=1)
Spans = tuple[tuple[datetime, datetime], ...]


class Shift(NamedTuple):
    """Open from `start` to `end`, in minutes after local midnight (end may be 24:00)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


ALL_DAY = (Shift(0, DAY_MINUTES),)


@dataclass(frozen=True)
class Calendar:
    """Weekly shifts in one timezone, less public holidays and the centre's own closed days.

    `week` is indexed like `date.weekday()`: Monday is 0, Sunday is 6.
    """

    name: str
    timezone: str = "UTC"
    week: tuple[tuple[Shift, ...], ...] = (ALL_DAY,) * 7
    holidays: str | None = None
    closed: frozenset[date] = field(default_factory=frozenset)
    _days: dict[date, Spans] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        """A public holiday of the calendar's country, or one of its own closed days."""
        if day in self.closed:
            return True
        return self.holidays is not None and day in _public_holidays(self.holidays, day.year)

    def is_open(self, at: datetime) -> bool:
        at = _utc(at)
        return any(lo <= at < hi for lo, hi in self._day(at))

    def next_open(self, at: datetime) -> datetime | None:
        """`at` itself when open, else when it next opens; None when it never opens again."""
        at = _utc(at)
        return next((max(lo, at) for lo, _ in self._spans(at)), None)

    def closes_at(self, at: datetime) -> datetime | None:
        """When the open stretch around `at` ends; None when closed at `at`.

        Shifts that meet at midnight are one stretch, so a calendar open at all hours has no
        end either, and gives None too: ask `is_open` first.
        """
        at = _utc(at)
        if self._always_open():
            return None
        spans = self._spans(at)
        first = next(spans, None)
        if first is None or first[0] > at:
            return None
        end = first[1]
        for lo, hi in spans:
            if lo != end:
                return end
            if lo - at > timedelta(days=HORIZON_DAYS):
                return None
            end = hi
        return None

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant by which `duration` of open time has passed since `start`.

        This is how a due time in business hours is found: "8 working hours after the ticket
        came in". Raises ValueError for a negative duration or a calendar that never opens.
        """
        start = _utc(start)
        if duration < timedelta(0):
            raise ValueError("a duration of business time cannot be negative")
        if duration == timedelta(0) or self._always_open():
            return start + duration
        remaining = duration
        for lo, hi in self._spans(start):
            if remaining <= hi - lo:
                return lo + remaining
            remaining -= hi - lo
        raise ValueError(f"calendar {self.name!r} never opens, so no time can pass in it")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """The open time between two instants: negative when `end` comes before `start`."""
        start, end = _utc(start), _utc(end)
        if end < start:
            return -self.elapsed(end, start)
        if self._always_open():
            return end - start
        total = timedelta(0)
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last:
            for lo, hi in self._open_day(day):
                if hi > start and lo < end:
                    total += min(hi, end) - max(lo, start)
            day += ONE_DAY
        return total

    def _always_open(self) -> bool:
        return not self.closed and self.holidays is None and all(s == ALL_DAY for s in self.week)

    def _day(self, at: datetime) -> Spans:
        return self._open_day(at.astimezone(self.zone).date())

    def _open_day(self, day: date) -> Spans:
        """The day's open spans, remembered: a breach job asks about the same few days for
        many tickets."""
        spans = self._days.get(day)
        if spans is None:
            if len(self._days) >= _REMEMBERED_DAYS:
                self._days.clear()
            spans = self._days[day] = _open_spans(self, day)
        return spans

    def _spans(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open spans from `start` on (the first one clipped to it), day by day, until
        HORIZON_DAYS pass without any."""
        if not any(self.week):
            return
        day = start.astimezone(self.zone).date()
        last_open = day
        while (day - last_open).days <= HORIZON_DAYS:
            for lo, hi in self._open_day(day):
                if hi > start:
                    last_open = day
                    yield max(lo, start), hi
            day += ONE_DAY


ALWAYS = Calendar(name="always")


def _open_spans(calendar: Calendar, day: date) -> Spans:
    """The day's shifts as UTC instants: nothing on a holiday."""
    if calendar.is_holiday(day):
        return ()
    zone = calendar.zone
    spans = []
    for shift in calendar.week[day.weekday()]:
        lo = _instant(day, shift.start, zone)
        hi = _instant(day, shift.end, zone)
        if hi > lo:  # a shift lost in a daylight-saving jump has no open time
            spans.append((lo, hi))
    return tuple(spans)


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day + timedelta(days=minutes // DAY_MINUTES), time(), zone)
    wall = local.replace(hour=minutes % DAY_MINUTES // 60, minute=minutes % 60)
    return wall.astimezone(UTC)


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holiday_data.country_holidays(country, years=year))


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous: give calendars timezone-aware instants")
    return at.astimezone(UTC)


# --- the calendars file ------------------------------------------------------------------------

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # in the order of date.weekday()
_WEEK_AS_WRITTEN = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DAY_ORDER = ", ".join(_WEEK_AS_WRITTEN)
_CALENDAR_KEYS = ("timezone", "week", "holidays", "closed")
_KEYS_TEXT = ", ".join(_CALENDAR_KEYS)
_SHIFT = re.compile(r"^\s*(\d\d):(\d\d)\s*-\s*(\d\d):(\d\d)\s*$")


def load_calendars(path: Path) -> dict[str, Calendar]:
    """Every calendar of the file, `always` included; LoadError listing every problem."""
    data, problems = load(path)
    calendars, problems = (None, problems) if problems else parse_calendars(data, path)
    if calendars is None:
        raise LoadError(problems)
    return calendars


def parse_calendars(
    data: Any, path: str | Path
) -> tuple[dict[str, Calendar] | None, list[Problem]]:
    """The calendars, or None and the problems: a file with any problem gives no calendar."""
    report = _Report(str(path))
    if not isinstance(data, LineDict) or not isinstance(data.get("calendars"), LineDict):
        report(getattr(data, "line", 1), "a calendars file needs a mapping under 'calendars'")
        return None, report.problems
    for key in data:
        if key != "calendars":
            report(data.line_of(key), f"unknown key {key!r}; a calendars file has 'calendars'")
    raw_calendars: LineDict = data["calendars"]
    calendars = {ALWAYS.name: ALWAYS}
    for name, raw in raw_calendars.items():
        line = raw_calendars.line_of(name)
        if name == ALWAYS.name:
            report(line, "the name 'always' is reserved for the calendar open at all hours")
            continue
        calendar = _parse_calendar(name, raw, line, report)
        if calendar is not None:
            calendars[name] = calendar
    if "centre" not in raw_calendars:
        report(data.line_of("calendars"), "no 'centre' calendar: the centre's opening hours")
    if report.problems:
        return None, report.problems
    return calendars, []


class _Report:
    """Collects problems of one file, so each parser only says the line and the message."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def __call__(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))


def _parse_calendar(name: str, raw: Any, line: int, report: _Report) -> Calendar | None:
    if not isinstance(raw, LineDict):
        report(line, f"calendar {name!r} must be a mapping with 'timezone' and 'week'")
        return None
    before = len(report.problems)
    for key in raw:
        if key not in _CALENDAR_KEYS:
            report(raw.line_of(key), f"{name}: unknown key {key!r}; a calendar has {_KEYS_TEXT}")
    for key in ("timezone", "week"):
        if key not in raw:
            report(line, f"{name}: missing '{key}'")
    timezone = _parse_timezone(name, raw, report)
    week = _parse_week(name, raw.get("week"), raw.line_of("week"), report)
    country = _parse_country(name, raw, report)
    closed = _parse_closed(name, raw.get("closed", []), raw.line_of("closed"), report)
    if len(report.problems) > before or timezone is None or week is None:
        return None
    return Calendar(name, timezone, week, country, closed)


def _parse_timezone(name: str, raw: LineDict, report: _Report) -> str | None:
    value = raw.get("timezone")
    if value is None:
        return None
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        report(raw.line_of("timezone"), f"{name}: unknown timezone {value!r} (e.g. Asia/Baghdad)")
        return None
    return str(value)


def _parse_country(name: str, raw: LineDict, report: _Report) -> str | None:
    value = raw.get("holidays")
    if value is None:
        return None
    if not isinstance(value, str) or value.upper() not in _countries():
        hint = " (write the code in quotes)" if isinstance(value, bool) else ""
        report(
            raw.line_of("holidays"),
            f"{name}: unknown holiday country {value!r}; give an ISO code such as IQ{hint}",
        )
        return None
    return value.upper()


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(holiday_data.list_supported_countries())


def _parse_week(
    name: str, raw: Any, line: int, report: _Report
) -> tuple[tuple[Shift, ...], ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, LineDict):
        report(line, f"{name}: 'week' must map the days {_DAY_ORDER} to lists of shifts")
        return None
    ok = True
    for key in raw:
        if key not in DAYS:
            report(raw.line_of(key), f"{name}: unknown day {key!r}; the days are {_DAY_ORDER}")
            ok = False
    week: dict[str, tuple[Shift, ...]] = {}
    for day in _WEEK_AS_WRITTEN:
        if day not in raw:
            report(line, f"{name}: 'week' has no '{day}' (write {day}: [] for a closed day)")
            ok = False
            continue
        shifts = _parse_day(f"{name}: {day}", raw[day], raw.line_of(day), report)
        ok = ok and shifts is not None
        week[day] = shifts or ()
    return tuple(week[day] for day in DAYS) if ok else None


def _parse_day(label: str, raw: Any, line: int, report: _Report) -> tuple[Shift, ...] | None:
    if not isinstance(raw, list):
        report(line, f'{label} must be a list of "HH:MM-HH:MM" shifts ([] when closed)')
        return None
    shifts = [_parse_shift(label, item, line, report) for item in raw]
    if any(shift is None for shift in shifts):
        return None
    ordered = sorted(shift for shift in shifts if shift is not None)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.start < earlier.end:
            report(line, f"{label}: shifts {earlier} and {later} overlap")
            return None
    return tuple(ordered)


def _parse_shift(label: str, raw: Any, line: int, report: _Report) -> Shift | None:
    match = _SHIFT.match(raw) if isinstance(raw, str) else None
    if match is None:
        report(line, f'{label}: shift {raw!r} is not "HH:MM-HH:MM", e.g. "08:00-16:00"')
        return None
    hours_from, minutes_from, hours_to, minutes_to = (int(group) for group in match.groups())
    start, end = hours_from * 60 + minutes_from, hours_to * 60 + minutes_to
    for hours, minutes in ((hours_from, minutes_from), (hours_to, minutes_to)):
        if minutes > 59 or hours * 60 + minutes > DAY_MINUTES:
            report(line, f"{label}: {hours:02d}:{minutes:02d} is not a time from 00:00 to 24:00")
            return None
    if end <= start:
        report(line, f"{label}: shift {raw!r} ends before it starts (split a night at 24:00)")
        return None
    return Shift(start, end)


def _parse_closed(name: str, raw: Any, line: int, report: _Report) -> frozenset[date]:
    if not isinstance(raw, list):
        report(line, f"{name}: 'closed' must be a list of days \"YYYY-MM-DD\"")
        return frozenset()
    days: set[date] = set()
    for item in raw:
        day = _parse_date(item)
        if day is None:
            report(line, f'{name}: closed day {item!r} is not a date "YYYY-MM-DD"')
        else:
            days.add(day)
    return frozenset(days)


def _parse_date(raw: Any) -> date | None:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d\d-\d\d", raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
