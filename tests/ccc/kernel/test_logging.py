"""Logs never show a phone number in clear, wherever it slipped into a line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from ccc.kernel.logging import RedactingFilter, redact

NUMBER = "+9647701234567"


@pytest.mark.parametrize(
    "line",
    [
        "inbound from +9647701234567",
        "inbound from +964 770 123 4567",
        "inbound from +964-770-123-4567",
        "inbound from 07701234567",
        "inbound from 0770 123 4567",
        "inbound from 009647701234567",
        "inbound from whatsapp:+9647701234567",
        "tel:+9647701234567",
        "phone=9647701234567",
        '"GET /api/simulator/messages?from=%2B9647701234567 HTTP/1.1" 200',
        "POST /webhooks/twilio/messaging?To=%2B9647701234567&x=1",
    ],
)
def test_a_phone_number_is_hidden_but_for_its_last_two_digits(line: str) -> None:
    redacted = redact(line)
    assert "***67" in redacted
    assert "1234" not in redacted
    assert "770" not in redacted


@pytest.mark.parametrize(
    "line",
    [
        '"GET /api/simulator/messages?address=%2B9647701234567 HTTP/1.1" 200',
        '"GET /api/simulator/messages?address=whatsapp:+9647701234567 HTTP/1.1" 200',
        '"GET /api/simulator/messages?address=123456 HTTP/1.1" 200',
        "GET /api/simulator/messages?address=someone&page=2",
    ],
)
def test_an_address_in_a_query_string_is_hidden_whatever_it_is(line: str) -> None:
    redacted = redact(line)
    assert "address=***" in redacted
    assert "964" not in redacted
    assert "123456" not in redacted
    assert "someone" not in redacted


def test_the_rest_of_a_query_string_is_kept() -> None:
    assert redact("/messages?address=+9647701234567&page=2") == "/messages?address=***&page=2"


def test_a_telegram_chat_id_is_hidden_too() -> None:
    assert redact("telegram chat 5123456789 replied") == "telegram chat ***89 replied"


@pytest.mark.parametrize(
    "line",
    [
        "status 404",
        "GET /api/tickets 200 OK",
        "the war of 2014",
        "reference 48219930 created",
        "reference 4821 9930 created",
        "took 1234567 ms",
        "port 8000, 3 workers, job 42",
        "sweep found 12 due job(s)",
        "ticket_abc12345678",
    ],
)
def test_ordinary_numbers_are_kept(line: str) -> None:
    assert redact(line) == line


# --- through a real logger ---------------------------------------------------------------------


@pytest.fixture
def logger_and_output() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("ccc.test_logging")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, output
    logger.removeHandler(handler)
    logger.propagate = True


def test_a_number_passed_as_a_log_argument_never_reaches_the_output(
    logger_and_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, output = logger_and_output
    logger.info("inbound sms message %s from %s", 17, NUMBER)
    assert output.getvalue() == "INFO inbound sms message 17 from ***67\n"


def test_a_number_written_into_the_message_never_reaches_the_output(
    logger_and_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, output = logger_and_output
    logger.warning(f"could not reach 0770 123 4567 (status {503})")
    assert output.getvalue() == "WARNING could not reach ***67 (status 503)\n"


def test_an_access_log_line_with_an_address_never_shows_it(
    logger_and_output: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, output = logger_and_output
    logger.info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000",
        "GET",
        "/api/simulator/messages?address=%2B9647701234567",
        "1.1",
        200,
    )
    text = output.getvalue()
    assert "9647701234567" not in text
    assert "address=***" in text
    assert text.endswith('HTTP/1.1" 200\n')


def test_a_filter_on_the_logger_itself_redacts_as_well() -> None:
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    logger = logging.getLogger("ccc.test_logging.logger_filter")
    logger.addHandler(handler)
    logger.addFilter(RedactingFilter())
    logger.propagate = False
    try:
        logger.error("failed to send to %s", NUMBER)
    finally:
        logger.removeHandler(handler)
    assert output.getvalue() == "failed to send to ***67\n"


def test_a_record_whose_format_string_is_broken_is_kept_not_dropped() -> None:
    record = logging.makeLogRecord({"msg": "two %s %s", "args": (NUMBER,)})
    assert RedactingFilter().filter(record) is True
    assert record.msg == "two %s %s"
