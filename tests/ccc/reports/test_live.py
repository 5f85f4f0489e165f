"""The supervisor's live view: per team and per agent, open, waiting on the centre, breaching,
resolved; who is online; what is waiting unattended; with the small-count rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from ccc.access.auth import caller_for_user
from ccc.access.models import User
from ccc.kernel.errors import Forbidden
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow
from ccc.reports.service import live_view
from ccc.tickets.models import Ticket
from tests.conftest import Harness, build_harness, make_settings
from tests.flows import open_ticket


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, report_min_count=1)


@pytest.fixture
def ccc(settings: Settings) -> Iterator[Harness]:
    yield from build_harness(settings)


def view(ccc: Harness, name: str, *, min_count: int = 1, online: frozenset[int] = frozenset()):  # type: ignore[no-untyped-def]
    with ccc.session() as session:
        user = session.exec(select(User).where(User.name == name)).one()
        now = utcnow()
        return live_view(
            session,
            caller_for_user(session, user=user),
            focal_team="accountability",
            since=now - timedelta(hours=1),
            now=now,
            online=online,
            min_count=min_count,
        )


def test_the_live_view_counts_per_team_and_agent_and_lists_the_unattended(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    answered = open_ticket(ccc, "+9647701234567", "tracing")
    waiting = open_ticket(ccc, "+9647701234568", "tracing")
    done = open_ticket(ccc, "+9647701234569", "assistance")
    for reference in (answered, done):
        ccc.client.patch(f"/api/tickets/{reference}", json={"assignee": "alice"}, headers=agent)
    ccc.client.post(f"/api/tickets/{answered}/replies", json={"text": "On it."}, headers=agent)
    ccc.client.post(f"/api/tickets/{done}/replies", json={"text": "Done."}, headers=agent)
    resolved = ccc.client.patch(f"/api/tickets/{done}", json={"status": "resolved"}, headers=agent)
    assert resolved.status_code == 200, resolved.text
    with ccc.session() as session:  # one ticket past its first-response time
        late = session.exec(select(Ticket).where(Ticket.reference == waiting)).one()
        late.first_response_due = utcnow() - timedelta(minutes=5)
        session.add(late)
        session.commit()
        alice_id = session.exec(select(User.id).where(User.name == "alice")).one()

    live = view(ccc, "sam", online=frozenset({alice_id}))
    teams = {row["team"]: row for row in live["teams"]}
    assert teams["tracing"] == {
        "team": "tracing",
        "open": 2,
        "waiting": 1,
        "breaching": 1,
        "resolved": 0,
    }
    assert teams["assistance"]["resolved"] == 1 and teams["assistance"]["open"] == 0
    [alice] = live["agents"]
    assert alice == {
        "agent": "alice",
        "online": True,
        "open": 1,
        "waiting": 0,
        "breaching": 0,
        "resolved": 1,
    }
    assert live["unassigned"]["waiting"] == 1
    assert live["online"] == ["alice"]
    assert [row["ticket"].reference for row in live["unattended"]] == [waiting]

    coarse = view(ccc, "sam", min_count=5)
    assert {row["team"]: row["open"] for row in coarse["teams"]}["tracing"] == "<5"
    assert coarse["unassigned"]["breaching"] == "<5"
    assert coarse["agents"][0]["breaching"] == 0  # a zero singles out nobody


def test_only_supervisors_and_admins_see_it(ccc: Harness, agent: dict[str, str]) -> None:
    with pytest.raises(Forbidden):
        view(ccc, "alice")


def test_the_live_page_shows_who_is_online_and_what_waits(ccc: Harness) -> None:
    from tests.ccc.console.browsing import Browser, console_user

    waiting = open_ticket(ccc, "+9647701234568", "tracing")
    sara = Browser.open(ccc)
    sara.log_in("sara", console_user(ccc, "sara", "supervisor", ["ccc"], language="ar"))
    page = sara.get("/console/live")
    assert page.status_code == 200
    assert "sara" in page.text.split('id="online-title"')[1].split("</section>")[0]
    unattended = page.text.split('id="unattended-title"')[1].split("</section>")[0]
    assert waiting in unattended
    assert "المتصلون الآن" in page.text
    part = sara.get("/console/live/figures?window=7d")
    assert part.text.lstrip().startswith('<div id="live-figures"')
    alice = Browser.open(ccc)
    alice.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    assert alice.get("/console/live").status_code == 403
