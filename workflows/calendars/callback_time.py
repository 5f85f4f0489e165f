"""When the centre calls back, said from its opening hours (the "centre" calendar), so the
promise a person reads is one the centre can keep: "today before 16:00" while it is open,
"tomorrow from 08:00" or "on Sunday from 08:00" when it is closed, holidays skipped.

Times are the calendar's own (Asia/Baghdad for the centre), written with Western digits as every
prompt is. The words are prompts of each language (`callback_when_*`, `day_*`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from workflows.calendars.callback_words import DAYS
from workflows.calendars.hours import Calendar
from workflows.files.prompts import Catalogue

CENTRE = "centre"
# Less open time than this before closing, and the call is promised for the next opening.
MIN_LEFT = timedelta(minutes=30)
# Farther than this, the day is named by its date rather than its weekday.
WEEK = 6


def when_we_call(
    calendars: dict[str, Calendar], prompts: Catalogue, language: str, now: datetime
) -> str:
    calendar = calendars.get(CENTRE)
    if calendar is None:
        return prompts.text(language, "callback_when_soon")
    if calendar.is_open(now):
        closes = calendar.closes_at(now)
        if closes is None:  # open at all hours
            return prompts.text(language, "callback_when_soon")
        if closes - now >= MIN_LEFT:
            return prompts.text(
                language, "callback_when_today_before", time=_hhmm(calendar, closes)
            )
        now = closes
    opens = calendar.next_open(now)
    if opens is None:
        return prompts.text(language, "callback_when_soon")
    return _from(calendar, prompts, language, now, opens)


def _from(
    calendar: Calendar, prompts: Catalogue, language: str, now: datetime, opens: datetime
) -> str:
    zone = calendar.zone
    days = (opens.astimezone(zone).date() - now.astimezone(zone).date()).days
    time = _hhmm(calendar, opens)
    if days == 0:
        return prompts.text(language, "callback_when_today_from", time=time)
    if days == 1:
        return prompts.text(language, "callback_when_tomorrow_from", time=time)
    local = opens.astimezone(zone)
    if days <= WEEK:
        day = prompts.text(language, f"day_{DAYS[local.weekday()]}")
        return prompts.text(language, "callback_when_day_from", day=day, time=time)
    date = f"{local.day}/{local.month}"
    return prompts.text(language, "callback_when_date_from", date=date, time=time)


def _hhmm(calendar: Calendar, at: datetime) -> str:
    return at.astimezone(calendar.zone).strftime("%H:%M")
