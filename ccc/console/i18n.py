"""The console's words in Arabic, Sorani, Badini and English, from gettext catalogues.

The `.po` files under `locale/` are read with Babel when a language is first used, so a fresh
clone needs no compile step. Dates are shown in the centre's time zone (Asia/Baghdad) in the
reader's locale; references are shown left to right inside right-to-left text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.messages.pofile import read_po

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


def format_moment(moment: datetime | None, language: str) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(CENTRE_TZ)
    return format_datetime(local, "short", tzinfo=CENTRE_TZ, locale=babel_locale(language))


def pick_language(preferred: str | None, accept: str | None) -> str:
    """The user's own choice, else the browser's first supported language."""
    if preferred in LANGUAGES:
        return preferred
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in LANGUAGES:
            return code
    return DEFAULT
