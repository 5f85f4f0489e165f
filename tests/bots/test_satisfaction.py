"""The satisfaction question after resolution, answered on every text channel."""

from __future__ import annotations

import pytest

from tests.conftest import Harness
from tests.support.people import TelegramPerson, TwilioPerson, open_ticket


@pytest.mark.parametrize(
    ("channel", "answer", "score"),
    [
        ("sms", "5", 5),
        ("whatsapp", "جيد", 4),
        ("telegram", "٣", 3),
    ],
)
def test_the_person_rates_the_answer_and_the_ticket_closes(
    ccc: Harness,
    sms: TwilioPerson,
    whatsapp: TwilioPerson,
    telegram: TelegramPerson,
    agent: dict[str, str],
    supervisor: dict[str, str],
    channel: str,
    answer: str,
    score: int,
) -> None:
    person = {"sms": sms, "whatsapp": whatsapp, "telegram": telegram}[channel]
    reference = open_ticket(person)
    resolved = ccc.client.patch(
        f"/api/tickets/{reference}", json={"status": "resolved"}, headers=agent
    )
    assert resolved.status_code == 200, resolved.text
    ccc.drain()
    sent = (
        person.received()
        if isinstance(person, TwilioPerson)
        else [m["text"] for m in person.sent()]
    )
    assert "has been answered" in sent[-2]
    assert sent[-1].startswith("How was our service on your request")

    person.say(answer)
    sent = (
        person.received()
        if isinstance(person, TwilioPerson)
        else [m["text"] for m in person.sent()]
    )
    assert sent[-1] == "Thank you for your answer."
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert (ticket["status"], ticket["satisfaction"]) == ("closed", score)
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    assert [e["data"] for e in timeline if e.get("kind") == "satisfaction"] == [{"score": score}]
    report = ccc.client.get("/api/reports/summary", headers=supervisor).json()
    assert report["satisfaction"] == {"answers": 1, "mean": float(score)}
