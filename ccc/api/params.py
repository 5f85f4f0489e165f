"""Query parameters described precisely in `/openapi.json`: a client (or schemathesis) learns
the values a filter takes from the schema, and a value outside them is a 422 before any code
runs."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Query

from ccc.reports.service import WINDOW_PATTERN

# What each pattern means, in words: a 422 says this rather than the regular expression.
_MEANING: dict[str, str] = {}


def explain(error: dict[str, Any]) -> str:
    """The message of one validation problem; for a pattern of this module, what it means."""
    context = error.get("ctx") or {}
    if error.get("type") == "string_pattern_mismatch" and context.get("pattern") in _MEANING:
        return _MEANING[context["pattern"]]
    return str(error.get("msg", ""))


def meaning(pattern: str, words: str) -> str:
    """Registers what a pattern means, for its 422s; returns the pattern."""
    _MEANING[pattern] = words
    return pattern


# Text that is not only spaces (notes, replies, reasons, outcomes).
SOME_TEXT = meaning(r"\S", "needs some text, not only spaces")


def one_or_more(enum: type[StrEnum]) -> str:
    """A pattern for one value of the enum or several, comma-separated (`open,pending`); the
    empty value is "any", as a form's "Any" choice sends it (`?status=`)."""
    one = "|".join(re.escape(member.value) for member in enum)
    return f"^(({one})(,({one}))*)?$"


def enum_list(enum: type[StrEnum], what: str) -> object:
    values = ", ".join(member.value for member in enum)
    _MEANING[one_or_more(enum)] = f"one or more of {values}, comma-separated"
    return Query(
        pattern=one_or_more(enum),
        max_length=200,
        description=f"{what}: one or more of {values}, comma-separated; empty means any",
    )


WINDOW = "a date (YYYY-MM-DD) or a whole hour (YYYY-MM-DDTHH[:00[:00]][±HH:MM|Z])"
_MEANING[WINDOW_PATTERN] = f"must be {WINDOW}: report windows are whole days or hours"


def _window(alias: str | None = None) -> object:
    return Query(alias=alias, pattern=WINDOW_PATTERN, max_length=40, description=WINDOW)


# Report windows (`GET /api/reports/summary`, `GET /api/calls`): whole days or hours only.
WindowStart = Annotated[str | None, _window("from")]
WindowEnd = Annotated[str | None, _window()]
