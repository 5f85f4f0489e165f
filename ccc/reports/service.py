"""Figures for supervisors and the yearly activity report: counts only, never case details."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlmodel import Session, col, func, select

from ccc.access.models import Role, Team, User
from ccc.access.policy import Caller, visible_tickets
from ccc.calls.report import call_summary
from ccc.kernel.errors import Forbidden, Invalid
from ccc.messages.models import Direction, Message
from ccc.sla import service as sla
from ccc.tickets.lifecycle import ACTIVE
from ccc.tickets.models import Sensitivity, Ticket, WaitingOn

READERS = frozenset({Role.supervisor, Role.admin})


WINDOW_PATTERN = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}(?::00(?::00(?:\.0+)?)?)?)?(?:Z|[+-]\d{2}:\d{2})?$"
_WINDOW = re.compile(WINDOW_PATTERN)


def parse_bound(value: str | None, *, end: bool) -> datetime | None:
    """`2024-01-31` or a whole hour (`2024-01-31T14`, `2024-01-31T14:00:00+03:00`); a date as
    `to` includes that whole day. Finer windows are refused: bisecting a period by the
    millisecond would locate single tickets in the figures."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    name = "to" if end else "from"
    if not _WINDOW.match(text):
        raise Invalid(
            f"{name} must be a date (YYYY-MM-DD) or a whole hour (YYYY-MM-DDTHH[:00[:00]]): "
            "report windows are whole days or hours"
        )
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.min, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        if len(text) == 13 or (len(text) > 13 and text[13] not in ":"):
            text = text[:13] + ":00" + text[13:]
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise Invalid(f"{name} must be a date (YYYY-MM-DD) or a whole hour") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def summary(
    session: Session,
    caller: Caller,
    *,
    start: datetime | None,
    end: datetime | None,
    focal_team: str,
    min_count: int = 5,
) -> dict[str, Any]:
    """Counts for a period. For a caller outside the focal team, restricted tickets and the
    messages of their people are left out of every figure; breakdowns show counts under
    `min_count` as "<min_count", so that no figure singles out a person."""
    if caller.role not in READERS:
        raise Forbidden("reports are for supervisors and admins")
    start = start or datetime(1970, 1, 1, tzinfo=UTC)
    end = end or _next_hour(datetime.now(UTC))
    if start >= end:
        raise Invalid("'from' must be before 'to'")
    teams = {t.id: t.slug for t in session.exec(select(Team)).all()}
    insider = focal_team in caller.team_slugs

    def tickets(column: Any) -> Sequence[Ticket]:
        query = select(Ticket).where(column >= start, column < end)
        if not insider:
            query = query.where(Ticket.sensitivity != Sensitivity.restricted)
        return session.exec(query).all()

    created = tickets(col(Ticket.created_at))
    resolved = tickets(col(Ticket.resolved_at))
    inbound = _inbound_by_channel(session, start, end, insider=insider)
    calls = call_summary(
        session,
        start=start,
        end=end,
        insider=insider,
        coarse=lambda counts: _coarse(counts, min_count),
    )
    return {
        "from": start,
        "to": end,
        "tickets_created": len(created),
        **{key: _coarse(counts, min_count) for key, counts in _breakdowns(created, teams).items()},
        "messages_received": _coarse(Counter(inbound), min_count),
        "calls_received": calls["received"],
        "calls": calls,
        "inquiries_resolved": len(resolved),
        **_timings(created, resolved),
        "satisfaction": _satisfaction(session, start, end),
    }


def _inbound_by_channel(
    session: Session, start: datetime, end: datetime, *, insider: bool
) -> dict[str, int]:
    """Messages received per channel; for outsiders, none from a person with a restricted case
    (their messages around the complaint would otherwise show when it came in)."""
    messages = (
        select(Message.channel, func.count())
        .where(
            Message.direction == Direction.inbound,
            col(Message.created_at) >= start,
            col(Message.created_at) < end,
        )
        .group_by(Message.channel)
    )
    if not insider:
        restricted_people = select(Ticket.contact_id).where(
            Ticket.sensitivity == Sensitivity.restricted
        )
        messages = messages.where(col(Message.contact_id).not_in(restricted_people))
    return {str(channel): int(count) for channel, count in session.exec(messages).all()}


