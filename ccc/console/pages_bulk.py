"""Bulk actions on the queue: assign, priority, status on the selected tickets at once.

Each ticket goes through `ccc.tickets.bulk` (the same checks and timeline as one change);
when all succeed the queue comes back with a flash, otherwise it lists what was refused and
why, in the reader's language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ccc.console.deps import ChangeDep
from ccc.console.feedback import explain
from ccc.console.pages_queue import render_queue
from ccc.console.web import done
from ccc.kernel.errors import CCCError, Invalid
from ccc.tickets import bulk, service

router = APIRouter(prefix="/console", include_in_schema=False)
Choice = Annotated[str, Form(max_length=120)]


def _changes(me: str, assign: str, priority: str, status: str) -> service.Changes:
    """`assign` is `me`, `none` (unassign) or a user's name; empty fields change nothing."""
    changes = service.Changes(
        status=status or None,
        priority=priority or None,
        assignee=me if assign == "me" else (assign if assign not in ("", "none") else None),
        unassign=assign == "none",
    )
    if not (changes.status or changes.priority or changes.assignee or changes.unassign):
        raise Invalid("choose a change to make")
    return changes


@router.post("/queue/bulk")
def bulk_change(
    request: Request,
    console: ChangeDep,
    references: Annotated[list[str], Form(max_length=bulk.MAX_REFERENCES)] = [],  # noqa: B006
    assign: Choice = "",
    priority: Choice = "",
    status: Choice = "",
) -> Response:
    refused: list[tuple[str, str]] = []
    try:
        if not references:
            raise Invalid("select at least one ticket")
        changes = _changes(console.user.name, assign, priority, status)
    except CCCError as exc:
        return render_queue(request, console, bulk_refused=[("", explain(exc, console.language))])
    outcomes = bulk.apply_to_each(
        console.session,
        references=[r.strip() for r in references][: bulk.MAX_REFERENCES],
        changes=changes,
        caller=console.caller,
        focal_team=console.settings.restricted_focal_team,
    )
    for outcome in outcomes:
        if outcome.error is not None:
            refused.append((outcome.reference, explain(outcome.error, console.language)))
    if refused:
        return render_queue(request, console, bulk_refused=refused)
    return done(console, "/console", "changed")
