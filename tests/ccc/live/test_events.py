"""`GET /console/events`: what changed among the tickets the user may see, as it happens."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlmodel import select

from ccc.live.hub import Hub
from ccc.live.publish import add
from ccc.tickets.models import Ticket
from tests.ccc.console.browsing import Browser, console_user
from tests.ccc.live.listening import Listener
from tests.conftest import TEST_DATABASE_URL, Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"
OTHER = "+9647709999999"


@pytest.fixture
def alice(ccc: Harness) -> Browser:
    browser = Browser.open(ccc)
    browser.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    return browser


@pytest.fixture
def listeners() -> Iterator[list[Listener]]:
    opened: list[Listener] = []
    yield opened
    for listener in opened:
        listener.close()


def test_a_persons_message_reaches_the_stream_of_the_agent_it_is_assigned_to(
    ccc: Harness,
    alice: Browser,
    live_server: str,
    supervisor: dict[str, str],
    listeners: list[Listener],
) -> None:
    reference = open_ticket(ccc, PHONE)
    listener = Listener.start(live_server, alice)
    listeners.append(listener)
    assert listener.status == 200
    assert (listener.content_type or "").startswith("text/event-stream")
    ccc.client.patch(f"/api/tickets/{reference}", json={"assignee": "alice"}, headers=supervisor)
    assert listener.expect("ticket", kind="assignment", reference=reference)["mine"] is True
    ccc.say(PHONE, "I remembered: he was taken in Nasiriyah")
    event = listener.expect("ticket", kind="message", reference=reference)
    assert (event["direction"], event["mine"]) == ("in", True)
    assert "Nasiriyah" not in str(event)  # the stream says what changed, never the words
    second = open_ticket(ccc, OTHER)
    assert listener.expect("ticket", kind="ticket", reference=second)["mine"] is False


def test_a_change_right_after_ready_reaches_the_stream_even_when_the_first_look_is_slow(
    ccc: Harness,
    alice: Browser,
    live_server: str,
    supervisor: dict[str, str],
    listeners: list[Listener],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a loaded machine the hub's first look (which takes the newest event as its start)
    came after the stream said `ready`, and a change committed in between was never sent."""
    reference = open_ticket(ccc, PHONE)
    look = Hub._look

    def slow_first_look(hub: Hub) -> None:
        if hub._last_id is None:
            time.sleep(1.0)
        look(hub)

    monkeypatch.setattr(Hub, "_look", slow_first_look)
    listener = Listener.start(live_server, alice)
    listeners.append(listener)
    ccc.client.patch(f"/api/tickets/{reference}", json={"assignee": "alice"}, headers=supervisor)
    assert listener.expect("ticket", kind="assignment", reference=reference)["mine"] is True


def test_a_team_member_hears_nothing_of_tickets_they_may_not_see(
    ccc: Harness,
    live_server: str,
    agent: dict[str, str],
    listeners: list[Listener],
) -> None:
    hana = Browser.open(ccc)
    hana.log_in("hana", console_user(ccc, "hana", "team_member", ["assistance"]))
    listener = Listener.start(live_server, hana)
    listeners.append(listener)
    hidden = open_ticket(ccc, PHONE)
    ccc.client.patch(f"/api/tickets/{hidden}", json={"priority": "high"}, headers=agent)
    shared = open_ticket(ccc, OTHER)
    ccc.client.post(
        f"/api/tickets/{shared}/referrals",
        json={"team": "assistance", "note": "cash"},
        headers=agent,
    )
    # Events arrive in the order they happened: the first one hana receives is the referral.
    assert listener.next_ticket_event()["reference"] == shared


@pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="SQLite lets one writer in at a time: its ids commit in order"
)
def test_an_event_committed_after_a_later_one_still_reaches_the_stream(
    ccc: Harness,
    alice: Browser,
    live_server: str,
    supervisor: dict[str, str],
    listeners: list[Listener],
) -> None:
    slow_turn, quick_change = open_ticket(ccc, PHONE), open_ticket(ccc, OTHER)
    listener = Listener.start(live_server, alice)
    listeners.append(listener)
    with ccc.session() as slow:
        ticket = slow.exec(select(Ticket).where(Ticket.reference == slow_turn)).one()
        add(slow, ticket_id=ticket.id, kind="status")
        slow.flush()  # the row takes its id now, and is seen by others only at the commit
        quick = ccc.client.patch(
            f"/api/tickets/{quick_change}", json={"priority": "high"}, headers=supervisor
        )
        assert quick.status_code == 200, quick.text
        listener.expect("ticket", kind="changed", reference=quick_change)  # a higher id, read
        slow.commit()
    assert listener.expect("ticket", kind="status", reference=slow_turn)["mine"] is False


def test_without_a_session_the_stream_is_refused(ccc: Harness) -> None:
    response = Browser.open(ccc).get("/console/events", follow_redirects=False)
    assert response.status_code in (303, 401)
    assert "text/event-stream" not in response.headers.get("content-type", "")
