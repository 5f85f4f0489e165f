"""The console's words exist in every language; dates are Baghdad time; numbers are masked."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ccc.calls.models import AttemptOutcome, Outcome
from ccc.console import feedback, i18n, pages_dashboard, pages_year
from ccc.console.format import mask_phone
from ccc.reports.service import AGE_BUCKETS
from ccc.tickets.models import Category, Priority, Sensitivity, TicketStatus

TEMPLATES = Path(i18n.__file__).parent / "templates"
PLACEHOLDER = re.compile(r"%\(\w+\)s")
WORDS = re.compile(r"""_\((?:"([^"]+)"|'([^']+)')""")


def template_words() -> set[str]:
    found: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        for double, single in WORDS.findall(template.read_text(encoding="utf-8")):
            found.add(double or single)
    return found


def code_words() -> set[str]:
    """Words the pages get from code: flashes, error explanations, chart labels, and the
    keyed words of calls and callback attempts."""
    keyed = {f"attempt:{o.value}" for o in AttemptOutcome} | {"attempt:not_reached"}
    keyed |= {f"call:{o.value}" for o in Outcome}
    return (
        set(feedback.FLASHES.values())
        | {known.message for known in feedback.KNOWN}
        | set(feedback.BY_STATUS.values())
        | {feedback.OTHER}
        | set(pages_dashboard.CALL_FIGURES.values())
        | set(pages_dashboard.AXES.values())
        | {label for _, label in AGE_BUCKETS}
        | {word for pair in pages_year.BREAKDOWNS.values() for word in pair}
        | set(pages_year.MONTHLY.values())
        | {"Month", "Calls received"}
        | {feedback.REFUSED_TOGETHER, feedback.REFUSED_FIELDS}
        | set(feedback.FIELD_NAMES.values())
        | keyed
    )


@pytest.mark.parametrize("language", ["ar", "ckb", "kmr"])
def test_every_word_of_the_pages_is_translated(language: str) -> None:
    catalogue = i18n.catalogue(language)
    enums = [m.value for e in (TicketStatus, Category, Priority, Sensitivity) for m in e]
    words = template_words() | code_words() | set(enums)
    missing = sorted(w for w in words if not catalogue.get(w))
    assert not missing, f"{language} lacks: {missing}"


def test_keyed_words_read_as_english_in_english() -> None:
    """A key such as `attempt:busy` is no English: the English catalogue words it."""
    english = i18n.catalogue("en")
    keyed = sorted(w for w in code_words() if ":" in w and not w[0].isupper())
    missing = [w for w in keyed if not english.get(w)]
    assert not missing, f"en lacks: {missing}"


@pytest.mark.parametrize("language", ["ar", "ckb", "kmr", "en"])
def test_placeholders_survive_translation(language: str) -> None:
    catalogue = i18n.catalogue(language)
    for word, text in catalogue.items():
        assert set(PLACEHOLDER.findall(word)) == set(PLACEHOLDER.findall(text)), word


def test_arabic_and_kurdish_read_right_to_left() -> None:
    assert [i18n.direction(lang) for lang in ("ar", "ckb", "kmr", "en")] == [
        "rtl",
        "rtl",
        "rtl",
        "ltr",
    ]


def test_times_are_shown_in_baghdad() -> None:
    moment = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)  # 00:30 the next day in Baghdad
    # the day before the month, the month in words: never 3/2/26, read as 2 March or 3 February
    assert i18n.format_moment(moment, "en") == "2 Mar 2026, 00:30"
    assert i18n.format_moment(moment, "ar") == "٢\u200f/٣\u200f/٢٠٢٦، ١٢:٣٠ ص"  # Arabic-Indic
    assert i18n.format_moment(moment, "kmr") == "٢٠٢٦-٠٣-٠٢ ٠٠:٣٠"


def test_answer_values_and_actors_are_in_the_readers_language() -> None:
    assert i18n.value_word("child", "ar") == "ابن أو ابنة"
    assert i18n.value_word("basra", "ckb") == "بەسرە"
    assert i18n.value_word("salah_al_din", "en") == "Salah al-Din"
    assert i18n.value_word("Open", "ar") == "Open"  # what a person typed stays as typed
    assert i18n.value_word(True, "kmr") == i18n.gettext_for("kmr")("yes")
    assert i18n.actor_word("routing", "ar") == "التوجيه التلقائي"
    assert i18n.actor_word("alice", "ar") == "alice"
    assert i18n.format_number(1234, "en") == "1,234"
    assert i18n.format_number("<5", "en") == "<5"
    assert i18n.format_number("<5", "ar") == "<٥"


