"""The ticket lifecycle, enforced here and nowhere else."""

from __future__ import annotations

from ccc.kernel.errors import Conflict, Invalid
from ccc.kernel.text import article
from ccc.tickets.models import TicketStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.new: frozenset({S.open, S.referred, S.pending, S.resolved}),
    S.open: frozenset({S.referred, S.pending, S.resolved}),
    S.referred: frozenset({S.open, S.pending, S.resolved}),
    S.pending: frozenset({S.open, S.referred, S.resolved}),
    S.resolved: frozenset({S.open, S.closed}),
    S.closed: frozenset(),
}

ACTIVE = frozenset({S.new, S.open, S.referred, S.pending})


def parse_status(value: str) -> S:
    try:
        return S(value)
    except ValueError:
        allowed = ", ".join(s.value for s in S)
        raise Invalid(f"unknown status {value!r}; one of: {allowed}") from None


def check_transition(current: str, target: str) -> S:
    """The target status, or a 409 naming what is allowed from the current one."""
    to = parse_status(target)
    frm = S(current)
    if to == frm or to in TRANSITIONS[frm]:
        return to
    allowed = ", ".join(sorted(s.value for s in TRANSITIONS[frm])) or "nothing (final)"
    status = f"{article(frm.value)} {frm.value}"
    raise Conflict(f"{status} ticket cannot become {to.value}; allowed: {allowed}")
