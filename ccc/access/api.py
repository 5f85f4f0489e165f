"""The audit log for supervisors and admins: who viewed, changed the sensitivity of, overrode
consent on or exported what, when, and from which address. There is no call that changes it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlmodel import col

from ccc.access.audit import Action
from ccc.access.break_glass import request_access
from ccc.access.models import AuditEntry
from ccc.access.policy import OVERSIGHT
from ccc.access.service import audit_entries
from ccc.api.deps import CallerDep, PageDep, SessionDep, SettingsDep
from ccc.api.params import meaning
from ccc.kernel.errors import Forbidden, Invalid
from ccc.kernel.paging import decode_cursor, encode_cursor

router = APIRouter(prefix="/api/audit", tags=["audit"])
access_router = APIRouter(prefix="/api/tickets", tags=["access"])
# A date, or an ISO datetime to the minute or finer, with or without its offset.
MOMENT = meaning(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$",
    "must be a date (YYYY-MM-DD) or an ISO datetime",
)


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    user: str
    action: str
    ticket: str | None
    address: str | None
    data: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next: str | None


def _moment(value: str | None, name: str, *, end: bool) -> datetime | None:
    """A date (`to` includes that whole day) or an ISO datetime."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.max if end else time.min, tzinfo=UTC)
            return moment
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise Invalid(f"{name} must be a date (YYYY-MM-DD) or an ISO datetime") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@router.get("", response_model=AuditPage)
def audit_log(
    session: SessionDep,
    caller: CallerDep,
    paging: PageDep,
    settings: SettingsDep,
    ticket: Annotated[str | None, Query(max_length=32)] = None,
    user: Annotated[str | None, Query(max_length=120)] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=40, pattern=MOMENT)] = None,
    to: Annotated[str | None, Query(max_length=40, pattern=MOMENT)] = None,
    action: Action | None = None,
) -> AuditPage:
    """Newest first; `user` is the name of who acted (`cli:NAME` for the command line)."""
    if caller.role not in OVERSIGHT:
        raise Forbidden("the audit log is for supervisors and admins")
    query = audit_entries(
        caller,
        focal_team=settings.restricted_focal_team,
        ticket=ticket,
        user=user,
        start=_moment(from_, "from", end=False),
        end=_moment(to, "to", end=True),
        action=action,
    )
    if paging.cursor:
        query = query.where(col(AuditEntry.id) < decode_cursor(paging.cursor))
    rows = list(
        session.exec(query.order_by(col(AuditEntry.id).desc()).limit(paging.limit + 1)).all()
    )
    next_cursor = None
    if len(rows) > paging.limit:
        rows = rows[: paging.limit]
        last_id = rows[-1][0].id
        assert last_id is not None
        next_cursor = encode_cursor(last_id)
    return AuditPage(items=[_out(entry, reference) for entry, reference in rows], next=next_cursor)


def _out(entry: AuditEntry, reference: str | None) -> AuditEntryOut:
    assert entry.id is not None
    return AuditEntryOut(
        id=entry.id,
        at=entry.created_at,
        user=entry.actor,
        action=entry.action,
        ticket=reference,
        address=entry.address,
        data=entry.data,
    )


class AccessRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="why the ticket must be read")


class AccessGrant(BaseModel):
    ticket: str
    reason: str
    until: datetime


@access_router.post("/{reference}/access", response_model=AccessGrant, status_code=201)
def break_glass(
    reference: Annotated[str, Path(max_length=32)],
    body: AccessRequest,
    session: SessionDep,
    caller: CallerDep,
    settings: SettingsDep,
) -> AccessGrant:
    """Break-glass: a supervisor or admin outside a restricted ticket's focal team reads it for
    `CCC_BREAK_GLASS_MINUTES`, told to the focal team at once (docs/access.md)."""
    ticket, grant = request_access(
        session,
        caller=caller,
        reference=reference,
        reason=body.reason,
        minutes=settings.break_glass_minutes,
        focal_team=settings.restricted_focal_team,
        notify=bool(settings.escalation_webhook_url),
    )
    return AccessGrant(ticket=ticket.reference, reason=grant.reason, until=grant.expires_at)
