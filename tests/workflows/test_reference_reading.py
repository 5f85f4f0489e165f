"""A person who reads Arabic or Kurdish sees their reference the right way round in every reply
that carries it, and what they copy back from a reply is understood."""

from __future__ import annotations

import pytest

from ccc.tickets import references
from tests.conftest import Harness
from tests.flows import LANGUAGE_KEY, open_ticket, reference_as_read, to_main_menu

PHONE = "+9647701234567"


@pytest.mark.parametrize("language", ["ar", "ckb", "kmr", "en"])
def test_every_reply_with_the_reference_reads_in_order(
    ccc: Harness, agent: dict[str, str], language: str
) -> None:
    reference = open_ticket(ccc, PHONE, "assistance", LANGUAGE_KEY[language])
    created = ccc.last_reply(PHONE)
    assert reference_as_read(created, reference)

    # The person copies the reference out of the reply, invisible marks and all.
    start = created.index(reference[:4]) - 1
    ccc.say(PHONE, created[start : start + 11])
    status = ccc.last_reply(PHONE)
    assert reference_as_read(status, reference), status

    ccc.say(PHONE, "Any news?")
    assert reference_as_read(ccc.last_reply(PHONE), reference)

    for step in ("open", "resolved"):
        ccc.client.patch(f"/api/tickets/{reference}", json={"status": step}, headers=agent)
    ccc.drain()
    assert reference_as_read(ccc.last_reply(PHONE), reference)

    ccc.say(PHONE, "I still need help")
    assert reference_as_read(ccc.last_reply(PHONE), reference)


@pytest.mark.parametrize("language", ["ar", "ckb", "kmr", "en"])
def test_the_callback_reference_reads_in_order(ccc: Harness, language: str) -> None:
    to_main_menu(ccc, PHONE, language)
    ccc.say(PHONE, "0")
    ccc.say(PHONE, "1")  # yes, call me back
    reply = ccc.last_reply(PHONE)
    (reference,) = references.find_valid(reply)
    assert reference_as_read(reply, reference)
