"""Phone numbers: every way an Iraqi number is written is one E.164 number, and logs mask it."""

from __future__ import annotations

import pytest

from ccc.kernel.phone import mask, to_e164

NUMBER = "+9647701234567"


@pytest.mark.parametrize(
    "written",
    [
        "0770 123 4567",
        "07701234567",
        "009647701234567",
        "00964 770 123 4567",
        "+964 770 123 4567",
        "+9647701234567",
        "+964-770-123-4567",
        "(0770) 123 4567",
        " 07701234567 ",
        "whatsapp:+9647701234567",
        "WhatsApp:+9647701234567",
        "٠٧٧٠ ١٢٣ ٤٥٦٧",  # Arabic-Indic digits
        "۰۷۷۰۱۲۳۴۵۶۷",  # Persian digits
        "+٩٦٤٧٧٠١٢٣٤٥٦٧",
    ],
)
def test_every_way_of_writing_an_iraqi_number_gives_the_same_e164_number(written: str) -> None:
    assert to_e164(written) == NUMBER


def test_a_foreign_number_in_international_form_keeps_its_country() -> None:
    assert to_e164("+44 20 7946 0958") == "+442079460958"
    assert to_e164("0044 20 7946 0958") == "+442079460958"


def test_a_local_number_is_read_in_the_region_given() -> None:
    assert to_e164("020 7946 0958", default_region="GB") == "+442079460958"


@pytest.mark.parametrize(
    "junk",
    ["", "   ", "hello", "+", "whatsapp:", "0770", "12", "1234567890123456789", "menu 3"],
)
def test_text_that_is_not_a_phone_number_gives_none(junk: str) -> None:
    assert to_e164(junk) is None


@pytest.mark.parametrize(
    "address",
    [
        NUMBER,
        "+442079460958",
        "whatsapp:+9647701234567",
        "123456789",  # a Telegram chat id
        "1234567",
        "+96477012345678901",
    ],
)
def test_a_masked_address_never_shows_the_whole_number(address: str) -> None:
    masked = mask(address)
    digits = [ch for ch in address if ch.isdigit()]
    shown = [ch for ch in masked if ch.isdigit()]
    assert address not in masked
    assert len(shown) < len(digits)


def test_a_masked_number_hides_the_subscriber_digits_but_tells_numbers_apart() -> None:
    masked = mask(NUMBER)
    assert "1234" not in masked
    assert masked.endswith("67")
    assert mask(NUMBER) != mask("+9647701234599")


@pytest.mark.parametrize("address", ["", "1", "+96", "1234"])
def test_a_very_short_address_is_masked_entirely(address: str) -> None:
    assert mask(address) == "***"
