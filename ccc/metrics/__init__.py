"""`GET /metrics` in Prometheus' text format, behind `CCC_METRICS_TOKEN`.

Every figure is read at scrape time from the database and Redis, never kept in a process's
memory: any number of web and worker processes give the same answer, and a restart loses
nothing. The webhooks' counts are the one thing not in the database (a refused webhook stores
nothing), so they are counted in Redis by a small middleware; without Redis, in this process.
The IT person's page (`docs/operations.md`) says what to alert on.
"""

from __future__ import annotations

import hmac
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func
from sqlmodel import Session, col, select

from ccc.channels.ratelimit import deferred_counts
from ccc.jobs.dispatch import WORKER_QUEUES, RQDispatcher
from ccc.jobs.models import OutboxJob
from ccc.jobs.registry import route
from ccc.kernel.runtime import Runtime
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Message
from ccc.sla.service import OPEN, breached_filter
from ccc.tickets.models import Ticket

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
WEBHOOK_KEY = "ccc:metrics:webhooks"
# Jobs finished within this window make the latency figures.
LATENCY_WINDOW = timedelta(minutes=5)
QUANTILES = (0.5, 0.9, 0.99)

_local_webhooks: Counter[str] = Counter()
_local_lock = threading.Lock()


def count_webhook(runtime: Runtime, path: str, status: int) -> None:
    """One webhook answered: `accepted` (2xx) or `refused` (anything else), per path."""
    outcome = "accepted" if 200 <= status < 300 else "refused"
    field = f"{path}|{outcome}"
    dispatcher = runtime.dispatcher
    if isinstance(dispatcher, RQDispatcher) and not dispatcher.resting():
        try:
            dispatcher.connection.hincrby(WEBHOOK_KEY, field, 1)
            return
        except Exception:  # Redis down: counted here, as without Redis, and not tried again
            dispatcher.rest()  # for a while: each try could wait out a connection timeout
    with _local_lock:
        _local_webhooks[field] += 1


def webhook_counter(
    runtime: Runtime,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith("/webhooks/"):
            count_webhook(runtime, request.url.path, response.status_code)
        return response

    return middleware


class Figures:
    """A prometheus-client collector reading the figures afresh at each scrape."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        yield self._webhooks()
        yield self._deferred_sends()
        yield from self._queues()
        with Session(self.runtime.engine) as session:
            yield self._outbox(session)
            yield self._latency(session)
            yield self._sends(session)
            yield from self._tickets(session)

    def _webhooks(self) -> Metric:
        family = GaugeMetricFamily(
            "ccc_webhooks",
            "Webhook requests answered, by path and outcome (a running count; use rate())",
            labels=["path", "outcome"],
        )
        counts: dict[str, int] = dict(_local_webhooks)
        dispatcher = self.runtime.dispatcher
        if isinstance(dispatcher, RQDispatcher):
            stored: dict[Any, Any] = dict(dispatcher.connection.hgetall(WEBHOOK_KEY))
            for raw, value in stored.items():
                name = raw.decode() if isinstance(raw, bytes) else str(raw)
                counts[name] = counts.get(name, 0) + int(value)
        for name, count in sorted(counts.items()):
            path, _, outcome = name.rpartition("|")
            family.add_metric([path, outcome], count)
        return family

    def _deferred_sends(self) -> Metric:
        family = GaugeMetricFamily(
            "ccc_sends_deferred",
            "Sends put off, by channel and reason: `rate` (the sender's bucket was empty) or "
            "`backoff` (the provider answered 429); a running count, use rate()",
            labels=["channel", "reason"],
        )
        for name, count in sorted(deferred_counts(self.runtime).items()):
            channel, _, reason = name.rpartition("|")
            family.add_metric([channel, reason], count)
        return family

    def _queues(self) -> Iterator[Metric]:
        dispatcher = self.runtime.dispatcher
        if not isinstance(dispatcher, RQDispatcher):
            return
        family = GaugeMetricFamily(
            "ccc_queue_depth", "Jobs waiting in each Redis queue", labels=["queue"]
        )
        for name in WORKER_QUEUES:
            family.add_metric([name], dispatcher.queues[name].count)
        yield family

    def _outbox(self, session: Session) -> Metric:
        family = GaugeMetricFamily(
            "ccc_outbox_backlog",
            "Outbox jobs not finished, by status and whether they are due (the work owed)",
            labels=["status", "due"],
        )
        now = utcnow()
        due = col(OutboxJob.available_at) <= now
        rows = session.exec(
            select(OutboxJob.status, due, func.count())
            .where(col(OutboxJob.status).in_(["pending", "running"]))
            .group_by(OutboxJob.status, due)
        ).all()
        for status, is_due, count in rows:
            family.add_metric([str(status), "yes" if is_due else "no"], count)
        return family

    def _latency(self, session: Session) -> Metric:
        """From the outbox row's creation to its end, for jobs ended in the last 5 minutes."""
        family = GaugeMetricFamily(
            "ccc_job_latency_seconds",
            "Seconds from a job's scheduling to its end, per queue, over the last 5 minutes",
            labels=["queue", "quantile"],
        )
        since = utcnow() - LATENCY_WINDOW
        rows = session.exec(
            select(OutboxJob.kind, OutboxJob.created_at, OutboxJob.finished_at)
            .where(col(OutboxJob.finished_at) >= since, OutboxJob.status == "done")
            .limit(20000)
        ).all()
        waits: dict[str, list[float]] = {}
        for kind, created, finished in rows:
            if finished is None:
                continue
            queue, _ = route(kind, {})
            waits.setdefault(queue, []).append((finished - created).total_seconds())
        for queue, values in sorted(waits.items()):
            values.sort()
            for q in QUANTILES:
                index = min(int(q * len(values)), len(values) - 1)
                family.add_metric([queue, str(q)], values[index])
        return family

    def _sends(self, session: Session) -> Metric:
        family = GaugeMetricFamily(
            "ccc_messages_out",
            "Outbound messages by channel and status (pending, sent, delivered, failed, ...)",
            labels=["channel", "status"],
        )
        rows = session.exec(
            select(Message.channel, Message.status, func.count())
            .where(Message.direction == "out")
            .group_by(Message.channel, Message.status)
        ).all()
        for channel, status, count in rows:
            family.add_metric([str(channel), str(status)], count)
        return family

    def _tickets(self, session: Session) -> Iterator[Metric]:
        open_statuses = sorted(OPEN)
        breached = session.exec(
            select(func.count()).select_from(Ticket).where(breached_filter(utcnow()))
        ).one()
        yield GaugeMetricFamily(
            "ccc_sla_breached_tickets", "Open tickets past an SLA due time", value=breached
        )
        waiting = session.exec(
            select(func.count())
            .select_from(Ticket)
            .where(col(Ticket.status).in_(open_statuses), Ticket.waiting_on == "centre")
        ).one()
        yield GaugeMetricFamily(
            "ccc_tickets_waiting_on_centre",
            "Open tickets whose person wrote last and waits for the centre",
            value=waiting,
        )


def render(runtime: Runtime) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Figures(runtime))
    return generate_latest(registry)


def router(runtime: Runtime) -> APIRouter:
    """`GET /metrics`: 404 while `CCC_METRICS_TOKEN` is unset (as if there were none), 401
    without the right bearer token."""
    api = APIRouter()

    @api.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        token = runtime.settings.metrics_token
        if not token:
            return Response(status_code=404)
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return Response(render(runtime), media_type=CONTENT_TYPE)

    return api
