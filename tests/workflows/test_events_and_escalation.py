"""Rules on later events, from a supervisor's own rules file: a change through the API, an SLA
breach that escalates with a signed webhook, a ticket left idle."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow
from ccc.sla import service
from ccc.tickets.models import Ticket
from tests.ccc.sla.test_breach_job import run_breach_job
from tests.conftest import Harness, build_harness, make_settings
from tests.flows import open_ticket
from workflows.files.library import PACKAGE_DIR, configure
from workflows.rules.engine import idle_sweep
from workflows.rules.escalation import SIGNATURE_HEADER, verify

SECRET = "3b1f0c5e9d2a4b6c8e7f1a2b3c4d5e6f"
PHONE = "+9647705550001"
EXTRA = """
templates:
  still_working:
    ar: ما زلنا نعمل على طلبك.
    ckb: هێشتا کار لەسەر داواکارییەکەت دەکەین.
    kmr: Em hîn li ser daxwaza te dixebitin.
    en: We are still working on your request.
rules:
  - name: urgent tickets are reviewed
    on: ticket.updated
    when: {priority: urgent}
    then: {tags: [urgent_review], note: Review within the hour}
  - name: a breach of the first response is escalated
    on: sla.breached
    then: {escalate: {priority: urgent}}
  - name: quiet tickets get news
    on: ticket.idle
    idle: 48h
    then: {message: still_working}
"""


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/ccc"
    server.shutdown()


@pytest.fixture
def settings(database_url: str, receiver: str) -> Settings:
    return make_settings(
        database_url, escalation_webhook_url=receiver, escalation_webhook_secret=SECRET
    )


@pytest.fixture
def ccc(settings: Settings, tmp_path: Path) -> Iterator[Harness]:
    folder = tmp_path / "workflows"
    for part in ("flows", "prompts", "rules"):
        shutil.copytree(PACKAGE_DIR / part, folder / part)
    shutil.copy(PACKAGE_DIR / "calendars.yaml", folder / "calendars.yaml")
    (folder / "rules" / "supervisors.yaml").write_text(EXTRA, encoding="utf-8")
    configure(folder)
    try:
        yield from build_harness(settings)
    finally:
        configure(PACKAGE_DIR)


def kinds(ccc: Harness, reference: str, headers: dict[str, str]) -> list[tuple[str, Any]]:
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=headers).json()
    return [(e["kind"], e["data"].get("rule")) for e in timeline if e["type"] == "event"]


def test_a_change_through_the_api_sets_off_the_rules_on_ticket_updated(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    ccc.client.patch(f"/api/tickets/{reference}", json={"priority": "urgent"}, headers=agent)
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["tags"] == ["urgent_review"]
    assert kinds(ccc, reference, agent)[-2:] == [
        ("rule", "urgent tickets are reviewed"),
        ("rule", "urgent tickets are reviewed"),
    ]


def test_a_breach_escalates_with_a_signed_webhook(ccc: Harness, supervisor: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE)
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        breach = next(a for a in service.alerts(ticket) if a.name == "first_response.breached")
    run_breach_job(ccc, now=breach.at)
    ccc.drain()
    deadline = time.monotonic() + 5
    while not Receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    [(headers, body)] = Receiver.received
    assert verify(SECRET, headers[SIGNATURE_HEADER], body, now=time.time())
    assert not verify("another secret", headers[SIGNATURE_HEADER], body, now=time.time())
    notice = json.loads(body)
    assert notice["event"] == "ticket.escalated"
    assert (notice["reference"], notice["priority"]) == (reference, "urgent")
    assert notice["rule"] == "a breach of the first response is escalated"
    assert PHONE not in body.decode()  # no personal data leaves
    events = kinds(ccc, reference, supervisor)
    assert ("sla.breached", None) in events
    assert ("escalated", "a breach of the first response is escalated") in events
    # Escalating to urgent sets off the ticket.updated rule? No: a rule's change is not an
    # agent's, so only the agents' changes run the ticket.updated rules.
    assert ("rule", "urgent tickets are reviewed") not in events


def test_an_idle_ticket_gets_news_once(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE)
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        ticket.updated_at = utcnow() - timedelta(hours=49)
        session.add(ticket)
        session.commit()
    assert idle_sweep() == 1
    assert idle_sweep() == 0
    ccc.drain()
    assert ccc.last_reply(PHONE) == "We are still working on your request."
