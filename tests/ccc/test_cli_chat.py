"""`ccc chat`: a conversation with a running CCC from the terminal, with the replies printed as
text, so Arabic reads as Arabic and not as JSON escapes."""

from __future__ import annotations

import io
import logging
import socket

import pytest

from ccc.cli import main

PHONE = "+9647701234567"


def test_chat_prints_the_arabic_replies_as_text(
    live_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["chat", PHONE, "hello", "1", "--url", live_server]) == 0
    out = capsys.readouterr().out
    welcome, menu = out.split("\n\n")[:2]
    assert welcome.splitlines()[0] == "أهلاً بكم"
    assert welcome.splitlines()[-1] == "4 English"
    assert menu.splitlines()[0] == "كيف نساعدك؟"
    assert "\\u" not in out


def test_chat_reads_lines_from_standard_input_and_skips_empty_ones(
    live_server: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hello\n\n4\n"))
    assert main(["chat", PHONE, "--url", live_server]) == 0
    out = capsys.readouterr().out
    assert "Welcome" in out and "How can we help you?" in out


def test_chat_says_clearly_when_no_server_answers(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["chat", PHONE, "hello", "--url", f"http://127.0.0.1:{port}"]) == 1
    assert "nothing answers at" in capsys.readouterr().err


def test_chat_logs_no_phone_number(live_server: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert main(["chat", PHONE, "hello", "--url", live_server]) == 0
    assert "9647701234567" not in caplog.text


@pytest.mark.parametrize(
    "order",
    [
        ["--url", "URL", PHONE, "hello", "4"],
        [PHONE, "--url", "URL", "hello", "4"],
        [PHONE, "hello", "--url", "URL", "4"],
        [PHONE, "hello", "4", "--url", "URL"],
    ],
)
def test_the_url_may_come_anywhere_among_the_messages(
    live_server: str, capsys: pytest.CaptureFixture[str], order: list[str]
) -> None:
    # A number of its own for each order, so no earlier conversation answers for it.
    phone = f"+96477099{len(order[0]) + 10 * order.index('URL'):05d}"
    words = [live_server if word == "URL" else phone if word == PHONE else word for word in order]
    argv = ["chat", *words]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Welcome" in out and "How can we help you?" in out
