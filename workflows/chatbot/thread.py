"""One thread per person: once the centre is in conversation with a person, their messages
belong to that conversation, and the chatbot speaks only when it is the one addressed.

`ccc.conversations.handover` says where the centre stands (a ticket it holds, a resolved one
in its quiet period, several open ones); this module decides, at each turn and before the
flow, whether the message is the centre's (it joins the ticket) or the chatbot's. The rules,
as a table, are in docs/handover.md.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col, select

from ccc.conversations.handover import Thread, hand_back, named_by_person, thread_of
from ccc.kernel.text import has_words
from ccc.messages.models import Message
from ccc.tickets import references
from ccc.tickets.models import Ticket, TicketEvent, TicketStatus
from ccc.tickets.service import CONTACT, Changes, apply_changes, record
from workflows.calendars.hours import Calendar
from workflows.chatbot import answers as read
from workflows.chatbot.reference_status import own_ticket
from workflows.chatbot.replies import Reply
from workflows.chatbot.turn import Turn

WHICH_STEP = "_which_ticket"
_CANDIDATES = "_which"
_WAITING = "_waiting_text"
CLOSED_ACK = "out_of_hours_ack"
# While the centre is in conversation on a ticket, a message at the menu longer than this is
# a sentence for the centre (even one that says «السجن»), not a menu choice named in words.
MENU_ANSWER_WORDS = 3


def before_flow(turn: Turn, text: str, choice: str, last_turn: datetime | None) -> bool:
    """True when the message was the centre's: it joined a ticket (reopened it, or asked which
    one) and the flow does not run. `last_turn` is when the person last wrote before this."""
    if turn.hold_ticket:
        return False  # the phone line's keys drive its menus; a voice message files a ticket
    menu_word = read.is_menu_word(text, turn.library.flow.menu_words)
    if turn.conversation.step == WHICH_STEP and not menu_word:
        return _answer_which(turn, text, choice)
    if _own_reference(turn, text):
        return False  # at any point, a reference of one's own gets its status (CONTRACT)
    thread = _thread(turn)
    if menu_word:
        if thread.ticket is not None and thread.held:
            hand_back(turn.session, ticket=thread.ticket)
        return False
    if _a_rating(turn, text):
        return False  # the rating asked for, not a reply to the closing message
    if thread.held and thread.ticket is not None:
        _join(turn, thread.ticket, quietly=True)
        return True
    return _reply_to_closing(turn, thread, text, choice, last_turn)


def _a_rating(turn: Turn, text: str) -> bool:
    # why: `satisfaction` subscribes to ticket.updated when imported, and must do so after the
    # resolution message (ccc/api/wiring.py bootstrap); importing it here would come first.
    from workflows.followup import satisfaction

    return turn.conversation.step == satisfaction.SATISFACTION_STEP and bool(
        satisfaction.score(text)
    )


def _reply_to_closing(
    turn: Turn, thread: Thread, text: str, choice: str, last_turn: datetime | None
) -> bool:
    """A reply to the closing message, which came after the person last wrote: it answers
    the ticket, wherever the chatbot was (words that happen to name a menu choice too)."""
    resolved = thread.resolved
    if resolved is None or resolved.resolved_at is None:
        return False
    if last_turn is not None and resolved.resolved_at <= last_turn:
        return False  # the person wrote since the closing message: not a reply to it
    if not has_words(text) or _menu_digit(turn, choice):
        return False
    _join(turn, resolved, quietly=False)
    return True


def after_menu(turn: Turn, text: str) -> bool:
    """Free text at the main menu that is no menu choice: it joins the ticket the centre was
    in conversation on (handed back by a menu word), or reopens the one it resolved lately,
    instead of "not understood"; with
    several open tickets and none written on, the person is asked which."""
    if not has_words(text):
        return False
    thread = _thread(turn)
    # A resolved ticket in its quiet period counts too: its closing message invites a reply,
    # and people go back to the menu before giving it (the walk's «قائمة» then the reply).
    ticket = thread.ticket or thread.named or thread.resolved
    if ticket is not None:
        _join(turn, ticket, quietly=False)
        return True
    if len(thread.choices) > 1:
        ask_which(turn, thread.choices, text)
        return True
    return False


def between_intakes(turn: Turn, text: str) -> bool:
    """After an intake, with no ticket in focus: several open tickets are asked about."""
    if turn.conversation.ticket_id is not None or not has_words(text):
        return False
    thread = _thread(turn)
    if thread.ticket is None and len(thread.choices) > 1:
        ask_which(turn, thread.choices, text)
        return True
    return False


def _thread(turn: Turn) -> Thread:
    return thread_of(
        turn.session,
        contact_id=turn.identity.contact_id,
        remembered=turn.conversation.ticket_id,
    )


def _own_reference(turn: Turn, text: str) -> bool:
    return own_ticket(turn, references.find_valid(text)) is not None


def _menu_digit(turn: Turn, choice: str) -> bool:
    flow = turn.library.flow
    step = flow.steps.get(turn.conversation.step or "") or flow.steps[flow.menu_step]
    return choice in step.choices


def _join(turn: Turn, ticket: Ticket, *, quietly: bool) -> None:
    """The message joins the ticket's timeline; a pending or resolved ticket is open again.
    Quietly while the centre holds the conversation: the chatbot stays silent, except for one
    short word a day outside opening hours saying when the centre answers."""
    turn.message.ticket_id = ticket.id
    turn.session.add(turn.message)
    turn.conversation.ticket_id = ticket.id
    was = ticket.status
    if was in (TicketStatus.pending, TicketStatus.resolved):
        apply_changes(
            turn.session, ticket=ticket, changes=Changes(status=TicketStatus.open), caller=CONTACT
        )
    if was == TicketStatus.resolved:
        turn.say("reopened", reference=turn.reference(ticket))
    elif not quietly:
        turn.say("added_to_case", reference=turn.reference(ticket))
    else:
        _out_of_hours(turn, ticket)


def _out_of_hours(turn: Turn, ticket: Ticket) -> None:
    """One acknowledgement a day, counted by the centre's day (its calendar's time zone): a
    person writing at 23:30 and again at 00:30 in Baghdad wrote on two of the centre's days,
    even though both are the same day in UTC."""
    calendar = turn.library.calendars.get("centre")
    if calendar is None or calendar.is_open(turn.now):
        return
    today = _centre_day(turn.now, calendar)
    last = turn.session.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == CLOSED_ACK)
        .order_by(col(TicketEvent.id).desc())
    ).first()
    if last is not None and _acknowledged_on(last, calendar) == today:
        return
    turn.say("centre_closed", when=turn.when_we_call())
    event = record(
        turn.session, ticket=ticket, kind=CLOSED_ACK, caller=CONTACT, day=today.isoformat()
    )
    event.created_at = turn.now


def _centre_day(at: datetime, calendar: Calendar) -> date:
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(calendar.zone).date()


def _acknowledged_on(event: TicketEvent, calendar: Calendar) -> date:
    """The centre's day an acknowledgement was given on: as recorded, or (for those recorded
    before the day was) from when it was made."""
    day = (event.data or {}).get("day")
    if isinstance(day, str):
        return date.fromisoformat(day)
    return _centre_day(event.created_at, calendar)


def ask_which(turn: Turn, tickets: list[Ticket], text: str) -> None:
    """ "Which request is this about?": a numbered list of references with their category, in
    the person's language; the message waits and joins the one named."""
    prompts = turn.library.prompts
    lines = [prompts.text(turn.language, "which_request")]
    for number, ticket in enumerate(tickets, start=1):
        category = prompts.text(turn.language, f"category_{ticket.category}")
        lines.append(f"{number}. {turn.reference(ticket)} ({category})")

    turn.replies.append(Reply("which_request", "\n".join(lines)))
    conversation = turn.conversation
    conversation.answers = {
        **conversation.answers,
        _CANDIDATES: [t.id for t in tickets],
        _WAITING: turn.message.id,
        "_back_to": (
            conversation.step
            if conversation.step != WHICH_STEP
            else conversation.answers.get("_back_to")
        ),
    }
    conversation.step = WHICH_STEP


