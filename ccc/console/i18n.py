"""The console's words in Arabic, Sorani, Badini and English, from gettext catalogues.

The `.po` files under `locale/` are read with Babel when a language is first used, so a fresh
clone needs no compile step. Dates are shown in the centre's time zone (Asia/Baghdad) in the
reader's locale; references are shown left to right inside right-to-left text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from gettext import c2py
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
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
        """The words, with any number among `values` in the reader's digits and grouping."""
        text = words.get(message, message)
        if not values:
            return text
        shown = {
            name: format_number(value, language)
            if isinstance(value, int | float) and not isinstance(value, bool)
            else value
            for name, value in values.items()
        }
        return text % shown

    return gettext


def babel_locale(language: str) -> Locale:
    return Locale.parse(language if language in LANGUAGES else DEFAULT)


# Digits (docs/translations.md, "Digits in the console"): Arabic, Sorani and Badini pages write
# every number and date in Arabic-Indic digits (٠١٢٣٤٥٦٧٨٩), as Iraq writes them (CLDR's
# `ar_IQ` and `ckb` default to them); English pages in Western digits. One locale per language
# gives the separators and date patterns: Babel formats with Latin digits, translated here.
# Badini has no Arabic-script CLDR locale (Babel's `kmr` is Latin-script Kurmanji): it takes
# Sorani's separators. What people type or read out (references, phone numbers, their own
# messages) is never passed through these functions and stays as typed.
FORMAT_LOCALES = {"ar": "ar_IQ", "ckb": "ckb_IQ", "kmr": "ckb_IQ", "en": "en"}
ARABIC_DIGITS = frozenset({"ar", "ckb", "kmr"})
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# The same choice in the browser (`Intl.NumberFormat`, read from `<meta name=ccc-number-locale>`).
# Chromium's ICU has no number data for Sorani (`ckb-IQ` falls back to en-US, Western digits):
# Arabic (Iraq) has the very symbols of CLDR's `ckb_IQ` (٬ and ٫), so all three use it.
BROWSER_LOCALES = {"ar": "ar-IQ-u-nu-arab", "ckb": "ar-IQ-u-nu-arab", "kmr": "ar-IQ-u-nu-arab"}


def format_locale(language: str) -> Locale:
    return Locale.parse(FORMAT_LOCALES.get(language, DEFAULT))


def browser_locale(language: str) -> str:
    return BROWSER_LOCALES.get(language, language if language in LANGUAGES else DEFAULT)


def digits(text: object, language: str) -> str:
    """Text with its Western digits in the reader's digits (a year, a small-count "<5")."""
    shown = str(text)
    return shown.translate(ARABIC_INDIC) if language in ARABIC_DIGITS else shown


# English with the day first and the month in words ("6 Dec 2026, 14:05"): Babel's `short`
# for `en` is American (12/6/26), which the centre's staff read as 12 June. Badini takes an
# ISO date and a 24-hour clock (Sorani's `short` would say Sorani's words for a.m. and p.m.).
PATTERNS = {"en": "d MMM y, HH:mm", "kmr": "y-MM-dd HH:mm"}


def format_moment(moment: datetime | None, language: str) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(CENTRE_TZ)
    pattern = PATTERNS.get(language, "short")
    text = format_datetime(local, pattern, tzinfo=CENTRE_TZ, locale=format_locale(language))
    return digits(text, language)


DAY_PATTERNS = {"en": "d MMM y", "kmr": "y-MM-dd"}


def format_day(day: date, language: str) -> str:
    """A calendar day (a chart's label), as `format_moment` writes its date."""
    pattern = DAY_PATTERNS.get(language, "short")
    return digits(format_date(day, pattern, locale=format_locale(language)), language)


def format_number(value: object, language: str, decimals: int | None = None) -> str:
    """Counts (and, with `decimals`, measures such as a median) in the reader's digits and
    grouping; "<5" (the reports' small-count rule) in the reader's digits; None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return digits(value, language)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if decimals is None and isinstance(value, float) and not value.is_integer():
        pattern = "#,##0.###"
    text = format_decimal(
        value, format=pattern, locale=format_locale(language), numbering_system="default"
    )
    return digits(text, language)


def format_percent(share: float | None, language: str) -> str:
    """A share (0.605) as "60.5 %", in the reader's digits; None as a dash."""
    if share is None:
        return "—"
    return f"{format_number(share * 100, language, 1)} %"


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


# Numbers whose CLDR plural category is found by trying them (Arabic's `many` starts at 11,
# its `other` at 100): every category a language has appears below 200.
CATEGORY_SAMPLES = range(200)


def plural_forms(language: str, singular: str, plural: str) -> dict[str, str]:
    """A counted phrase's forms by CLDR plural category (`zero`, `one`, `two`, `few`, `many`,
    `other`), for a script that picks one with `Intl.PluralRules`: each category gets the
    catalogue's form for a number of that category, so the browser says what `ngettext` says."""
    entries, rule = plurals(language)
    forms = entries.get(singular)
    category_of = format_locale(language).plural_form
    found: dict[str, str] = {}
    for n in CATEGORY_SAMPLES:
        category = category_of(n)
        if category not in found:
            if forms:
                found[category] = forms[min(rule(n), len(forms) - 1)]
            else:
                found[category] = singular if n == 1 else plural
    return found


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
