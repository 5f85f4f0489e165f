"""Figures for supervisors and the yearly activity report: counts only, never case details."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from ccc.access.models import Role, Team
from ccc.access.policy import Caller
from ccc.channels.models import Channel
from ccc.kernel.errors import Forbidden, Invalid
from ccc.messages.models import Direction, Message
from ccc.tickets.models import Ticket

READERS = frozenset({Role.supervisor, Role.admin})


def parse_bound(value: str | None, *, end: bool) -> datetime | None:
    """`2024-01-31` or an ISO datetime; a date as `to` includes that whole day."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.min, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise Invalid(
            f"{'to' if end else 'from'} must be a date (YYYY-MM-DD) or ISO datetime"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def summary(
    session: Session, *, caller: Caller, start: datetime | None, end: datetime | None
) -> dict[str, Any]:
    if caller.role not in READERS:
        raise Forbidden("reports are for supervisors and admins")
    start = start or datetime(1970, 1, 1, tzinfo=UTC)
    end = end or datetime.now(UTC)
    if start >= end:
        raise Invalid("'from' must be before 'to'")
    teams = {t.id: t.slug for t in session.exec(select(Team)).all()}

    created = session.exec(
        select(Ticket).where(col(Ticket.created_at) >= start, col(Ticket.created_at) < end)
    ).all()
    resolved = session.exec(
        select(Ticket).where(col(Ticket.resolved_at) >= start, col(Ticket.resolved_at) < end)
    ).all()
    inbound = dict(
        session.exec(
            select(Message.channel, func.count())
            .where(
                Message.direction == Direction.inbound,
                col(Message.created_at) >= start,
                col(Message.created_at) < end,
            )
            .group_by(Message.channel)
        ).all()
    )

    return {
        "from": start,
        "to": end,
        "tickets_created": len(created),
        **_breakdowns(created, teams),
        "messages_received": {str(k): int(v) for k, v in inbound.items()},
        "calls_received": int(inbound.get(Channel.voice, 0)),
        "inquiries_resolved": len(resolved),
        **_timings(created, resolved),
    }


def _breakdowns(created: Sequence[Ticket], teams: dict[int | None, str]) -> dict[str, Any]:
    return {
        "by_channel": dict(Counter(t.channel for t in created)),
        "by_category": dict(Counter(t.category for t in created)),
        "by_team": dict(Counter(teams.get(t.team_id, "none") for t in created)),
        "by_status": dict(Counter(t.status for t in created)),
        "by_governorate": dict(
            Counter(str(t.answers["governorate"]) for t in created if "governorate" in t.answers)
        ),
    }


def _timings(created: Sequence[Ticket], resolved: Sequence[Ticket]) -> dict[str, Any]:
    """Medians in seconds, and the share of tickets that met each SLA clock."""
    first_waits = [
        (t.first_response_at - t.created_at).total_seconds()
        for t in created
        if t.first_response_at is not None
    ]
    resolution_times = [
        (t.resolved_at - t.created_at).total_seconds() for t in resolved if t.resolved_at
    ]
    first_met = [
        t.first_response_at <= t.first_response_due
        for t in created
        if t.first_response_at and t.first_response_due
    ]
    resolution_met = [
        t.resolved_at <= t.resolution_due for t in resolved if t.resolved_at and t.resolution_due
    ]
    return {
        "median_first_response_seconds": _median(first_waits),
        "median_resolution_seconds": _median(resolution_times),
        "sla": {"first_response_met": _share(first_met), "resolution_met": _share(resolution_met)},
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None
