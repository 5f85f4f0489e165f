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
from sqlmodel import select

from bots.twilio import turned_away as turned_away_calls
from ccc.calls.models import Call, Callback
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


def test_turned_away_calls_are_written_by_the_process_within_seconds(
    quick_to_shed: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ccc = quick_to_shed
    monkeypatch.setattr(turned_away_calls, "FLUSH_SECONDS", 0.2)
    caller = PhoneCall(ccc, number="+9647705555555")
    with Surge(ccc, monkeypatch) as surge:
        dial(ccc, caller)
        surge.answers_after_release()
    deadline = time.monotonic() + 10
    while caller.sid not in stored_calls(ccc) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert caller.sid in stored_calls(ccc)
    ccc.drain()


def test_a_batch_that_could_not_be_written_is_tried_again(
    quick_to_shed: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ccc = quick_to_shed
    monkeypatch.setattr(turned_away_calls, "FLUSH_SECONDS", 3600.0)
    book = turned_away_calls.turned_away_book(ccc.client.app.state, ccc.runtime)
    book.note("CA" + "1" * 32, "+9647706666666")
    store = book._store

    def database_away(batch: Any) -> int:
        raise OSError("connection refused")

    monkeypatch.setattr(book, "_store", database_away)
    assert book.write() == 0
    assert book.waiting() == 1  # kept for the next second
    monkeypatch.setattr(book, "_store", store)
    assert book.write() == 1
    assert "CA" + "1" * 32 in stored_calls(ccc)
    ccc.drain()


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
