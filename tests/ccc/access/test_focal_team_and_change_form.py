"""The focal team owns every restricted case, and the change form applies all or nothing
(issue 16, the two doubts left open by the last session).

A restricted case exists only for its focal team, and every write needs the right to read it:
the focal team's members may read a restricted ticket wherever it sits, so they reply to the
person, assign it among themselves and bring it into their own team, through the API as
through the console; a restricted ticket is never referred (409, not a 403 that blames a
referral). The console's change form posts every select: a field left as it was asks for
nothing (restricting hands the ticket to the focal team, as the API does), and a refused set
of fields changes nothing and says, in the reader's language, which fields were refused,
alone or together.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from ccc.tickets.models import Ticket
from tests.ccc.access.helpers import patch, refer, ticket
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701119001"
ARABIC_TOGETHER = "لا يمكن إجراء هذه التغييرات معًا، لذلك لم يتغيّر شيء"
ARABIC_REFUSED = "رُفض، لذلك لم يتغيّر شيء"


def restricted_outside_the_focal_team(ccc: Harness) -> str:
    """A restricted tracing case left in the tracing team, as the console's change form left
    every ticket it restricted before this change (it posted the old team with the new
    sensitivity), and as a routing rule naming a team may still do."""
    reference = open_ticket(ccc, PHONE, "tracing")
    with ccc.session() as session:
        row = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        row.sensitivity = "restricted"
        session.add(row)
        session.commit()
    return reference


def headers_of(ccc: Harness, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ccc.tokens[name]}"}


def change_form(html: str) -> dict[str, str]:
    """The change form as the browser posts it: every select with its selected option."""
    form: dict[str, str] = {}
    for field in ("status", "priority", "team", "sensitivity"):
        select_ = re.search(rf'<select id="change-{field}"[^>]*>(.*?)</select>', html, re.S)
        assert select_, f"no {field} select"
        chosen = re.search(r'<option value="([^"]*)" selected', select_.group(1))
        form[field] = chosen.group(1) if chosen else ""
    return form


def options(html: str, field: str) -> set[str]:
    select_ = re.search(rf'<select id="change-{field}"[^>]*>(.*?)</select>', html, re.S)
    return set(re.findall(r'<option value="([^"]+)"', select_.group(1))) if select_ else set()


def state(ccc: Harness, reference: str, headers: dict[str, str]) -> dict[str, Any]:
    body = ticket(ccc, reference, headers)
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=headers).json()
    changed = [e for e in timeline if str(e.get("kind", "")).endswith("_changed")]
    keys = ("team", "status", "sensitivity", "priority", "assignee")
    return {**{k: body[k] for k in keys}, "changes": len(changed)}


def test_the_focal_team_acts_on_a_restricted_ticket_outside_its_team(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    farah = ccc.user("farah", "team_member", ["accountability"])
    ccc.user("fadi", "team_member", ["accountability"])
    tracer = ccc.user("tina", "team_member", ["tracing"])
    reference = restricted_outside_the_focal_team(ccc)
    base = f"/api/tickets/{reference}"
    for outsider in (agent, supervisor, tracer):
        assert ccc.client.get(base, headers=outsider).status_code == 404

    reply = ccc.client.post(f"{base}/replies", json={"text": "We are on it."}, headers=farah)
    assert reply.status_code == 202, reply.text
    note = ccc.client.post(f"{base}/notes", json={"text": "called back"}, headers=farah)
    assert note.status_code == 201, note.text
    assert patch(ccc, reference, farah, status="pending")[0] == 200
    # Assigned among the focal team, then brought into it: where a restricted case belongs.
    assert patch(ccc, reference, farah, assignee="fadi")[0] == 200
    status, body = patch(ccc, reference, farah, team="accountability")
    assert status == 200, body
    # Never anywhere else, and never referred: a 409 that says why, not a 403.
    assert patch(ccc, reference, farah, team="ccc")[0] == 409
    status, body = refer(ccc, reference, farah, "assistance")
    assert status == 409, body
    assert "restricted ticket is not referred" in body["detail"]
    after = ticket(ccc, reference, farah)
    assert (after["team"], after["assignee"], after["sensitivity"]) == (
        "accountability",
        "fadi",
        "restricted",
    )


def test_the_console_offers_the_focal_team_what_the_api_accepts(ccc: Harness) -> None:
    browser = Browser.open(ccc)
    browser.log_in("farah", console_user(ccc, "farah", "team_member", ["accountability"]))
    reference = restricted_outside_the_focal_team(ccc)
    page = browser.get(f"/console/tickets/{reference}").text
    assert f'action="/console/tickets/{reference}/reply"' in page
    assert "accountability" in options(page, "team")
    assert 'name="assign" value="me"' in page

    replied = browser.post(f"/console/tickets/{reference}/reply", {"text": "We are on it."})
    assert replied.history and replied.history[0].status_code == 303, replied.text[-400:]
    form = change_form(browser.get(f"/console/tickets/{reference}").text)
    moved = browser.post(f"/console/tickets/{reference}/change", form | {"team": "accountability"})
    assert moved.history and moved.history[0].status_code == 303, moved.text[-400:]
    assert ticket(ccc, reference, headers_of(ccc, "farah"))["team"] == "accountability"


def test_restricting_in_the_console_hands_the_ticket_to_the_focal_team(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    """The browser posts the old team with the new sensitivity; the old team is no request."""
    browser = Browser.open(ccc)
    browser.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    farah = ccc.user("farah", "team_member", ["accountability"])
    reference = open_ticket(ccc, PHONE, "tracing")
    form = change_form(browser.get(f"/console/tickets/{reference}").text)
    assert form["team"] == "tracing"

    done = browser.post(
        f"/console/tickets/{reference}/change", form | {"sensitivity": "restricted"}
    )
    assert done.history and done.history[0].status_code == 303, done.text[-400:]
    restricted = ticket(ccc, reference, farah)
    assert (restricted["team"], restricted["sensitivity"]) == ("accountability", "restricted")
    assert ccc.client.get(f"/api/tickets/{reference}", headers=supervisor).status_code == 404


def test_a_refused_combination_changes_nothing_and_says_so_in_the_readers_language(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    """Each choice is offered because it passes alone; a restricted ticket in a programme
    team does not. Nothing of the three fields is applied, and one message names them."""
    browser = Browser.open(ccc)
    browser.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"], language="ar"))
    reference = open_ticket(ccc, PHONE, "tracing")
    page = browser.get(f"/console/tickets/{reference}").text
    assert "assistance" in options(page, "team")
    assert "restricted" in options(page, "sensitivity")
    assert "pending" in options(page, "status")
    before = state(ccc, reference, supervisor)

    form = change_form(page) | {"team": "assistance", "sensitivity": "restricted"}
    refused = browser.post(f"/console/tickets/{reference}/change", form | {"status": "pending"})
    assert refused.status_code == 409
    assert state(ccc, reference, supervisor) == before  # nothing half-applied
    [alert] = re.findall(r'<p class="error" role="alert">(.*?)</p>', refused.text, re.S)
    assert ARABIC_TOGETHER in alert
    for word in ("الفريق", "الحساسية", "الحالة"):  # team, sensitivity, status: all three
        assert word in alert, alert
    assert not re.search(r"[A-Za-z]{4,}", alert), alert  # no English sentence on an Arabic page


def test_a_field_refused_on_its_own_is_named_and_nothing_else_is_applied(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    """A team member may hand a ticket back to the centre only: a crafted post that moves it
    elsewhere along with a new priority applies neither, and names the team."""
    browser = Browser.open(ccc)
    browser.log_in("tina", console_user(ccc, "tina", "team_member", ["tracing"], language="ar"))
    reference = open_ticket(ccc, PHONE, "tracing")
    page = browser.get(f"/console/tickets/{reference}").text
    assert options(page, "team") == {"tracing", "ccc"}
    before = state(ccc, reference, supervisor)

    form = change_form(page) | {"team": "assistance", "priority": "urgent"}
    refused = browser.post(f"/console/tickets/{reference}/change", form)
    assert refused.status_code == 403
    assert state(ccc, reference, supervisor) == before
    [alert] = re.findall(r'<p class="error" role="alert">(.*?)</p>', refused.text, re.S)
    assert ARABIC_REFUSED in alert and "الفريق" in alert, alert
    assert "الأولوية" not in alert, alert  # the priority alone would pass: not named
