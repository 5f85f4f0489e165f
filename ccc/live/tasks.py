"""The live events' periodic cleanup: they are signals for open streams, kept minutes only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from ccc.kernel.runtime import get_runtime
from ccc.kernel.timeutil import utcnow
from ccc.live.models import LiveEvent

KEEP = timedelta(minutes=15)


def forget_old(session: Session) -> int:
    result = session.exec(delete(LiveEvent).where(col(LiveEvent.created_at) < utcnow() - KEEP))
    return int(result.rowcount or 0)


def forget_old_live_events() -> int:
    """The periodic entry point (hourly, from the worker's cron or the web process's sweep)."""
    with get_runtime().unit_of_work() as session:
        return forget_old(session)
