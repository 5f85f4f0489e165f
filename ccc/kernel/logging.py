"""Logging that never writes a phone number in clear, wherever it slipped into a line.

Code masks addresses itself (`ccc.phone.mask`); this filter is the safety net for what it
cannot control, such as uvicorn's access log printing a query string with `?address=+964…`.
"""

from __future__ import annotations

import logging
import re

# Runs of digits (with the spaces, dashes, dots and brackets people write numbers with) long
# enough to be a phone number or a chat id.
_NUMBER = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().\-]{7,200}\d(?![\w])")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ENCODED = re.compile(r"%(2[bB]|3[aA])")
# Query parameters: every value is masked but those of this short list, which name only the
# centre's own vocabulary (a search term, an address, a token or a name never appears in clear).
SAFE_PARAMS = frozenset(
    {"status", "team", "category", "channel", "priority", "sla", "limit", "from", "to", "action"}
)
_PARAM = re.compile(r"([?&])([^=&\s\"?#]+)=([^&\s\"#]*)")


def _mask_param(match: re.Match[str]) -> str:
    separator, name, value = match.groups()
    if name.lower() in SAFE_PARAMS or not value:
        return match.group(0)
    return f"{separator}{name}=***"


def redact(text: str) -> str:
    """Hide every phone number, chat id and query parameter value (but SAFE_PARAMS')."""
    text = _ENCODED.sub(lambda m: "+" if m.group(1).lower() == "2b" else ":", text)
    text = _PARAM.sub(_mask_param, text)

    def hide(match: re.Match[str]) -> str:
        found = match.group(0)
        digits = re.sub(r"\D", "", found)
        if len(digits) < 9 or _ISO_DATE.match(found):
            return found
        return f"***{digits[-2:]}"

    return _NUMBER.sub(hide, text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # A record passes its logger's filter and then each handler's: it is redacted once (the
        # access log's line of every request was redacted twice, 3 % of a webhook's CPU).
        if record.__dict__.get(_REDACTED):
            return True
        record.__dict__[_REDACTED] = True
        # Arguments are redacted one by one and kept as arguments: some formatters (uvicorn's
        # access log) read them as a tuple.
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FORMATTER = logging.Formatter()
_REDACTED = "ccc_redacted"


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**8:
        return redact(str(value))
    return value


def configure_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    redaction = RedactingFilter()
    for logger_name in ("", "uvicorn", "uvicorn.access", "uvicorn.error", "rq.worker"):
        logger = logging.getLogger(logger_name)
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(redaction)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(redaction)
