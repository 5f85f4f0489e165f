"""The retention periods, as `retention.yaml` in the workflows folder states them.

```yaml
retention:
  tickets:                  # a closed ticket's answers, messages, notes and referral texts
    default: 2y
    category: {complaint: 3y}
    sensitivity: {restricted: 5y}
  recordings: 90d           # voice messages and transcripts, after the ticket closes
  calls: 1y                 # a call record's number, keys pressed and Twilio id
  conversations: 90d        # the chatbot's state and messages outside any ticket
  contacts: 2y              # the addresses and names of a person with no ticket left
  audit: 5y                 # audit entries
  deliveries: 90d           # finished jobs of the outbox, outbound errors
```

A period is `Nd`, `Nw` or `Ny` (365 days), or `keep` (never removed). Where a category and a
sensitivity both name a period, the longer one holds. The core reads the file only through
`use()`: where it lives is the workflows' business (the composition root says it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from ccc.kernel.errors import CCCError
from ccc.tickets.models import Category, Sensitivity


class Kind(StrEnum):
    tickets = "tickets"
    recordings = "recordings"
    calls = "calls"
    conversations = "conversations"
    contacts = "contacts"
    audit = "audit"
    deliveries = "deliveries"


# Kinds whose period may differ per category and sensitivity of the ticket.
PER_TICKET = frozenset({Kind.tickets, Kind.recordings})
_DURATION = re.compile(r"^(\d+)\s*([dwy])$")
_UNIT_DAYS = {"d": 1, "w": 7, "y": 365}


@dataclass(frozen=True)
class Period:
    """A kind's period: `None` means kept for ever."""

    default: timedelta | None
    category: Mapping[str, timedelta | None] = field(default_factory=dict)
    sensitivity: Mapping[str, timedelta | None] = field(default_factory=dict)

    def for_ticket(self, *, category: str, sensitivity: str) -> timedelta | None:
        """The longest period among those that name this ticket's category and sensitivity."""
        found = [self.default]
        if category in self.category:
            found = [self.category[category]]
        if sensitivity in self.sensitivity:
            found.append(self.sensitivity[sensitivity])
        if any(period is None for period in found):
            return None
        return max(period for period in found if period is not None)

    def shortest(self) -> timedelta | None:
        """The shortest period of any ticket: no ticket younger than this can be due."""
        periods = [self.default, *self.category.values(), *self.sensitivity.values()]
        known = [period for period in periods if period is not None]
        return min(known) if known else None


@dataclass(frozen=True)
class Policy:
    periods: Mapping[Kind, Period]

    def period(self, kind: Kind) -> Period:
        return self.periods.get(kind, Period(default=None))


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class PolicyError(CCCError):
    """A retention file with problems: nothing is removed until it is mended."""

    status_code = 500

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def parse_duration(text: str) -> timedelta | None:
    """`90d`, `12w`, `2y` or `keep`; a ValueError names what is accepted."""
    if text.strip() == "keep":
        return None
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a period: write it as 90d, 12w, 2y, or keep")
    return timedelta(days=int(match.group(1)) * _UNIT_DAYS[match.group(2)])


def load(path: Path) -> Policy:
    """The file's policy, or PolicyError with every problem as `file:line: message`."""
    policy, problems = check(path)
    if policy is None or problems:
        raise PolicyError(problems)
    return policy


