"""Issue 6, item 4: every read of a ticket's sensitive detail is recorded, whatever the route.

The test walks the routes the app serves. Each must be in one of the tables below, so a new
route fails here until someone decides whether it returns ticket detail. Every route is then
called for a sensitive ticket, as a supervisor (who may read it) and as an agent (who may not):
any answer that carries the ticket's detail must have left a `viewed` entry in the audit log,
and the agent's answers must carry none of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tests.ccc.access.helpers import patch, refer
from tests.ccc.access.routes import served_routes
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"
NOTE = "NOTE-7F3A for the receiving team"
# What the detention intake and the referral put in the ticket: its detail.
SECRETS = ("Ali Hassan", "Baghdad, March 2023", "NOTE-7F3A")


@dataclass
class Case:
    """A sensitive ticket with referrals to answer, and who calls."""

    ccc: Harness
    reference: str
    headers: dict[str, str]
    referrals: dict[str, int] = field(default_factory=dict)

    def call(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        return self.ccc.client.request(method, path, headers=self.headers, **kwargs)  # type: ignore[arg-type]

    def referral(self, team: str, action: str) -> str:
        return f"/api/referrals/{self.referrals[team]}/{action}"


Call = Callable[[Case], httpx.Response]

# Routes that return a ticket's detail to a reader who may see it, and how to call them.
DETAIL: dict[tuple[str, str], Call] = {
    ("GET", "/api/tickets"): lambda c: c.call("GET", "/api/tickets"),
    ("GET", "/api/tickets/{reference}"): lambda c: c.call("GET", f"/api/tickets/{c.reference}"),
    ("PATCH", "/api/tickets/{reference}"): lambda c: c.call(
        "PATCH", f"/api/tickets/{c.reference}", json={}
    ),
    ("GET", "/api/tickets/{reference}/timeline"): lambda c: c.call(
        "GET", f"/api/tickets/{c.reference}/timeline"
    ),
    ("GET", "/api/tickets/{reference}/referrals"): lambda c: c.call(
        "GET", f"/api/tickets/{c.reference}/referrals"
    ),
    ("POST", "/api/tickets/{reference}/referrals"): lambda c: c.call(
        "POST", f"/api/tickets/{c.reference}/referrals", json={"team": "ccc", "note": NOTE}
    ),
    ("GET", "/api/referrals"): lambda c: c.call("GET", "/api/referrals"),
    ("POST", "/api/referrals/{referral_id}/accept"): lambda c: c.call(
        "POST", c.referral("assistance", "accept")
    ),
    ("POST", "/api/referrals/{referral_id}/complete"): lambda c: c.call(
        "POST", c.referral("assistance", "complete"), json={"outcome": "enrolled"}
    ),
    ("POST", "/api/referrals/{referral_id}/reject"): lambda c: c.call(
        "POST", c.referral("tracing", "reject"), json={"reason": "not ours"}
    ),
}
# Routes that never return a ticket's detail (their answers are checked for it all the same).
NO_DETAIL: dict[tuple[str, str], Call] = {
    ("POST", "/api/tickets/{reference}/replies"): lambda c: c.call(
        "POST", f"/api/tickets/{c.reference}/replies", json={"text": "We are on it."}
    ),
    ("POST", "/api/tickets/{reference}/notes"): lambda c: c.call(
        "POST", f"/api/tickets/{c.reference}/notes", json={"text": "Called back."}
    ),
    ("GET", "/api/reports/summary"): lambda c: c.call("GET", "/api/reports/summary"),
    ("GET", "/api/audit"): lambda c: c.call("GET", "/api/audit"),
    ("GET", "/healthz"): lambda c: c.call("GET", "/healthz"),
    ("GET", "/openapi.json"): lambda c: c.call("GET", "/openapi.json"),
    ("GET", "/docs"): lambda c: c.call("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"): lambda c: c.call("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"): lambda c: c.call("GET", "/redoc"),
    ("GET", "/simulator"): lambda c: c.call("GET", "/simulator"),
    ("GET", "/simulator/voice"): lambda c: c.call("GET", "/simulator/voice"),
    ("GET", "/api/calls"): lambda c: c.call("GET", "/api/calls"),
    ("GET", "/api/callbacks"): lambda c: c.call("GET", "/api/callbacks"),
    ("GET", "/api/saved-replies"): lambda c: c.call("GET", "/api/saved-replies"),
}
# Not called here, and why.
EXEMPT = {
    ("POST", "/api/tickets/{reference}/access"): (
        "break-glass: answers the reference, the reason given and the grant's end, no detail "
        "(tests/ccc/access/test_break_glass.py)"
    ),
    ("GET", "/metrics"): (
        "counts and latencies only, never a case or a person; behind CCC_METRICS_TOKEN, not a "
        "user (tests/ccc/metrics)"
    ),
    ("POST", "/api/saved-replies"): "the centre's own wording, no case (tests/ccc/replies)",
    ("DELETE", "/api/saved-replies/{reply_id}"): "the centre's own wording, no case",
    ("POST", "/webhooks/twilio/messaging"): "receives messages; answers empty TwiML",
    ("POST", "/webhooks/twilio/status"): "receives delivery statuses",
    ("POST", "/webhooks/telegram"): "receives updates; answers an empty 200",
    ("POST", "/api/simulator/messages"): "the simulator: a person writing in",
    ("GET", "/api/recordings/{recording_sid}"): (
        "a voice message (audio, not text): it goes through disclose(Detail.recording), "
        "tested in tests/ccc/calls"
    ),
    ("GET", "/api/recordings/{recording_sid}/transcript"): (
        "a voice message's words: disclose(Detail.recording) as for the voice, "
        "tested in tests/bots/twilio/test_voice_transcripts.py"
    ),
    ("POST", "/webhooks/twilio/voice/transcription"): "Twilio Voice: a transcript, empty TwiML",
    ("GET", "/webhooks/twilio/voice/prompts/{language}/{name}"): "recorded IVR prompts, no case",
    ("POST", "/webhooks/twilio/voice"): "Twilio Voice: answers TwiML menus",
    ("POST", "/webhooks/twilio/voice/agent"): "the agent line: TwiML",
    ("POST", "/webhooks/twilio/voice/connect"): "the agent line: TwiML",
    ("POST", "/webhooks/twilio/voice/gather"): "Twilio Voice: keys pressed, TwiML",
    ("POST", "/webhooks/twilio/voice/queue/result"): "Twilio Voice: queue outcome",
    ("POST", "/webhooks/twilio/voice/queue/wait"): "Twilio Voice: the wait message",
    ("POST", "/webhooks/twilio/voice/recording"): "Twilio Voice: a recording is ready",
    ("POST", "/webhooks/twilio/voice/status"): "Twilio Voice: call status",
    ("POST", "/api/callbacks/{callback_id}/attempts"): (
        "records an attempt; answers the callback (status, attempts), no answers or notes"
    ),
    ("POST", "/api/tickets/bulk"): (
        "PATCH on each ticket: each answer goes through disclose(Detail.ticket) as PATCH's does "
        "(tests/ccc/tickets/test_bulk.py)"
    ),
    ("POST", "/api/simulator/calls"): "the simulator's keypad: a test call",
    ("POST", "/api/simulator/calls/{call_sid}/hangup"): "the simulator's keypad",
    ("POST", "/api/simulator/calls/{call_sid}/keys"): "the simulator's keypad",
    ("POST", "/api/simulator/calls/{call_sid}/voice-message"): "the simulator's keypad",
    ("GET", "/api/simulator/messages"): (
        "the simulator shows one address's conversation without a login, by design; it is "
        "refused wherever outbound is live (ccc/access/exposure.py)"
    ),
}


def sensitive_case(ccc: Harness, supervisor: dict[str, str]) -> str:
    reference = open_ticket(ccc, PHONE, "detention")
    assert patch(ccc, reference, supervisor, sensitivity="sensitive")[0] == 200
    return reference


def views(ccc: Harness, reference: str, supervisor: dict[str, str]) -> int:
    response = ccc.client.get(
        "/api/audit",
        params={"ticket": reference, "action": "viewed", "limit": 200},
        headers=supervisor,
    )
    assert response.status_code == 200, response.text
    return len(response.json()["items"])


def carries_detail(response: httpx.Response) -> bool:
    return any(secret in response.text for secret in SECRETS)


def test_every_route_is_classified() -> None:
    from ccc.api.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings("sqlite:///:memory:"), background=False)
    # The console's pages log in with a session, not a token: they read tickets through the same
    # disclose() (ccc/console/ticket_view.py) and are walked by tests/ccc/console.
    served = {route for route in served_routes(app) if not route[1].startswith("/console")}
    tables = set(DETAIL) | set(NO_DETAIL) | set(EXEMPT)
    assert served - tables == set(), "new routes: say whether they return ticket detail"
    assert tables - served == set(), "routes the tables name but the app does not serve"


def test_every_answer_that_carries_detail_left_a_view_record(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    ccc.runtime.settings.audit_view_window_minutes = 0  # every read recorded, not one in 5 min
    reference = sensitive_case(ccc, supervisor)
    case = Case(ccc, reference, supervisor)
    for team in ("assistance", "tracing"):
        status, referral = refer(ccc, reference, supervisor, team, note=NOTE)
        assert status == 201, referral
        case.referrals[team] = int(referral["id"])

    outsider = Case(ccc, reference, agent, case.referrals)
    for key, call in (DETAIL | NO_DETAIL).items():
        response = call(outsider)
        assert response.status_code < 500, key
        assert not carries_detail(response), f"{key} shows an agent what they may not read"

    for key, call in (DETAIL | NO_DETAIL).items():
        before = views(ccc, reference, supervisor)
        response = call(case)
        assert response.status_code < 300, (key, response.text)
        assert carries_detail(response) == (key in DETAIL), key
        if carries_detail(response):
            assert views(ccc, reference, supervisor) > before, f"{key} read it unrecorded"
