"""Closing the loop, after the engine's turn: the satisfaction question, a message on a closed
ticket, and the `message.received` event that lets rules read a person's later messages.

Kept out of `engine.py` so the chatbot's own flow and these after-resolution steps change
independently; the engine calls `take_satisfaction`, `follow_closed` and `after_turn`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from ccc.contacts.models import Identity
from ccc.conversations.models import Conversation
from ccc.kernel import events
from ccc.kernel.text import as_choice, has_words
from ccc.messages.models import Message
from ccc.messages.service import queue_outbound
from ccc.sla import service as sla
from ccc.tickets.models import Ticket, TicketStatus
from ccc.tickets.service import CONTACT, ROUTING, Changes, apply_changes, create_ticket, record
from workflows.chatbot.replies import Reply, readable_reference
from workflows.chatbot.words import WordList
from workflows.files.library import current

if TYPE_CHECKING:
    from workflows.chatbot.turn import Turn

SATISFACTION_STEP = "_satisfaction"
FOLLOW_UP_DAYS = 30
TEXT_CHANNELS = frozenset({"sms", "whatsapp", "telegram", "simulator"})
# Words people answer a rating with, in the four languages, as the chatbot accepts them.
SCORE_WORDS = {
    1: WordList(["terrible", "very bad", "سيئة جدا", "سيء جدا", "زۆر خراپ", "gelek xerab"]),
    2: WordList(["bad", "poor", "سيئة", "سيء", "خراپ", "xerab"]),
    3: WordList(["ok", "okay", "average", "مقبول", "متوسط", "ناوەند", "باشە", "navîn"]),
    4: WordList(["good", "جيد", "جيدة", "زين", "باش", "baş"]),
    5: WordList(["excellent", "very good", "ممتاز", "ممتازة", "زۆر باش", "نایاب", "gelek baş"]),
}


def template(key: str, language: str | None, **values: str) -> str:
    texts = current().rules.templates[key]
    return texts.get(language or "ar", texts["ar"]).format(**values)


@events.subscribe(events.TICKET_UPDATED)
def ask_satisfaction(session: Session, event: events.DomainEvent) -> None:
    """Once a ticket is resolved and the person told, one question, where the policy asks."""
    if event.data.get("status") != TicketStatus.resolved or not event.data.get("notify", True):
        return
    ticket = session.get(Ticket, event.ticket_id)
    assert ticket is not None
    if ticket.channel not in TEXT_CHANNELS or not sla.policy_of(ticket).survey:
        return
    if "satisfaction_question" not in current().rules.templates:
        return
    identity = session.get(Identity, ticket.identity_id)
    conversation = _conversation(session, ticket.identity_id)
    if identity is None or conversation is None or conversation.step is not None:
        return  # in the middle of an intake: not the moment for a survey

    language = ticket.language or conversation.language or "ar"
    reference = readable_reference(ticket.reference, language)
    text = template("satisfaction_question", language, reference=reference)
    queue_outbound(session, identity=identity, text=text, ticket_id=ticket.id)
    conversation.step = SATISFACTION_STEP
    conversation.ticket_id = ticket.id
    session.add(conversation)
    record(session, ticket=ticket, kind="satisfaction_asked", caller=ROUTING)


def _conversation(session: Session, identity_id: int) -> Conversation | None:
    from sqlmodel import select

    return session.exec(select(Conversation).where(Conversation.identity_id == identity_id)).first()


def score(text: str) -> int | None:
    """1 to 5 from `4`, `٤`, `4/5` or a word such as «ممتاز» or "good"."""
    choice = as_choice(text).split("/")[0].strip()
    if choice in {"1", "2", "3", "4", "5"}:
        return int(choice)
    for value in (1, 5, 3, 2, 4):  # longer phrases ("very bad") before their words ("bad")
        if SCORE_WORDS[value].matches(text):
            return value
    return None


def take_satisfaction(turn: Turn, text: str) -> bool:
    """The answer to the question, stored; False (and the question dropped) for anything
    else, which the engine then handles as any message (a follow-up reopens the ticket)."""
    conversation = turn.conversation
    conversation.step = None
    value = score(text)
    ticket = turn.session.get(Ticket, conversation.ticket_id) if conversation.ticket_id else None
    if value is None or ticket is None or ticket.status != TicketStatus.resolved:
        return False
    ticket.satisfaction = value
    ticket.satisfaction_at = turn.now
    turn.message.ticket_id = ticket.id
    turn.session.add(turn.message)
    record(turn.session, ticket=ticket, kind="satisfaction", caller=CONTACT, score=value)
    apply_changes(
        turn.session,
        ticket=ticket,
        changes=Changes(status=TicketStatus.closed, reason="satisfaction answered"),
        caller=CONTACT,
    )
    turn.replies.append(
        Reply("satisfaction_thanks", template("satisfaction_thanks", turn.language))
    )
    return True


def follow_closed(turn: Turn, text: str, menu_keys: set[str]) -> bool:
    """Words about a ticket closed within FOLLOW_UP_DAYS open a new ticket linked to it."""
    ticket_id = turn.conversation.ticket_id
    old = turn.session.get(Ticket, ticket_id) if ticket_id else None
    if old is None or old.status != TicketStatus.closed or not has_words(text):
        return False
    if as_choice(text) in menu_keys or not _recent(old.closed_at, turn.now):
        return False
    ticket = create_ticket(
        turn.session,
        identity=turn.identity,
        category=old.category,
        language=turn.conversation.language,
        answers={"details": text, "follows": old.reference},
    )
    ticket.linked_ticket_id = old.id
    turn.session.add(ticket)
    record(
        turn.session,
        ticket=ticket,
        kind="linked",
        caller=CONTACT,
        to=old.reference,
        reason="follow-up",
    )
    record(turn.session, ticket=old, kind="follow_up", caller=CONTACT, reference=ticket.reference)
    turn.message.ticket_id = ticket.id
    turn.session.add(turn.message)
    turn.conversation.ticket_id = ticket.id
    reference = readable_reference(ticket.reference, turn.language)
    text_out = template("followup_opened", turn.language, reference=reference)
    turn.replies.append(Reply("followup_opened", text_out))
    return True


def _recent(closed_at: datetime | None, now: datetime) -> bool:
    return closed_at is not None and now - closed_at <= timedelta(days=FOLLOW_UP_DAYS)


def after_turn(session: Session, message: Message, started: datetime) -> None:
    """A message that joined an existing ticket is an event the rules may act on."""
    if message.ticket_id is None:
        return
    ticket = session.get(Ticket, message.ticket_id)
    if ticket is None or ticket.created_at >= started:
        return  # the intake's own messages: the ticket.created rules have read them
    events.publish(
        session,
        events.DomainEvent(
            events.TICKET_MESSAGE,
            ticket_id=ticket.id,
            message_id=message.id,
            data={"text": message.text},
        ),
    )
