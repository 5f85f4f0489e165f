"""One way to page every list of the API: newest first, by id, with an opaque cursor.

The cursor hides the id so that clients treat it as a bookmark rather than a number to do
arithmetic with; a cursor that does not decode to a sensible id is a 422, never a 500.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session, col
from sqlmodel.sql.expression import SelectOfScalar

from ccc.kernel.errors import Invalid

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
Row = TypeVar("Row")
Item = TypeVar("Item")


@dataclass(frozen=True)
class PageParams:
    """Where a list resumes and how long its page is: the two query parameters every list
    endpoint takes (read by `ccc.api.deps.PageDep`, so their bounds are written once)."""

    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"t{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("t"):
            raise ValueError
        last_id = int(raw[1:])
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise Invalid("invalid cursor") from None
    if not 0 < last_id <= MAX_ID:
        raise Invalid("invalid cursor")
    return last_id


def page(
    session: Session,
    query: SelectOfScalar[Row],
    id_column: InstrumentedAttribute[Any] | Any,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[Row], str | None]:
    """One page of `query` (a select of rows with an integer id), and the next page's cursor."""
    if cursor:
        query = query.where(col(id_column) < decode_cursor(cursor))
    rows = list(session.exec(query.order_by(col(id_column).desc()).limit(limit + 1)).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(int(getattr(rows[-1], id_column.key)))
