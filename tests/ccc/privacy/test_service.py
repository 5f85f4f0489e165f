"""A person's own data: the export holds everything about them, the erasure removes it as
retention would (holds excepted) and leaves every report figure as it was."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from ccc.access.models import AuditEntry
from ccc.access.policy import Caller
from ccc.kernel.errors import NotFound
from ccc.kernel.timeutil import utcnow
from ccc.privacy import service
from ccc.retention import holds
from ccc.tickets.models import Ticket
from tests.ccc.retention.test_run import left_over
from tests.conftest import Harness
from tests.flows import open_ticket

ADMIN = Caller(user_id=None, name="cli:dpo", role="admin")
PERSON = "+9647702220001"
OTHER = "+9647702220002"


def summary(ccc: Harness, headers: dict[str, str]) -> bytes:
    response = ccc.client.get(
        "/api/reports/summary", params={"from": "2020-01-01", "to": "2031-01-01"}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.content


def test_an_export_holds_the_persons_tickets_messages_and_who_read_them(ccc: Harness) -> None:
    reference = open_ticket(ccc, PERSON, "tracing")
    sam = ccc.user("sam", "supervisor", ["ccc"])
    ccc.client.get(f"/api/tickets/{reference}", headers=sam)
    with ccc.session() as session:
        people = service.find_person(session, address="0770 222 0001")  # as people write it
        held = service.export(session, contacts=people, caller=ADMIN)
        session.commit()
    text = json.dumps(held, ensure_ascii=False)
    assert held["summary"]["language"] == "en"
    assert "1 request(s)" in held["summary"]["text"]
    [person] = held["people"]
    assert person["identities"][0]["address"] == PERSON
    [ticket] = person["tickets"]
    assert ticket["reference"] == reference and "Omar Hassan" in text
    assert any(m["direction"] == "in" for m in ticket["messages"] + person["messages"])
    assert ticket["on_hold"] is False
    with ccc.session() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "export")).all()[-1]
        assert entry.data["what"] == "contact" and PERSON not in json.dumps(entry.data)
        with pytest.raises(NotFound):
            service.find_person(session, address="+9647709999999")


def test_forgetting_a_person_keeps_the_figures_and_their_held_ticket(ccc: Harness) -> None:
    sam = ccc.user("sam", "supervisor", ["ccc"])
    first = open_ticket(ccc, PERSON, "tracing")
    kept = open_ticket(ccc, PERSON, "complaint")
    other = open_ticket(ccc, OTHER, "detention")
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == kept)).one()
        holds.hold(session, ticket=ticket, reason="court order", caller=ADMIN)
        session.commit()
    before = summary(ccc, sam)
    with ccc.session() as session:
        people = service.find_person(session, address=PERSON)
        counts, _files = service.forget(
            session, contacts=people, reason="the person asked", caller=ADMIN, now=utcnow()
        )
        session.commit()
    assert counts == {"tickets": 1, "held": 1, "contacts": 0}
    assert summary(ccc, sam) == before
    with ccc.session() as session:
        erased = session.exec(select(Ticket).where(Ticket.reference == first)).one()
        assert erased.anonymised_at is not None and "name" not in erased.answers
        on_hold = session.exec(select(Ticket).where(Ticket.reference == kept)).one()
        assert on_hold.anonymised_at is None and on_hold.answers
        untouched = session.exec(select(Ticket).where(Ticket.reference == other)).one()
        assert untouched.anonymised_at is None
    assert left_over(ccc, ["Baghdad, March 2023"]) == {"Baghdad, March 2023"}  # the other
    assert left_over(ccc, ["Mosul, June 2017"]) == set()  # only the erased ticket said this

    with ccc.session() as session:
        released = session.exec(select(Ticket).where(Ticket.reference == kept)).one()
        holds.release(session, ticket=released, caller=ADMIN)
        counts, _ = service.forget(
            session,
            contacts=service.find_person(session, address=PERSON),
            reason="again",
            caller=ADMIN,
            now=utcnow(),
        )
        session.commit()
    assert counts == {"tickets": 1, "held": 0, "contacts": 1}
    assert summary(ccc, sam) == before
    assert left_over(ccc, [PERSON, "not selected although"]) == set()
    assert OTHER in "".join(left_over(ccc, [OTHER]))
    with ccc.session() as session:
        actions = [e.action for e in session.exec(select(AuditEntry)).all()]
        assert actions.count("erasure") == 2
        with pytest.raises(NotFound):
            service.find_person(session, address=PERSON)
