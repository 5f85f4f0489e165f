"""The `then` of a rule: what a matching rule does to a ticket.

Each action is checked when the file is read and applied through the core's services: a change
of category, priority, sensitivity, team or assignee goes through `ccc.tickets.service.
apply_changes` as the routing system user, so it gets the same checks, `FIELD_changed` events and
SLA recalculation an agent's change gets. Every action taken also leaves a `rule` event on the
ticket's timeline naming the rule, so an agent can see why a ticket is where it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ccc.access.service import team_by_slug
from ccc.tickets.models import Ticket, TicketStatus
from ccc.tickets.service import Changes, apply_changes, record
from workflows.calendars.shifts import pick_member
from workflows.files.yamlfile import LineDict
from workflows.rules.conditions import _ENUMS, Context, same_request
from workflows.rules.escalation import escalate
from workflows.rules.joins import mark_join
from workflows.rules.run import LADDER, Run, send_template, team_slug

log = logging.getLogger(__name__)


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


Templates = dict[str, dict[str, str]]


def _check(key: str, value: Any, line: int, ctx: Context, templates: Templates) -> Any:
    return KINDS[key].check(key, value, line, ctx, templates)


def _check_enum(key: str, value: Any, line: int, ctx: Context, _templates: Templates) -> Any:
    if key == "priority" and value == "raise":
        return value
    if value not in _ENUMS[key]:
        ctx.report(line, f"unknown {key} {value!r}")
        return None
    return value


def _check_team(_key: str, value: Any, _line: int, _ctx: Context, _templates: Templates) -> Any:
    return str(value)


def _check_tags(_key: str, value: Any, line: int, ctx: Context, _templates: Templates) -> Any:
    tags = value if isinstance(value, list) else [value]
    if not all(isinstance(t, str) and t.strip() for t in tags):
        ctx.report(line, "tags must be words")
        return None
    return [t.strip() for t in tags]


def _check_message(_key: str, value: Any, line: int, ctx: Context, templates: Templates) -> Any:
    if value in (None, True, False):
        ctx.report(line, "message names a template")
        return None
    if value not in templates:
        ctx.report(line, f"unknown template {value!r}")
        return None
    return value


def _check_escalate(_key: str, value: Any, line: int, ctx: Context, templates: Templates) -> Any:
    if value in (None, True, False):
        return {} if value is True else None
    if not isinstance(value, dict):
        ctx.report(line, "escalate is 'true' or a mapping {priority, message}")
        return None
    name = value.get("message")
    if name is not None and name not in templates:
        ctx.report(line, f"unknown template {name!r}")
        return None
    if value.get("priority", "urgent") not in LADDER:
        ctx.report(line, f"unknown priority {value.get('priority')!r}")
        return None
    return value


def _check_note(_key: str, value: Any, line: int, ctx: Context, _templates: Templates) -> Any:
    if not isinstance(value, str) or not value.strip():
        ctx.report(line, "a note needs some text")
        return None
    return value.strip()


def _check_link(_key: str, value: Any, line: int, ctx: Context, _templates: Templates) -> Any:
    spec = {"same_category": True} if value in (True, "same_category") else value
    if not isinstance(spec, dict) or set(spec) - {"same_category", "same_answer", "join"}:
        ctx.report(line, "link is 'same_category' or {same_category, same_answer: KEY, join}")
        return None
    return spec


def _check_assign(_key: str, value: Any, line: int, ctx: Context, _templates: Templates) -> Any:
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


def apply(run: Run, action: Action) -> None:
    KINDS[action.kind].apply(run, action.kind, action.value)
    run.session.add(run.ticket)


def _set_field(run: Run, kind: str, value: Any) -> None:
    ticket = run.ticket
    value = _raised(ticket.priority) if value == "raise" else value
    old = getattr(ticket, kind)
    if value != old:
        change(run, Changes(**{kind: value}))
        run.log(kind, **{"from": old, "to": value})


def change(run: Run, changes: Changes) -> None:
    """A rule's change of the ticket, made exactly as an agent's is."""
    apply_changes(run.session, ticket=run.ticket, changes=changes, caller=run.actor)


def _add_tags(run: Run, _kind: str, tags: list[str]) -> None:
    added = [t for t in tags if t not in run.ticket.tags]
    if added:
        run.ticket.tags = [*run.ticket.tags, *added]
        run.log("tags", added=added)


def _note(run: Run, _kind: str, text: str) -> None:
    run.log("note", text=text)


def _message(run: Run, _kind: str, template: str) -> None:
    send_template(run, template)


def _escalate(run: Run, _kind: str, spec: dict[str, Any]) -> None:
    escalate(run, spec)


def _raised(priority: str) -> str:
    index = LADDER.index(priority) if priority in LADDER else 1
    return LADDER[min(index + 1, len(LADDER) - 1)]


def _set_team(run: Run, _kind: str, slug: str) -> None:
    team = team_by_slug(run.session, slug)
    if team is None:
        log.warning("rule %r names team %r, which does not exist", run.rule, slug)
        return
    if team.id != run.ticket.team_id:
        old = team_slug(run.session, run.ticket.team_id)
        change(run, Changes(team=team.slug))
        run.facts.team = team.slug
        run.log("team", **{"from": old, "to": team.slug})


def _link(run: Run, _kind: str, spec: dict[str, Any]) -> None:
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


def _assign(run: Run, _kind: str, spec: dict[str, Any]) -> None:
    """The member of the team on shift now (their own calendar, else the team's) with the
    fewest open tickets under the cap, then the one with the lowest id."""
    ticket = run.ticket
    slug = spec.get("team") or team_slug(run.session, ticket.team_id)
    calendar = run.calendars.get(str(spec.get("calendar") or slug)) or run.calendars.get("centre")
    team = team_by_slug(run.session, str(slug)) if slug else None
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
        change(run, Changes(assignee=member.name))
        run.log("assign", assignee=member.name)


@dataclass(frozen=True)
class Kind:
    """An action kind: how a file's value is checked (a problem reported, None when refused)
    and how the checked value is applied to a ticket."""

    check: Callable[[str, Any, int, Context, Templates], Any]
    apply: Callable[[Run, str, Any], None]


# Applied in this order whatever the order written, so `team` then `assign` picks from the
# new team, and a message goes out after the ticket is where it will stay.
KINDS: dict[str, Kind] = {
    "category": Kind(_check_enum, _set_field),
    "priority": Kind(_check_enum, _set_field),
    "sensitivity": Kind(_check_enum, _set_field),
    "team": Kind(_check_team, _set_team),
    "tags": Kind(_check_tags, _add_tags),
    "link": Kind(_check_link, _link),
    "assign": Kind(_check_assign, _assign),
    "note": Kind(_check_note, _note),
    "message": Kind(_check_message, _message),
    "escalate": Kind(_check_escalate, _escalate),
}
ORDER = tuple(KINDS)