def test_the_browser_language_is_a_fallback_for_a_user_without_one() -> None:
    assert i18n.pick_language(None, "ckb-IQ,ar;q=0.8") == "ckb"
    assert i18n.pick_language("ar", "en-GB") == "ar"
    assert i18n.pick_language(None, "fr-FR") == "en"


def test_phone_numbers_are_masked_but_recognisable() -> None:
    assert mask_phone("+9647701234567") == "+964 770 *** **67"
    assert mask_phone("123456789") == "*******89"
    assert mask_phone(None) == "—"


def test_counts_are_written_in_the_readers_digits() -> None:
    assert i18n.format_number(1234, "ar") == "١٬٢٣٤"  # Iraq's Arabic, as CLDR's ar_IQ
    assert i18n.format_number(7, "ckb") == "٧"
    # Badini in Arabic script writes them as Sorani does (Babel's `kmr` is Latin-script)
    assert i18n.format_number(1234, "kmr") == "١٬٢٣٤"
    assert i18n.format_number(1234, "en") == "1,234"
    assert i18n.format_number(136.04, "ar", 1) == "١٣٦٫٠"
    assert i18n.format_percent(0.605, "ckb") == "٦٠٫٥ %"
    assert i18n.gettext_for("ar")("%(n)s min", n=12) == "١٢ د"


LATIN_NAME_OR_PLACEHOLDER = re.compile(r"[A-Za-z]+[0-9]+|%\(\w+\)s")


@pytest.mark.parametrize("language", ["ar", "ckb", "kmr"])
def test_arabic_script_catalogues_write_arabic_indic_digits(language: str) -> None:
    """ "آخر ٢٤ ساعة", not "آخر 24 ساعة": the words' own numbers follow the page's digits (a
    name such as MP3 stays a name)."""
    western = [
        text
        for text in i18n.catalogue(language).values()
        if re.search(r"[0-9]", LATIN_NAME_OR_PLACEHOLDER.sub("", text))
    ]
    assert western == []


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [
        ("en", 1, "Chatbot conversation: 1 message"),
        ("en", 3, "Chatbot conversation: 3 messages"),
        ("ar", 1, "محادثة مع الروبوت: رسالة واحدة"),
        ("ar", 2, "محادثة مع الروبوت: رسالتان"),
        ("ar", 5, "محادثة مع الروبوت: ٥ رسائل"),
        ("ar", 11, "محادثة مع الروبوت: ١١ رسالة"),
        ("ckb", 1, "گفتوگۆ لەگەڵ چاتبۆت: ١ پەیام"),
        ("kmr", 4, "ئاخفتن دگەل چاتبۆتی: ٤ پەیام"),
    ],
)
def test_counted_words_take_the_languages_plural_form(language: str, n: int, expected: str) -> None:
    ngettext = i18n.ngettext_for(language)
    text = ngettext(
        "Chatbot conversation: %(n)s message", "Chatbot conversation: %(n)s messages", n
    )
    assert text == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ar", {"zero", "one", "two", "few", "many", "other"}),
        ("ckb", {"one", "other"}),
        ("kmr", {"one", "other"}),
        ("en", {"one", "other"}),
    ],
)
def test_the_browser_gets_a_form_for_each_cldr_plural_category(
    language: str, expected: set[str]
) -> None:
    forms = i18n.plural_forms(language, "%(n)s SMS part", "%(n)s SMS parts")
    assert set(forms) == expected
    ngettext = i18n.ngettext_for(language)
    # the category's form is the one ngettext gives for a number of that category
    for n, category in [(1, "one"), (2, "two"), (3, "few"), (11, "many"), (100, "other")]:
        shown = ngettext("%(n)s SMS part", "%(n)s SMS parts", n)
        form = forms.get(category, forms["other"] if n != 1 else forms["one"])
        assert shown == form.replace("%(n)s", i18n.format_number(n, language))
