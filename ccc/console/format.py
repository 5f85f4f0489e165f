"""Small display rules: masked phone numbers, SLA clocks, ages."""

from __future__ import annotations

from datetime import datetime, timedelta

import phonenumbers

from ccc.kernel.timeutil import utcnow

SOON = timedelta(hours=1)


def mask_phone(address: str | None) -> str:
    """`+964 770 *** **67`: enough for a team member to recognise a caller, not to call."""
    if not address:
        return "—"
    try:
        number = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException:
        return "*" * max(len(address) - 2, 3) + address[-2:]
    groups = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    ).split()
    if len(groups) < 3:
        digits = "".join(groups)
        return digits[:4] + "*" * max(len(digits) - 6, 1) + digits[-2:]
    masked = [g if i < 2 else "*" * len(g) for i, g in enumerate(groups)]
    last = groups[-1]
    masked[-1] = "*" * (len(last) - 2) + last[-2:]
    return " ".join(masked)


def clock(
    *,
    status: str,
    first_response_due: datetime | None,
    first_response_at: datetime | None,
    resolution_due: datetime | None,
) -> datetime | None:
    """The due time that matters now: first response until someone answered, then resolution."""
    if status in ("resolved", "closed"):
        return None
    if first_response_at is None and first_response_due is not None:
        return first_response_due
    return resolution_due


def sla_state(due: datetime | None, now: datetime | None = None) -> str:
    if due is None:
        return "none"
    now = now or utcnow()
    if due <= now:
        return "breached"
    if due - now <= SOON:
        return "soon"
    return "ok"


def age(moment: datetime, now: datetime | None = None) -> tuple[int, str]:
    """(amount, unit) with unit one of m, h, d: the template translates the unit."""
    seconds = max(int(((now or utcnow()) - moment).total_seconds()), 0)
    if seconds < 3600:
        return seconds // 60, "m"
    if seconds < 86400:
        return seconds // 3600, "h"
    return seconds // 86400, "d"
