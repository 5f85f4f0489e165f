"""`parse_update` on one message, without the web app: each kind of message reads as the same
inbound message, or is ignored for the same reason, whatever shape the parser takes inside."""

from __future__ import annotations

from typing import Any

import pytest

from bots.telegram.updates import parse_update
from ccc.channels.port import Media
from ccc.kernel.errors import BadRequest

LAYLA = {"id": 5123456789, "is_bot": False, "first_name": "Layla", "last_name": "Saleh"}
CHAT = {"id": 5123456789, "first_name": "Layla", "type": "private"}


def update(*, sender: dict[str, Any] | None = LAYLA, **fields: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": 1, "chat": CHAT, "date": 1796033010, **fields}
    if sender is not None:
        message["from"] = sender
    return {"update_id": 7, "message": message}


def test_a_text_message_is_the_person_writing_from_their_chat() -> None:
    inbound = parse_update(update(text="hello"), "IQ").inbound
    assert inbound is not None
    assert (inbound.address, inbound.external_id, inbound.text) == ("5123456789", "7", "hello")
    assert (inbound.display_name, inbound.linked_phone, inbound.location) == (
        "Layla Saleh",
        None,
        None,
    )
    assert inbound.media == () and inbound.proves_reachable


def test_a_message_in_a_group_is_ignored_naming_the_chat_type() -> None:
    group = update(text="hello", chat={"id": -100123, "title": "Team", "type": "group"})
    parsed = parse_update(group, "IQ")
    assert (parsed.inbound, parsed.ignored) == (None, "a message in a group chat")


def test_a_sticker_alone_is_written_as_its_emoji() -> None:
    sticker = {
        "file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512,
        "height": 512, "is_animated": False, "is_video": False, "emoji": "👍",
    }  # fmt: skip
    inbound = parse_update(update(sticker=sticker), "IQ").inbound
    assert inbound is not None and inbound.text == "👍"


def test_a_bare_start_is_still_a_message_with_no_words() -> None:
    inbound = parse_update(update(text="/start"), "IQ").inbound
    assert inbound is not None and inbound.text == ""


def test_a_message_with_nothing_ccc_uses_is_ignored() -> None:
    parsed = parse_update(update(), "IQ")
    assert (parsed.inbound, parsed.ignored) == (None, "a message with nothing CCC uses")


def test_blank_words_are_still_a_message() -> None:
    inbound = parse_update(update(text="   "), "IQ").inbound
    assert inbound is not None and inbound.text == ""


def test_ones_own_number_without_a_plus_is_linked_in_international_form() -> None:
    contact = {"phone_number": "9647701234567", "first_name": "Layla", "user_id": LAYLA["id"]}
    inbound = parse_update(update(contact=contact), "IQ").inbound
    assert inbound is not None
    assert (inbound.linked_phone, inbound.media) == ("+9647701234567", ())


def test_someone_elses_number_is_a_card_never_a_link() -> None:
    contact = {"phone_number": "+9647809876543", "first_name": "Omar", "user_id": 42}
    inbound = parse_update(update(contact=contact), "IQ").inbound
    assert inbound is not None and inbound.linked_phone is None
    assert inbound.media == (Media(url="tel:+9647809876543", content_type="text/vcard"),)


def test_a_shared_number_from_no_known_sender_is_a_card_never_a_link() -> None:
    contact = {"phone_number": "+9647701234567", "first_name": "Layla", "user_id": LAYLA["id"]}
    inbound = parse_update(update(sender=None, contact=contact), "IQ").inbound
    assert inbound is not None and inbound.linked_phone is None
    assert inbound.display_name is None
    assert inbound.media == (Media(url="tel:+9647701234567", content_type="text/vcard"),)


def test_a_number_that_is_no_phone_is_kept_as_written() -> None:
    contact = {"phone_number": "12", "first_name": "Layla", "user_id": LAYLA["id"]}
    inbound = parse_update(update(contact=contact), "IQ").inbound
    assert inbound is not None and inbound.linked_phone is None
    assert inbound.media == (Media(url="tel:12", content_type="text/vcard"),)


def test_a_venue_is_kept_as_its_location() -> None:
    place = {"latitude": 36.34, "longitude": 43.15}
    venue = {"location": place, "title": "Clinic", "address": "Mosul"}
    inbound = parse_update(update(venue=venue), "IQ").inbound
    assert inbound is not None and inbound.location == (36.34, 43.15)


def test_a_location_beside_a_venue_wins() -> None:
    venue = {"location": {"latitude": 1.0, "longitude": 2.0}, "title": "x", "address": "y"}
    both = update(venue=venue, location={"latitude": 36.34, "longitude": 43.15})
    inbound = parse_update(both, "IQ").inbound
    assert inbound is not None and inbound.location == (36.34, 43.15)


@pytest.mark.parametrize(("latitude", "longitude"), [(90.5, 0.0), (0.0, -180.5)])
def test_a_place_off_the_globe_is_refused(latitude: float, longitude: float) -> None:
    off = update(location={"latitude": latitude, "longitude": longitude})
    with pytest.raises(BadRequest, match="±90° latitude"):
        parse_update(off, "IQ")


def test_the_edges_of_the_globe_with_a_caption_are_kept() -> None:
    edge = update(caption="here", location={"latitude": -90.0, "longitude": 180.0})
    inbound = parse_update(edge, "IQ").inbound
    assert inbound is not None and (inbound.text, inbound.location) == ("here", (-90.0, 180.0))