def _answer_which(turn: Turn, text: str, choice: str) -> bool:
    conversation = turn.conversation
    answers = dict(conversation.answers)
    candidates: list[int] = answers.get(_CANDIDATES, [])
    picked: int | None = None
    if choice.isdigit() and 1 <= int(choice) <= len(candidates):
        picked = candidates[int(choice) - 1]
    else:
        found = references.find_valid(text)
        picked = next((t.id for t in _tickets(turn, candidates) if t.reference in found), None)
    if picked is None:
        turn.say("invalid_choice")
        tickets = _tickets(turn, candidates)
        waiting = answers.get(_WAITING)
        ask_which(turn, tickets, text)
        conversation.answers = {**conversation.answers, _WAITING: waiting}
        return True
    ticket = turn.session.get(Ticket, picked)
    assert ticket is not None
    waiting_id = answers.pop(_WAITING, None)
    conversation.step = answers.pop("_back_to", None)
    answers.pop(_CANDIDATES, None)
    conversation.answers = answers

    for message_id in (waiting_id, turn.message.id):
        message = turn.session.get(Message, message_id) if message_id else None
        if message is not None:
            message.ticket_id = ticket.id
            turn.session.add(message)
    named_by_person(turn.session, ticket=ticket)
    _join(turn, ticket, quietly=False)
    return True


def _tickets(turn: Turn, ids: list[int]) -> list[Ticket]:
    return [t for t in (turn.session.get(Ticket, i) for i in ids) if t is not None]
