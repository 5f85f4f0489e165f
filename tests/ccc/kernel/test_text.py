"""Normalising what people type on Arabic, Kurdish and Latin keyboards."""

from __future__ import annotations

import pytest

from ccc.kernel.text import MAX_TEXT, as_choice, clean, has_words, normalise_digits, truncate

RLM, LRM, ZWSP, ZWJ, BOM, TATWEEL = "\u200f", "\u200e", "\u200b", "\u200d", "\ufeff", "\u0640"


# --- digits ------------------------------------------------------------------------------------


def test_arabic_indic_digits_become_ascii_digits() -> None:
    assert normalise_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"


def test_persian_digits_become_ascii_digits() -> None:
    assert normalise_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"


def test_letters_and_ascii_digits_are_left_alone() -> None:
    assert normalise_digits("رقم 12 ref") == "رقم 12 ref"


def test_mixed_scripts_in_one_number_all_become_ascii() -> None:
    assert normalise_digits("٠7۷0") == "0770"


# --- clean -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        (f"{RLM}3{LRM}", "3"),
        (f"me{ZWSP}nu", "menu"),
        (f"{BOM}menu", "menu"),
        (f"a{ZWJ}b", "ab"),
        ("\u202bنعم\u202c", "نعم"),  # right-to-left embedding
        ("\u2067نعم\u2069", "نعم"),  # right-to-left isolate
    ],
)
def test_bidi_marks_and_zero_width_characters_are_removed(typed: str, cleaned: str) -> None:
    assert clean(typed) == cleaned


def test_tatweel_used_to_stretch_arabic_words_is_removed() -> None:
    assert clean(f"مر{TATWEEL}{TATWEEL}{TATWEEL}حبا") == "مرحبا"


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("ｍｅｎｕ", "menu"),  # full-width Latin
        ("３", "3"),  # full-width digit
        ("ﻻ", "لا"),  # Arabic presentation form of lam-alef
        ("ﬁle", "file"),  # ligature
    ],
)
def test_compatibility_forms_are_unicode_normalised(typed: str, cleaned: str) -> None:
    assert clean(typed) == cleaned


def test_whitespace_is_folded_to_single_spaces_and_trimmed() -> None:
    assert clean("  my \t son\n\n is\u00a0missing  ") == "my son is missing"


def test_ordinary_text_comes_through_unchanged() -> None:
    assert clean("ابني مفقود منذ 2014") == "ابني مفقود منذ 2014"


def test_text_of_only_invisible_characters_cleans_to_nothing() -> None:
    assert clean(f"{RLM}{ZWSP} {BOM}\n") == ""


# --- menu choices ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["3", "٣", "۳", " 3 ", "3.", "۳)", "(3)", "3-", "3:", f"{RLM}٣", "３", "3\n"],
)
def test_every_way_of_keying_three_means_three(typed: str) -> None:
    assert as_choice(typed) == "3"


def test_a_two_digit_choice_stays_two_digits() -> None:
    assert as_choice("١٠") == "10"


def test_words_are_compared_without_case() -> None:
    assert as_choice(" MENU ") == "menu"


def test_a_sentence_is_not_reduced_to_a_choice() -> None:
    assert as_choice("3 please") == "3 please"


# --- has_words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "👍", "👍🏽", "😀😀😀", "👨\u200d👩\u200d👧", "?!…", "...", "—", RLM + ZWSP],
)
def test_empty_emoji_only_and_punctuation_only_messages_have_no_words(typed: str) -> None:
    assert not has_words(typed)


@pytest.mark.parametrize("typed", ["سلام", "ابني", "کوڕەکەم", "ok", "3", "٣", "👍 yes"])
def test_any_letter_or_digit_in_any_script_counts_as_words(typed: str) -> None:
    assert has_words(typed)


# --- truncate ----------------------------------------------------------------------------------


def test_a_text_within_the_limit_is_unchanged() -> None:
    assert truncate("hello", 5) == "hello"


def test_a_text_over_the_limit_is_cut_to_the_limit_with_an_ellipsis() -> None:
    cut = truncate("hello world", 5)
    assert cut == "hell…"
    assert len(cut) == 5


def test_the_default_limit_is_the_longest_text_ccc_keeps() -> None:
    assert truncate("x" * MAX_TEXT) == "x" * MAX_TEXT
    cut = truncate("x" * (MAX_TEXT + 1))
    assert len(cut) == MAX_TEXT
    assert cut.endswith("…")
