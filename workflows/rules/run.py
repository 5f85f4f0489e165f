"""What a rule's actions work on (`Run`: one rule on one ticket) and the helpers the actions
and the escalation share: the priority ladder, a team's slug, a message from a template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ccc.access.models import Team
from ccc.access.policy import Caller
from ccc.contacts.models import Identity
from ccc.messages.service import queue_outbound
from ccc.tickets.models import Priority, Ticket
from ccc.tickets.service import record
from workflows.calendars.hours import Calendar
from workflows.rules.conditions import LANGUAGES, Facts

LADDER = tuple(p.value for p in Priority)


@dataclass
class Run:
    """One rule's actions on one ticket, with what they need from the running CCC."""

    session: Session
    ticket: Ticket
    facts: Facts
    rule: str
    templates: dict[str, dict[str, str]]
    calendars: dict[str, Calendar]
    actor: Caller

    def log(self, action: str, **data: Any) -> None:
        record(
            self.session,
            ticket=self.ticket,
            kind="rule",
            caller=self.actor,
            rule=self.rule,
            action=action,
            **data,
        )


def team_slug(session: Session, team_id: int | None) -> str | None:
    team = session.get(Team, team_id) if team_id else None
    return team.slug if team else None


def send_template(run: Run, name: str) -> None:
    """A message from a template, in the ticket's language (Arabic when unknown)."""
    ticket = run.ticket
    texts = run.templates[name]
    language = ticket.language if ticket.language in LANGUAGES else "ar"
    identity = run.session.get(Identity, ticket.identity_id)
    if identity is None:
        return
    message = queue_outbound(
        run.session, identity=identity, text=texts[language or "ar"], ticket_id=ticket.id
    )
    run.log("message", template=name, message_id=message.id)
