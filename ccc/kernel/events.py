"""Domain events: `ticket.created`, `ticket.updated`, `message.received`, ...

Subscribers run synchronously inside the publishing transaction, so what they change (a team
set by routing, an SLA clock) commits or rolls back with the change that caused it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"
MESSAGE_RECEIVED = "message.received"
MESSAGE_SENT = "message.sent"
# A person's message that joined an existing ticket (published by the chatbot after its turn).
TICKET_MESSAGE = "ticket.message"
# Someone of the centre wrote to the person on a ticket.
TICKET_REPLIED = "ticket.replied"


@dataclass(frozen=True)
class DomainEvent:
    name: str
    ticket_id: int | None = None
    message_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


Subscriber = Callable[[Session, DomainEvent], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(name: str) -> Callable[[Subscriber], Subscriber]:
    def register(handler: Subscriber) -> Subscriber:
        if handler not in _subscribers[name]:
            _subscribers[name].append(handler)
        return handler

    return register


def publish(session: Session, event: DomainEvent) -> None:
    for handler in list(_subscribers[event.name]):
        handler(session, event)
