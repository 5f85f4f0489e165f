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
from gettext import c2py
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


# Iraq's Arabic writes its numbers in Arabic-Indic digits, as Sorani does (CLDR's `ar_IQ` and
# `ckb`); Babel gives the locale's separators but Latin digits, which are translated here.
NUMBER_LOCALES = {"ar": "ar_IQ"}
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def format_number(value: object, language: str) -> str:
    """Counts in the reader's digits and grouping; "<5" (the reports' small-count rule) as is."""
    if isinstance(value, int) and not isinstance(value, bool):
        locale = Locale.parse(NUMBER_LOCALES.get(language) or str(babel_locale(language)))
        text = format_decimal(value, locale=locale, numbering_system="default")
        return text.translate(ARABIC_INDIC) if locale.default_numbering_system == "arab" else text
    return str(value)


@lru_cache(maxsize=8)
def plurals(language: str) -> tuple[dict[str, tuple[str, ...]], Callable[[int], int]]:
    """The catalogue's plural entries (by their singular), and its rule choosing a form: six
    forms in Arabic (none, one, two, a few, many, other), two in Sorani, Badini and English."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language not in LANGUAGES or not path.exists():
        return {}, lambda n: int(n != 1)
    with path.open("rb") as handle:
        catalog = read_po(handle)
    entries = {
        str(message.id[0]): tuple(str(form) for form in message.string)
        for message in catalog
        if isinstance(message.id, tuple)
        and isinstance(message.string, tuple)
        and all(message.string)
        and not message.fuzzy
    }
    return entries, c2py(catalog.plural_expr)


def ngettext_for(language: str) -> Callable[..., str]:
    """`ngettext(singular, plural, n, **values)`: the form the language uses for `n`, with
    `%(n)s` written in the reader's digits; English's own words when no translation."""
    entries, rule = plurals(language)

    def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
        forms = entries.get(singular)
        if forms:
            text = forms[min(rule(n), len(forms) - 1)]
        else:
            text = singular if n == 1 else plural
        return text % {**values, "n": format_number(n, language)}

    return ngettext


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
