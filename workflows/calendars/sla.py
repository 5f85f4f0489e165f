"""SLA policies as data: the `sla:` mapping of a rules file, read into what `ccc.sla` asks for.

```yaml
sla:
  default: {first_response: 8h, next_response: 8h, resolution: 5d, calendar: centre}
  category:    {complaint: {resolution: 10d}}
  sensitivity: {restricted: {satisfaction: false}}
  priority:    {urgent: {first_response: 30m, resolution: 1d, calendar: always}}
  referral:    {acceptance: 24h, calendar: centre, teams: {detention: {acceptance: 48h}}}
```

An override names only what it changes. They are laid over the default in the order category,
sensitivity, priority, so an urgent ticket is fast whatever its category. A day (`d`) is 24
hours of the calendar's open time: with an 8-hour working day, `1d` is three working days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from ccc.sla.policy import Clock, ReferralPolicy, TicketPolicy
from workflows.calendars.hours import ALWAYS, Calendar
from workflows.files.yamlfile import LineDict
from workflows.rules.conditions import _ENUMS, Context

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")
_UNITS = {"m": 60, "h": 3600, "d": 86400}
_POLICY_KEYS = (
    "first_response",
    "next_response",
    "resolution",
    "calendar",
    "warning",
    "satisfaction",
)
_OVERRIDES = ("category", "sensitivity", "priority")


def parse_duration(raw: Any) -> timedelta | None:
    match = _DURATION.match(str(raw)) if isinstance(raw, str | int) else None
    if match is None:
        return None
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True)
class Policies:
    """The `PolicySource` the core asks: which policy, which clock."""

    default: TicketPolicy = TicketPolicy(timedelta(hours=24), timedelta(hours=168))
    overrides: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    referral: ReferralPolicy = ReferralPolicy(timedelta(hours=72))
    referral_teams: dict[str, dict[str, Any]] = field(default_factory=dict)
    calendars: dict[str, Calendar] = field(default_factory=dict)

    def ticket_policy(self, *, category: str, priority: str, sensitivity: str) -> TicketPolicy:
        policy = self.default
        for kind, value in (("category", category), ("sensitivity", sensitivity)):
            policy = replace(policy, **self.overrides.get(kind, {}).get(value, {}))
        return replace(policy, **self.overrides.get("priority", {}).get(priority, {}))

    def referral_policy(self, *, team: str) -> ReferralPolicy:
        """The team's own policy; its hours are a calendar named after the team when there is
        one and the policy names none, since acceptance is counted in the receiving team's time."""
        own = self.referral_teams.get(team, {})
        policy = replace(self.referral, **own)
        if "calendar" not in own and team in self.calendars:
            policy = replace(policy, calendar=team)
        return policy

    def clock(self, name: str) -> Clock:
        return self.calendars.get(name, ALWAYS)


def parse_sla(raw: Any, line: int, ctx: Context) -> Policies | None:
    if not isinstance(raw, LineDict):
        ctx.report(line, "'sla' must be a mapping with a 'default' policy")
        return None
    before = len(ctx.problems)
    for key in raw:
        if key not in ("default", "referral", *_OVERRIDES):
            ctx.report(raw.line_of(key), f"unknown key {key!r}")
    if "default" not in raw:
        ctx.report(line, "needs a 'default' policy")
        return None
    fields = _policy(raw["default"], raw.line_of("default"), ctx, full=True)
    overrides = _overrides(raw, line, ctx)
    referral, teams = _referral(raw.get("referral", {}), raw.line_of("referral"), ctx)
    if len(ctx.problems) > before or fields is None:
        return None
    default = TicketPolicy(**fields)
    for group in overrides.values():
        for value, policy in group.items():
            _check_order(replace(default, **policy), value, raw.line, ctx)
    if len(ctx.problems) > before:
        return None
    return Policies(default, overrides, referral, teams, ctx.calendars)


