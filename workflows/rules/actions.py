"""The `then` of a rule: what a matching rule does to a ticket.

Each action is checked when the file is read and applied through the core's services. Every
action taken leaves a `rule` event on the ticket's timeline naming the rule, so an agent can see
why a ticket is where it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from ccc.access.models import Team
from ccc.access.policy import Caller
from ccc.contacts.models import Identity
from ccc.messages.service import queue_outbound
from ccc.sla import service as sla
from ccc.tickets.models import Priority, Ticket, TicketStatus
from ccc.tickets.service import record
from workflows.calendars.hours import Calendar
from workflows.calendars.shifts import pick_member
from workflows.files.yamlfile import LineDict
from workflows.rules.conditions import _ENUMS, LANGUAGES, Context, Facts, same_request

log = logging.getLogger(__name__)

# Applied in this order whatever the order written, so `team` then `assign` picks from the
# new team, and a message goes out after the ticket is where it will stay.
ORDER = (
    "category",
    "priority",
    "sensitivity",
    "team",
    "tags",
    "link",
    "assign",
    "note",
    "message",
    "escalate",
)
LADDER = tuple(p.value for p in Priority)


@dataclass(frozen=True)
class Action:
    kind: str
    value: Any
    line: int


def parse_then(
    raw: Any, line: int, ctx: Context, templates: dict[str, dict[str, str]]
) -> list[Action] | None:
    if not isinstance(raw, dict) or not raw:
        ctx.report(line, "needs 'then' with at least one action")
        return None
    actions = []
    ok = True
    for key, value in raw.items():
        key_line = raw.line_of(key) if isinstance(raw, LineDict) else line
        if key not in ORDER:
            ctx.report(key_line, f"cannot set {key!r}")
            ok = False
            continue
        parsed = _check(key, value, key_line, ctx, templates)
        if parsed is None:
            ok = False
            continue
        actions.append(Action(key, parsed, key_line))
    if not ok:
        return None
    return sorted(actions, key=lambda action: ORDER.index(action.kind))


def _check(
    key: str, value: Any, line: int, ctx: Context, templates: dict[str, dict[str, str]]
) -> Any:
    if key in ("category", "sensitivity") or (key == "priority" and value != "raise"):
        if value not in _ENUMS[key]:
            ctx.report(line, f"unknown {key} {value!r}")
            return None
        return value
    if key == "priority":
        return value
    if key == "team":
        return str(value)
    if key == "tags":
        tags = value if isinstance(value, list) else [value]
        if not all(isinstance(t, str) and t.strip() for t in tags):
            ctx.report(line, "tags must be words")
            return None
        return [t.strip() for t in tags]
    if key in ("message", "escalate") and value not in (None, True, False):
        name = value if key == "message" else (value or {}).get("message")
        if key == "escalate" and not isinstance(value, dict):
            ctx.report(line, "escalate is 'true' or a mapping {priority, message}")
            return None
        if name is not None and name not in templates:
            ctx.report(line, f"unknown template {name!r}")
            return None
        if key == "escalate" and value.get("priority", "urgent") not in LADDER:
            ctx.report(line, f"unknown priority {value.get('priority')!r}")
            return None
        return value
    if key == "message":
        ctx.report(line, "message names a template")
        return None
    if key == "escalate":
        return {} if value is True else None
    if key == "note":
        if not isinstance(value, str) or not value.strip():
            ctx.report(line, "a note needs some text")
            return None
        return value.strip()
    if key == "assign":
        return _check_assign(value, line, ctx)
    if key == "link":
        spec = {"same_category": True} if value in (True, "same_category") else value
        if not isinstance(spec, dict) or set(spec) - {"same_category", "same_answer", "join"}:
            ctx.report(line, "link is 'same_category' or {same_category, same_answer: KEY, join}")
            return None
        return spec
    return value


def _check_assign(value: Any, line: int, ctx: Context) -> Any:
    spec = {} if value == "round_robin" else value
    if not isinstance(spec, dict) or set(spec) - {"team", "cap", "calendar"}:
        ctx.report(line, "assign is 'round_robin' or {team, cap, calendar}")
        return None
    cap = spec.get("cap", 20)
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
        ctx.report(line, "assign's cap must be a whole number of tickets, 1 or more")
        return None
    if "calendar" in spec and spec["calendar"] not in ctx.calendars:
        ctx.report(line, f"unknown calendar {spec['calendar']!r}")
        return None
    return {**spec, "cap": cap}


# --- applying ----------------------------------------------------------------------------------


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


def apply(run: Run, action: Action) -> None:
    ticket = run.ticket
    if action.kind in ("category", "sensitivity", "priority"):
        value = _raised(ticket.priority) if action.value == "raise" else action.value
        old = getattr(ticket, action.kind)
        if value != old:
            setattr(ticket, action.kind, value)
            if ticket.status in sla.RUNNING:
                sla.recalculate(ticket=ticket)
            run.log(action.kind, **{"from": old, "to": value})
    elif action.kind == "team":
        _set_team(run, action.value)
    elif action.kind == "tags":
        added = [t for t in action.value if t not in ticket.tags]
        if added:
            ticket.tags = [*ticket.tags, *added]
            run.log("tags", added=added)
    elif action.kind == "link":
        _link(run, action.value)
    elif action.kind == "assign":
        _assign(run, action.value)
    elif action.kind == "note":
        run.log("note", text=action.value)
    elif action.kind == "message":
        send_template(run, action.value)
    elif action.kind == "escalate":
        from workflows.rules.escalation import escalate

        escalate(run, action.value)
    run.session.add(ticket)


def _raised(priority: str) -> str:
    index = LADDER.index(priority) if priority in LADDER else 1
    return LADDER[min(index + 1, len(LADDER) - 1)]


def team_slug(session: Session, team_id: int | None) -> str | None:
    team = session.get(Team, team_id) if team_id else None
    return team.slug if team else None


def _set_team(run: Run, slug: str) -> None:
    team = run.session.exec(select(Team).where(Team.slug == slug)).first()
    if team is None:
        log.warning("rule %r names team %r, which does not exist", run.rule, slug)
        return
    if team.id != run.ticket.team_id:
        old = team_slug(run.session, run.ticket.team_id)
        run.ticket.team_id = team.id
        run.facts.team = team.slug
        run.log("team", **{"from": old, "to": team.slug})


def _link(run: Run, spec: dict[str, Any]) -> None:
    """Point the ticket at the contact's earliest open ticket of the same request. On a new
    ticket (unless `join: false`) the intake joins that ticket instead of opening a duplicate:
    `workflows/chatbot/duplicates.py` undoes the new ticket once the rules are done."""
    same = same_request(spec)
    for other in sorted(run.facts.history, key=lambda o: o.created_at):
        if other.status in (TicketStatus.resolved, TicketStatus.closed):
            continue
        if same(run.ticket, other) and run.ticket.linked_ticket_id != other.id:
            run.ticket.linked_ticket_id = other.id
            run.log("link", to=other.reference)
            if run.facts.event == "ticket.created" and spec.get("join", True):
                from workflows.chatbot.duplicates import mark_join

                assert run.ticket.id is not None
                mark_join(run.session, ticket_id=run.ticket.id, first_id=other.id, rule=run.rule)
            first = run.session.get(Ticket, other.id)
            if first is not None:
                record(
                    run.session,
                    ticket=first,
                    kind="rule",
                    caller=run.actor,
                    rule=run.rule,
                    action="linked_from",
                    reference=run.ticket.reference,
                )
            return


def _assign(run: Run, spec: dict[str, Any]) -> None:
    """The member of the team on shift now (their own calendar, else the team's) with the
    fewest open tickets under the cap, then the one with the lowest id."""
    ticket = run.ticket
    slug = spec.get("team") or team_slug(run.session, ticket.team_id)
    calendar = run.calendars.get(str(spec.get("calendar") or slug)) or run.calendars.get("centre")
    team = run.session.exec(select(Team).where(Team.slug == slug)).first()
    if team is None or team.id is None:
        return
    member, reason = pick_member(
        run.session,
        team_id=team.id,
        cap=spec["cap"],
        team_calendar=calendar,
        calendars=run.calendars,
        now=run.facts.now,
    )
    if member is None:
        run.log("assign", assignee=None, reason=reason)
        return
    if member.id != ticket.assignee_id:
        ticket.assignee_id = member.id
        run.log("assign", assignee=member.name)


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
