"""Properties of the rules engine: any valid rule set, on any ticket, never crashes and gives
the same result twice; any text at all can be searched for words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

from ccc.tickets.models import Category, Priority, Sensitivity, Ticket, TicketStatus
from workflows.calendars.hours import load_calendars
from workflows.chatbot.words import WordList
from workflows.files.library import PACKAGE_DIR
from workflows.files.rulebook import RuleBook, parse_documents
from workflows.files.yamlfile import LineDict
from workflows.rules.conditions import CHANNELS, LANGUAGES
from workflows.rules.engine import evaluate

CALENDARS = load_calendars(PACKAGE_DIR / "calendars.yaml")
WORDS = {"w": ["arrest", "سجن", "زیندان", "girtî", "asked for money"]}
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def enum(kind: Any) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in kind])


def leaf() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(lambda v: {"category": v}, st.lists(enum(Category), min_size=1, max_size=3)),
        st.builds(lambda v: {"priority": v}, enum(Priority)),
        st.builds(lambda v: {"sensitivity": v}, enum(Sensitivity)),
        st.builds(lambda v: {"language": v}, st.sampled_from(LANGUAGES)),
        st.builds(lambda v: {"channel": v}, st.sampled_from(CHANNELS)),
        st.builds(lambda v: {"team": v}, st.sampled_from(["ccc", "tracing", "detention"])),
        st.builds(lambda v: {"governorate": v}, st.sampled_from(["erbil", "basra"])),
        st.builds(lambda v: {"answers": {"need": v}}, st.sampled_from(["cash", "health"])),
        st.just({"words": "w"}),
        st.builds(
            lambda o, s: {"history": {"open": o, "same_category": s}},
            st.integers(0, 3),
            st.booleans(),
        ),
        st.builds(lambda d: {"history": {"days": d, "at_least": 1}}, st.integers(0, 60)),
        st.builds(
            lambda o, d: {"time": {"calendar": "centre", "open": o, "days": d}},
            st.booleans(),
            st.lists(st.sampled_from(DAYS), min_size=1, max_size=3),
        ),
    )


conditions = st.recursive(
    leaf(),
    lambda inner: st.one_of(
        st.builds(lambda items: {"any": items}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda items: {"all": items}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda item: {"not": item}, inner),
    ),
    max_leaves=6,
)


def merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    when: dict[str, Any] = {}
    for part in parts:
        when.update(part)
    return when


rule = st.builds(
    lambda when, then, stop: {"name": "", "when": when, "then": then, "stop": stop},
    st.lists(conditions, max_size=3).map(merged),
    st.fixed_dictionaries(
        {},
        optional={
            "priority": st.sampled_from([*[p.value for p in Priority], "raise"]),
            "sensitivity": enum(Sensitivity),
            "category": enum(Category),
        },
    ).filter(bool),
    st.booleans(),
)


def to_lines(value: Any) -> Any:
    if isinstance(value, dict):
        result = LineDict({k: to_lines(v) for k, v in value.items()})
        result.line = 1
        result.key_lines = {}
        return result
    if isinstance(value, list):
        return [to_lines(v) for v in value]
    return value


ticket_fields = st.fixed_dictionaries(
    {
        "category": enum(Category),
        "priority": enum(Priority),
        "sensitivity": enum(Sensitivity),
        "status": enum(TicketStatus),
        "language": st.sampled_from(LANGUAGES),
        "channel": st.sampled_from(CHANNELS),
        "need": st.sampled_from(["cash", "health"]),
        "text": st.text(max_size=80),
    }
)


def make_ticket(fields: dict[str, Any]) -> Ticket:
    values = {k: v for k, v in fields.items() if k not in ("need", "text")}
    return Ticket(
        id=1,
        reference="00000000",
        contact_id=1,
        identity_id=1,
        answers={"need": fields["need"], "details": fields["text"]},
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        **values,
    )


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """A real, empty database: the engine reads the contact's history from it."""
    import ccc.models  # noqa: F401

    engine = create_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def run(engine: Engine, book: RuleBook, fields: dict[str, Any], now: datetime) -> Any:
    ticket = make_ticket(fields)
    with Session(engine) as session:
        matched = evaluate(session, ticket, "ticket.created", book=book, now=now)
        outcome = (matched, ticket.priority, ticket.sensitivity, ticket.category, ticket.tags)
        session.rollback()
    return outcome


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rules=st.lists(rule, min_size=1, max_size=5),
    fields=ticket_fields,
    minutes=st.integers(0, 60 * 24 * 14),
)
def test_any_valid_rule_set_on_any_ticket_gives_the_same_result_twice(
    engine: Engine, rules: list[dict[str, Any]], fields: dict[str, Any], minutes: int
) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    named = [{**r, "name": f"rule {i}"} for i, r in enumerate(rules)]
    document = to_lines({"words": WORDS, "rules": named})
    book, problems = parse_documents([(document, "generated.yaml")], CALENDARS)
    assert book is not None, problems  # every generated set is valid
    first = run(engine, book, fields, now)
    assert run(engine, book, fields, now) == first
    matched = first[0]
    stopped = [name for name in matched if rules[int(name.split()[-1])]["stop"]]
    assert not stopped or stopped == [matched[-1]]  # nothing runs after a matching `stop`


@given(st.text(), st.sampled_from(WORDS["w"]))
def test_any_text_can_be_searched_for_words(text: str, word: str) -> None:
    """Any text is searched without a crash; `matches` says whether `found` finds a word, and
    a listed word written after any text, as a word of its own, is always found."""
    words = WordList(WORDS["w"])
    assert words.matches(text) == bool(words.found(text))
    assert set(words.found(text)) <= set(WORDS["w"])
    assert word in words.found(f"{text} {word}")
