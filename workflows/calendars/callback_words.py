"""The prompt keys that say when the centre calls back
(`workflows/calendars/callback_time.py`): a module of their own so the prompt checker can
require them without importing the calendars."""

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
CALLBACK_PROMPTS = (
    "callback_when_today_before",
    "callback_when_today_from",
    "callback_when_tomorrow_from",
    "callback_when_day_from",
    "callback_when_date_from",
    "callback_when_soon",
    *(f"day_{day}" for day in DAYS),
)
