"""Closing the loop: when a ticket is resolved, the person is told, in their language."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from ccc.channels import templates
from ccc.channels.port import Template
from ccc.contacts.models import Contact, Identity
from ccc.conversations.service import focus_on_ticket
from ccc.kernel import events
from ccc.messages.service import queue_outbound
from ccc.tickets.models import Ticket, TicketStatus
from ccc.tickets.service import ROUTING, record
from workflows.chatbot.replies import readable_reference
from workflows.chatbot.turn import FALLBACK_LANGUAGE
from workflows.files.library import current


def whatsapp_template(purpose: str, language: str, values: Mapping[str, str]) -> Template | None:
    """The prompts' approved WhatsApp template for `purpose` in `language`, its places filled
    (the reference as a reader of that language reads it)."""
    found = current().prompts.whatsapp_templates.get(language, {}).get(purpose)
    if found is None:
        return None
    filled = {"reference": readable_reference(values.get("reference", ""), language)}
    return Template(
        found.content_sid,
        tuple((place, filled.get(value, "")) for place, value in found.variables.items()),
    )


templates.use(whatsapp_template)


@events.subscribe(events.TICKET_UPDATED)
def tell_person_when_resolved(session: Session, event: events.DomainEvent) -> None:
    if event.data.get("status") != TicketStatus.resolved or not event.data.get("notify", True):
        return
    ticket = session.get(Ticket, event.ticket_id)
    assert ticket is not None
    identity = session.get(Identity, ticket.identity_id)
    contact = session.get(Contact, ticket.contact_id)
    assert identity is not None
    language = ticket.language or (contact.language if contact else None) or FALLBACK_LANGUAGE
    # The agent's own closing words (what the team found), else the standard notice.
    text = event.data.get("message") or current().prompts.text(
        language, "ticket_resolved", reference=readable_reference(ticket.reference, language)
    )
    message = queue_outbound(
        session,
        identity=identity,
        text=text,
        ticket_id=ticket.id,
        author_user_id=event.data.get("author_user_id") if event.data.get("message") else None,
    )
    assert identity.id is not None and ticket.id is not None
    focus_on_ticket(session, identity_id=identity.id, ticket_id=ticket.id)
    record(session, ticket=ticket, kind="person_notified", caller=ROUTING, message_id=message.id)
