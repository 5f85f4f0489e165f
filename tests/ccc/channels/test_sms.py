"""A long text goes out as one message, which the carrier segments and the phone joins again;
CCC counts the segments (160/153 GSM-7, 70/67 UCS-2 for Arabic and Kurdish) and cuts only a
text longer than the channel takes, between sentences or words, never inside a word."""

from __future__ import annotations

import pytest

from ccc.channels.sms import (
    GSM7,
    SMS_MAX_BODY,
    UCS2,
    encoding_of,
    length,
    segments,
    split_message,
)

ARABIC = "يرجى كتابة الاسم الكامل للشخص المفقود كما هو مكتوب في هويته الرسمية."


def words(parts: list[str]) -> list[str]:
    return " ".join(parts).split()


def test_latin_text_is_gsm7_and_arabic_script_is_ucs2() -> None:
    assert encoding_of("Your reference number is 4821 9930.") is GSM7
    assert encoding_of(ARABIC) is UCS2
    assert encoding_of("Kurdish: مێنیو") is UCS2


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("ب" * 70, 1),
        ("ب" * 71, 2),
        ("ب" * 134, 2),
        ("ب" * 135, 3),
        ("€" * 80, 1),  # an extension character takes two septets
        ("€" * 81, 2),
        ("🙂" * 35, 1),  # an emoji takes two UCS-2 units
        ("🙂" * 36, 2),
        ("a" * 100 + "✓", 2),  # one character outside GSM-7 makes the whole text UCS-2
        ("", 0),
    ],
)
def test_segments_are_counted_as_the_carrier_bills_them(text: str, count: int) -> None:
    assert segments(text) == count


def test_gsm7_extension_characters_count_twice() -> None:
    assert length("{}", GSM7) == 4
    assert length("🙂", UCS2) == 2


def test_a_long_arabic_text_within_the_limit_is_one_message() -> None:
    text = " ".join([ARABIC] * 20)  # about 1,400 characters: 21 segments, one message
    assert segments(text) > 20
    assert split_message(text, SMS_MAX_BODY) == [text]


def test_a_text_over_the_limit_is_cut_after_a_sentence_and_loses_no_word() -> None:
    text = " ".join([ARABIC] * 30)
    parts = split_message(text, SMS_MAX_BODY)
    assert len(parts) == 2
    assert all(length(part, UCS2) <= SMS_MAX_BODY for part in parts)
    assert parts[0].endswith(".")
    assert words(parts) == text.split()


def test_without_a_sentence_end_the_cut_is_between_words() -> None:
    text = " ".join(["کوڕەکەم"] * 400)
    parts = split_message(text, SMS_MAX_BODY)
    assert all(length(part, UCS2) <= SMS_MAX_BODY for part in parts)
    assert words(parts) == text.split()
    assert all(set(part.split()) == {"کوڕەکەم"} for part in parts)


def test_a_line_break_in_the_second_half_is_preferred() -> None:
    first = "ب " * 500
    text = f"{first.strip()}\n" + "ج " * 500
    assert split_message(text, SMS_MAX_BODY)[0] == first.strip()


def test_a_word_longer_than_a_message_is_cut_between_letters_with_their_marks() -> None:
    voweled = "بَ" * 1000  # each letter carries a fatha: never parted from it
    parts = split_message(voweled, SMS_MAX_BODY)
    assert "".join(parts) == voweled
    assert all(length(part, UCS2) <= SMS_MAX_BODY for part in parts)
    assert all(not part[0] == "\u064e" for part in parts)


def test_an_emoji_sequence_is_never_cut() -> None:
    family = "👩\u200d👩\u200d👧"  # one family emoji: three people joined by ZWJ
    text = "ب" * 1597 + family
    parts = split_message(text, SMS_MAX_BODY)
    assert parts == ["ب" * 1597, family]


def test_telegram_lengths_count_utf16_code_units() -> None:
    assert split_message("🙂" * 2048, 4096) == ["🙂" * 2048]
    assert [len(part) for part in split_message("🙂" * 2049, 4096)] == [2048, 1]
