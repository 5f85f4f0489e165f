"""Routing rules and service levels as data: the first matching rule decides a ticket's team."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccc.tickets.models import Category, Priority, Sensitivity, Ticket
from workflows.yamlfile import LineDict, LoadError, Problem, load

_WHEN_KEYS = {"category", "channel", "language", "answers"}
_THEN_KEYS = {"team", "priority", "sensitivity"}


@dataclass(frozen=True)
class Rule:
    name: str
    line: int
    when: dict[str, Any]
    team: str | None
    priority: str | None = None
    sensitivity: str | None = None

    def matches(self, ticket: Ticket) -> bool:
        for key, expected in self.when.items():
            if key == "answers":
                for answer, wanted in expected.items():
                    if not _matches(ticket.answers.get(answer), wanted):
                        return False
            elif not _matches(getattr(ticket, key), expected):
                return False
        return True


def _matches(actual: Any, expected: Any) -> bool:
    if isinstance(expected, list):
        return actual in expected
    return bool(actual == expected)


@dataclass(frozen=True)
class Sla:
    first_response_hours: float
    resolution_hours: float


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...]
    default_sla: Sla
    priority_sla: dict[str, Sla] = field(default_factory=dict)

    def route(self, ticket: Ticket) -> Rule | None:
        return next((rule for rule in self.rules if rule.matches(ticket)), None)

    def sla(self, priority: str) -> Sla:
        return self.priority_sla.get(priority, self.default_sla)


def load_rules(path: Path) -> RuleBook:
    data, problems = load(path)
    if problems:
        raise LoadError(problems)
    book, problems = parse_rules(data, str(path))
    if problems or book is None:
        raise LoadError(problems)
    return book


def parse_rules(data: Any, name: str) -> tuple[RuleBook | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(data, LineDict) or not isinstance(data.get("rules"), list):
        return None, [Problem(name, 1, "a rules file needs a list under 'rules'")]
    for key in data:
        if key not in ("rules", "sla"):
            problems.append(Problem(name, data.line_of(key), f"unknown key {key!r}"))
    rules: list[Rule] = []
    for index, raw in enumerate(data["rules"]):
        line = raw.line if isinstance(raw, LineDict) else data.line_of("rules")
        rule = _parse_rule(raw, index, line, name, problems)
        if rule is not None:
            rules.append(rule)
    last = data["rules"][-1] if data["rules"] else None
    if rules and rules[-1].when and isinstance(last, LineDict):
        problems.append(
            Problem(
                name,
                last.line_of("when"),
                "the last rule must have no 'when', so every ticket gets a team",
            )
        )
    default_sla = Sla(24, 168)
    priority_sla: dict[str, Sla] = {}
    raw_sla = data.get("sla", {})
    if not isinstance(raw_sla, dict):
        problems.append(Problem(name, data.line_of("sla"), "'sla' must be a mapping"))
    else:
        if "default" in raw_sla:
            parsed = _parse_sla(raw_sla["default"], name, _line(raw_sla, "default"), problems)
            default_sla = parsed or default_sla
        for priority, raw in (raw_sla.get("priority") or {}).items():
            if priority not in {p.value for p in Priority}:
                problems.append(
                    Problem(name, _line(raw_sla, "priority"), f"unknown priority {priority!r}")
                )
                continue
            parsed = _parse_sla(raw, name, _line(raw_sla, "priority"), problems)
            if parsed:
                priority_sla[priority] = parsed
    if problems:
        return None, problems
    return RuleBook(tuple(rules), default_sla, priority_sla), []


def _line(data: Any, key: str) -> int:
    return data.line_of(key) if isinstance(data, LineDict) else 1


def _parse_sla(raw: Any, name: str, line: int, problems: list[Problem]) -> Sla | None:
    try:
        first = float(raw["first_response_hours"])
        resolution = float(raw["resolution_hours"])
    except (TypeError, KeyError, ValueError):
        problems.append(
            Problem(name, line, "an SLA needs first_response_hours and resolution_hours")
        )
        return None
    if first <= 0 or resolution < first:
        problems.append(
            Problem(name, line, "SLA hours must be positive, resolution after first response")
        )
        return None
    return Sla(first, resolution)


def _parse_rule(raw: Any, index: int, line: int, name: str, problems: list[Problem]) -> Rule | None:
    if not isinstance(raw, LineDict):
        problems.append(Problem(name, line, f"rule {index + 1} must be a mapping"))
        return None
    label = str(raw.get("name", f"rule {index + 1}"))
    for key in raw:
        if key not in ("name", "when", "then"):
            problems.append(Problem(name, raw.line_of(key), f"{label}: unknown key {key!r}"))
            return None
    when = raw.get("when", {})
    then = raw.get("then")
    ok = True
    if not isinstance(when, dict):
        problems.append(Problem(name, raw.line_of("when"), f"{label}: 'when' must be a mapping"))
        return None
    for key in when:
        if key not in _WHEN_KEYS:
            problems.append(Problem(name, raw.line_of("when"), f"{label}: cannot match on {key!r}"))
            ok = False
    categories = when.get("category")
    for category in categories if isinstance(categories, list) else [categories]:
        if category is not None and category not in {c.value for c in Category}:
            problems.append(
                Problem(name, raw.line_of("when"), f"{label}: unknown category {category!r}")
            )
            ok = False
    if "answers" in when and not isinstance(when["answers"], dict):
        problems.append(Problem(name, raw.line_of("when"), f"{label}: 'answers' must be a mapping"))
        ok = False
    if not isinstance(then, dict) or not then:
        problems.append(Problem(name, raw.line, f"{label}: needs 'then' with a team"))
        return None
    for key in then:
        if key not in _THEN_KEYS:
            problems.append(Problem(name, raw.line_of("then"), f"{label}: cannot set {key!r}"))
            ok = False
    for key, enum in (("priority", Priority), ("sensitivity", Sensitivity)):
        if key in then and then[key] not in {m.value for m in enum}:
            problems.append(
                Problem(name, raw.line_of("then"), f"{label}: unknown {key} {then[key]!r}")
            )
            ok = False
    if not ok:
        return None
    return Rule(
        name=label,
        line=raw.line,
        when=dict(when),
        team=then.get("team"),
        priority=then.get("priority"),
        sensitivity=then.get("sensitivity"),
    )
