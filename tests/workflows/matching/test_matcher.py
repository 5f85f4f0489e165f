"""The matcher's small API, as the rules and the chatbot's menu use it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.matching import LANGUAGES, Matcher, forms, mentions, normalise


@pytest.mark.parametrize(
    ("text", "word", "language"),
    [
        ("وبرشوتهم", "رشوة", "ar"),  # and + with + bribe + their, taa marbuta written ت
        ("فللمعتقلين", "معتقل", "ar"),  # so + for the + plural
        ("اعتقلوه", "اعتقل", "ar"),  # they arrested him
        ("بەرتیلەکەیان", "بەرتیل", "ckb"),  # their bribe: definite + pronoun
        ("لە زینداندا", "زیندان", "ckb"),  # in prison: لە ... دا
        ("گەندەڵییەکان", "گەندەڵی", "ckb"),  # after a vowel the glide ی
        ("bertîlê", "bertîl", "kmr"),
        ("gendeliya wan", "gendelî", "kmr"),  # î becomes i before the glide y
        ("zindanê", "zindan", "kmr"),
        ("he bribed them", "bribe", "en"),
        ("they were abusing us", "abuse", "en"),
    ],
)
def test_a_word_is_found_in_its_grammatical_forms(text: str, word: str, language: str) -> None:
    assert mentions(text, word, language)
    assert mentions(text, word)  # None: every language's grammar


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("المنصب شاغر", "نصب"),  # a post, not fraud: م is no prefix
        ("مسجنة", "سجن"),
        ("the therapist", "rape"),
        ("bisexual", "sexual"),
        ("bertekê", "bertîl"),
    ],
)
def test_a_word_inside_another_word_is_not_found(text: str, word: str) -> None:
    assert not mentions(text, word)


def test_a_language_narrows_the_grammar() -> None:
    assert mentions("بەرتیلەکە", "بەرتیل", "ckb")
    assert not mentions("بەرتیلەکە", "بەرتیل", "ar")  # ـەکە is Kurdish, not Arabic
    assert mentions("he bribed them", "bribe", "en")
    assert not mentions("he bribed them", "bribe", "kmr")


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        Matcher(["x"], "fr")
    assert set(LANGUAGES) == {"ar", "ckb", "kmr", "en"}


def test_each_word_of_a_phrase_takes_its_own_affixes() -> None:
    asked = Matcher(["asked me for money", "سوء معاملة"])
    assert asked.found("they kept asking me for money") == ["asked me for money"]
    assert asked.found("اشتكي من سوء معاملتهم") == ["سوء معاملة"]
    assert asked.found("asked for me money") == []


def test_found_gives_the_listed_spelling_in_the_order_of_the_list() -> None:
    words = Matcher(["زیندان", "رشوة", "bribe"])
    assert words.found("bribed, برشوة, بالزیندان") == ["زیندان", "رشوة", "bribe"]
    assert len(Matcher(["؟", "bribe"])) == 1


def test_forms_include_the_word_itself() -> None:
    assert "رشوه" in forms("رشوتهم")
    assert normalise("رشوتهم") in forms(normalise("رشوتهم"))


@settings(max_examples=300)
@given(
    words=st.lists(st.text(max_size=12), max_size=6),
    text=st.text(),
    language=st.sampled_from([None, *LANGUAGES]),
)
def test_a_matcher_never_raises(words: list[str], text: str, language: str | None) -> None:
    matcher = Matcher(words, language)
    found = matcher.found(text)
    assert set(found) <= set(words)
    assert matcher.matches(text) == bool(found)


@settings(max_examples=300)
@given(word=st.text(min_size=1, max_size=12), before=st.text(), after=st.text())
def test_a_word_is_found_between_spaces_wherever_it_is(word: str, before: str, after: str) -> None:
    if normalise(word):
        assert mentions(f"{before} {word} {after}", word)
