"""Closing the loop on the simulator: who is asked, what counts as an answer, a message after
closing, and free text at the main menu."""

from __future__ import annotations

from tests.conftest import Harness
from tests.flows import open_ticket, reference_in
from tests.workflows.test_shipped_rules import complaint, intake, tickets_of

PHONE = "+9647703330001"


def sent(ccc: Harness, phone: str) -> list[str]:
    return [m["text"] for m in ccc.transcript(phone) if m["direction"] == "out"]


def resolve(ccc: Harness, reference: str, headers: dict[str, str]) -> None:
    response = ccc.client.patch(
        f"/api/tickets/{reference}", json={"status": "resolved"}, headers=headers
    )
    assert response.status_code == 200, response.text
    ccc.drain()


def test_a_restricted_ticket_gets_no_satisfaction_question(ccc: Harness) -> None:
    focal = ccc.user("fatima", "agent", ["accountability"])  # searches by number
    intake(ccc, PHONE, "en", complaint("A guard asked for a bribe.", about="2"))
    [ticket] = tickets_of(ccc, PHONE, focal)
    assert ticket["sensitivity"] == "restricted"
    resolve(ccc, ticket["reference"], focal)
    assert "has been answered" in sent(ccc, PHONE)[-1]


def test_words_instead_of_a_rating_reopen_the_ticket(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE)
    resolve(ccc, reference, agent)
    ccc.say(PHONE, "But nobody has called me back yet")
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert (ticket["status"], ticket["satisfaction"]) == ("open", None)
    assert sent(ccc, PHONE)[-1].startswith("Thank you. We have reopened request")


def test_a_message_on_a_closed_ticket_opens_a_new_linked_ticket(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    resolve(ccc, reference, agent)
    ccc.say(PHONE, "excellent")  # rated: the ticket closes
    assert ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()["status"] == "closed"

    ccc.say(PHONE, "My brother has still not been found")
    reply = sent(ccc, PHONE)[-1]
    assert reply.startswith("Your earlier request is closed")
    new = reference_in(reply)
    assert new != reference
    ticket = ccc.client.get(f"/api/tickets/{new}", headers=agent).json()
    assert ticket["answers"] == {
        "details": "My brother has still not been found",
        "follows": reference,
    }
    assert ticket["category"] == "tracing"
    old_timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    assert [e["data"] for e in old_timeline if e.get("kind") == "follow_up"] == [{"reference": new}]
    new_timeline = ccc.client.get(f"/api/tickets/{new}/timeline", headers=agent).json()
    inbound = [m["text"] for m in new_timeline if m.get("direction") == "in"]
    assert inbound == ["My brother has still not been found"]


def test_a_menu_choice_after_closing_is_the_menu_not_a_follow_up(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    resolve(ccc, reference, agent)
    ccc.say(PHONE, "5")
    ccc.say(PHONE, "3")  # assistance, from the main menu
    assert "Your earlier request is closed" not in sent(ccc, PHONE)[-1]
    assert len(ccc.client.get("/api/tickets", headers=agent).json()["items"]) == 1


def test_free_text_at_the_main_menu_offers_the_intake_it_sounds_like(ccc: Harness) -> None:
    ccc.say(PHONE, "hello")
    ccc.say(PHONE, "1")  # Arabic
    ccc.say(PHONE, "ابني معتقل منذ شهر")
    assert sent(ccc, PHONE)[-1] == "يبدو أن الأمر يتعلق بقريب محتجز: أرسل 2 لتسجيله."
    ccc.say(PHONE, "2")
    privacy = sent(ccc, PHONE)[-1]
    ccc.say(PHONE, "menu")
    ccc.say(PHONE, "2")
    assert sent(ccc, PHONE)[-1] == privacy  # the detention intake's first question

    other = "+9647703330002"
    ccc.say(other, "hello")
    ccc.say(other, "4")  # English
    ccc.say(other, "my son was arrested last month")
    assert sent(ccc, other)[-1] == "It sounds like a detained relative: reply 2 to register it."
    ccc.say(other, "the weather is nice")
    assert "It sounds like" not in sent(ccc, other)[-1]
