"""Long replies cut into SMS parts: 160/153 GSM-7, 70/67 UCS-2 for Arabic and Kurdish."""

from __future__ import annotations

from ccc.channels.sms import GSM7, UCS2, encoding_of, length, split_sms, split_text, split_utf16

ARABIC = "يرجى كتابة الاسم الكامل للشخص المفقود كما هو مكتوب في هويته الرسمية"


def words(parts: list[str]) -> list[str]:
    return " ".join(parts).split()


def test_latin_text_is_gsm7_and_arabic_script_is_ucs2() -> None:
    assert encoding_of("Your reference number is 4821 9930.") is GSM7
    assert encoding_of(ARABIC) is UCS2
    assert encoding_of("Kurdish: مێنیو") is UCS2


def test_a_text_that_fits_one_segment_is_one_part() -> None:
    assert split_sms("a" * 160) == ["a" * 160]
    assert split_sms("ب" * 70) == ["ب" * 70]


def test_arabic_over_70_characters_is_cut_into_parts_of_at_most_67_at_spaces() -> None:
    text = f"{ARABIC} {ARABIC}"
    parts = split_sms(text)
    assert len(parts) > 1
    assert all(length(part, UCS2) <= 67 for part in parts)
    assert words(parts) == text.split()


def test_gsm7_over_160_characters_is_cut_into_parts_of_at_most_153() -> None:
    text = " ".join(["reference"] * 40)
    parts = split_sms(text)
    assert all(length(part, GSM7) <= 153 for part in parts)
    assert words(parts) == text.split()


def test_one_non_gsm_character_makes_the_whole_text_ucs2() -> None:
    text = "a" * 100 + "✓"
    assert [length(part, UCS2) <= 67 for part in split_sms(text)] == [True, True]


def test_gsm7_extension_characters_count_twice() -> None:
    assert length("{}", GSM7) == 4
    assert split_sms("€" * 80) == ["€" * 80]
    assert len(split_sms("€" * 81)) == 2


def test_emoji_take_two_ucs2_units() -> None:
    assert length("🙂", UCS2) == 2
    assert split_sms("🙂" * 35) == ["🙂" * 35]
    assert all(length(part, UCS2) <= 67 for part in split_sms("🙂" * 36))


def test_line_breaks_are_preferred_over_spaces() -> None:
    first = "ب " * 20
    text = f"{first.strip()}\n" + "ج " * 30
    assert split_sms(text)[0] == first.strip()


def test_a_word_longer_than_a_part_is_cut_where_it_must_be() -> None:
    parts = split_sms("ب" * 150)
    assert [len(part) for part in parts] == [67, 67, 16]


def test_whatsapp_and_telegram_split_by_characters_only() -> None:
    assert split_text("x" * 1600, 1600) == ["x" * 1600]
    assert [len(p) for p in split_text("word " * 400, 1600)] == [1599, 399]


def test_telegram_lengths_count_utf16_code_units() -> None:
    assert split_utf16("🙂" * 2048, 4096) == ["🙂" * 2048]
    assert [len(part) for part in split_utf16("🙂" * 2049, 4096)] == [2048, 1]
