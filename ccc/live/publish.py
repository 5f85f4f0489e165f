"""Domain events become live events: rows in `live_event`, and, when Redis is configured, a
wake-up on a Redis channel once the transaction commits, so that streams need not wait for
their next look at the table."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlmodel import Session

from ccc.kernel import events
from ccc.kernel.runtime import get_runtime
from ccc.live.models import LiveEvent

log = logging.getLogger(__name__)
_WROTE = "ccc.live.wrote"
CHANNEL = "ccc:live"
_clients: dict[str, Any] = {}
# The hubs of this process: woken directly, without waiting for Redis or their next look.
local_wakers: list[Callable[[], None]] = []


def add(
    session: Session, *, ticket_id: int | None, kind: str, direction: str | None = None
) -> None:
    if ticket_id is None:
        return
    session.add(LiveEvent(ticket_id=ticket_id, kind=kind, direction=direction))
    session.info[_WROTE] = True


def channel_of(client: Any) -> str:
    """The channel of this client's Redis database. Pub/sub ignores database numbers, so a
    single channel let every CCC on one Redis server (deployments, or parallel test workers
    each on a database of its own) wake the others' hubs, and let a test hear another's."""
    return f"{CHANNEL}:{client.connection_pool.connection_kwargs.get('db', 0)}"


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """With Redis configured, say on its channel that live events were committed, so that
    every process's hub reads them at once (the table stays the truth: without Redis, or
    when it is down, the hubs find them at their next look).

    SQLAlchemy fires `after_commit` also when a savepoint is released (`begin_nested`, as
    every job's handler runs in), while the outer transaction is still open and its rows are
    invisible to others. Announcing then woke the hubs too early: on PostgreSQL the hub of
    another process read before the worker's commit, found nothing, and the event waited
    for its next poll (7 of 28 wake-ups in the cross-process test). So only the outermost
    commit announces; the flag waits for it."""
    if session.in_nested_transaction():
        return
    if not session.info.pop(_WROTE, False):
        return
    for wake in list(local_wakers):
        wake()

    try:
        url = get_runtime().settings.redis_url
    except RuntimeError:
        return
    if not url:
        return
    try:
        client = _clients.get(url)
        if client is None:
            from redis import Redis

            client = _clients[url] = Redis.from_url(url, socket_timeout=1)
        client.publish(channel_of(client), "1")
    except Exception:
        log.warning("could not announce live events on Redis; the streams will poll")


@events.subscribe(events.TICKET_CREATED)
def ticket_created(session: Session, event: events.DomainEvent) -> None:
    add(session, ticket_id=event.ticket_id, kind="ticket")


@events.subscribe(events.TICKET_MESSAGE)
def person_wrote(session: Session, event: events.DomainEvent) -> None:
    add(session, ticket_id=event.ticket_id, kind="message", direction="in")


@events.subscribe(events.TICKET_REPLIED)
def centre_wrote(session: Session, event: events.DomainEvent) -> None:
    add(session, ticket_id=event.ticket_id, kind="message", direction="out")


@events.subscribe(events.TICKET_UPDATED)
def ticket_changed(session: Session, event: events.DomainEvent) -> None:
    changed = set(event.data.get("changed", ()))
    if "assignee" in changed:
        add(session, ticket_id=event.ticket_id, kind="assignment")
    if "status" in changed:
        add(session, ticket_id=event.ticket_id, kind="status")
    if changed - {"assignee", "status"}:
        add(session, ticket_id=event.ticket_id, kind="changed")


@events.subscribe("sla.warning")
def sla_warning(session: Session, event: events.DomainEvent) -> None:
    add(session, ticket_id=event.ticket_id, kind="sla")


@events.subscribe("sla.breached")
def sla_breached(session: Session, event: events.DomainEvent) -> None:
    add(session, ticket_id=event.ticket_id, kind="sla")
