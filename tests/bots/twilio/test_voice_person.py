"""Option 0 and the agent line: the queue within opening hours, a voice message or a safe
callback outside them, and agents taking the longest-waiting caller from their own phones."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from ccc.access.models import User
from ccc.calls.models import Call
from tests.conftest import Harness
from tests.support.people import post_twilio
from tests.support.voice import AGENT_LINE, TRACING, VOICE, PhoneCall, spoken_reference

SUNDAY_MORNING = datetime(2026, 12, 6, 7, 30, tzinfo=UTC)  # 10:30 in Baghdad
FRIDAY = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # the weekend
ARMY_DAY = datetime(2027, 1, 6, 8, 0, tzinfo=UTC)  # a Wednesday, a public holiday
CLOSED_DAY = datetime(2026, 12, 25, 8, 0, tzinfo=UTC)  # the centre's own closed day
AGENT_PHONE = "+9647801112233"


def freeze(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr("workflows.ivr.person.utcnow", lambda: moment)


def ask_for_a_person(ccc: Harness, number: str = "+9647701234567") -> PhoneCall:
    call = PhoneCall(ccc, number=number)
    call.dial()
    call.keys("4", "0")
    return call


def test_within_opening_hours_the_caller_is_queued_and_told_their_place(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, SUNDAY_MORNING)
    call = ask_for_a_person(ccc)
    assert call.last is not None
    enqueue = call.last.find("Enqueue")
    assert enqueue.text == "ccc"
    assert enqueue.attrib["waitUrl"].endswith(f"{VOICE}/queue/wait")
    waiting = call.post(f"{VOICE}/queue/wait", QueuePosition="2", QueueTime="30")
    assert "You are number 2 in line." in waiting.said()
    assert waiting.has("Pause")


@pytest.mark.parametrize("moment", [FRIDAY, ARMY_DAY, CLOSED_DAY])
def test_outside_opening_hours_the_caller_chooses_a_message_or_a_callback(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch, moment: datetime
) -> None:
    freeze(monkeypatch, moment)
    call = ask_for_a_person(ccc)
    assert call.last is not None and not call.last.has("Enqueue")
    assert "Our agents cannot answer now." in call.last.said()
    assert call.press("1").has("Record")


def test_a_caller_who_waited_too_long_leaves_the_queue_for_the_same_choice(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, SUNDAY_MORNING)
    call = ask_for_a_person(ccc)
    assert call.post(f"{VOICE}/queue/wait", QueuePosition="1", QueueTime="301").has("Leave")
    after = call.post(f"{VOICE}/queue/result", QueueResult="leave", QueueTime="301")
    assert "Our agents cannot answer now." in after.said() and after.has("Gather")


def test_a_safe_callback_is_put_on_the_list_with_the_callers_choices(
    ccc: Harness, agent: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, FRIDAY)
    call = ask_for_a_person(ccc)
    call.press("2")  # a callback
    assert "safe for us to call you back" in (call.last.said() if call.last else "")
    call.press("1")  # safe
    answer = call.press("2")  # no message may be left
    reference = spoken_reference(answer)
    assert answer.verbs()[-1] == "Hangup"
    # When, as the text channels say it: the centre is closed on Friday.
    assert re.search(r"We will call you back (tomorrow|on \w+) from \d\d:\d\d\.", answer.said())
    [callback] = ccc.client.get("/api/callbacks?status=open", headers=agent).json()["items"]
    assert callback["ticket"] == reference
    assert (callback["language"], callback["safe_to_call"], callback["may_leave_message"]) == (
        "en",
        True,
        False,
    )
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert (ticket["team"], ticket["category"]) == ("ccc", "other")


def test_a_number_that_is_not_safe_to_call_back_is_offered_a_voice_message(
    ccc: Harness, agent: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, FRIDAY)
    call = ask_for_a_person(ccc)
    call.press("2")
    answer = call.press("2")  # not safe
    assert "We will not call you" in answer.said() and answer.has("Record")
    assert ccc.client.get("/api/callbacks", headers=agent).json()["items"] == []


def register_agent(ccc: Harness, name: str = "amira", role: str = "agent") -> None:
    ccc.user(name, role, ["ccc"])
    with ccc.session() as session:
        user = session.exec(select(User).where(User.name == name)).one()
        user.phone = AGENT_PHONE
        session.add(user)
        session.commit()


def agent_calls(ccc: Harness, number: str) -> PhoneCall:
    call = PhoneCall(ccc, number=number)
    response = post_twilio(ccc.client, f"{VOICE}/agent", call.form(To=AGENT_LINE))
    assert response.status_code == 200, response.text
    from tests.support.voice import TwiML

    call.last = TwiML.parse(response.text)
    return call


def test_a_registered_agent_takes_the_longest_waiting_caller(
    ccc: Harness, agent: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, SUNDAY_MORNING)
    register_agent(ccc)
    caller = ask_for_a_person(ccc)
    line = agent_calls(ccc, AGENT_PHONE)
    assert line.last is not None
    queue = line.last.find("Dial").find("Queue")
    assert queue is not None and queue.text == "ccc"
    assert "English" in line.last.said()  # the whisper names the caller's language
    connected = caller.post(f"{VOICE}/connect", DequeingCallSid=line.sid, QueueTime="42")
    assert "Connecting you" in connected.said()
    calls = ccc.client.get("/api/calls", headers=agent).json()["items"]
    [record] = [c for c in calls if c["call_sid"] == caller.sid]
    assert (record["outcome"], record["answered_by"]) == ("answered", "amira")


def test_the_agent_line_refuses_any_other_number(ccc: Harness) -> None:
    register_agent(ccc)
    line = agent_calls(ccc, "+9647700000001")
    assert line.last is not None
    assert line.last.verbs() == ["Say", "Hangup"]
    assert not line.last.has("Dial")
    with ccc.session() as session:
        assert (
            session.exec(select(Call).where(Call.call_sid == line.sid)).one().outcome == "refused"
        )


def test_a_team_member_phone_is_refused_too(ccc: Harness) -> None:
    register_agent(ccc, "tariq", "team_member")
    line = agent_calls(ccc, AGENT_PHONE)
    assert line.last is not None and not line.last.has("Dial")


@pytest.mark.parametrize(
    ("key", "language"), [("1", "ar"), ("2", "ckb"), ("3", "kmr"), ("4", "en")]
)
def test_a_callback_can_be_asked_for_in_every_language(
    ccc: Harness, agent: dict[str, str], monkeypatch: pytest.MonkeyPatch, key: str, language: str
) -> None:
    freeze(monkeypatch, FRIDAY)
    call = PhoneCall(ccc)
    call.dial()
    answer = call.keys(key, "0", "2", "1", "1")
    assert answer.verbs()[-1] == "Hangup"
    [callback] = ccc.client.get("/api/callbacks", headers=agent).json()["items"]
    assert callback["language"] == language and callback["may_leave_message"] is True


@pytest.mark.parametrize("key", ["1", "2", "3", "4"])
def test_the_status_can_be_heard_in_every_language(ccc: Harness, key: str) -> None:
    first = PhoneCall(ccc)
    first.dial()
    first.keys(key, *TRACING)
    reference = spoken_reference(first.leave_message())
    call = PhoneCall(ccc)
    call.dial()
    call.keys(key, "5")
    assert ", ".join(reference) in call.press(reference).said()


def test_a_caller_who_hangs_up_in_the_queue_is_abandoned_there_and_called_back(
    ccc: Harness, agent: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, SUNDAY_MORNING)
    call = ask_for_a_person(ccc)
    call.post(f"{VOICE}/queue/result", QueueResult="hangup", QueueTime="95")
    call.hang_up(duration=120)
    [record] = ccc.client.get("/api/calls", headers=agent).json()["items"]
    assert (record["outcome"], record["menu"]) == ("abandoned", "queue")
    assert record["wait_seconds"] is not None
    [callback] = ccc.client.get("/api/callbacks", headers=agent).json()["items"]
    assert callback["automatic"] is True


def test_the_keys_are_the_menus_even_while_the_centre_holds_a_text_ticket(
    ccc: Harness, agent: dict[str, str]
) -> None:
    """The same number is one contact: a text ticket the centre holds (an agent asked the
    person a question) must not swallow the caller's keys."""
    from tests.workflows.chatbot.test_one_thread import agent_asks, intake, timeline_texts

    number = "+9647701299970"
    reference = intake(ccc, number, "en")
    agent_asks(ccc, agent, reference, "Which prison?")
    call = PhoneCall(ccc, number=number)
    call.dial()
    menu = call.press("4")
    assert "A missing relative: press 1." in menu.said()
    assert "4" not in timeline_texts(ccc, agent, reference)[-3:]


@pytest.mark.parametrize("key", ["2", "3"])  # Sorani, Badini: no voice, no recording
def test_a_kurdish_caller_hears_when_we_call_back_in_the_arabic_they_are_spoken_to(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """The walk of 2026-12-06 heard "سنعاود الاتصال بك ئەمڕۆ لە کاتژمێر 08:00": the Arabic
    voice reading a time worded in Sorani."""
    freeze(monkeypatch, FRIDAY)
    call = PhoneCall(ccc)
    call.dial()
    said = call.keys(key, "0", "2", "1", "1").said()
    assert re.search(r"\d\d:\d\d", said)
    assert not re.search("[ەێۆڕڵ]", said), said
