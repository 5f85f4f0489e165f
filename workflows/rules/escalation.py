"""Escalation: a rule raises a ticket's priority and tells a supervisor, in the console (an
`escalated` event on the ticket) and by a signed webhook to the supervisors' own system.

The webhook carries no personal data (reference, category, team, priority, rule) and is signed
like Stripe's and GitHub's: `X-CCC-Signature: t=TIMESTAMP,sha256=HMAC(secret, "TIMESTAMP.BODY")`,
so the receiver can check it came from CCC and refuse an old one replayed. It is an external
job kind: the HTTP call is made outside any transaction, retried with backoff on failure.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
from sqlmodel import Session

from ccc.jobs.outbox import schedule
from ccc.jobs.registry import External, Outcome, RetryLater, external_job_kind
from ccc.kernel.runtime import get_runtime
from ccc.tickets.models import Ticket
from ccc.tickets.service import Changes, apply_changes, record
from workflows.rules.run import LADDER, Run, send_template, team_slug

log = logging.getLogger(__name__)
NOTIFY_ESCALATION = "notify_escalation"
SIGNATURE_HEADER = "X-CCC-Signature"


def escalate(run: Run, spec: dict[str, Any]) -> None:
    ticket = run.ticket
    target = str(spec.get("priority", "urgent"))
    old = ticket.priority
    if old not in LADDER or LADDER.index(target) > LADDER.index(old):
        # As an agent's change: the `priority_changed` event and the SLA recalculation.
        changes = Changes(priority=target)
        apply_changes(run.session, ticket=ticket, changes=changes, caller=run.actor)
    record(
        run.session,
        ticket=ticket,
        kind="escalated",
        caller=run.actor,
        rule=run.rule,
        **{"from": old, "to": ticket.priority},
    )
    if spec.get("message"):
        send_template(run, str(spec["message"]))
    if _webhook_url():
        assert ticket.id is not None
        schedule(run.session, NOTIFY_ESCALATION, ticket_id=ticket.id, rule=run.rule)


def _webhook_url() -> str | None:
    return get_runtime().settings.escalation_webhook_url


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},sha256={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: int = 300) -> bool:
    """What a receiver does; kept here so the format has one definition and a test."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


@dataclass(frozen=True)
class Notice:
    url: str
    secret: str
    body: bytes


def prepare(session: Session, ticket_id: int, rule: str) -> Notice | None:
    settings = get_runtime().settings
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not settings.escalation_webhook_url:
        return None
    payload = {
        # A break-glass request (ccc/access/break_glass.py) tells the same receiver.
        "event": "ticket.break_glass" if rule == "break_glass" else "ticket.escalated",
        "reference": ticket.reference,
        "category": ticket.category,
        "priority": ticket.priority,
        "team": team_slug(session, ticket.team_id),
        "rule": rule,
        "url": f"{settings.public_url}/console/tickets/{ticket.reference}",
    }
    body = json.dumps(payload, sort_keys=True).encode()
    return Notice(settings.escalation_webhook_url, settings.escalation_webhook_secret or "", body)


def perform(notice: Notice) -> int:
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(notice.secret, int(time.time()), notice.body),
    }
    response = httpx.post(notice.url, content=notice.body, headers=headers, timeout=10.0)
    return response.status_code


def finish(session: Session, notice: Notice, outcome: Outcome[int]) -> None:
    try:
        status = outcome.unwrap()
    except httpx.HTTPError as exc:
        raise RetryLater(f"escalation webhook failed: {type(exc).__name__}") from exc
    if status >= 500 or status == 429:
        raise RetryLater(f"escalation webhook answered {status}")
    if status >= 400:
        log.error("escalation webhook refused the notice with %s; not retried", status)


external_job_kind(NOTIFY_ESCALATION, External(prepare, perform, finish), max_attempts=6)
