"""`/console/prompts`: a supervisor uploads a recording, `ccc voice prompts` and the next call
(a signed Twilio webhook) use it at once; what is not a short WAV or MP3 is refused."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.ccc.console.browsing import Browser, console_user
from tests.ccc.test_cli import CCC
from tests.conftest import PUBLIC_URL, Harness, build_harness
from tests.support.audio import mp3, tone
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.voice import PhoneCall

SORANI = "2"


@pytest.fixture
def prompts_dir(tmp_path: Path) -> Path:
    return tmp_path / "voice-prompts"


@pytest.fixture
def ccc(database_url: str, fake_twilio: FakeApi, prompts_dir: Path) -> Iterator[Harness]:
    settings = channel_settings(database_url, fake_twilio, None, voice_prompts_dir=str(prompts_dir))
    yield from build_harness(settings)


def supervisor(ccc: Harness) -> Browser:
    browser = Browser.open(ccc)
    browser.log_in("sara", console_user(ccc, "sara", "supervisor", ["ccc"]))
    return browser


def upload(browser: Browser, language: str, key: str, data: bytes, name: str) -> httpx.Response:
    page = f"/console/prompts?language={language}"
    return browser.client.post(
        f"/console/prompts/{language}/{key}",
        data={"csrf": browser.csrf(page)},
        files={"recording": (name, data, "application/octet-stream")},
    )


def listed(prompts_dir: Path) -> str:
    env = {"CCC_VOICE_PROMPTS_DIR": str(prompts_dir), "PATH": "/usr/bin:/bin"}
    shown = subprocess.run(  # noqa: S603  (our own console script)
        [str(CCC), "voice", "prompts"], env=env, capture_output=True, text=True, check=False
    )
    return shown.stdout


def test_a_sorani_recording_uploaded_is_played_on_the_next_call(
    ccc: Harness, prompts_dir: Path
) -> None:
    first = PhoneCall(ccc)
    first.dial()
    before = first.press(SORANI)
    assert before.plays() == []  # nothing recorded: the Arabic voice speaks for Sorani

    sara = supervisor(ccc)
    page = sara.get("/console/prompts?language=ckb")
    assert page.status_code == 200
    assert 'id="prompt-main_menu" data-heard="arabic"' in page.text
    assert "Arabic: no recording in this language" in page.text

    done = upload(sara, "ckb", "main_menu", tone(1.2), "menu.mp3")  # the name does not matter
    assert done.status_code == 200, done.text
    assert "Recording saved: the next call plays it" in done.text
    assert (prompts_dir / "ckb" / "main_menu.wav").read_bytes() == tone(1.2)
    assert 'id="prompt-main_menu" data-heard="recording"' in done.text
    heard = sara.get("/console/prompts/ckb/main_menu/audio")
    assert heard.status_code == 200 and heard.headers["content-type"] == "audio/wav"
    assert heard.content == tone(1.2)

    assert "ckb/main_menu\trecorded main_menu.wav\t" in listed(prompts_dir)
    call = PhoneCall(ccc)
    call.dial()
    menu = call.press(SORANI)
    assert menu.plays() == [f"{PUBLIC_URL}/webhooks/twilio/voice/prompts/ckb/main_menu.wav"]

    replaced = upload(sara, "ckb", "main_menu", mp3(2.0), "menu.wav")
    assert replaced.status_code == 200
    assert sorted(p.name for p in (prompts_dir / "ckb").iterdir()) == ["main_menu.mp3"]
    again = PhoneCall(ccc)
    again.dial()
    assert again.press(SORANI).plays()[0].endswith("/prompts/ckb/main_menu.mp3")


def test_a_bad_file_is_refused_and_nothing_is_stored(ccc: Harness, prompts_dir: Path) -> None:
    sara = supervisor(ccc)
    refused = upload(sara, "ckb", "main_menu", b"not audio at all", "menu.wav")
    assert refused.status_code == 422
    assert "must be a WAV or MP3 file" in refused.text
    too_long = upload(sara, "ckb", "main_menu", tone(121), "long.wav")
    assert too_long.status_code == 422
    spoken = upload(sara, "ckb", "message_saved", tone(), "x.wav")
    assert spoken.status_code == 422
    assert upload(sara, "xx", "main_menu", tone(), "x.wav").status_code == 404
    no_token = sara.client.post(
        "/console/prompts/ckb/main_menu", files={"recording": ("a.wav", tone(), "audio/wav")}
    )
    assert no_token.status_code == 403
    assert not prompts_dir.exists() or not any(prompts_dir.rglob("*.*"))


def test_agents_may_not_open_or_upload(ccc: Harness) -> None:
    alice = Browser.open(ccc)
    alice.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    assert alice.get("/console/prompts").status_code == 403
    refused = upload(alice, "ckb", "main_menu", tone(), "a.wav")
    assert refused.status_code == 403


def test_without_a_prompts_folder_the_page_says_so_and_takes_no_upload(
    database_url: str, fake_twilio: FakeApi
) -> None:
    settings = channel_settings(database_url, fake_twilio, None)
    for ccc in build_harness(settings):
        sara = supervisor(ccc)
        page = sara.get("/console/prompts")
        assert 'id="prompts-not-configured"' in page.text
        assert 'type="file"' not in page.text
        refused = upload(sara, "ckb", "main_menu", tone(), "a.wav")
        assert refused.status_code == 422
        assert "CCC_VOICE_PROMPTS_DIR is not set" in refused.text