def _overrides(raw: LineDict, line: int, ctx: Context) -> dict[str, dict[str, dict[str, Any]]]:
    """The policies by category, priority and sensitivity; each problem reported."""
    overrides: dict[str, dict[str, dict[str, Any]]] = {}
    for kind in _OVERRIDES:
        group = raw.get(kind, {})
        if not isinstance(group, dict):
            ctx.report(raw.line_of(kind), f"'{kind}' must map each {kind} to a policy")
            continue
        for value, policy in group.items():
            value_line = group.line_of(value) if isinstance(group, LineDict) else line
            if value not in _ENUMS[kind]:
                ctx.report(value_line, f"unknown {kind} {value!r}")
                continue
            parsed = _policy(policy, value_line, ctx, full=False)
            if parsed is not None:
                overrides.setdefault(kind, {})[value] = parsed
    return overrides


def _check_order(policy: TicketPolicy, label: str, line: int, ctx: Context) -> None:
    if policy.resolution < policy.first_response:
        ctx.report(line, f"{label}: resolution comes before the first response")


def _policy(raw: Any, line: int, ctx: Context, *, full: bool) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        ctx.report(line, "a policy is a mapping such as {first_response: 8h, resolution: 5d}")
        return None
    fields: dict[str, Any] = {}
    ok = True
    for key, value in raw.items():
        if key not in _POLICY_KEYS:
            ctx.report(line, f"unknown key {key!r}; a policy has {', '.join(_POLICY_KEYS)}")
            ok = False
        elif key in ("first_response", "next_response", "resolution"):
            duration = parse_duration(value)
            if duration is None or duration <= timedelta(0):
                ctx.report(line, f"{key} {value!r} is not a duration such as 30m, 8h or 2d")
                ok = False
            fields[key] = duration
        elif key == "calendar":
            if value not in ctx.calendars:
                ctx.report(line, f"unknown calendar {value!r}")
                ok = False
            fields[key] = str(value)
        elif key == "warning":
            share = _share(value)
            if share is None:
                ctx.report(line, f"warning {value!r} is not a share of the time such as 80%")
                ok = False
            fields["warn_at"] = share
        else:
            fields["survey"] = bool(value)
    if full:
        ok = _complete(raw, fields, line, ctx, valid=ok)
    return fields if ok else None


def _complete(
    raw: dict[str, Any], fields: dict[str, Any], line: int, ctx: Context, *, valid: bool
) -> bool:
    """The default policy names both clocks, and (when its values are `valid`) resolution
    does not come first."""
    missing = [key for key in ("first_response", "resolution") if key not in raw]
    for key in missing:
        ctx.report(line, f"the default policy needs '{key}'")
    if missing or not valid:
        return False
    if fields["resolution"] < fields["first_response"]:
        ctx.report(line, "resolution comes before the first response")
        return False
    return True


def _share(raw: Any) -> float | None:
    text = str(raw).strip().rstrip("%")
    try:
        value = float(text) / 100
    except ValueError:
        return None
    return value if 0 < value < 1 else None


def _referral(
    raw: Any, line: int, ctx: Context
) -> tuple[ReferralPolicy, dict[str, dict[str, Any]]]:
    default = ReferralPolicy(timedelta(hours=72))
    if not isinstance(raw, dict):
        ctx.report(line, "'referral' is a mapping {acceptance, calendar, teams}")
        return default, {}
    fields = _referral_fields(raw, line, ctx)
    teams: dict[str, dict[str, Any]] = {}
    for team, policy in (raw.get("teams") or {}).items():
        teams[str(team)] = _referral_fields(policy, line, ctx)
    return replace(default, **fields), teams


def _referral_fields(raw: Any, line: int, ctx: Context) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if not isinstance(raw, dict):
        ctx.report(line, "a referral policy is a mapping {acceptance, calendar}")
        return fields
    for key, value in raw.items():
        if key == "acceptance":
            duration = parse_duration(value)
            if duration is None or duration <= timedelta(0):
                ctx.report(line, f"acceptance {value!r} is not a duration such as 30m, 8h or 2d")
            fields["acceptance"] = duration
        elif key == "calendar":
            if value not in ctx.calendars:
                ctx.report(line, f"unknown calendar {value!r}")
            fields["calendar"] = str(value)
        elif key != "teams":
            ctx.report(line, f"unknown key {key!r}; a referral policy has acceptance, calendar")
    return fields
