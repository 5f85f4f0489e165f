"""The call figures of the summary report follow the rule of its other figures: for a reader
outside the focal team, the calls and callbacks of a restricted case are left out, and small
counts of a breakdown show as "<5"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.ccc.access.helpers import patch, ticket
from tests.ccc.access.test_reports_locate_nothing import reports, windows
from tests.conftest import Harness
from tests.support.voice import TRACING, VOICE, PhoneCall, spoken_reference

FRIDAY = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # closed: a callback is offered
SUNDAY_MORNING = datetime(2026, 12, 6, 7, 30, tzinfo=UTC)  # open: the agents' queue
ACCUSER = "+9647709990001"


def ordinary_calls(ccc: Harness) -> None:
    """Calls of people without a restricted case, so the figures are not all zero."""
    for n in range(3):
        call = PhoneCall(ccc, number=f"+96477000002{n:02d}")
        call.dial()
        call.keys("1", *TRACING)
        call.leave_message()
        call.hang_up()
    call = PhoneCall(ccc, number="+9647700000300")
    call.dial()
    call.press("2")
    call.hang_up()  # abandoned at the main menu: an automatic callback


def staff_conduct_by_phone(ccc: Harness) -> str:
    """A complaint about staff conduct, keyed: the rules make its ticket restricted."""
    call = PhoneCall(ccc, number=ACCUSER)
    call.dial()
    call.keys("4", "4", "1", "2", "1", "1")  # complaint, continue, staff conduct, yes, consent
    reference = spoken_reference(call.leave_message())
    call.hang_up()
    return reference


def more_calls_of_the_accuser(
    ccc: Harness, reference: str, focal: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every other kind of call from the same person: a status heard, a wait in the queue
    answered by an agent, a callback requested, and a call abandoned at the menu."""
    status = PhoneCall(ccc, number=ACCUSER)
    status.dial()
    status.keys("4", "5", reference)
    status.hang_up()
    monkeypatch.setattr("workflows.ivr.person.utcnow", lambda: SUNDAY_MORNING)
    queued = PhoneCall(ccc, number=ACCUSER)
    queued.dial()
    assert queued.keys("4", "0").has("Enqueue")
    queued.post(f"{VOICE}/connect")
    queued.post(f"{VOICE}/queue/result", QueueResult="bridged", QueueTime="40")
    queued.hang_up()
    monkeypatch.setattr("workflows.ivr.person.utcnow", lambda: FRIDAY)
    callback = PhoneCall(ccc, number=ACCUSER)
    callback.dial()
    callback_reference = spoken_reference(callback.keys("4", "0", "2", "1", "1"))
    callback.hang_up()
    # The callback's ticket is part of the same case: the focal team restricts it too.
    assert patch(ccc, callback_reference, focal, sensitivity="restricted")[0] == 200
    abandoned = PhoneCall(ccc, number=ACCUSER)
    abandoned.dial()
    abandoned.press("4")
    abandoned.hang_up()  # reached an agent today: no automatic callback


def test_a_restricted_cases_calls_change_no_report_answer_for_an_outsider(
    ccc: Harness, supervisor: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    focal = ccc.user("farah", "supervisor", ["accountability"])
    ordinary_calls(ccc)
    periods = windows()
    before, focal_before = reports(ccc, supervisor, periods), reports(ccc, focal, periods)

    reference = staff_conduct_by_phone(ccc)
    assert ticket(ccc, reference, focal)["sensitivity"] == "restricted"
    more_calls_of_the_accuser(ccc, reference, focal, monkeypatch)

    assert reports(ccc, supervisor, periods) == before
    # The focal team's own figures do count them: the calls really are inside those windows.
    focal_after = reports(ccc, focal, periods)
    assert [r["calls"]["received"] for r in focal_after] == [
        r["calls"]["received"] + 5 for r in focal_before
    ]
    assert [r["calls"]["callbacks_requested"] for r in focal_after] == [
        r["calls"]["callbacks_requested"] + 1 for r in focal_before
    ]
    assert [r["calls"]["answered"] for r in focal_after] == [
        r["calls"]["answered"] + 1 for r in focal_before
    ]


def test_calls_abandoned_by_menu_show_small_counts_as_under_five(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    for n in range(6):
        call = PhoneCall(ccc, number=f"+96477000004{n:02d}")
        call.dial()
        if n < 5:
            call.press("4")  # abandoned at the main menu
        call.hang_up()  # the sixth at the language menu
    calls = ccc.client.get("/api/reports/summary", headers=supervisor).json()["calls"]
    assert calls["abandoned"] == 6
    assert calls["abandoned_by_menu"] == {"language": "<5", "main_menu": 5}
