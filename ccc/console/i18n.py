"""The console's words in Arabic, Sorani, Badini and English, from gettext catalogues.

The `.po` files under `locale/` are read with Babel when a language is first used, so a fresh
clone needs no compile step. Dates are shown in the centre's time zone (Asia/Baghdad) in the
reader's locale; references are shown left to right inside right-to-left text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"ar": "العربية", "ckb": "کوردی (سۆرانی)", "kmr": "کوردی (بادینی)", "en": "English"}
RTL = frozenset({"ar", "ckb", "kmr"})
CENTRE_TZ = ZoneInfo("Asia/Baghdad")
DEFAULT = "en"


def direction(language: str) -> str:
    """Badini is written in Arabic script in Iraq's Duhok governorate, as the centre's
    prompts are, so it is right to left as well."""
    return "rtl" if language in RTL else "ltr"


@lru_cache(maxsize=8)
def catalogue(language: str) -> dict[str, str]:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language not in LANGUAGES or not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy
    }


def gettext_for(language: str) -> Callable[..., str]:
    words = catalogue(language)

    def gettext(message: str, **values: object) -> str:
        text = words.get(message, message)
        return text % values if values else text

    return gettext


def babel_locale(language: str) -> Locale:
    return Locale.parse(language if language in LANGUAGES else DEFAULT)


# English with the day first and the month in words ("6 Dec 2026, 14:05"): Babel's `short`
# for `en` is American (12/6/26), which the centre's staff read as 12 June.
PATTERNS = {"en": "d MMM y, HH:mm"}


def format_moment(moment: datetime | None, language: str) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(CENTRE_TZ)
    pattern = PATTERNS.get(language, "short")
    return format_datetime(local, pattern, tzinfo=CENTRE_TZ, locale=babel_locale(language))


def format_number(value: object, language: str) -> str:
    """Counts in the reader's digits and grouping; "<5" (the reports' small-count rule) as is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return format_decimal(value, locale=babel_locale(language))
    return str(value)


SLUG = re.compile(r"^[a-z][a-z_]*$")


def value_word(value: object, language: str) -> str:
    """An answer's value (`child`, `basra`) in the reader's language; what a person typed is
    shown as they typed it."""
    if value is True or value is False:
        return gettext_for(language)("yes" if value else "no")
    text = str(value)
    if SLUG.match(text) and text in catalogue(language):
        return catalogue(language)[text]
    return text


def actor_word(actor: str, language: str) -> str:
    """Who did it: a user's name as is, CCC's own actors (`rule`, `routing`, `contact`) in words."""
    return catalogue(language).get(f"actor:{actor}", actor)


def pick_language(preferred: str | None, accept: str | None) -> str:
    """The user's own choice, else the browser's first supported language."""
    if preferred in LANGUAGES:
        return preferred
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in LANGUAGES:
            return code
    return DEFAULT