def _next_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _coarse(counts: Counter[str], min_count: int) -> dict[str, int | str]:
    return {key: (n if n >= min_count else f"<{min_count}") for key, n in counts.items()}


def _satisfaction(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """The answers to the question after resolution (1 to 5) given in the period."""
    count, mean = session.exec(
        select(func.count(col(Ticket.satisfaction)), func.avg(col(Ticket.satisfaction))).where(
            col(Ticket.satisfaction_at) >= start, col(Ticket.satisfaction_at) < end
        )
    ).one()
    return {"answers": int(count), "mean": round(float(mean), 2) if mean is not None else None}


def _breakdowns(created: Sequence[Ticket], teams: dict[int | None, str]) -> dict[str, Counter[str]]:
    return {
        "by_channel": Counter(t.channel for t in created),
        "by_category": Counter(t.category for t in created),
        "by_team": Counter(teams.get(t.team_id, "none") for t in created),
        "by_status": Counter(t.status for t in created),
        "by_governorate": Counter(
            str(t.answers["governorate"]) for t in created if "governorate" in t.answers
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
    return {
        "median_first_response_seconds": _median(first_waits),
        "median_resolution_seconds": _median(resolution_times),
        "sla": sla.compliance(created, resolved),
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


AGE_BUCKETS = ((1, "< 1 d"), (3, "1–3 d"), (7, "3–7 d"), (30, "7–30 d"), (None, "> 30 d"))


def dashboard_breakdowns(
    session: Session,
    caller: Caller,
    *,
    start: datetime,
    end: datetime,
    focal_team: str,
    min_count: int,
    tz: tzinfo,
) -> dict[str, dict[str, int | str]]:
    """The console dashboard's breakdowns that `summary` has no key for: tickets created by day
    (in the centre's time zone) and open tickets by age, counted over the tickets this caller
    may see and shown by the same small-count rule as every breakdown of `summary`. A zero
    stays a zero: it singles out nobody."""
    visible = visible_tickets(caller, focal_team=focal_team)
    created = visible.with_only_columns(col(Ticket.created_at)).where(
        col(Ticket.created_at) >= start, col(Ticket.created_at) < end
    )
    days = Counter(moment.astimezone(tz).date().isoformat() for moment in session.scalars(created))
    open_since = visible.with_only_columns(col(Ticket.created_at)).where(
        col(Ticket.status).in_(sorted(ACTIVE))
    )
    now = datetime.now(UTC)
    ages = Counter(_age_bucket(now - moment) for moment in session.scalars(open_since))
    backlog = Counter({label: ages[label] for _, label in AGE_BUCKETS})
    return {
        "by_day": _coarse_keeping_zero(Counter(dict(sorted(days.items()))), min_count),
        "backlog": _coarse_keeping_zero(backlog, min_count),
    }


def _age_bucket(age: timedelta) -> str:
    days = age.total_seconds() / 86400
    return next(label for limit, label in AGE_BUCKETS if limit is None or days < limit)


def _coarse_keeping_zero(counts: Counter[str], min_count: int) -> dict[str, int | str]:
    return {key: (n if n == 0 or n >= min_count else f"<{min_count}") for key, n in counts.items()}


# --- The supervisor's live view ---------------------------------------------------------------

WAITING_STATUSES = tuple(sorted(sla.RUNNING))  # pending waits on the person, not on the centre
UNATTENDED_LIMIT = 50


def waiting_on_centre(session: Session, ticket_ids: list[int]) -> dict[int, datetime]:
    """Of these tickets, those whose person waits for the centre, with since when: the ticket's
    own `waiting_on`, kept by `ccc/tickets/waiting.py`, so the live view and the queue's
    "waiting for us" never disagree."""
    if not ticket_ids:
        return {}
    rows = session.exec(
        select(Ticket.id, Ticket.last_inbound_at, Ticket.created_at).where(
            col(Ticket.id).in_(sorted(ticket_ids)), Ticket.waiting_on == WaitingOn.centre
        )
    ).all()
    return {ticket_id: last or created for ticket_id, last, created in rows if ticket_id}


def _small(n: int, min_count: int) -> int | str:
    """The reports' small-count rule for one figure; nothing is hidden by a zero."""
    return n if n == 0 or n >= min_count else f"<{min_count}"


def live_view(
    session: Session,
    caller: Caller,
    *,
    focal_team: str,
    since: datetime,
    now: datetime,
    online: frozenset[int],
    min_count: int = 5,
) -> dict[str, Any]:
    """Per team and per agent: open, waiting on the centre, breaching, resolved since `since`;
    who is online (`online`: user ids the console saw lately); and the unattended list (waiting
    on the centre, assigned to nobody), oldest first. Restricted tickets only for the focal
    team; counts under `min_count` read "<min_count", as in every report."""
    if caller.role not in READERS:
        raise Forbidden("reports are for supervisors and admins")
    insider = focal_team in caller.team_slugs
    active = _live_active(session, insider)
    running = [t.id for t in active if t.id is not None and t.status in WAITING_STATUSES]
    tally = _LiveTally(
        active=active,
        resolved=_live_resolved(session, insider, since, now),
        waiting=waiting_on_centre(session, running),
        breaching=set(session.exec(select(Ticket.id).where(sla.breached_filter(now))).all()),
        min_count=min_count,
    )
    teams = {t.id: t.slug for t in session.exec(select(Team)).all()}
    users = session.exec(select(User).where(col(User.role) != Role.team_member)).all()
    by_team = tally.figures(lambda team, _: team)
    by_agent = tally.figures(lambda _, agent: agent)
    return {
        "since": since,
        "teams": [
            {"team": teams.get(team_id, "none"), **by_team[team_id]}
            for team_id in sorted(by_team, key=lambda k: teams.get(k, "~"))
        ],
        "agents": _live_agents(users, by_agent, online),
        "unassigned": by_agent.get(None, _LIVE_EMPTY),
        "online": sorted(u.name for u in users if u.id in online),
        "unattended": [
            {"ticket": t, "team": teams.get(t.team_id), "waiting_since": tally.waiting[t.id or 0]}
            for t in tally.unattended()
        ],
    }


_LIVE_FIGURES = ("open", "waiting", "breaching", "resolved")
_LIVE_EMPTY: dict[str, int | str] = dict.fromkeys(_LIVE_FIGURES, 0)


def _live_active(session: Session, insider: bool) -> list[Ticket]:
    query = select(Ticket).where(col(Ticket.status).in_(sorted(sla.OPEN)))
    if not insider:
        query = query.where(Ticket.sensitivity != Sensitivity.restricted)
    return list(session.exec(query).all())


def _live_resolved(
    session: Session, insider: bool, since: datetime, now: datetime
) -> list[tuple[int | None, int | None]]:
    query = select(Ticket.team_id, Ticket.assignee_id).where(
        col(Ticket.resolved_at) >= since, col(Ticket.resolved_at) < now
    )
    if not insider:
        query = query.where(Ticket.sensitivity != Sensitivity.restricted)
    return [(team, agent) for team, agent in session.exec(query).all()]


@dataclass(frozen=True)
class _LiveTally:
    """The live view's tickets, counted per team or per agent by `figures`."""

    active: list[Ticket]
    resolved: list[tuple[int | None, int | None]]
    waiting: dict[int, datetime]
    breaching: set[int | None]
    min_count: int

    def figures(self, pick: Any) -> dict[Any, dict[str, int | str]]:
        counts: dict[Any, Counter[str]] = {}
        for ticket in self.active:
            tally = counts.setdefault(pick(ticket.team_id, ticket.assignee_id), Counter())
            tally["open"] += 1
            tally["waiting"] += ticket.id in self.waiting
            tally["breaching"] += ticket.id in self.breaching
        for team_id, assignee_id in self.resolved:
            counts.setdefault(pick(team_id, assignee_id), Counter())["resolved"] += 1
        return {
            who: {name: _small(tally[name], self.min_count) for name in _LIVE_FIGURES}
            for who, tally in counts.items()
        }

    def unattended(self) -> list[Ticket]:
        waiting = [t for t in self.active if t.id in self.waiting and t.assignee_id is None]
        return sorted(waiting, key=lambda t: self.waiting[t.id or 0])[:UNATTENDED_LIMIT]


def _live_agents(
    users: Any, by_agent: dict[Any, dict[str, int | str]], online: frozenset[int]
) -> list[dict[str, Any]]:
    return [
        {"agent": user.name, "online": user.id in online, **by_agent.get(user.id, _LIVE_EMPTY)}
        for user in sorted(users, key=lambda u: (u.id not in online, u.name))
        if user.id in by_agent or user.id in online
    ]
