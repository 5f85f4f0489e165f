"""A surge past what the web process can answer: while webhooks wait longer than
`CCC_VOICE_BUSY_AFTER` for a thread, a new call hears "all our lines are busy" at once, and the
calls already in the menus keep their turn. The busy answer stores nothing; the turned-away
call is recorded a second later, with others, and its caller called back by a worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine, select

from bots.twilio import turned_away as turned_away_calls
from ccc.calls.models import Call, Callback
from ccc.calls.tasks import TURNED_AWAY
from ccc.jobs.models import OutboxJob
from ccc.kernel.settings import Settings
from tests.conftest import Harness, build_harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.people import post_twilio
from tests.support.voice import PhoneCall, TwiML
from workflows.ivr import keypad

TOKEN = "metrics-token-for-tests"
BUSY_AR = "جميع خطوطنا مشغولة الآن"
BUSY_EN = "All our lines are busy right now"


def line(database_url: str, fake_twilio: FakeApi, busy_after: float, **more: Any) -> Settings:
    return channel_settings(
        database_url,
        fake_twilio,
        None,
        webhook_threads=1,
        voice_busy_after_seconds=busy_after,
        metrics_token=TOKEN,
        **more,
    )


@pytest.fixture
def quick_to_shed(database_url: str, fake_twilio: FakeApi) -> Iterator[Harness]:
    yield from build_harness(line(database_url, fake_twilio, 0.2))


@pytest.fixture
def never_sheds(database_url: str, fake_twilio: FakeApi) -> Iterator[Harness]:
    yield from build_harness(line(database_url, fake_twilio, 0))


class Surge:
    """Two calls in the menus; one's key press holds the process's only webhook thread until
    released, the other's waits behind it, past the 0.2 s after which new calls are shed."""

    def __init__(self, ccc: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ccc = ccc
        self.calls = [PhoneCall(ccc, number=f"+96477011111{n}1") for n in range(2)]
        for call in self.calls:
            call.dial()
        self.release = threading.Event()
        self.inside = threading.Event()
        press = keypad.press

        def held(*args: Any, **kwargs: Any) -> Any:
            self.inside.set()
            assert self.release.wait(20), "the held key press was never released"
            return press(*args, **kwargs)

        monkeypatch.setattr(keypad, "press", held)
        self.pool = ThreadPoolExecutor(3)
        self.presses: list[Future[TwiML]] = []

    def __enter__(self) -> Surge:
        self.presses.append(self.pool.submit(self.key_press, self.calls[0]))
        assert self.inside.wait(10)
        self.presses.append(self.pool.submit(self.key_press, self.calls[1]))
        time.sleep(0.5)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release.set()
        self.pool.shutdown(wait=True)

    def key_press(self, call: PhoneCall) -> TwiML:
        assert call.last is not None
        path = call.last.action("Gather")
        response = post_twilio(self.ccc.client, path, call.form(Digits="1"))
        assert response.status_code == 200, response.text
        return TwiML.parse(response.text)

    def answers_after_release(self) -> list[TwiML]:
        assert not any(press.done() for press in self.presses)
        self.release.set()
        return [press.result(20) for press in self.presses]


def dial(ccc: Harness, call: PhoneCall) -> tuple[TwiML, float]:
    started = time.monotonic()
    response = post_twilio(ccc.client, "/webhooks/twilio/voice", call.form(CallStatus="ringing"))
    assert response.status_code == 200, response.text
    return TwiML.parse(response.text), time.monotonic() - started


def stored_calls(ccc: Harness) -> set[str]:
    with ccc.session() as session:
        return set(session.exec(select(Call.call_sid)).all())


def written_a_second_later(ccc: Harness) -> int:
    """What the book's thread does about once a second, done now."""
    return turned_away_calls.turned_away_book(ccc.client.app.state, ccc.runtime).write()


def test_a_new_call_is_told_the_lines_are_busy_while_calls_in_progress_keep_their_turn(
    quick_to_shed: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ccc = quick_to_shed
    monkeypatch.setattr(turned_away_calls, "FLUSH_SECONDS", 3600.0)  # written when asked
    with Surge(ccc, monkeypatch) as surge:
        turned_away = PhoneCall(ccc, number="+9647703333333")
        busy, seconds = dial(ccc, turned_away)
        assert seconds < 2  # at once, while one request holds the thread and one waits
        assert busy.verbs() == ["Say", "Say", "Hangup"]  # Arabic, English; no Kurdish voice
        assert BUSY_AR in busy.said() and BUSY_EN in busy.said()
        answers = surge.answers_after_release()
    assert all(answer.has("Gather") for answer in answers)  # the calls in progress went on
    assert turned_away.sid not in stored_calls(ccc)  # the busy answer wrote nothing
    assert written_a_second_later(ccc) == 1
    assert turned_away.sid in stored_calls(ccc)
    later, _ = dial(ccc, PhoneCall(ccc, number="+9647704444444"))
    assert later.has("Gather")  # the surge over, new calls are taken again
    metrics = ccc.client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"}).text
    assert 'ccc_webhooks{outcome="busy",path="/webhooks/twilio/voice"} 1.0' in metrics


def callbacks(ccc: Harness) -> list[tuple[str, bool, str]]:
    with ccc.session() as session:
        found = session.exec(select(Callback).order_by(Callback.id)).all()
        return [(c.phone, c.automatic, c.status) for c in found]


def test_a_turned_away_call_is_recorded_and_its_caller_called_back_once_a_day(
    quick_to_shed: Harness, monkeypatch: pytest.MonkeyPatch, supervisor: dict[str, str]
) -> None:
    ccc = quick_to_shed
    monkeypatch.setattr(turned_away_calls, "FLUSH_SECONDS", 3600.0)
    tries = [PhoneCall(ccc, number="+9647703333333") for _ in range(2)]
    withheld = PhoneCall(ccc, number="anonymous")
    with Surge(ccc, monkeypatch) as surge:
        for call in (*tries, withheld):
            busy, _ = dial(ccc, call)
            assert busy.has("Hangup")
        surge.answers_after_release()
    assert written_a_second_later(ccc) == 3
    ccc.drain()  # the callbacks are the worker's job
    with ccc.session() as session:
        calls = {c.call_sid: c for c in session.exec(select(Call)).all()}
    assert all(calls[c.sid].outcome == "turned_away" for c in (*tries, withheld))
    assert calls[withheld.sid].identity_id is None
    assert callbacks(ccc) == [("+9647703333333", True, "open")]  # one a day, none to withheld
    calls_figures = ccc.client.get("/api/reports/summary", headers=supervisor).json()["calls"]
    assert calls_figures["turned_away"] == 3
    assert calls_figures["received"] == 5  # the two in the menus, and the three turned away
    tries[0].hang_up(duration=8)  # Twilio's status callback, after the busy notice was said
    with ccc.session() as session:
        ended = session.exec(select(Call).where(Call.call_sid == tries[0].sid)).one()
    assert (ended.outcome, ended.twilio_status, ended.duration) == ("turned_away", "completed", 8)
    assert len(callbacks(ccc)) == 1  # not an abandoned call on top


def test_turned_away_calls_are_written_by_the_process_within_seconds(
    quick_to_shed: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ccc = quick_to_shed
    monkeypatch.setattr(turned_away_calls, "FLUSH_SECONDS", 0.1)
    monkeypatch.setattr(turned_away_calls, "QUIET_SECONDS", 0.3)
    caller = PhoneCall(ccc, number="+9647705555555")
    with Surge(ccc, monkeypatch) as surge:
        dial(ccc, caller)
        surge.answers_after_release()
    deadline = time.monotonic() + 10
    while caller.sid not in stored_calls(ccc) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert caller.sid in stored_calls(ccc)
    ccc.drain()


def book_of(ccc: Harness, monkeypatch: pytest.MonkeyPatch) -> turned_away_calls.TurnedAwayBook:
    """The app's book, its thread asleep: written when the test says."""
    monkeypatch.setattr(turned_away_calls, "FLUSH_SECONDS", 3600.0)
    return turned_away_calls.turned_away_book(ccc.client.app.state, ccc.runtime)


def sid(n: int) -> str:
    return f"CA{n:032d}"


def test_calls_are_written_once_the_surge_eases_or_after_waiting_long(
    quick_to_shed: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = book_of(quick_to_shed, monkeypatch)
    monkeypatch.setattr(turned_away_calls, "QUIET_SECONDS", 0.3)
    monkeypatch.setattr(turned_away_calls, "WRITE_AT_LATEST", 0.8)
    assert not book.due()  # nothing noted
    book.note(sid(1), "+9647706666661")
    assert not book.due()  # calls are still being turned away
    time.sleep(0.35)
    assert book.due()  # quiet for a moment: the surge eased
    for n in range(2, 7):  # a long surge: a call every 0.2 s
        book.note(sid(n), "+9647706666661")
        time.sleep(0.2)
    assert book.due()  # the first has waited past WRITE_AT_LATEST
    assert book.write() == 6 and book.waiting() == 0
    quick_to_shed.drain()


def test_calls_are_written_a_chunk_to_a_transaction_each_with_its_job(
    quick_to_shed: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = book_of(quick_to_shed, monkeypatch)
    monkeypatch.setattr(turned_away_calls, "CHUNK", 2)
    for n in range(5):
        book.note(sid(n), f"+96477066666{n}0")
    assert book.write() == 5
    with quick_to_shed.session() as session:
        jobs = session.exec(select(OutboxJob).where(OutboxJob.kind == TURNED_AWAY)).all()
    assert sorted(len(job.payload["call_ids"]) for job in jobs) == [1, 2, 2]
    quick_to_shed.drain()
    assert len(callbacks(quick_to_shed)) == 5


def ended_calls(ccc: Harness) -> dict[str, tuple[str | None, str | None, int | None]]:
    with ccc.session() as session:
        return {
            c.call_sid: (c.outcome, c.twilio_status, c.duration)
            for c in session.exec(select(Call)).all()
        }


def test_a_status_callback_before_the_write_is_kept_for_it(
    quick_to_shed: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ccc = quick_to_shed
    monkeypatch.setattr(turned_away_calls, "FLUSH_SECONDS", 3600.0)
    caller = PhoneCall(ccc, number="+9647707777777")
    with Surge(ccc, monkeypatch) as surge:
        dial(ccc, caller)
        surge.answers_after_release()
    caller.hang_up(duration=7)  # the busy notice said, Twilio reports the call's end at once
    assert caller.sid not in stored_calls(ccc)  # still noted, not written
    assert written_a_second_later(ccc) == 1
    assert ended_calls(ccc)[caller.sid] == ("turned_away", "completed", 7)
    ccc.drain()
    assert len(callbacks(ccc)) == 1  # the turned-away caller's callback, no abandoned one


def test_a_status_callback_during_the_write_is_stored_after_it(
    quick_to_shed: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = book_of(quick_to_shed, monkeypatch)
    book.note(sid(1), "+9647707777771")
    book.note(sid(2), "+9647707777772")
    assert book.ended(sid(1), "completed", 5)  # before the write
    record = turned_away_calls.record_turned_away

    def status_comes_meanwhile(session: Session, **call: Any) -> Any:
        if call["call_sid"] == sid(2):
            assert book.ended(sid(2), "no-answer", 0)
        return record(session, **call)

    monkeypatch.setattr(turned_away_calls, "record_turned_away", status_comes_meanwhile)
    assert book.write() == 2
    assert not book.ended(sid(1), "completed", 9)  # written: the route stores it itself
    stored = ended_calls(quick_to_shed)
    assert stored[sid(1)] == ("turned_away", "completed", 5)
    assert stored[sid(2)] == ("turned_away", "no-answer", 0)
    quick_to_shed.drain()


def test_calls_wait_for_a_database_that_cannot_be_reached(
    quick_to_shed: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ccc = quick_to_shed
    book = book_of(ccc, monkeypatch)
    book.note(sid(1), "+9647706666666")
    store = book._store

    def database_away(chunk: Any) -> int:
        raise OperationalError("INSERT INTO call", {}, ConnectionRefusedError())

    monkeypatch.setattr(book, "_store", database_away)
    assert book.write() == 0
    assert book.waiting() == 1  # kept for the next try
    monkeypatch.setattr(book, "_store", store)
    assert book.write() == 1
    assert sid(1) in stored_calls(ccc)
    ccc.drain()


def test_a_call_that_cannot_be_written_is_dropped_and_the_others_are_written(
    quick_to_shed: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ccc = quick_to_shed
    book = book_of(ccc, monkeypatch)
    record = turned_away_calls.record_turned_away

    def poisoned(session: Any, *, call_sid: str, **rest: Any) -> Call | None:
        if call_sid == sid(2):
            raise ValueError("a call no database will take")
        return record(session, call_sid=call_sid, **rest)

    monkeypatch.setattr(turned_away_calls, "record_turned_away", poisoned)
    for n in range(1, 4):
        book.note(sid(n), "+9647706666666")
    assert book.write() == 2
    assert book.waiting() == 0  # not kept to fail again forever
    assert {sid(1), sid(3)} <= stored_calls(ccc) and sid(2) not in stored_calls(ccc)
    assert "+9647706666666" not in caplog.text  # the dropped call's number is masked
    ccc.drain()


def test_the_apps_stop_writes_what_is_noted(database_url: str, fake_twilio: FakeApi) -> None:
    harness = build_harness(line(database_url, fake_twilio, 0.2))
    ccc = next(harness)
    book = turned_away_calls.turned_away_book(ccc.client.app.state, ccc.runtime)
    book.note(sid(9), "+9647707777777")
    engine = create_engine(database_url)
    with Session(engine) as session:
        ccc.drain()
        for _ in harness:  # the app stops: its lifespan's end runs
            pass
        assert session.exec(select(Call.call_sid)).all() == [sid(9)]
    engine.dispose()


def test_with_the_setting_at_zero_a_new_call_waits_its_turn_instead(
    never_sheds: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ccc = never_sheds
    newcomer = PhoneCall(ccc, number="+9647703333333")
    with Surge(ccc, monkeypatch) as surge:
        dialled = surge.pool.submit(dial, ccc, newcomer)
        time.sleep(0.3)
        assert not dialled.done()
        answers = surge.answers_after_release()
        menu, _ = dialled.result(20)
    assert all(answer.has("Gather") for answer in answers)
    assert menu.has("Gather")
    assert newcomer.sid in stored_calls(ccc)


def test_a_kurdish_busy_notice_is_played_where_the_centre_recorded_one(
    database_url: str, fake_twilio: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "voice-prompts"
    (folder / "ckb").mkdir(parents=True)
    (folder / "ckb" / "lines_busy.wav").write_bytes(b"RIFF-test-audio")
    settings = line(database_url, fake_twilio, 0.2, voice_prompts_dir=str(folder))
    for ccc in build_harness(settings):
        with Surge(ccc, monkeypatch) as surge:
            busy, _ = dial(ccc, PhoneCall(ccc, number="+9647703333333"))
            surge.answers_after_release()
        assert busy.verbs() == ["Say", "Play", "Say", "Hangup"]  # Arabic, Sorani, English
        assert busy.plays()[0].endswith("/prompts/ckb/lines_busy.wav")
        written_a_second_later(ccc)
        ccc.drain()


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().voice_busy_after_seconds == 5.0
    monkeypatch.setenv("CCC_VOICE_BUSY_AFTER", "0")
    assert Settings().voice_busy_after_seconds == 0
    monkeypatch.setenv("CCC_VOICE_BUSY_AFTER", "15")  # past Twilio's own limit: no use
    with pytest.raises(ValueError):
        Settings()