def check(path: Path) -> tuple[Policy | None, list[Problem]]:
    name = str(path)
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, 1, f"cannot read: {exc}")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, [Problem(name, line, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    return parse(node, name)


def parse(node: Node | None, name: str) -> tuple[Policy | None, list[Problem]]:
    top = _mapping(node, name, "the file", [])
    problems: list[Problem] = []
    if top is None or "retention" not in top:
        line = _line(node)
        return None, [Problem(name, line, "a retention file is a mapping under `retention:`")]
    body = _mapping(top["retention"][1], name, "retention", problems)
    if body is None:
        return None, problems
    periods: dict[Kind, Period] = {}
    for key, (line, value) in body.items():
        if key not in Kind.__members__:
            kinds = ", ".join(Kind)
            problems.append(Problem(name, line, f"unknown kind of record {key!r} (one of {kinds})"))
            continue
        period = _period(Kind(key), value, name, problems)
        if period is not None:
            periods[Kind(key)] = period
    for kind in Kind:
        if kind not in periods and kind not in body:
            problems.append(Problem(name, _line(node), f"no period for {kind} (write keep)"))
    return Policy(periods), problems


def _period(kind: Kind, node: Node, name: str, problems: list[Problem]) -> Period | None:
    """One kind's period: a single duration, or (for the kinds kept per ticket) a mapping of a
    `default` and overrides by category and sensitivity. Every problem is noted, not only the
    first, so one `ccc workflows check` lists them all."""
    if isinstance(node, ScalarNode):
        ok, duration = _duration(node, name, problems)
        return Period(default=duration) if ok else None
    fields = _period_fields(kind, node, name, problems)
    if fields is None:
        return None
    default_ok, default = _duration(fields["default"][1], name, problems)
    by = _overrides(kind, fields, name, problems)
    if not default_ok:
        return None
    return Period(default=default, category=by["category"], sensitivity=by["sensitivity"])


def _period_fields(
    kind: Kind, node: Node, name: str, problems: list[Problem]
) -> dict[str, tuple[int, Node]] | None:
    """The mapping form's keys, when this kind may be kept per ticket and has a default."""
    fields = _mapping(node, name, kind, problems)
    if fields is None:
        return None
    if kind not in PER_TICKET:
        problems.append(Problem(name, _line(node), f"{kind} takes one period (like 90d)"))
        return None
    if "default" not in fields:
        problems.append(Problem(name, _line(node), f"{kind} needs a default period"))
        return None
    return fields


# What a period may be overridden by, and the values each override may name.
OVERRIDES: dict[str, frozenset[str]] = {
    "category": frozenset(str(c) for c in Category),
    "sensitivity": frozenset(str(s) for s in Sensitivity),
}


def _overrides(
    kind: Kind, fields: dict[str, tuple[int, Node]], name: str, problems: list[Problem]
) -> dict[str, dict[str, timedelta | None]]:
    """The `category` and `sensitivity` overrides beside the default; unknown keys noted."""
    by: dict[str, dict[str, timedelta | None]] = {key: {} for key in OVERRIDES}
    for key, (line, value) in fields.items():
        if key == "default":
            continue
        if key not in OVERRIDES:
            problems.append(Problem(name, line, f"{kind}: unknown key {key!r}"))
            continue
        by[key] = _override_items(key, value, name, problems)
    return by


def _override_items(
    key: str, value: Node, name: str, problems: list[Problem]
) -> dict[str, timedelta | None]:
    """One override's periods by value (`complaint: 3y`), unknown values noted."""
    allowed = OVERRIDES[key]
    found: dict[str, timedelta | None] = {}
    for item, (item_line, item_node) in (_mapping(value, name, key, problems) or {}).items():
        if item not in allowed:
            known = ", ".join(sorted(allowed))
            problems.append(Problem(name, item_line, f"unknown {key} {item!r} ({known})"))
            continue
        ok, duration = _duration(item_node, name, problems)
        if ok:
            found[item] = duration
    return found


def _duration(node: Node, name: str, problems: list[Problem]) -> tuple[bool, timedelta | None]:
    """Whether the period is valid (else the problem is noted), and the period."""
    if not isinstance(node, ScalarNode):
        problems.append(Problem(name, _line(node), "a period is one value, like 90d or 2y"))
        return False, None
    try:
        return True, parse_duration(str(node.value))
    except ValueError as exc:
        problems.append(Problem(name, _line(node), str(exc)))
        return False, None


def _mapping(
    node: Node | None, name: str, what: str, problems: list[Problem]
) -> dict[str, tuple[int, Node]] | None:
    if not isinstance(node, MappingNode):
        problems.append(Problem(name, _line(node), f"{what} must be a mapping"))
        return None
    found: dict[str, tuple[int, Node]] = {}
    for key, value in node.value:
        line = _line(key)
        if str(key.value) in found:
            problems.append(Problem(name, line, f"duplicate key {key.value!r}"))
        found[str(key.value)] = (line, value)
    return found


def _line(node: Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


_source: Callable[[], Path] | None = None


def use(source: Callable[[], Path]) -> None:
    """Where `retention.yaml` is: told once at start by the composition root. A callable, so
    an edited file is read by the next run."""
    global _source
    _source = source


def current() -> Policy:
    """The policy in force. Without a file nothing is removed: forgetting by accident is the
    one mistake retention cannot undo."""
    if _source is None:
        return Policy({})
    return load(_source())
