"""How many SQL statements the toll-free line's requests cost: a count, not a time.

A year of the seed centre is mostly the line's webhooks (bench/replay.py), and each statement
is a round trip and a few hundred microseconds of the web process. A change that adds one to a
key press shows here; one that takes one away should lower the pinned figure. SQLite counts
its `BEGIN IMMEDIATE` (ccc/kernel/db.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.conftest import Harness
from tests.support.people import post_twilio
from tests.support.voice import TRACING, VOICE, PhoneCall, TwiML

STATUS = f"{VOICE}/status"

# (dialect) -> statements of: a new caller's first request (their contact, identity, call and
# conversation made), a key press in the menus (the tracing option, after the language), the
# voice message that files the ticket, and the status callback of a call hung up at the main
# menu (its caller's automatic callback, with its ticket, routed to a team).
PINNED = {
    "sqlite": {
        "new caller's first request": 8,
        "key press": 4,
        "voice message": 27,
        "abandoned call's end": 17,
    },
    "postgresql": {
        "new caller's first request": 7,
        "key press": 3,
        "voice message": 24,
        "abandoned call's end": 14,
    },
}


def counted(ccc: Harness, call: PhoneCall, tag: str, **fields: str) -> int:
    """The statements of the webhook's own transaction answering the last TwiML's `tag` (or
    posted to the status callback's path): not those of the jobs it leaves to run after the
    answer (the reference by SMS), on another connection and perhaps at the same time."""
    if tag == "dial":
        path = VOICE
    else:
        assert call.last is not None
        path = STATUS if tag == "status" else call.last.action(tag)
    connections: list[object] = []

    def one(connection: object, *_args: Any) -> None:
        connections.append(connection)

    event.listen(ccc.engine, "before_cursor_execute", one)
    try:
        response = post_twilio(ccc.client, path, call.form(**fields))
    finally:
        event.remove(ccc.engine, "before_cursor_execute", one)
    assert response.status_code == 200, response.text
    if tag != "status":
        call.last = TwiML.parse(response.text)
    ccc.drain()
    return sum(connection is connections[0] for connection in connections)


def test_the_lines_requests_cost_the_pinned_number_of_statements(ccc: Harness) -> None:
    call = PhoneCall(ccc)
    counts = {"new caller's first request": counted(ccc, call, "dial", CallStatus="ringing")}
    call.press("1")  # Arabic
    counts["key press"] = counted(ccc, call, "Gather", Digits=TRACING[0])
    call.keys(*TRACING[1:])
    recording = {"RecordingSid": f"RE{'7' * 32}", "RecordingDuration": "42", "Digits": "#"}
    counts["voice message"] = counted(ccc, call, "Record", **recording)
    assert "message_saved" in str(call.last.said()) or call.last.has("Say")
    leaving = PhoneCall(ccc, number="+9647709876543")
    leaving.dial()
    leaving.press("1")  # Arabic, then hangs up at the main menu
    ended = {"CallStatus": "completed", "CallDuration": "9"}
    counts["abandoned call's end"] = counted(ccc, leaving, "status", **ended)
    assert counts == PINNED[ccc.engine.dialect.name], "update PINNED if this is intended"
