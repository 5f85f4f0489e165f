"""Logging that never writes a phone number in clear, wherever it slipped into a line.

Code masks addresses itself (`ccc.phone.mask`); this filter is the safety net for what it
cannot control, such as uvicorn's access log printing a query string with `?address=+964…`.
"""

from __future__ import annotations

import logging
import re

_PHONE = re.compile(r"(?<![\w])(?:\+|%2B|00)?(\d[\d\s\-]{7,16}\d)(?![\w])")
_CHAT = re.compile(r"(address=)[^&\s\"]+")


def redact(text: str) -> str:
    text = _CHAT.sub(r"\1***", text)

    def hide(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) < 9:
            return match.group(0)
        return f"***{digits[-2:]}"

    return _PHONE.sub(hide, text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            return True
        record.msg = redact(message)
        record.args = None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redaction = RedactingFilter()
    for logger_name in ("", "uvicorn", "uvicorn.access", "uvicorn.error", "rq.worker"):
        logger = logging.getLogger(logger_name)
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(redaction)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(redaction)
