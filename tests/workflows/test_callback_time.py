"""When we call back, said from the centre's opening hours, with the clock frozen: open now,
after hours, Thursday evening before the Friday-Saturday weekend, the day before an Iraqi
public holiday; in the four languages, with Baghdad times in Western digits."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from ccc.kernel.timeutil import utcnow
from tests.conftest import Harness
from workflows.calendars.callback_time import when_we_call
from workflows.calendars.hours import Calendar
from workflows.files.library import current

BAGHDAD = ZoneInfo("Asia/Baghdad")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BAGHDAD)


def said(now: datetime, language: str = "en", calendars: dict[str, Calendar] | None = None) -> str:
    library = current()
    return when_we_call(calendars or library.calendars, library.prompts, language, now)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 12, 6, 10, 0), "today before 16:00"),  # Sunday morning: open
        (at(2026, 12, 6, 15, 45), "tomorrow from 08:00"),  # a quarter of an hour before closing
        (at(2026, 12, 6, 17, 0), "tomorrow from 08:00"),  # Sunday after hours
        (at(2026, 12, 7, 6, 30), "today from 08:00"),  # Monday before opening
        (at(2026, 12, 3, 13, 0), "today before 14:00"),  # Thursday closes early
        (at(2026, 12, 3, 18, 0), "on Sunday from 08:00"),  # Thursday evening: the weekend
        (at(2026, 12, 5, 11, 0), "tomorrow from 08:00"),  # Saturday
        # Tuesday 5 January 2027, evening: Wednesday the 6th is Army Day, a public holiday.
        (at(2027, 1, 5, 17, 0), "on Thursday from 08:00"),
    ],
)
def test_the_promise_follows_the_opening_hours(now: datetime, expected: str) -> None:
    assert said(now) == expected


THURSDAY_EVENING = {
    "ar": "يوم الأحد من 08:00",
    "ckb": "ڕۆژی یەکشەممە لە کاتژمێر 08:00 بەدواوە",
    "kmr": "رۆژا ئێکشەمب ژ دەمژمێر 08:00 و پێڤە",
    "en": "on Sunday from 08:00",
}
OPEN_NOW = {
    "ar": "اليوم قبل 16:00",
    "ckb": "ئەمڕۆ پێش کاتژمێر 16:00",
    "kmr": "ئەڤرۆ بەری دەمژمێر 16:00",
    "en": "today before 16:00",
}


@pytest.mark.parametrize("language", sorted(THURSDAY_EVENING))
def test_each_language_says_it_with_western_digits(language: str) -> None:
    assert said(at(2026, 12, 3, 18, 0), language) == THURSDAY_EVENING[language]
    assert said(at(2026, 12, 6, 10, 0), language) == OPEN_NOW[language]


def test_a_long_closure_names_the_date() -> None:
    centre = current().calendars["centre"]
    closed = frozenset(date(2026, 12, day) for day in range(6, 17))
    shut = Calendar(
        name="centre", timezone=centre.timezone, week=centre.week, holidays="IQ", closed=closed
    )
    assert said(at(2026, 12, 3, 18, 0), calendars={"centre": shut}) == "on 17/12 from 08:00"


def test_a_centre_open_at_all_hours_or_without_a_calendar_says_soon() -> None:
    always = Calendar(name="centre", timezone="Asia/Baghdad")
    assert said(at(2026, 12, 4, 23, 0), calendars={"centre": always}) == "as soon as we can"
    assert said(at(2026, 12, 4, 23, 0), calendars={"other": always}) == "as soon as we can"


def test_the_person_asking_for_someone_is_told_when(ccc: Harness) -> None:
    phone = "+9647705550001"
    ccc.say(phone, "hello")
    ccc.say(phone, "4")
    before = said(utcnow())
    ccc.say(phone, "0")
    after = said(utcnow())
    question = ccc.last_reply(phone)
    assert (
        f"We will contact you {before}." in question or f"We will contact you {after}." in question
    )
    ccc.say(phone, "1")
    created = ccc.last_reply(phone)
    assert (
        f"will contact you {after}." in created or f"will contact you {said(utcnow())}." in created
    )
