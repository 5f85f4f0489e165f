"""Log redaction: each test here once failed on a real leak of a number into a log line."""

from __future__ import annotations

import io
import logging

import pytest

from ccc.kernel.logging import RedactingFilter, redact
from ccc.kernel.phone import mask


@pytest.mark.parametrize(
    "line",
    [
        "POST /webhooks/twilio/messaging From=whatsapp%3A%2B9647701234567",
        "GET /x?to=%2b9647701234567",
        "call (0770) 123 4567",
        "call 0770.123.4567",
    ],
)
def test_redact_hides_numbers(line: str) -> None:
    assert "4567" not in redact(line)


def test_redact_keeps_a_timestamp() -> None:
    assert redact("due 2024-05-01 12:00") == "due 2024-05-01 12:00"


def test_traceback_is_redacted() -> None:
    out = io.StringIO()
    h = logging.StreamHandler(out)
    h.addFilter(RedactingFilter())
    lg = logging.getLogger("bug.tb")
    lg.addHandler(h)
    lg.propagate = False
    try:
        raise ValueError("cannot send to +9647701234567")
    except ValueError:
        lg.exception("send failed")
    assert "9647701234567" not in out.getvalue()


@pytest.mark.parametrize("address", ["12345", "123456", "+12345"])
def test_mask_short(address: str) -> None:
    m = mask(address)
    assert sum(c.isdigit() for c in m) < sum(c.isdigit() for c in address)


def test_uvicorn_access_lines_keep_their_arguments_and_lose_the_number() -> None:
    from uvicorn.logging import AccessFormatter

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.uvicorn.access")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.propagate = False
    logger.info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000",
        "GET",
        "/api/simulator/messages?address=+9647701234567",
        "1.1",
        200,
    )
    line = out.getvalue()
    assert "GET /api/simulator/messages?address=***" in line
    assert "9647701234567" not in line
