"""Every condition and action of a rule, evaluated on tickets made through the simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from sqlmodel import Session, select

from ccc.access.models import User
from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.flows import open_ticket
from tests.support.timeline import rule_events
from workflows.calendars.hours import load_calendars
from workflows.files.library import PACKAGE_DIR
from workflows.files.rulebook import RuleBook, parse_documents
from workflows.files.yamlfile import load
from workflows.rules.engine import evaluate

PHONE = "+9647704440001"
CALENDARS = load_calendars(PACKAGE_DIR / "calendars.yaml")
# Sunday 6 December 2026, 10:00 in Baghdad: the centre is open.
SUNDAY = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)  # the weekend: nobody on shift


def book(text: str) -> RuleBook:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "rules.yaml"
        path.write_text(text, encoding="utf-8")
        data, problems = load(path)
        assert not problems
        found, problems = parse_documents([(data, "rules.yaml")], CALENDARS)
    assert found is not None, problems
    return found


def one_rule(when: str, then: str = "{tags: [hit]}", on: str = "ticket.updated") -> RuleBook:
    return book(
        f"""
words:
  cash: [cash, money, نقود]
  weapons: [gun, سلاح]
templates:
  hello: {{ar: مرحبا, ckb: سڵاو, kmr: Silav, en: Hello from the centre}}
rules:
  - name: under test
    on: {on}
    when: {when}
    then: {then}
