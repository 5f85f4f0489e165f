"""The callback list: abandoned calls called back once a day, the attempts ladder to its SMS,
and an agent's reply on a voice ticket reaching the caller by SMS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from ccc.calls import tasks as calls_tasks
from ccc.calls.models import Call, Callback
from ccc.calls.service import CENTRE_ZONE, call_back_turned_away, record_turned_away
from ccc.kernel.timeutil import utcnow
from tests.conftest import Harness
from tests.support.fakes import FakeApi
from tests.support.people import TwilioPerson
from tests.support.voice import TRACING, PhoneCall, spoken_reference

CALLER = "+9647701234567"


def abandon(ccc: Harness, number: str = CALLER) -> PhoneCall:
    call = PhoneCall(ccc, number=number)
    call.dial()
    call.press("1")  # Arabic, then hangs up at the main menu
    call.hang_up(duration=9)
    return call


def callbacks(ccc: Harness, headers: dict[str, str], status: str = "open") -> list[Any]:
    response = ccc.client.get(f"/api/callbacks?status={status}", headers=headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def test_an_abandoned_call_is_recorded_with_its_menu_and_called_back_once_a_day(
    ccc: Harness, agent: dict[str, str]
) -> None:
    first = abandon(ccc)
    abandon(ccc)
    [callback] = callbacks(ccc, agent)
    assert callback["automatic"] is True and callback["language"] == "ar"
    assert callback["safe_to_call"] is None  # never asked
    records = ccc.client.get("/api/calls", headers=agent).json()["items"]
    assert len(records) == 2
    mine = next(r for r in records if r["call_sid"] == first.sid)
    assert (mine["outcome"], mine["menu"], mine["path"]) == ("abandoned", "main_menu", "1")


def test_a_caller_an_agent_spoke_with_today_is_not_called_back_after_a_later_call(
    ccc: Harness, agent: dict[str, str]
) -> None:
    answered = PhoneCall(ccc, number=CALLER)
    answered.dial()
    with ccc.session() as session:  # as the agent line records a bridged call
        call = session.exec(select(Call).where(Call.call_sid == answered.sid)).one()
        call.outcome = "answered"
        session.add(call)
        session.commit()
    answered.hang_up()
    abandon(ccc)
    assert callbacks(ccc, agent) == []
    abandon(ccc, number="+9647709876543")  # someone nobody spoke with is called back
    assert len(callbacks(ccc, agent)) == 1


def test_a_caller_who_left_a_message_is_not_called_back(
    ccc: Harness, agent: dict[str, str]
) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.keys("1", *TRACING)
    call.leave_message()
    call.hang_up()
    assert callbacks(ccc, agent) == []


def attempt(ccc: Harness, headers: dict[str, str], callback_id: int, outcome: str) -> Any:
    response = ccc.client.post(
        f"/api/callbacks/{callback_id}/attempts", json={"outcome": outcome}, headers=headers
    )
    assert response.status_code == 200, response.text
    ccc.drain()
    return response.json()


def request_callback(ccc: Harness, may_leave_message: bool, language: str = "4") -> None:
    from datetime import UTC, datetime

    import workflows.ivr.person

    original = workflows.ivr.person.utcnow
    workflows.ivr.person.utcnow = lambda: datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # closed: Friday
    try:
        call = PhoneCall(ccc)
        call.dial()
        call.keys(language, "0", "2", "1", "1" if may_leave_message else "2")
    finally:
        workflows.ivr.person.utcnow = original


def texts_to(api: FakeApi, number: str) -> list[str]:
    return [c.form["Body"] for c in api.calls("Messages.json") if c.form.get("To") == number]


def test_three_unanswered_attempts_send_one_sms_and_close_the_callback(
    ccc: Harness, agent: dict[str, str], fake_twilio: FakeApi
) -> None:
    request_callback(ccc, may_leave_message=True)
    [callback] = callbacks(ccc, agent)
    before = len(texts_to(fake_twilio, CALLER))
    attempt(ccc, agent, callback["id"], "no_answer")
    second = attempt(ccc, agent, callback["id"], "busy")
    assert second["status"] == "open" and second["due_at"] > callback["due_at"]
    attempt(ccc, agent, callback["id"], "no_answer")
    [done] = callbacks(ccc, agent, "done")
    assert (done["attempts"], done["result"]) == (3, "not_reached")
    sent = texts_to(fake_twilio, CALLER)[before:]
    assert len(sent) == 1 and "three times" in sent[0]
    late = ccc.client.post(
        f"/api/callbacks/{callback['id']}/attempts", json={"outcome": "reached"}, headers=agent
    )
    assert late.status_code == 409


def test_no_sms_when_the_caller_said_no_message_may_be_left(
    ccc: Harness, agent: dict[str, str], fake_twilio: FakeApi
) -> None:
    request_callback(ccc, may_leave_message=False)
    [callback] = callbacks(ccc, agent)
    before = len(texts_to(fake_twilio, CALLER))
    for outcome in ("no_answer", "no_answer", "no_answer"):
        attempt(ccc, agent, callback["id"], outcome)
    assert callbacks(ccc, agent, "done")[0]["result"] == "not_reached"
    assert texts_to(fake_twilio, CALLER)[before:] == []


def test_reached_ends_the_callback_and_a_bad_outcome_is_refused(
    ccc: Harness, agent: dict[str, str]
) -> None:
    request_callback(ccc, may_leave_message=False)
    [callback] = callbacks(ccc, agent)
    bad = ccc.client.post(
        f"/api/callbacks/{callback['id']}/attempts", json={"outcome": "maybe"}, headers=agent
    )
    assert bad.status_code == 422
    assert attempt(ccc, agent, callback["id"], "reached")["result"] == "reached"


def test_a_person_reached_on_a_callback_no_longer_waits_for_the_centre(
    ccc: Harness, agent: dict[str, str]
) -> None:
    """The walk of 2026-12-06 found a reached callback still marked "waiting for us"."""
    request_callback(ccc, may_leave_message=False)
    [callback] = callbacks(ccc, agent)
    reference = callback["ticket"]
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["waiting_on"] == "centre"
    attempt(ccc, agent, callback["id"], "no_answer")
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["waiting_on"] == "centre"  # nobody has spoken with them yet
    attempt(ccc, agent, callback["id"], "reached")
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["waiting_on"] is None
    assert reference not in [
        item["reference"]
        for item in ccc.client.get("/api/tickets?waiting=centre", headers=agent).json()["items"]
    ]


def test_an_agents_reply_on_a_voice_ticket_goes_by_sms_and_says_so(
    ccc: Harness, agent: dict[str, str], fake_twilio: FakeApi
) -> None:
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", *TRACING)
    reference = spoken_reference(call.leave_message())
    response = ccc.client.post(
        f"/api/tickets/{reference}/replies", json={"text": "We have your message."}, headers=agent
    )
    assert response.status_code == 202, response.text
    ccc.drain()
    assert "We have your message." in texts_to(fake_twilio, CALLER)
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    [reply] = [m for m in _messages(timeline) if m.get("text") == "We have your message."]
    assert reply["channel"] == "sms"


def _messages(timeline: Any) -> list[Any]:
    items = timeline if isinstance(timeline, list) else timeline.get("items", [])
    return [i.get("message", i) for i in items]


def test_the_summary_report_counts_the_calls(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    abandon(ccc)
    call = PhoneCall(ccc, number="+9647509876543")
    call.dial()
    call.keys("1", "2", "1", "3", "1")  # detention: a parent, consent
    call.leave_message()
    call.hang_up()
    request_callback(ccc, may_leave_message=False)
    [callback] = [c for c in callbacks(ccc, agent) if not c["automatic"]]
    attempt(ccc, agent, callback["id"], "reached")
    report = ccc.client.get("/api/reports/summary", headers=supervisor).json()
    calls = report["calls"]
    assert report["calls_received"] == calls["received"] == 3
    assert (calls["answered"], calls["abandoned"], calls["voice_messages"]) == (0, 1, 1)
    assert calls["abandoned_by_menu"] == {"main_menu": "<5"}
    assert (calls["callbacks_requested"], calls["callbacks_reached"]) == (2, 1)
    assert calls["callbacks_automatic"] == 1


def test_a_reply_goes_by_whatsapp_where_the_caller_wrote_from_it(
    ccc: Harness, agent: dict[str, str], fake_twilio: FakeApi, whatsapp: TwilioPerson
) -> None:
    whatsapp.say("hello")
    call = PhoneCall(ccc)
    call.dial()
    call.keys("4", *TRACING)
    reference = spoken_reference(call.leave_message())
    response = ccc.client.post(
        f"/api/tickets/{reference}/replies", json={"text": "Seen, thank you."}, headers=agent
    )
    assert response.status_code == 202, response.text
    ccc.drain()
    assert "Seen, thank you." in whatsapp.received()
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    [reply] = [m for m in _messages(timeline) if m.get("text") == "Seen, thank you."]
    assert reply["channel"] == "whatsapp"


def test_a_callback_is_due_within_the_centres_opening_hours(
    ccc: Harness, agent: dict[str, str]
) -> None:
    from datetime import datetime

    from workflows.files.library import current

    abandon(ccc)
    [callback] = callbacks(ccc, agent)
    due = datetime.fromisoformat(callback["due_at"])
    assert current().calendars["centre"].is_open(due)
    assert due >= datetime.fromisoformat(callback["created_at"])


def test_reaching_the_person_takes_a_note_and_opens_a_new_ticket(
    ccc: Harness, agent: dict[str, str]
) -> None:
    abandon(ccc)
    [callback] = callbacks(ccc, agent)
    reference = callback["ticket"]
    assert ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()["status"] == "new"
    reached = ccc.client.post(
        f"/api/callbacks/{callback['id']}/attempts",
        json={"outcome": "reached", "note": "Asked about her son; will send documents."},
        headers=agent,
    )
    assert reached.status_code == 200, reached.text
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["status"] == "open"
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).text
    assert "Asked about her son; will send documents." in timeline
    assert callbacks(ccc, agent) == []


def test_a_call_is_judged_by_its_own_day_not_the_day_it_is_handled(ccc: Harness) -> None:
    """Two calls turned away last evening, handled after midnight: the first caller's callback
    was made last evening, so the second call (same number, same day) gets none."""
    evening = utcnow().astimezone(CENTRE_ZONE).replace(hour=20, minute=0) - timedelta(days=1)
    with ccc.session() as session:
        first = record_turned_away(session, call_sid=f"CA{1:032d}", phone=CALLER, at=evening)
        assert first is not None and first.id is not None
        made = call_back_turned_away(session, call_id=first.id)
        assert made is not None
        made.created_at = evening + timedelta(minutes=1)
        later = evening + timedelta(hours=1)
        second = record_turned_away(session, call_sid=f"CA{2:032d}", phone=CALLER, at=later)
        assert second is not None and second.id is not None
        assert call_back_turned_away(session, call_id=second.id) is None
        session.commit()


def test_one_turned_away_call_failing_costs_the_others_of_its_batch_nothing(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow()
    with ccc.session() as session:
        calls = [
            record_turned_away(session, call_sid=f"CA{n:032d}", phone=f"+96477012345{n}0", at=now)
            for n in range(3)
        ]
        ids = [call.id for call in calls if call is not None and call.id is not None]
        broken = ids[1]

        def call_back(session: Any, *, call_id: int) -> Any:
            if call_id == broken:
                raise KeyError("a call the callback cannot be made for")
            return call_back_turned_away(session, call_id=call_id)

        monkeypatch.setattr(calls_tasks, "call_back_turned_away", call_back)
        calls_tasks.turned_away_callbacks(session, call_ids=ids)
        session.commit()
        made = session.exec(select(Callback.phone).order_by(Callback.id)).all()
    assert made == ["+9647701234500", "+9647701234520"]
