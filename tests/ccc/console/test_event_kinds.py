"""Every kind of timeline event is named in the reader's language: the walk of 2026-12-06 found
`out_of_hours_ack`, `satisfaction_asked` and `person_notified` shown as raw keys on Arabic and
English ticket pages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlmodel import select

from ccc.console import i18n
from ccc.console.timeline_view import EVENT_KINDS
from ccc.tickets.models import Ticket
from ccc.tickets.service import CONTACT, ROUTING, record
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket

ROOT = Path(__file__).resolve().parents[3]
PHONE = "+9647701234567"


def _constants(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found[node.targets[0].id] = node.value.value
    return found


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def recorded_kinds() -> set[str]:
    """The `kind` of every `record(…)` and `TicketEvent(…)` in the code, literal or a module
    constant (`CLOSED_ACK = "out_of_hours_ack"`); `f"{field}_changed"` is left to the list."""
    kinds: set[str] = set()
    for folder in ("ccc", "workflows", "bots"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = _constants(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or _called(node) not in ("record", "TicketEvent"):
                    continue
                for keyword in node.keywords:
                    value = keyword.value
                    if keyword.arg != "kind":
                        continue
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        kinds.add(value.value)
                    elif isinstance(value, ast.Name) and value.id in constants:
                        kinds.add(constants[value.id])
    return kinds


def test_every_recorded_kind_has_a_name() -> None:
    kinds = recorded_kinds()
    assert {"out_of_hours_ack", "satisfaction_asked", "handed_back"} <= kinds  # the scan works
    assert not sorted(kinds - EVENT_KINDS.keys())


@pytest.mark.parametrize("language", ["ar", "ckb", "kmr"])
def test_every_event_name_is_translated(language: str) -> None:
    catalogue = i18n.catalogue(language)
    assert not sorted(w for w in EVENT_KINDS.values() if not catalogue.get(w))


@pytest.mark.parametrize(
    ("language", "closed", "asked"),
    [
        ("en", "Told the centre is closed and when it answers", "Satisfaction question sent"),
        ("ar", "أُبلغ الشخص أن المركز مغلق ومتى يرد", "أُرسل سؤال الرضا"),
    ],
)
def test_the_ticket_page_names_the_chatbots_events(
    ccc: Harness, language: str, closed: str, asked: str
) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        record(session, ticket=ticket, kind="out_of_hours_ack", caller=CONTACT, day="2026-12-07")
        record(session, ticket=ticket, kind="satisfaction_asked", caller=ROUTING)
        session.commit()
    browser = Browser.open(ccc)
    browser.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"], language=language))
    page = browser.get(f"/console/tickets/{reference}").text
    assert closed in page and asked in page
    assert "<strong>out_of_hours_ack</strong>" not in page
    assert "<strong>satisfaction_asked</strong>" not in page