"""
    )


def ticket_of(session: Session, reference: str) -> Ticket:
    return session.exec(select(Ticket).where(Ticket.reference == reference)).one()


@pytest.fixture
def assistance(ccc: Harness) -> str:
    """An English assistance request for cash, in Erbil (governorate 4), by the simulator."""
    return open_ticket(ccc, PHONE, "assistance")


CONDITIONS: list[tuple[str, bool]] = [
    ("{category: assistance}", True),
    ("{category: [tracing, detention]}", False),
    ("{answers: {need: cash}}", True),
    ("{answers: {need: [health, water_shelter]}}", False),
    ("{language: en}", True),
    ("{language: [ar, ckb]}", False),
    ("{channel: simulator}", True),
    ("{channel: sms}", False),
    ("{governorate: ninawa}", True),
    ("{governorate: erbil}", False),
    ("{sensitivity: normal}", True),
    ("{priority: [high, urgent]}", False),
    ("{status: new}", True),
    ("{status: [pending, resolved]}", False),
    ("{team: assistance}", True),
    ("{team: tracing}", False),
    ("{words: cash}", True),  # in the answers: the need chosen was cash
    ("{words: weapons}", False),
    ("{history: {open: 1}}", False),
    ("{history: {days: 30, at_least: 1}}", False),
    ("{any: [{category: tracing}, {language: en}]}", True),
    ("{all: [{category: assistance}, {language: ar}]}", False),
    ("{not: {category: assistance}}", False),
    ("{time: {calendar: centre, open: true}}", True),
    ("{time: {days: [sun]}}", True),
    ("{time: {days: [fri, sat]}}", False),
    ('{time: {hours: "08:00-12:00"}}', True),
    ('{time: {hours: "16:00-08:00"}}', False),
]


@pytest.mark.parametrize(("when", "expected"), CONDITIONS)
def test_each_condition(ccc: Harness, assistance: str, when: str, expected: bool) -> None:
    with ccc.session() as session:
        ticket = ticket_of(session, assistance)
        matched = evaluate(session, ticket, "ticket.updated", book=one_rule(when), now=SUNDAY)
        session.rollback()
    assert bool(matched) is expected


def test_words_in_a_later_message_and_the_contacts_history(ccc: Harness, assistance: str) -> None:
    second = open_ticket(ccc, PHONE, "assistance")
    with ccc.session() as session:
        ticket = ticket_of(session, second)
        found = one_rule("{words: weapons}")
        assert evaluate(session, ticket, "ticket.updated", text="هددوني بالسلاح", book=found)
        for when in (
            "{history: {open: 1, same_category: true}}",
            "{history: {days: 1, at_least: 1}}",
            "{history: {open: 1, same_answer: need}}",
        ):
            assert evaluate(session, ticket, "ticket.updated", book=one_rule(when)), when
        assert not evaluate(
            session, ticket, "ticket.updated", book=one_rule("{history: {open: 2}}")
        )
        session.rollback()


def test_each_action_leaves_an_event_naming_the_rule(
    ccc: Harness, assistance: str, supervisor: dict[str, str]
) -> None:
    then = (
        "{team: tracing, priority: raise, sensitivity: sensitive, category: tracing, "
        "tags: [cash, vulnerable], note: Call back in Kurdish, message: hello}"
    )
    with ccc.session() as session:
        ticket = ticket_of(session, assistance)
        evaluate(session, ticket, "ticket.updated", book=one_rule("{}", then))
        session.commit()
    ccc.drain()
    shipped, *_ = rule_events(ccc, assistance, supervisor)
    assert shipped == {
        "rule": "assistance and programme inclusion",
        "action": "team",
        "from": None,
        "to": "assistance",
    }
    events = [e for e in rule_events(ccc, assistance, supervisor) if e["rule"] == "under test"]
    assert [(e["action"], e.get("to")) for e in events] == [
        ("category", "tracing"),
        ("priority", "high"),
        ("sensitivity", "sensitive"),
        ("team", "tracing"),
        ("tags", None),
        ("note", None),
        ("message", None),
    ]
    ticket = ccc.client.get(f"/api/tickets/{assistance}", headers=supervisor).json()
    assert (ticket["team"], ticket["priority"], ticket["category"]) == (
        "tracing",
        "high",
        "tracing",
    )
    assert ticket["tags"] == ["cash", "vulnerable"]
    assert ccc.last_reply(PHONE) == "Hello from the centre"


def test_assign_takes_turns_up_to_the_cap_while_the_team_is_on_shift(ccc: Harness) -> None:
    ccc.user("bob", "team_member", ["assistance"])
    ccc.user("carol", "team_member", ["assistance"])
    ccc.user("dan", "team_member", ["tracing"])
    references = [open_ticket(ccc, f"+96477044400{n}", "assistance") for n in range(2, 6)]
    assign = one_rule("{}", "{assign: {team: assistance, cap: 1, calendar: centre}}")
    assigned = []
    with ccc.session() as session:
        for reference, now in zip(references, [SUNDAY, SUNDAY, SUNDAY, FRIDAY], strict=True):
            ticket = ticket_of(session, reference)
            evaluate(session, ticket, "ticket.updated", book=assign, now=now)
            session.flush()
            assigned.append(ticket.assignee_id)
        names = {u.id: u.name for u in session.exec(select(User)).all()}
        session.rollback()
    assert [names.get(a) for a in assigned] == ["bob", "carol", None, None]


@pytest.mark.parametrize(("join", "joins"), [("", True), (", join: false", False)])
def test_link_on_a_new_ticket_joins_the_first_unless_told_not_to(
    ccc: Harness, assistance: str, join: str, joins: bool
) -> None:
    from workflows.rules.joins import _JOINS

    second = open_ticket(ccc, "+9647704440009", "assistance")
    with ccc.session() as session:
        first = ticket_of(session, assistance)
        ticket = ticket_of(session, second)
        ticket.contact_id = first.contact_id  # the same person, from the rules' point of view
        rule = one_rule("{}", f"{{link: {{same_category: true{join}}}}}", on="ticket.created")
        assert evaluate(session, ticket, "ticket.created", book=rule)
        assert ticket.linked_ticket_id == first.id
        marked = session.info.get(_JOINS, {}).get(ticket.id)
        assert (marked is not None) is joins
        if marked is not None:
            assert (marked.first_id, marked.rule) == (first.id, "under test")
        session.rollback()


def test_a_rules_change_is_an_agents_change(ccc: Harness, supervisor: dict[str, str]) -> None:
    """One way to change a ticket: a rule raising the priority gets the agent's event and
    the agent's SLA recalculation, plus its own `rule` event saying why."""
    by_agent = open_ticket(ccc, PHONE, "assistance")
    by_rule = open_ticket(ccc, "+9647704440008", "assistance")
    response = ccc.client.patch(
        f"/api/tickets/{by_agent}", json={"priority": "urgent"}, headers=supervisor
    )
    assert response.status_code == 200
    with ccc.session() as session:
        ticket = ticket_of(session, by_rule)
        evaluate(session, ticket, "ticket.updated", book=one_rule("{}", "{priority: urgent}"))
        session.commit()
    ccc.drain()

    def change_events(reference: str) -> list[tuple[str, str, object]]:
        timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=supervisor)
        return [
            (e["kind"], e["actor"], e["data"])
            for e in timeline.json()
            if e.get("kind") == "priority_changed"
            or (e.get("data") or {}).get("rule") == "under test"
        ]

    moved = {"from": "normal", "to": "urgent"}
    assert change_events(by_agent) == [("priority_changed", "sam", moved)]
    assert change_events(by_rule) == [
        ("priority_changed", "routing", moved),
        ("rule", "routing", {"rule": "under test", "action": "priority", **moved}),
    ]
    with ccc.session() as session:
        for reference in (by_agent, by_rule):
            ticket = ticket_of(session, reference)
            # The urgent policy counts every hour: 2h to a first response, 24h to resolve.
            assert ticket.first_response_due == ticket.created_at + timedelta(hours=2)
            assert ticket.resolution_due == ticket.created_at + timedelta(hours=24)
