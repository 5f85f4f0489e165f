"""The agent and team API: the queue, one ticket, changes, notes, replies, who sees what."""

from __future__ import annotations

from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"
OTHER = "+9647809876543"


def test_calls_without_a_valid_token_are_401(ccc: Harness) -> None:
    assert ccc.client.get("/api/tickets").status_code == 401
    bad = ccc.client.get("/api/tickets", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.json() == {"detail": "invalid or revoked token"}
    basic = ccc.client.get("/api/tickets", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


def test_a_ticket_shows_every_contract_field(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE, "detention")
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    for field in (
        "reference",
        "status",
        "category",
        "team",
        "priority",
        "sensitivity",
        "channel",
        "language",
        "contact_id",
        "assignee",
        "answers",
        "created_at",
        "first_response_due",
        "resolution_due",
        "resolved_at",
    ):
        assert field in ticket
    assert ticket["team"] == "detention"
    assert ticket["answers"]["detained_person_name"] == "Ali Hassan"
    assert ticket["assignee"] is None and ticket["resolved_at"] is None


def test_an_unknown_reference_is_404(ccc: Harness, agent: dict[str, str]) -> None:
    response = ccc.client.get("/api/tickets/12345678", headers=agent)
    assert response.status_code == 404
    assert response.json() == {"detail": "ticket not found"}


def test_routing_follows_the_rules_file(ccc: Harness, supervisor: dict[str, str]) -> None:
    expected = {
        "tracing": ("tracing", "normal", "normal"),
        "detention": ("detention", "normal", "normal"),
        "assistance": ("assistance", "normal", "normal"),
        "complaint": ("accountability", "normal", "normal"),
    }
    for index, (script, (team, priority, sensitivity)) in enumerate(expected.items()):
        reference = open_ticket(ccc, f"+96477000000{index + 10}", script)
        ticket = ccc.client.get(f"/api/tickets/{reference}", headers=supervisor).json()
        assert (ticket["team"], ticket["priority"], ticket["sensitivity"]) == (
            team,
            priority,
            sensitivity,
        ), script


def test_a_callback_request_is_a_ticket_for_the_centre(ccc: Harness, agent: dict[str, str]) -> None:
    ccc.say(PHONE, "hi")
    ccc.say(PHONE, "4")
    ccc.say(PHONE, "0")
    ccc.say(PHONE, "1")  # yes, call me back
    assert "will contact you within two working days" in ccc.last_reply(PHONE)
    [ticket] = ccc.client.get("/api/tickets", headers=agent).json()["items"]
    assert (ticket["team"], ticket["category"]) == ("ccc", "other")
    assert ticket["answers"] == {"request": "callback"}


def test_filters_narrow_the_queue(ccc: Harness, agent: dict[str, str]) -> None:
    tracing = open_ticket(ccc, PHONE, "tracing")
    assistance = open_ticket(ccc, OTHER, "assistance")

    def refs(**params: str) -> list[str]:
        response = ccc.client.get("/api/tickets", params=params, headers=agent)
        assert response.status_code == 200, response.text
        return [t["reference"] for t in response.json()["items"]]

    assert refs() == [assistance, tracing]
    assert refs(team="tracing") == [tracing]
    assert refs(category="assistance") == [assistance]
    assert refs(category="tracing,assistance") == [assistance, tracing]
    assert refs(channel="simulator", status="new") == [assistance, tracing]
    assert refs(channel="sms") == []
    assert refs(priority="high") == []
    assert refs(assignee="none") == [assistance, tracing]
    assert refs(q="Omar") == [tracing]
    assert refs(q=f"{tracing[:4]}-{tracing[4:]}") == [tracing]
    assert refs(q="0780 987 6543") == [assistance]
    assert refs(sla="breached") == []


def test_unknown_filter_values_are_422(ccc: Harness, agent: dict[str, str]) -> None:
    for params in (
        {"status": "lost"},
        {"team": "nope"},
        {"category": "x"},
        {"sla": "soon"},
        {"cursor": "garbage"},
        {"limit": "0"},
        {"assignee": "nobody"},
    ):
        response = ccc.client.get("/api/tickets", params=params, headers=agent)
        assert response.status_code == 422, params
        assert "detail" in response.json()


def test_the_queue_pages_with_a_cursor(ccc: Harness, agent: dict[str, str]) -> None:
    made = [open_ticket(ccc, f"+9647700000{n:03d}", "assistance") for n in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = ccc.client.get("/api/tickets", params=params, headers=agent).json()
        seen += [t["reference"] for t in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == list(reversed(made))


def test_sla_breached_lists_overdue_active_tickets(ccc: Harness, agent: dict[str, str]) -> None:
    from datetime import timedelta

    from sqlmodel import select

    from ccc.kernel.timeutil import utcnow

    reference = open_ticket(ccc, PHONE)
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        ticket.resolution_due = utcnow() - timedelta(hours=1)
        session.add(ticket)
        session.commit()
    page = ccc.client.get("/api/tickets", params={"sla": "breached"}, headers=agent).json()
    assert [t["reference"] for t in page["items"]] == [reference]


def test_illegal_status_changes_are_409_and_change_nothing(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    response = ccc.client.patch(
        f"/api/tickets/{reference}", json={"status": "closed", "priority": "high"}, headers=agent
    )
    assert response.status_code == 409
    assert "cannot become closed" in response.json()["detail"]
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert (ticket["status"], ticket["priority"]) == ("new", "normal")


def test_bad_patch_values_are_422(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE)
    for body in (
        {"status": "done"},
        {"priority": "asap"},
        {"team": "nope"},
        {"assignee": "nobody"},
        {"sensitivity": "secret"},
        {"colour": "red"},
        {"status": "resolved", "notify": False},
    ):
        response = ccc.client.patch(f"/api/tickets/{reference}", json=body, headers=agent)
        assert response.status_code == 422, body
    not_json = ccc.client.patch(
        f"/api/tickets/{reference}",
        content=b"{",
        headers=agent | {"content-type": "application/json"},
    )
    assert not_json.status_code == 422


def test_every_change_is_an_event_with_actor(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE)
    response = ccc.client.patch(
        f"/api/tickets/{reference}",
        json={"status": "open", "priority": "urgent", "assignee": "alice", "team": "detention"},
        headers=agent,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["priority"], body["assignee"], body["team"]) == (
        "open",
        "urgent",
        "alice",
        "detention",
    )
    events = [
        item
        for item in ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
        if item["type"] == "event" and item["actor"] == "alice"
    ]
    assert {e["kind"]: e["data"] for e in events} == {
        "status_changed": {"from": "new", "to": "open"},
        "priority_changed": {"from": "normal", "to": "urgent"},
        "assignee_changed": {"from": None, "to": "alice"},
        "team_changed": {"from": "tracing", "to": "detention"},
    }
    unassigned = ccc.client.patch(
        f"/api/tickets/{reference}", json={"assignee": None}, headers=agent
    )
    assert unassigned.json()["assignee"] is None


def test_notes_stay_internal_and_replies_reach_the_person(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    note = ccc.client.post(
        f"/api/tickets/{reference}/notes",
        json={"text": "Family visited the office."},
        headers=agent,
    )
    assert note.status_code == 201
    reply = ccc.client.post(
        f"/api/tickets/{reference}/replies",
        json={"text": "We have opened a tracing request."},
        headers=agent,
    )
    assert reply.status_code == 202
    ccc.drain()
    assert ccc.last_reply(PHONE) == "We have opened a tracing request."
    assert all("Family visited" not in m["text"] for m in ccc.transcript(PHONE))
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    [sent] = [m for m in timeline if m["type"] == "message" and m["text"].startswith("We have")]
    assert sent["status"] == "sent"
    assert any(e.get("kind") == "note" for e in timeline)
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["first_response_at"] is not None
    empty = ccc.client.post(f"/api/tickets/{reference}/notes", json={"text": ""}, headers=agent)
    assert empty.status_code == 422


def test_resolving_tells_the_person_unless_a_reason_is_given(
    ccc: Harness, agent: dict[str, str]
) -> None:
    first = open_ticket(ccc, PHONE)
    second = open_ticket(ccc, OTHER)
    ccc.client.patch(f"/api/tickets/{first}", json={"status": "resolved"}, headers=agent)
    ccc.drain()
    sent = [m["text"] for m in ccc.transcript(PHONE) if m["direction"] == "out"]
    # Told it was answered, then asked one satisfaction question.
    assert "has been answered" in sent[-2] and "How was our service" in sent[-1]
    response = ccc.client.patch(
        f"/api/tickets/{second}",
        json={"status": "resolved", "notify": False, "reason": "Number no longer in service"},
        headers=agent,
    )
    assert response.status_code == 200
    ccc.drain()
    assert "has been answered" not in ccc.last_reply(OTHER)
    timeline = ccc.client.get(f"/api/tickets/{second}/timeline", headers=agent).json()
    [change] = [e for e in timeline if e.get("kind") == "status_changed"]
    assert change["data"]["reason"] == "Number no longer in service"


def test_team_members_see_only_their_teams_tickets(ccc: Harness) -> None:
    tracer = ccc.user("tina", "team_member", ["tracing"])
    tracing = open_ticket(ccc, PHONE, "tracing")
    assistance = open_ticket(ccc, OTHER, "assistance")
    queue = ccc.client.get("/api/tickets", headers=tracer).json()
    assert [t["reference"] for t in queue["items"]] == [tracing]
    for path in (f"/api/tickets/{assistance}", f"/api/tickets/{assistance}/timeline"):
        hidden = ccc.client.get(path, headers=tracer)
        assert hidden.status_code == 404
        assert hidden.json() == {"detail": "ticket not found"}
    patch = ccc.client.patch(f"/api/tickets/{assistance}", json={"status": "open"}, headers=tracer)
    assert patch.status_code == 404


def test_restricted_tickets_exist_only_for_the_focal_team(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    focal = ccc.user("fatima", "team_member", ["accountability"])
    reference = open_ticket(ccc, PHONE, "staff_conduct")
    for outsider in (agent, supervisor):
        assert ccc.client.get("/api/tickets", headers=outsider).json()["items"] == []
        assert ccc.client.get(f"/api/tickets/{reference}", headers=outsider).status_code == 404
        search = ccc.client.get("/api/tickets", params={"q": reference}, headers=outsider)
        assert search.json()["items"] == []
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=focal).json()
    assert (ticket["sensitivity"], ticket["priority"], ticket["team"]) == (
        "restricted",
        "high",
        "accountability",
    )
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=focal).json()
    views = [e for e in timeline if e.get("kind") == "viewed"]
    assert [v["actor"] for v in views] == ["fatima", "fatima"]


def test_openapi_describes_the_api(ccc: Harness) -> None:
    spec = ccc.client.get("/openapi.json").json()
    assert "/api/tickets" in spec["paths"]
    assert "/api/tickets/{reference}/timeline" in spec["paths"]


def test_every_api_answer_has_a_schema_in_openapi(ccc: Harness) -> None:
    """A client generated from `/openapi.json` knows the shape of every success answer: no
    endpoint of the API returns an undescribed object."""
    spec = ccc.client.get("/openapi.json").json()
    undescribed = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                content = answer.get("content", {})
                if content and "application/json" not in content:
                    continue  # a stream (a voice message), described by its media type
                schema = content.get("application/json", {}).get("schema")
                if not schema or schema.get("additionalProperties") is True:
                    undescribed.append(f"{method.upper()} {path} {status}")
    assert undescribed == [], "\n".join(undescribed)


def test_the_summary_report_schema_names_its_figures(ccc: Harness) -> None:
    spec = ccc.client.get("/openapi.json").json()
    summary = spec["components"]["schemas"]["Summary"]
    assert {"from", "to", "tickets_created", "calls", "sla", "satisfaction"} <= set(
        summary["required"]
    )


def test_the_simulator_page_is_served_only_with_the_simulator(ccc: Harness) -> None:
    page = ccc.client.get("/simulator")
    assert page.status_code == 200
    assert "/api/simulator/messages" in page.text
