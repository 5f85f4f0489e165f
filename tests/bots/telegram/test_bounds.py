"""Telegram fields are bounded like the Twilio path's: a forged or broken update is a 400 with
nothing stored, never a 500 and never a row holding an impossible value."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Harness
from tests.support.people import TelegramPerson, post_telegram, stored

TOO_BIG = 2**63


def with_location(telegram: TelegramPerson, latitude: float, longitude: float) -> dict[str, Any]:
    return telegram.update(
        "telegram_location", location={"latitude": latitude, "longitude": longitude}
    )


def with_photo(telegram: TelegramPerson, file_id: str) -> dict[str, Any]:
    update = telegram.update("telegram_photo")
    update["message"]["photo"][-1]["file_id"] = file_id
    return update


@pytest.mark.parametrize(
    ("build", "detail"),
    [
        (lambda t: with_location(t, 91.0, 43.1), "within ±90° latitude"),
        (lambda t: with_location(t, 36.3, -180.5), "±180° longitude"),
        (lambda t: with_photo(t, "x" * 257), "a file_id is 1 to 256"),
        (lambda t: with_photo(t, "https://evil.example/a.jpg"), "a file_id is 1 to 256"),
        (lambda t: {**t.update("telegram_text"), "update_id": TOO_BIG}, "64-bit"),
        (
            lambda t: {
                **t.update("telegram_text"),
                "message": {
                    **t.update("telegram_text")["message"],
                    "chat": {"id": TOO_BIG, "type": "private"},
                },
            },
            "chat.id must be a 64-bit integer",
        ),
    ],
)
def test_out_of_bounds_fields_are_refused_and_nothing_is_stored(
    ccc: Harness, telegram: TelegramPerson, build: Any, detail: str
) -> None:
    response = post_telegram(ccc.client, build(telegram))
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]
    assert stored(ccc)["messages"] == 0


def test_the_edges_of_the_world_are_still_places(ccc: Harness, telegram: TelegramPerson) -> None:
    response = post_telegram(ccc.client, with_location(telegram, -90.0, 180.0))
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "accepted"}
