"""The whole path: a person writes in, the chatbot talks, a routed ticket, an agent works it."""

from __future__ import annotations

from ccc.tickets import references
from tests.conftest import Harness
from tests.flows import reference_as_read, reference_in

PHONE = "+9647701234567"


def test_tracing_intake_in_english_ends_with_a_routed_ticket_an_agent_works(
    ccc: Harness, agent: dict[str, str]
) -> None:
    ccc.say(PHONE, "hello")
    assert "4 English" in ccc.last_reply(PHONE)
    ccc.say(PHONE, "4")
    assert "How can we help you?" in ccc.last_reply(PHONE)
    ccc.say(PHONE, "1")
    assert "Your answers are confidential" in ccc.last_reply(PHONE)
    ccc.say(PHONE, "1")
    assert ccc.last_reply(PHONE) == "What is your full name?"
    ccc.say(PHONE, "Layla Hassan")
    ccc.say(PHONE, "Omar Hassan")
    assert "This person is your:" in ccc.last_reply(PHONE)
    ccc.say(PHONE, "4")
    ccc.say(PHONE, "Mosul, old city, June 2017")
    ccc.say(PHONE, "He left for work and did not come back.")
    assert "Do you agree that we share your answers" in ccc.last_reply(PHONE)
    ccc.say(PHONE, "1")

    reply = ccc.last_reply(PHONE)
    assert "Your reference number is" in reply
    reference = reference_in(reply)
    assert references.is_valid(reference)

    queue = ccc.client.get("/api/tickets", params={"team": "tracing"}, headers=agent).json()
    assert [t["reference"] for t in queue["items"]] == [reference]
    ticket = queue["items"][0]
    assert ticket["category"] == "tracing"
    assert ticket["status"] == "new"
    assert ticket["channel"] == "simulator"
    assert ticket["language"] == "en"
    assert ticket["answers"] == {
        "enquirer_name": "Layla Hassan",
        "missing_person_name": "Omar Hassan",
        "relationship": "sibling",
        "last_seen": "Mosul, old city, June 2017",
        "circumstances": "He left for work and did not come back.",
        "consent_to_share": "yes",
    }
    assert ticket["first_response_due"] and ticket["resolution_due"]

    for status in ("open", "resolved", "closed"):
        response = ccc.client.patch(
            f"/api/tickets/{reference}", json={"status": status}, headers=agent
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    ccc.drain()

    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    kinds = [item.get("kind") for item in timeline if item["type"] == "event"]
    assert kinds[:2] == ["created", "routed"]
    assert kinds.count("status_changed") == 3
    assert "person_notified" in kinds
    messages = [item for item in timeline if item["type"] == "message"]
    assert messages[0]["text"] == "hello"
    # The person is told, then asked one satisfaction question (issue 11).
    assert "has been answered" in messages[-2]["text"]
    assert "How was our service" in messages[-1]["text"]
    assert "How was our service" in ccc.last_reply(PHONE)


def test_tracing_intake_in_arabic_with_arabic_indic_digits(
    ccc: Harness, agent: dict[str, str]
) -> None:
    ccc.say(PHONE, "السلام عليكم")
    ccc.say(PHONE, "١")
    assert ccc.last_reply(PHONE).startswith("كيف نساعدك")
    for answer in (
        "١",
        "١",
        "ليلى حسن",
        "عمر حسن",
        "٤",
        "الموصل، حزيران ٢٠١٧",
        "خرج إلى العمل ولم يعد",
        "١",
    ):
        ccc.say(PHONE, answer)
    reply = ccc.last_reply(PHONE)
    assert reply.startswith("شكراً. رقم طلبك")
    reference = reference_in(reply)

    [ticket] = ccc.client.get("/api/tickets", params={"team": "tracing"}, headers=agent).json()[
        "items"
    ]
    assert ticket["reference"] == reference
    assert ticket["language"] == "ar"
    assert ticket["answers"]["missing_person_name"] == "عمر حسن"
    assert ticket["answers"]["relationship"] == "sibling"
    assert ticket["answers"]["consent_to_share"] == "yes"
    search = ccc.client.get("/api/tickets", params={"q": "عمر"}, headers=agent).json()
    assert [t["reference"] for t in search["items"]] == [reference]

    arabic_reference = reference.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    ccc.say(PHONE, f"ما حالة الطلب {arabic_reference[:4]} {arabic_reference[4:]}؟")
    assert ccc.last_reply(PHONE).startswith("الطلب")
    assert reference_as_read(ccc.last_reply(PHONE), reference)


def test_every_language_reaches_a_ticket(ccc: Harness, agent: dict[str, str]) -> None:
    for index, language in enumerate(("1", "2", "3", "4")):
        phone = f"+96475012345{index}0"
        ccc.say(phone, "hi")
        ccc.say(phone, language)
        for answer in ("3", "1", "Name", "1", "۵", "بغداد", "1"):
            ccc.say(phone, answer)
        reference_in(ccc.last_reply(phone))
    tickets = ccc.client.get("/api/tickets", headers=agent).json()["items"]
    assert sorted(t["language"] for t in tickets) == ["ar", "ckb", "en", "kmr"]
    assert {t["answers"]["household_size"] for t in tickets} == {5}
