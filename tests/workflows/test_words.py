"""Word matching in Arabic, Sorani, Badini and English, however the person's keyboard spells it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.chatbot.words import WordList, normalise

# --- normalise -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("ابني اعتُقِلَ", "ابني اعتقل"),  # harakat
        ("مـــعـــتـــقـــل", "معتقل"),  # tatweel
        ("أخي إبراهيم آمن ٱلله", "اخي ابراهيم امن الله"),  # alef forms
        ("مدرسة", "مدرسه"),  # taa marbuta
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("كوڕەکەم", "كوڕهكهم"),  # Kurdish kaf and ae
        ("زیندانی", "زينداني"),  # Kurdish yeh
        ("ھاتم", "هاتم"),  # Sorani heh
        ("٠٧٧٠ ١٢٣ ۴۵۶٧", "0770 123 4567"),  # Arabic-Indic and Persian digits
        ("ماذا؟ نعم، لا؛ حسناً.", "ماذا نعم لا حسنا"),  # Arabic punctuation
        ("  Arrested\tBY\n\nPOLICE!!  ", "arrested by police"),  # case and whitespace
        ("ﻻ ﺍﻋﺮﻑ", "لا اعرف"),  # presentation forms from old keyboards and PDFs
        ("سجن\u200cكراو", "سجنكراو"),  # zero-width non-joiner inside a Kurdish word
        ("ابني😢معتقل", "ابني معتقل"),  # emoji separate words
        ("Ｈｅｌｐ", "help"),  # full-width Latin
        ("", ""),
    ],
)
def test_normalise_unifies_how_a_word_can_be_typed(typed: str, normalised: str) -> None:
    assert normalise(typed) == normalised


def test_normalise_survives_lone_surrogates_and_controls() -> None:
    assert normalise("a\ud800b\x00c") == "a b c"


@settings(max_examples=1000)
@given(st.text())
def test_normalise_is_idempotent_and_never_raises(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "M", "N", "P", "Cf"])))
def test_normalise_is_idempotent_on_letters_marks_and_joiners(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)))
def test_normalise_is_idempotent_on_arabic_script(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


# --- WordList ------------------------------------------------------------------------------

DETENTION = WordList(
    [
        "اعتقل",
        "معتقل",
        "سجن",
        "زیندان",  # prison, Sorani and Badini
        "گیرا",  # was arrested, Sorani
        "girtin",  # arrest, Badini in Latin letters
        "arrested",
        "in prison",
    ]
)


@pytest.mark.parametrize(
    ("message", "found"),
    [
        ("ابني اعتُقِلَ منذ شهر", ["اعتقل"]),
        ("أخي معتقل", ["معتقل"]),
        ("والمعتقل لم يتصل", ["معتقل"]),  # and + the
        ("وضعوه بالسجن", ["سجن"]),  # with + the
        ("ذهبت للسجن", ["سجن"]),  # for the (lam + al contracted)
        ("فالسجن بعيد", ["سجن"]),  # so + the
        ("السُّجن المركزي", ["سجن"]),
        ("كوڕەکەم لە زیندانە", ["زیندان"]),  # Sorani copula ـە: "is in prison"
        ("كوڕەکەم لە زيندان", ["زیندان"]),  # Arabic yeh for the Kurdish one
        ("براکەم گیرا", ["گیرا"]),
        ("Birayê min girtin", ["girtin"]),
        ("My son was ARRESTED.", ["arrested"]),
        ("he is in   prison!", ["in prison"]),
        ("ابني معتقل وفي السجن", ["معتقل", "سجن"]),  # in the order of the list
    ],
)
def test_a_word_list_finds_whole_words_with_their_prefixes(message: str, found: list[str]) -> None:
    assert DETENTION.found(message) == found
    assert DETENTION.matches(message) == bool(found)


@pytest.mark.parametrize(
    "message",
    [
        "مسجنة",  # سجن inside a longer word
        "المساجين",
        "عمران",
        "prisoner",  # prison is listed only as "in prison"
        "in the prison",  # a phrase is its words in a row
        "",
        "؟؟؟",
    ],
)
def test_a_word_never_matches_inside_another_word(message: str) -> None:
    assert not DETENTION.matches(message)
    assert DETENTION.found(message) == []


def test_prefixes_apply_to_each_word_of_a_phrase() -> None:
    abuse = WordList(["اعتداء جنسي"])
    assert abuse.matches("تعرضت للاعتداء الجنسي")
    assert not abuse.matches("اعتداء على جنسيته")


def test_a_listed_word_with_diacritics_or_another_keyboard_matches_the_plain_one() -> None:
    assert WordList(["مُعْتَقَل"]).matches("معتقل")
    assert WordList(["زيندان"]).matches("زیندان")
    assert WordList(["رشوة"]).matches("طلبوا رشوه")


def test_a_listed_entry_of_only_punctuation_can_never_match() -> None:
    words = WordList(["؟", "!!", "سجن"])
    assert len(words) == 1
    assert words.found("سجن؟!!") == ["سجن"]


def test_a_word_listed_twice_is_found_once() -> None:
    assert WordList(["سجن", "سجن"]).found("سجن") == ["سجن"]


@settings(max_examples=300)
@given(words=st.lists(st.text(max_size=12), max_size=6), text=st.text())
def test_a_word_list_never_raises(words: list[str], text: str) -> None:
    word_list = WordList(words)
    found = word_list.found(text)
    assert set(found) <= set(words)
    assert word_list.matches(text) == bool(found)


@settings(max_examples=300)
@given(word=st.text(min_size=1, max_size=12), before=st.text(), after=st.text())
def test_a_word_is_found_between_spaces_wherever_it_is(word: str, before: str, after: str) -> None:
    if normalise(word):
        assert WordList([word]).matches(f"{before} {word} {after}")
