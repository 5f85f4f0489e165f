"""`GET /metrics` in Prometheus' text format, behind `CCC_METRICS_TOKEN`.

Every figure is read at scrape time from the database and Redis, never kept in a process's
memory: any number of web and worker processes give the same answer, and a restart loses
nothing. The webhooks' counts are the one thing not in the database (a refused webhook stores
nothing), so a small middleware counts them, and each web process adds its counts to Redis
every second (`WebhookCounts`); without Redis they are this process's own.
The IT person's page (`docs/operations.md`) says what to alert on.
"""

from __future__ import annotations

import hmac
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func
from sqlmodel import Session, col, select
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

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

# How often a web process adds the webhooks it counted to the running count in Redis.
FLUSH_SECONDS = 1.0


class WebhookCounts:
    """Webhooks answered by this process, per path and outcome.

    Counting is on each webhook's path, on the event loop, so it is an increment in memory and
    never a call to Redis (a `HINCRBY` per webhook was a blocking round trip on the loop, and
    waited out a connection timeout while Redis was down). A thread adds them to the running
    count in Redis, in one pipelined round trip, every `FLUSH_SECONDS`; a scrape and the
    process's shutdown add them at once. So every web process's webhooks are in Redis, and a
    restart loses nothing but, for a process killed outright, its last second. Without Redis, or
    while it does not answer, the counts stay here and are shown as this process's own.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._pending: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    def count(self, path: str, status: int, outcome: str | None = None) -> None:
        """One webhook answered: `accepted` (2xx) or `refused` (anything else), unless the
        route named its own outcome (`mark_outcome`: a call told the lines are busy)."""
        outcome = outcome or ("accepted" if 200 <= status < 300 else "refused")
        with self._lock:
            self._pending[f"{path}|{outcome}"] += 1
            if self._flusher is None and isinstance(self.runtime.dispatcher, RQDispatcher):
                self._flusher = threading.Thread(
                    target=self._flush_forever, name="ccc-metrics-flush", daemon=True
                )
                self._flusher.start()

    def flush(self) -> None:
        """Add the counts not yet in Redis to Redis's; kept here if Redis does not answer."""
        dispatcher = self.runtime.dispatcher
        if not isinstance(dispatcher, RQDispatcher) or dispatcher.resting():
            return
        with self._lock:
            taken, self._pending = self._pending, Counter()
        if not taken:
            return
        try:
            with dispatcher.connection.pipeline(transaction=False) as pipeline:
                for field, count in taken.items():
                    pipeline.hincrby(WEBHOOK_KEY, field, count)
                pipeline.execute()
        except Exception:  # Redis down: kept for the next flush, which waits out REDIS_REST
            dispatcher.rest()
            with self._lock:
                self._pending.update(taken)

    def totals(self) -> dict[str, int]:
        """Every process's count in Redis (this one's flushed first), plus what is kept here."""
        self.flush()
        counts: dict[str, int] = {}
        dispatcher = self.runtime.dispatcher
        if isinstance(dispatcher, RQDispatcher):
            stored: dict[Any, Any] = dict(dispatcher.connection.hgetall(WEBHOOK_KEY))
            for raw, value in stored.items():
                name = raw.decode() if isinstance(raw, bytes) else str(raw)
                counts[name] = int(value)
        with self._lock:
            for name, count in self._pending.items():
                counts[name] = counts.get(name, 0) + count
        return counts

    def close(self) -> None:
        """At shutdown: stop the thread and hand Redis what is left."""
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(timeout=5)
        self.flush()

    def _flush_forever(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self.flush()


_OUTCOME = "ccc_webhook_outcome"


def mark_outcome(request: Request, outcome: str) -> None:
    """Count this webhook under `outcome` rather than `accepted`/`refused`."""
    setattr(request.state, _OUTCOME, outcome)


class WebhookCounter:
    """Counts each answer under `/webhooks/` by its status, as a plain ASGI middleware: no
    task, stream or thread of its own per request (Starlette's `BaseHTTPMiddleware` cost more
    CPU per webhook than the three statements that store it)."""

    def __init__(self, app: ASGIApp, counts: WebhookCounts) -> None:
        self.app = app
        self.counts = counts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith("/webhooks/"):
            await self.app(scope, receive, send)
            return
        status = 500  # an error nothing turned into an answer is counted as refused

        async def noting(message: AsgiMessage) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            self.counts.count(path, status, scope.get("state", {}).get(_OUTCOME))


class Figures:
    """A prometheus-client collector reading the figures afresh at each scrape."""

    def __init__(self, runtime: Runtime, webhooks: WebhookCounts) -> None:
        self.runtime = runtime
        self.webhooks = webhooks

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
        for name, count in sorted(self.webhooks.totals().items()):
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


def render(runtime: Runtime, webhooks: WebhookCounts) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Figures(runtime, webhooks))
    return generate_latest(registry)


def router(runtime: Runtime, webhooks: WebhookCounts) -> APIRouter:
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
        return Response(render(runtime, webhooks), media_type=CONTENT_TYPE)

    return api
