"""How the simulator reads an address: phone numbers in E.164, chat ids as written."""

from __future__ import annotations

import pytest

from bots.simulator import normalise_address
from ccc.kernel.errors import Invalid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+9647701234567", "+9647701234567"),
        (" 9647701234567", "+9647701234567"),  # an unencoded '+' in a query string
        ("07701234567", "+9647701234567"),
        ("9647701234567", "+9647701234567"),
        ("whatsapp:+9647701234567", "+9647701234567"),
        ("123456789", "123456789"),
        ("12345678901", "12345678901"),  # a long Telegram chat id is not a phone number
        ("demo-user", "demo-user"),
    ],
)
def test_addresses_are_normalised(raw: str, expected: str) -> None:
    assert normalise_address(raw, "IQ") == expected


@pytest.mark.parametrize("raw", ["a b", "<script>", "x" * 65])
def test_odd_addresses_are_refused(raw: str) -> None:
    with pytest.raises(Invalid):
        normalise_address(raw, "IQ")
