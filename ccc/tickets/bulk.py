"""Bulk changes: the same change on many tickets, each checked and recorded alone.

Every ticket goes through `service.apply_changes`, exactly as one `PATCH` would, inside its
own savepoint: one ticket refused (not visible, an illegal status, no right) changes nothing
of itself and nothing of the others, and the answer says, per reference, what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from ccc.access.policy import Caller, get_visible_ticket, may_see_details
from ccc.jobs.outbox import drop_scheduled_after, scheduled_count
from ccc.kernel.errors import CCCError
from ccc.messages.service import sending_in_bulk
from ccc.tickets import service
from ccc.tickets.models import Ticket

MAX_REFERENCES = 100


@dataclass(frozen=True)
class Outcome:
    reference: str
    status: int
    detail: str | None = None
    ticket: Ticket | None = None
    # Whether the caller could read the ticket's details before the change: the answer to a
    # change never shows more than that.
    could_read: bool = False
    error: CCCError | None = None


def apply_to_each(
    session: Session,
    *,
    references: list[str],
    changes: service.Changes,
    caller: Caller,
    focal_team: str,
) -> list[Outcome]:
    """One outcome per reference, in the order given (a repeated reference counts once)."""
    with sending_in_bulk(session):
        return _apply_to_each(session, references, changes, caller, focal_team)


def _apply_to_each(
    session: Session,
    references: list[str],
    changes: service.Changes,
    caller: Caller,
    focal_team: str,
) -> list[Outcome]:
    outcomes = []
    for reference in dict.fromkeys(references):
        jobs_before = scheduled_count(session)
        try:
            with session.begin_nested():
                ticket = get_visible_ticket(
                    session, caller=caller, reference=reference, focal_team=focal_team
                )
                could_read = may_see_details(session, caller=caller, ticket=ticket)
                service.apply_changes(
                    session, ticket=ticket, changes=changes, caller=caller, focal_team=focal_team
                )
        except CCCError as exc:
            drop_scheduled_after(session, jobs_before)  # their rows went with the savepoint
            outcomes.append(Outcome(reference, exc.status_code, detail=exc.detail, error=exc))
            continue
        outcomes.append(Outcome(reference, 200, ticket=ticket, could_read=could_read))
    return outcomes
