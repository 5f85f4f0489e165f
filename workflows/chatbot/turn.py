"""One turn of the chatbot: the person's message, where their conversation stands, and the
replies gathered so far. Every part of the engine works on a Turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from ccc.channels.models import Channel
from ccc.contacts.models import Identity
from ccc.conversations.models import Conversation
from ccc.messages.models import Message
from ccc.tickets.models import Ticket
from workflows.calendars.callback_time import when_we_call
from workflows.chatbot import answers as read
from workflows.chatbot.replies import Reply, readable_reference, render_by_name, render_question
from workflows.files.flow import Step
from workflows.files.library import Library

FALLBACK_LANGUAGE = "ar"
# The question that promises a callback says when, from the centre's opening hours.
CALLBACK_CONFIRM = "callback_confirm"


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
        values = {"when": self.when_we_call()} if step.ask == CALLBACK_CONFIRM else None
        if not self.lists_numbers(step):
            self.replies.append(render_by_name(self.library.prompts, step, self.language))
            return
        self.replies.append(render_question(self.library.prompts, step, self.language, values))

    @property
    def on_keypad(self) -> bool:
        """The phone line: its keys are the options, and it reads each one out with its key."""
        return self.message.channel == Channel.voice

    def lists_numbers(self, step: Step) -> bool:
        """Whether the question of `step`, asked at this point of the conversation, shows its
        numbered options. A question asked by name shows none the first time on a text channel
        (its buttons, where the channel has them, carry names, not numbers); it is listed after
        an answer that named no option, and on the keypad always. A bare number picks an
        option only where the person was shown it (`engine._take_choice`)."""
        if step.ask_by_name is None or self.on_keypad:
            return True
        return self.conversation.invalid_inputs > 0

    def when_we_call(self) -> str:
        """ "today before 16:00", "on Sunday from 08:00": from the centre's opening hours."""
        library = self.library
        return when_we_call(library.calendars, library.prompts, self.language, self.now)

    def reference(self, ticket: Ticket) -> str:
        return readable_reference(ticket.reference, self.language)

    @property
    def words(self) -> list[read.Words]:
        return self.library.prompts.words_for(self.language)
