"""One turn of the chatbot: the person's message, where their conversation stands, and the
replies gathered so far. Every part of the engine works on a Turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from ccc.contacts.models import Identity
from ccc.conversations.models import Conversation
from ccc.messages.models import Message
from ccc.tickets.models import Ticket
from workflows import answers as read
from workflows.flow import Step
from workflows.library import Library
from workflows.replies import Reply, readable_reference, render_question

FALLBACK_LANGUAGE = "ar"


@dataclass
class Turn:
    session: Session
    library: Library
    identity: Identity
    conversation: Conversation
    message: Message
    now: datetime
    timeout: timedelta
    replies: list[Reply] = field(default_factory=list)
    # The voice line files an intake's ticket with its recording, after the keyed steps: the
    # flow stops at its `create_ticket` step and leaves the filing to the line.
    hold_ticket: bool = False

    @property
    def language(self) -> str:
        return self.conversation.language or FALLBACK_LANGUAGE

    def say(self, key: str, **values: str) -> None:
        text = self.library.prompts.text(self.language, key, **values)
        self.replies.append(Reply(key, text, values=tuple(values.items())))

    def ask(self, step: Step) -> None:
        assert step.ask is not None
        self.replies.append(render_question(self.library.prompts, step, self.language))

    def reference(self, ticket: Ticket) -> str:
        return readable_reference(ticket.reference, self.language)

    @property
    def words(self) -> list[read.Words]:
        return self.library.prompts.words_for(self.language)
