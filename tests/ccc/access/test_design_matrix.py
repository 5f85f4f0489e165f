"""The permission matrix, written from the words of DESIGN.md and CONTRACT.md (issue 16).

Each row of `RULES` is one sentence of the brief, quoted, and what it says for a relation
between a user and a ticket: whether the user may know that the ticket exists, and whether
they may read its details. Nothing here is computed by `ccc/access`. Every role is then driven
against a ticket of every sensitivity, through the API (the ticket, the queue, its timeline, a
note) and through the console (the ticket page, the queue, the note form); any cell that
differs from the brief's words is a leak, or a door closed that the brief opens.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.ccc.access.helpers import patch, refer
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701118001"
# The relations, as users of the demo teams: the ticket is a detention case, owned by the
# detention team and referred to the assistance team; a restricted one has gone to the
# focal team (`accountability`), which then owns it.
USERS = {
    "agent": ("agent", ["ccc"]),
    "owning_team": ("team_member", ["detention"]),
    "receiving_team": ("team_member", ["assistance"]),
    "other_team": ("team_member", ["tracing"]),
    "focal_team": ("team_member", ["accountability"]),
    "supervisor": ("supervisor", []),
    "admin": ("admin", []),
}

AGENT = (
    "call-centre agent | REST API and the agent console | one queue of everything that came "
    "in, on every channel"
)
PROGRAMME = (
    "programme team member (detention, tracing, assistance, …) | REST API / console, team "
    "view | referrals for their team only; accept, reject with a reason, record the outcome"
)
QUEUE_OWNER = "Team: a queue owner: the contact centre's own agents, and programme teams"
SUPERVISOR = "supervisor | all of the above, plus reports"
ADMINS = (
    "CONTRACT: break-glass: a supervisor or admin outside a restricted ticket's focal team "
    "gets access to it (admins stand with supervisors; outside the focal team without it)"
)
SENSITIVE = "`sensitive` (only the owning team and supervisors see details)"
RESTRICTED = (
    "`restricted` (only a named focal team sees that it exists at all: misconduct, sexual "
    "exploitation and abuse allegations, fraud)"
)
FAIL_CLOSED = (
    "Restricted cases fail closed: misconduct, sexual exploitation and abuse, fraud are seen "
    "only by their focal team, hidden from search, lists, reports' details and exports"
)


@dataclass(frozen=True)
class Rule:
    """What one sentence of the brief says a relation may know of a ticket."""

    relation: str
    sensitivity: str
    exists: bool
    details: bool
    sentence: str


RULES = [
    Rule("agent", "normal", True, True, AGENT),
    Rule("owning_team", "normal", True, True, QUEUE_OWNER),
    Rule("receiving_team", "normal", True, True, PROGRAMME),
    Rule("other_team", "normal", False, False, PROGRAMME),
    Rule("focal_team", "normal", False, False, PROGRAMME),
    Rule("supervisor", "normal", True, True, SUPERVISOR),
    Rule("admin", "normal", True, True, ADMINS),
    Rule("agent", "sensitive", True, False, SENSITIVE),
    Rule("owning_team", "sensitive", True, True, SENSITIVE),
    # The receiving team accepts and records an outcome on what it can read: the referral
    # shares the details with it, and only with it (the person agreed, or a supervisor did).
    Rule("receiving_team", "sensitive", True, True, PROGRAMME),
    Rule("other_team", "sensitive", False, False, PROGRAMME),
    Rule("focal_team", "sensitive", False, False, PROGRAMME),
    Rule("supervisor", "sensitive", True, True, SENSITIVE),
    Rule("admin", "sensitive", True, True, ADMINS),
    Rule("agent", "restricted", False, False, RESTRICTED),
    Rule("owning_team", "restricted", False, False, RESTRICTED),  # detention lost it
    Rule("receiving_team", "restricted", False, False, FAIL_CLOSED),
    Rule("other_team", "restricted", False, False, RESTRICTED),
    Rule("focal_team", "restricted", True, True, RESTRICTED),
    Rule("supervisor", "restricted", False, False, FAIL_CLOSED),
    Rule("admin", "restricted", False, False, ADMINS),
    # "moved": a sensitive detention case moved by a supervisor to the tracing team, which is
    # now the queue owner; detention keeps nothing, the assistance referral stands.
    Rule("agent", "moved", True, False, SENSITIVE),
    Rule("owning_team", "moved", False, False, QUEUE_OWNER),
    Rule("receiving_team", "moved", True, True, PROGRAMME),
    Rule("other_team", "moved", True, True, SENSITIVE),
    Rule("focal_team", "moved", False, False, PROGRAMME),
    Rule("supervisor", "moved", True, True, SENSITIVE),
    Rule("admin", "moved", True, True, ADMINS),
]
KINDS = ("normal", "sensitive", "restricted", "moved")


def test_the_table_covers_every_role_and_sensitivity_once() -> None:
    cells = [(rule.relation, rule.sensitivity) for rule in RULES]
    assert sorted(cells) == sorted((relation, kind) for relation in USERS for kind in KINDS)
    assert all(not rule.details or rule.exists for rule in RULES)


def _ticket(ccc: Harness, supervisor: dict[str, str], sensitivity: str) -> str:
    """A detention case referred to assistance, of the kind asked (a sensitivity, or moved)."""
    reference = open_ticket(ccc, PHONE, "detention")
    assert patch(ccc, reference, supervisor, team="detention")[0] in (200,)
    status, body = refer(ccc, reference, supervisor, "assistance", override_reason="parcel")
    assert status == 201, body
    if sensitivity == "moved":
        assert patch(ccc, reference, supervisor, sensitivity="sensitive")[0] == 200
        assert patch(ccc, reference, supervisor, team="tracing")[0] == 200
    elif sensitivity != "normal":
        assert patch(ccc, reference, supervisor, sensitivity=sensitivity)[0] == 200
    return reference


def _found_by_api(ccc: Harness, reference: str, headers: dict[str, str]) -> dict[str, object]:
    one = ccc.client.get(f"/api/tickets/{reference}", headers=headers)
    listed = ccc.client.get("/api/tickets?status=referred,open,new", headers=headers)
    searched = ccc.client.get(f"/api/tickets?q={reference}", headers=headers)
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=headers)
    note = ccc.client.post(
        f"/api/tickets/{reference}/notes", json={"text": "seen"}, headers=headers
    )
    return {
        "get": one.status_code,
        "answers": bool(one.json().get("answers")) if one.status_code == 200 else None,
        "listed": reference in {t["reference"] for t in listed.json()["items"]},
        "searched": reference in {t["reference"] for t in searched.json().get("items", [])},
        "timeline": timeline.status_code,
        "note": note.status_code,
    }


def _found_in_console(browser: Browser, reference: str) -> dict[str, object]:
    page = browser.get(f"/console/tickets/{reference}")
    queue = browser.get("/console?status=referred,open,new").text
    return {
        "page": page.status_code,
        "hidden_notice": "Hidden: sensitive ticket." in page.text,
        "note_form": f'action="/console/tickets/{reference}/note"' in page.text,
        "queued": f'href="/console/tickets/{reference}"' in queue,
    }


def _expected(rule: Rule) -> tuple[dict[str, object], dict[str, object]]:
    api = {
        "get": 200 if rule.exists else 404,
        "answers": rule.details if rule.exists else None,
        "listed": rule.exists,
        # Search finds a reference by its digits only where the details may be read.
        "searched": rule.exists,
        "timeline": 200 if rule.details else (403 if rule.exists else 404),
        "note": 201 if rule.details else (403 if rule.exists else 404),
    }
    console = {
        "page": 200 if rule.exists else 404,
        "hidden_notice": rule.exists and not rule.details,
        "note_form": rule.details,
        "queued": rule.exists,
    }
    return api, console


@pytest.mark.parametrize("sensitivity", KINDS)
def test_every_role_against_a_ticket_of_each_sensitivity(
    ccc: Harness, supervisor: dict[str, str], sensitivity: str
) -> None:
    reference = _ticket(ccc, supervisor, sensitivity)
    differences = []
    for rule in (r for r in RULES if r.sensitivity == sensitivity):
        role, teams = USERS[rule.relation]
        name = f"{rule.relation.replace('_', '')}{sensitivity}"
        password = console_user(ccc, name, role, teams)
        headers = {"Authorization": f"Bearer {ccc.tokens[name]}"}
        browser = Browser.open(ccc)
        browser.log_in(name, password)
        want_api, want_console = _expected(rule)
        got_api = _found_by_api(ccc, reference, headers)
        got_console = _found_in_console(browser, reference)
        for where, want, got in (
            ("api", want_api, got_api),
            ("console", want_console, got_console),
        ):
            for key in want:
                if want[key] != got[key]:
                    differences.append(
                        f"{rule.relation} on {sensitivity}, {where} {key}: brief says "
                        f"{want[key]!r}, got {got[key]!r} ({rule.sentence})"
                    )
    assert differences == []
