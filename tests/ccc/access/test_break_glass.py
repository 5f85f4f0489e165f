"""Break-glass: a supervisor or admin outside the focal team opens a restricted ticket with a
reason, for CCC_BREAK_GLASS_MINUTES; the focal team sees it, every read is recorded, admins
list the requests afterwards, and the escalation webhook is told."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select, update

from ccc.access.models import AuditEntry, BreakGlassGrant
from ccc.jobs.models import OutboxJob
from ccc.kernel.timeutil import utcnow
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket

PERSON = "+9647701110001"


def restricted(ccc: Harness) -> str:
    reference = open_ticket(ccc, PERSON, "staff_conduct")
    focal = ccc.user("fatima", "team_member", ["accountability"])
    shown = ccc.client.get(f"/api/tickets/{reference}", headers=focal).json()
    assert shown["sensitivity"] == "restricted"
    return reference


def test_a_reason_opens_a_restricted_ticket_for_a_while_and_the_focal_team_sees_it(
    ccc: Harness,
) -> None:
    reference = restricted(ccc)
    sam = ccc.user("sam", "supervisor", ["ccc"])
    agent = ccc.user("alice", "agent", ["ccc"])
    url = f"/api/tickets/{reference}"
    assert ccc.client.get(url, headers=sam).status_code == 404

    assert ccc.client.post(f"{url}/access", json={}, headers=sam).status_code == 422
    assert ccc.client.post(f"{url}/access", json={"reason": "  "}, headers=sam).status_code == 422
    assert ccc.client.post(f"{url}/access", json={"reason": "x"}, headers=agent).status_code == 403
    assert ccc.client.get(url, headers=sam).status_code == 404  # nothing granted by refusals

    asked = ccc.client.post(
        f"{url}/access", json={"reason": "safeguarding call at night"}, headers=sam
    )
    assert asked.status_code == 201, asked.text
    granted = asked.json()
    assert granted["ticket"] == reference and granted["reason"] == "safeguarding call at night"
    assert ccc.client.get(url, headers=sam).status_code == 200
    assert ccc.client.get(f"{url}/timeline", headers=sam).status_code == 200
    assert ccc.client.get(url, headers=sam).status_code == 200

    focal = {"Authorization": f"Bearer {ccc.tokens['fatima']}"}
    timeline = ccc.client.get(f"{url}/timeline", headers=focal).json()
    glass = [e for e in timeline if e.get("kind") == "break_glass"]
    assert len(glass) == 1 and glass[0]["actor"] == "sam"
    assert glass[0]["data"]["reason"] == "safeguarding call at night"

    with ccc.session() as session:
        reads = session.exec(
            select(AuditEntry).where(AuditEntry.actor == "sam", AuditEntry.action == "viewed")
        ).all()
        assert len(reads) == 3  # every read, not one per view window
        assert all(entry.data.get("break_glass") for entry in reads)
        session.execute(update(BreakGlassGrant).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert ccc.client.get(url, headers=sam).status_code == 404  # the grant has ended


def audit(ccc: Harness, headers: dict[str, str], action: str) -> list[dict[str, object]]:
    listed = ccc.client.get("/api/audit", params={"action": action}, headers=headers)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, object]] = listed.json()["items"]
    return items


def test_break_glass_entries_are_for_the_focal_team_and_the_grants_holder_only(
    ccc: Harness,
) -> None:
    """CONTRACT.md: restricted tickets' entries only for the focal team. A break-glass request
    is such an entry: the focal team's supervisors review it; an admin outside the team sees
    it no more than the ticket; the one who broke the glass sees the ticket's entries while
    the grant lasts, as they see the ticket."""
    reference = restricted(ccc)
    sam = ccc.user("sam", "supervisor", ["ccc"])
    admin = ccc.user("root", "admin")
    lead = ccc.user("lina", "supervisor", ["accountability"])
    ccc.client.post(f"/api/tickets/{reference}/access", json={"reason": "audit"}, headers=sam)
    ccc.client.get(f"/api/tickets/{reference}", headers=sam)

    reviewed = audit(ccc, lead, "break_glass")
    assert [(i["user"], i["ticket"], i["data"]["reason"]) for i in reviewed] == [  # type: ignore[index]
        ("sam", reference, "audit")
    ]
    assert [i for i in audit(ccc, lead, "viewed") if i["ticket"] == reference] != []
    assert audit(ccc, admin, "break_glass") == []
    assert [i for i in audit(ccc, admin, "viewed") if i["ticket"] == reference] == []
    other = ccc.user("sue", "supervisor", ["ccc"])
    assert audit(ccc, other, "break_glass") == []

    assert [i["ticket"] for i in audit(ccc, sam, "break_glass")] == [reference]
    with ccc.session() as session:
        session.execute(update(BreakGlassGrant).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    assert audit(ccc, sam, "break_glass") == []
    assert len(audit(ccc, lead, "break_glass")) == 1


def test_the_focal_team_and_unrestricted_tickets_need_no_glass(ccc: Harness) -> None:
    reference = restricted(ccc)
    lead = ccc.user("lina", "supervisor", ["accountability"])
    sam = ccc.user("sam", "supervisor", ["ccc"])
    own = ccc.client.post(f"/api/tickets/{reference}/access", json={"reason": "x"}, headers=lead)
    assert own.status_code == 409
    normal = open_ticket(ccc, "+9647701110002", "tracing")
    plain = ccc.client.post(f"/api/tickets/{normal}/access", json={"reason": "x"}, headers=sam)
    assert plain.status_code == 409
    missing = ccc.client.post("/api/tickets/12345678/access", json={"reason": "x"}, headers=sam)
    assert missing.status_code == 404


def test_the_escalation_webhook_is_told_when_it_is_set(ccc: Harness) -> None:
    reference = restricted(ccc)
    sam = ccc.user("sam", "supervisor", ["ccc"])
    ccc.runtime.settings.escalation_webhook_url = "http://127.0.0.1:9/hooks"
    ccc.runtime.settings.escalation_webhook_secret = "s" * 32
    asked = ccc.client.post(
        f"/api/tickets/{reference}/access", json={"reason": "urgent"}, headers=sam
    )
    assert asked.status_code == 201
    with ccc.session() as session:
        jobs = session.exec(select(OutboxJob).where(OutboxJob.kind == "notify_escalation")).all()
        assert [job.payload["rule"] for job in jobs] == ["break_glass"]
        from workflows.rules.escalation import prepare

        notice = prepare(session, jobs[0].payload["ticket_id"], "break_glass")
        assert notice is not None and b'"event": "ticket.break_glass"' in notice.body
        assert PERSON.encode() not in notice.body


def test_the_console_form_asks_for_a_reason_and_opens_the_ticket(ccc: Harness) -> None:
    reference = restricted(ccc)
    password = console_user(ccc, "sam", "supervisor", ["ccc"])
    browser = Browser.open(ccc)
    browser.log_in("sam", password)
    assert browser.get(f"/console/tickets/{reference}").status_code == 404
    form = browser.get("/console/access")
    assert form.status_code == 200 and 'name="reason"' in form.text
    refused = browser.post(
        "/console/access", {"reference": reference, "reason": ""}, csrf_from="/console/access"
    )
    assert refused.status_code == 422 and "needs a reason" in refused.text
    no_csrf = browser.post(
        "/console/access", {"reference": reference, "reason": "x"}, csrf_from=None
    )
    assert no_csrf.status_code == 403
    opened = browser.post(
        "/console/access",
        {"reference": reference, "reason": "night emergency"},
        csrf_from="/console/access",
    )
    assert opened.status_code == 200, opened.text
    assert str(opened.url).endswith(f"/console/tickets/{reference}")
    assert "the focal team has been told" in opened.text
