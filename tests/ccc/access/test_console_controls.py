"""The console shows a control only to whom its POST answers yes (issue 16).

For each role and each kind of ticket, every control of the ticket page is tried on a fresh
ticket through the real console (session cookie, CSRF token): a control shown must go
through, a control hidden must be refused and change nothing. The page and the API share
their predicates (`ccc/access/policy.py`), so this fails as soon as the two disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.ccc.access.helpers import patch, refer, ticket
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701117001"
ROLES = {
    "agent": ("agent", ["ccc"]),
    "supervisor": ("supervisor", []),
    "owning_team": ("team_member", ["detention"]),
    "receiving_team": ("team_member", ["assistance"]),
    "focal_team": ("team_member", ["accountability"]),
}
KINDS = ("normal", "sensitive", "restricted")


def _options(html: str, select_id: str) -> set[str]:
    match = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    return set(re.findall(r'<option value="([^"]+)"', match.group(1))) if match else set()


@dataclass(frozen=True)
class Control:
    """One thing a user can do on the ticket page: how it looks there, and its POST."""

    name: str
    shown: Callable[[str, dict[str, Any]], bool]
    path: str
    form: Callable[[str], dict[str, str]]
    # Whether it applies to a ticket in this state (lowering a normal ticket does not).
    applies: Callable[[dict[str, Any]], bool] = lambda _t: True
    # Whether the person's No to sharing changes what it may do (moving, referring).
    consent_matters: bool = False


def _form_shown(path: str) -> Callable[[str, dict[str, Any]], bool]:
    return lambda html, t: f'action="/console/tickets/{t["reference"]}/{path}"' in html


CONTROLS = [
    Control("reply", _form_shown("reply"), "reply", lambda _h: {"text": "We are on it."}),
    Control("note", _form_shown("note"), "note", lambda _h: {"text": "Called back."}),
    Control(
        "claim",
        lambda h, _t: 'name="assign" value="me"' in h,
        "change",
        lambda _h: {"assign": "me"},
    ),
    Control(
        "priority",
        lambda h, _t: "urgent" in _options(h, "change-priority"),
        "change",
        lambda _h: {"priority": "urgent"},
    ),
    Control(
        "resolve",
        lambda h, _t: "resolved" in _options(h, "change-status"),
        "change",
        lambda _h: {"status": "resolved"},
    ),
    Control(
        "move_to_centre",
        lambda h, _t: "ccc" in _options(h, "change-team"),
        "change",
        lambda _h: {"team": "ccc"},
        lambda t: t["team"] != "ccc",
    ),
    Control(
        "move_to_tracing",
        lambda h, _t: "tracing" in _options(h, "change-team"),
        "change",
        lambda _h: {"team": "tracing"},
        consent_matters=True,
    ),
    Control(
        "restrict",
        lambda h, _t: "restricted" in _options(h, "change-sensitivity"),
        "change",
        lambda _h: {"sensitivity": "restricted"},
        lambda t: t["sensitivity"] != "restricted",
    ),
    Control(
        "lower",
        lambda h, _t: "normal" in _options(h, "change-sensitivity"),
        "change",
        lambda _h: {"sensitivity": "normal"},
        lambda t: t["sensitivity"] != "normal",
    ),
    Control(
        "refer_to_tracing",
        lambda h, _t: "tracing" in _options(h, "refer-team"),
        "refer",
        lambda h: (
            {"team": "tracing"}
            | ({"override_reason": "asked on the phone"} if 'name="override_reason"' in h else {})
        ),
        consent_matters=True,
    ),
]
ANSWERS = {
    "accept": lambda _h: {"next": "ticket"},
    "reject": lambda _h: {"next": "ticket", "reason": "not for us"},
}


def _ticket_of_kind(
    ccc: Harness, supervisor: dict[str, str], admin: dict[str, str], kind: str, consent: bool
) -> str:
    """A detention case owned by the detention team and referred to the assistance team."""
    reference = open_ticket(ccc, PHONE, "detention")
    if not consent:
        with ccc.session() as session:
            from sqlmodel import select

            from ccc.tickets.models import Ticket

            row = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
            row.answers = {**row.answers, "consent_to_share": "no"}
            session.add(row)
            session.commit()
    if ticket(ccc, reference, supervisor)["team"] != "detention":
        assert patch(ccc, reference, supervisor, team="detention")[0] == 200
    status, body = refer(
        ccc, reference, supervisor, "assistance", override_reason="needed for the parcel"
    )
    assert status == 201, body
    if kind != "normal":
        assert patch(ccc, reference, supervisor, sensitivity=kind)[0] == 200
    if kind == "restricted":
        grant = {"reason": "the test reads what changed"}
        access = ccc.client.post(f"/api/tickets/{reference}/access", json=grant, headers=admin)
        assert access.status_code in (200, 201), access.text
    return reference


def _state(ccc: Harness, reference: str, admin: dict[str, str]) -> dict[str, Any]:
    """All that a refused POST must leave as it was, read by a user who sees everything."""
    body = ticket(ccc, reference, admin)
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=admin).json()
    keys = ("team", "status", "sensitivity", "priority", "assignee")
    events = [e for e in timeline if e.get("kind") not in ("viewed", "break_glass")]
    return {**{k: body[k] for k in keys}, "events": len(events)}


def _went_through(response: httpx.Response) -> bool:
    """Done, and sent on with a 303 (to a page the user may no longer see, when the change
    took the ticket away from them: restricting it, handing it to the centre)."""
    return bool(response.history) and response.history[0].status_code == 303


def _try(
    ccc: Harness,
    browser: Browser,
    admin: dict[str, str],
    reference: str,
    path: str,
    form: dict[str, str],
    shown: bool,
    label: str,
) -> None:
    before = _state(ccc, reference, admin)
    response = browser.post(path, form)
    if shown:
        assert _went_through(response), (label, response.status_code, response.text[-600:])
    else:
        # A refusal answers 403, 404 or 409; the bulk bar lists what it refused, with a 200.
        assert not _went_through(response), (label, response.status_code)
        assert response.status_code in (200, 403, 404, 409), (label, response.status_code)
        assert _state(ccc, reference, admin) == before, label


@pytest.fixture
def admin(ccc: Harness) -> dict[str, str]:
    return ccc.user("root", "admin", [])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_control_shown_goes_through_and_every_hidden_one_is_refused(
    ccc: Harness, supervisor: dict[str, str], admin: dict[str, str], role: str, kind: str
) -> None:
    browser = Browser.open(ccc)
    role_name, teams = ROLES[role]
    browser.log_in("user", console_user(ccc, "user", role_name, teams))
    tried = 0
    for consent in (True, False):
        for control in CONTROLS:
            if not (consent or control.consent_matters):
                continue
            reference = _ticket_of_kind(ccc, supervisor, admin, kind, consent)
            facts = _state(ccc, reference, admin)
            if not control.applies(facts):
                continue
            page = browser.get(f"/console/tickets/{reference}")
            html = page.text if page.status_code == 200 else ""
            shown = control.shown(html, {"reference": reference})
            label = f"{role} {kind} consent={consent} {control.name} shown={shown}"
            path = f"/console/tickets/{reference}/{control.path}"
            _try(ccc, browser, admin, reference, path, control.form(html), shown, label)
            tried += 1
    assert tried >= len(CONTROLS)


@pytest.mark.parametrize("kind", ("normal", "sensitive"))
@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_referral_answers_are_shown_to_whom_may_give_them(
    ccc: Harness,
    supervisor: dict[str, str],
    admin: dict[str, str],
    role: str,
    kind: str,
    answer: str,
) -> None:
    browser = Browser.open(ccc)
    role_name, teams = ROLES[role]
    browser.log_in("user", console_user(ccc, "user", role_name, teams))
    reference = _ticket_of_kind(ccc, supervisor, admin, kind, consent=True)
    referrals = ccc.client.get(f"/api/tickets/{reference}/referrals", headers=supervisor).json()
    referral = referrals[0]["id"]
    page = browser.get(f"/console/tickets/{reference}")
    html = page.text if page.status_code == 200 else ""
    path = f"/console/referrals/{referral}/{answer}"
    shown = f'action="{path}"' in html
    _try(ccc, browser, admin, reference, path, ANSWERS[answer](html), shown, f"{role} {answer}")


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_queue_offers_the_bulk_bar_only_on_tickets_the_user_may_change(
    ccc: Harness, supervisor: dict[str, str], admin: dict[str, str], role: str
) -> None:
    browser = Browser.open(ccc)
    role_name, teams = ROLES[role]
    browser.log_in("user", console_user(ccc, "user", role_name, teams))
    for kind in ("normal", "sensitive"):
        reference = _ticket_of_kind(ccc, supervisor, admin, kind, consent=True)
        queue = browser.get("/console").text
        shown = f'name="references" value="{reference}"' in queue
        form = {"references": reference, "priority": "urgent"}
        _try(ccc, browser, admin, reference, "/console/queue/bulk", form, shown, f"{role} {kind}")
        if 'action="/console/queue/bulk"' in queue:
            assert re.search(r'name="references" value="\d+"', queue), "a bar with no box"


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_restricted_access_link_is_shown_to_whom_may_break_the_glass(
    ccc: Harness, supervisor: dict[str, str], admin: dict[str, str], role: str
) -> None:
    browser = Browser.open(ccc)
    role_name, teams = ROLES[role]
    browser.log_in("user", console_user(ccc, "user", role_name, teams))
    reference = _ticket_of_kind(ccc, supervisor, admin, "restricted", consent=True)
    shown = 'href="/console/access"' in browser.get("/console").text
    response = browser.post("/console/access", {"reference": reference, "reason": "a check"})
    if shown:
        assert _went_through(response), (role, response.status_code)
    else:
        assert response.status_code in (403, 409), (role, response.status_code)
