"""The SQL statements a block of code sends: for tests that pin what a path costs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[str]]:
    """Each statement sent on `engine` inside the block, in order."""
    sent: list[str] = []

    def one(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", one)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", one)
