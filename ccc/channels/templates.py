"""Approved WhatsApp templates: what may reach a person 24 hours after they last wrote.

The templates are data in the prompts (`whatsapp_templates`: a Content SID per template and
language, and which values fill its places); `workflows` hands the core its finder through
`use`, as it hands the SLA policies, so the core never reads a workflow file itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from ccc.channels.port import Template

# WhatsApp takes free text only this long after the person's last message.
WHATSAPP_WINDOW = timedelta(hours=24)
CLOSING_NOTICE = "closing_notice"  # the ticket was resolved
CENTRE_ANSWERED = "centre_answered"  # the centre answered your request: reply to read it

Finder = Callable[[str, str, Mapping[str, str]], Template | None]
_finder: Finder | None = None


def use(finder: Finder | None) -> Finder | None:
    """Hand the core its finder; returns the one it replaces (a test puts it back)."""
    global _finder
    previous, _finder = _finder, finder
    return previous


def find(purpose: str, language: str, values: Mapping[str, str]) -> Template | None:
    """The template for `purpose` in `language` with its places filled, or None when the
    centre has none approved (the message then goes by SMS where SMS is set up)."""
    return _finder(purpose, language, values) if _finder is not None else None


def outside_window(last_inbound_at: datetime | None, now: datetime) -> bool:
    return last_inbound_at is None or now - last_inbound_at > WHATSAPP_WINDOW
