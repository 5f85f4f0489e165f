"""The status of a reference: only its owner hears it; anyone else hears 'unknown', and
repeated failed look-ups from one identity are blocked for a while."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import col, select

from ccc.tickets import references
from ccc.tickets.models import Ticket
from workflows.chatbot.turn import Turn

log = logging.getLogger(__name__)

LOOKUP_WINDOW = timedelta(hours=1)
LOOKUP_LIMIT = 5
LOOKUP_BLOCK = timedelta(hours=1)  # the too_many_attempts prompts say "in an hour"


def own_ticket(turn: Turn, candidates: list[str]) -> Ticket | None:
    if not candidates:
        return None
    return turn.session.exec(
        select(Ticket).where(
            col(Ticket.reference).in_(candidates),
            Ticket.contact_id == turn.identity.contact_id,
        )
    ).first()


def say_status(turn: Turn, ticket: Ticket) -> None:
    status = turn.library.prompts.text(turn.language, f"status_{ticket.status}")
    turn.say("status", reference=turn.reference(ticket), status=status)


def lookup(turn: Turn, text: str, *, stay: bool = False) -> None:
    """Status by reference: only the owner hears it; anyone else hears 'unknown', and
    repeated failures from one identity are slowed down. `stay` keeps the person where they
    are (a reference typed at a menu) instead of ending the status step."""
    conversation = turn.conversation
    written = references.find_valid(text)  # "my reference is 4821 9930" counts too
    candidate = written[0] if written else references.compact(text)
    ticket = None
    if references.is_valid(candidate):
        ticket = own_ticket(turn, [candidate])
    if ticket is not None:
        # The person's own reference is answered even while guesses are blocked: it reveals
        # nothing, and it is answered so at every step.
        say_status(turn, ticket)
        if not stay:
            conversation.step = None
        return
    if conversation.lookup_blocked_until and turn.now < conversation.lookup_blocked_until:
        turn.say("too_many_attempts")
        if not stay:
            conversation.step = None
        return
    if (
        conversation.lookup_window_start is None
        or turn.now - conversation.lookup_window_start > LOOKUP_WINDOW
    ):
        conversation.lookup_window_start = turn.now
        conversation.lookup_failures = 0
    conversation.lookup_failures += 1
    if conversation.lookup_failures >= LOOKUP_LIMIT:
        conversation.lookup_blocked_until = turn.now + LOOKUP_BLOCK
        log.warning("reference look-ups blocked for identity %s", turn.identity.id)
        turn.say("too_many_attempts")
        if not stay:
            conversation.step = None
        return
    if not references.is_valid(candidate):
        turn.say("reference_invalid")
    else:
        turn.say("reference_unknown")
