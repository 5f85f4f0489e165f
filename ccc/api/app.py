"""The FastAPI application: the composition root that wires the API, simulator and webhooks."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from math import inf

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from sqlalchemy import text
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ccc import metrics
from ccc.access import api as audit
from ccc.access.exposure import check_simulator
from ccc.api.headers import SecurityHeaders
from ccc.api.limits import BodyLimit
from ccc.api.params import explain
from ccc.api.responses import API_ERRORS, HEALTH_ERRORS, SIMULATOR_ERRORS, WEBHOOK_ERRORS
from ccc.api.wiring import (
    runtime_for,
    simulator_routers,
    use_retention_file,
    voice_prompt_inventory,
)
from ccc.calls import api as calls_api
from ccc.console.router import mount_console
from ccc.jobs.dispatch import InlineDispatcher, RQDispatcher
from ccc.jobs.periodic import SCHEDULE
from ccc.kernel import ports
from ccc.kernel.errors import CCCError
from ccc.kernel.logging import configure_logging
from ccc.kernel.runtime import Runtime, set_runtime
from ccc.kernel.settings import Settings, get_settings
from ccc.referrals import api as referrals
from ccc.replies import api as saved_replies
from ccc.reports import api as reports
from ccc.tickets import api as tickets

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    background: bool = True,
) -> FastAPI:
    """`background=False` leaves out the in-process sweep thread (tests run sweeps by hand)."""
    settings = settings or (runtime.settings if runtime else get_settings())
    runtime = runtime or runtime_for(settings)
    set_runtime(runtime)
    use_retention_file()

    webhooks = metrics.WebhookCounts(runtime)
    docs = settings.api_docs  # CCC_API_DOCS=off leaves out /docs, /redoc and /openapi.json
    # With the docs on, Swagger UI and ReDoc load their scripts from the installed package
    # (fastapi-offline, under /static-offline-docs), never from a CDN: a page that holds an
    # API token must run no script CCC did not ship.
    make_app = FastAPIOffline if docs else FastAPI
    app = make_app(
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        title="CCC",
        summary="Chatbot and ticketing backend for humanitarian Community Contact Centres",
        version="0.1.0",
        lifespan=_lifespan(runtime, webhooks, background=background),
    )
    app.state.runtime = runtime
    app.state.voice_prompts = voice_prompt_inventory
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    _error_handlers(app)
    _include_routers(app, runtime, simulator=settings.simulator)
    app.add_api_route(
        "/healthz", _healthz(runtime), methods=["GET"], tags=["health"], responses=HEALTH_ERRORS
    )
    app.include_router(metrics.router(runtime, webhooks))
    app.add_middleware(metrics.WebhookCounter, counts=webhooks)
    return app


def _lifespan(
    runtime: Runtime, webhooks: metrics.WebhookCounts, *, background: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Under `ccc serve` with no Redis, a thread sweeps the outbox and runs the periodic jobs.
    At the stop, what a part of the app registered in `app.state.closing` is run, in order
    (the line's turned-away calls are written)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.closing = []
        stop = threading.Event()
        thread = None
        if background and isinstance(runtime.dispatcher, InlineDispatcher):
            thread = threading.Thread(
                target=_sweep_forever, args=(runtime, stop), name="ccc-sweep", daemon=True
            )
            thread.start()
        yield
        for close in app.state.closing:
            await to_thread.run_sync(close)
        stop.set()
        if thread is not None:
            thread.join(timeout=5)
        webhooks.close()

    return lifespan


def _include_routers(app: FastAPI, runtime: Runtime, *, simulator: bool) -> None:
    """Each channel's webhooks (from the registry), the API, the console and the simulator.

    The webhooks come first: Starlette tries routes in order, and at a surge nearly every
    request is a webhook, which behind the API's and the console's routes was tried against
    each of them first (8 % of the web process's CPU per webhook). No other path begins with
    `/webhooks/`, so the order changes no match."""
    for router in runtime.channels.routers():
        app.include_router(router, responses=WEBHOOK_ERRORS)
    for api_router in (
        tickets.router,
        referrals.router,
        reports.router,
        audit.router,
        audit.access_router,
        calls_api.router,
        saved_replies.router,
    ):
        app.include_router(api_router, responses=API_ERRORS)
    mount_console(app)
    if simulator:
        for router in simulator_routers():
            app.include_router(router, responses=SIMULATOR_ERRORS)


def _healthz(runtime: Runtime) -> Callable[[], JSONResponse]:
    def healthz() -> JSONResponse:
        """For a load balancer or a monitor: 503 names what is down. Redis being down loses
        nothing (the outbox keeps the work), but replies wait until it is back."""
        checks = {"database": _database_ok(runtime), "redis": _redis_ok(runtime)}
        healthy = all(state != "down" for state in checks.values())
        body: dict[str, object] = {"status": "ok" if healthy else "degraded", **checks}
        # Refused workflow files keep the last good set serving: worth a look, not a restart.
        body["workflows"] = _workflows_health()
        return JSONResponse(body, status_code=200 if healthy else 503)

    return healthz


def _workflows_health() -> dict[str, object]:
    return ports.engine().health()


def _database_ok(runtime: Runtime) -> str:
    try:
        with Session(runtime.engine) as session:
            session.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: the database is unreachable")
        return "down"
    return "ok"


def _redis_ok(runtime: Runtime) -> str:
    if not isinstance(runtime.dispatcher, RQDispatcher):
        return "not used"
    try:
        runtime.dispatcher.connection.ping()
    except Exception as exc:
        log.warning("health check: Redis is unreachable: %s", exc)
        return "down"
    return "ok"


def _sweep_forever(runtime: Runtime, stop: threading.Event) -> None:
    """Without Redis, this thread runs the periodic schedule (`ccc.jobs.periodic.SCHEDULE`) and
    is the outbox's safety net: retries and anything missed."""
    interval = max(runtime.settings.sweep_interval_seconds, 0.5)
    # A daily job (retention) first runs a day after the start, not at every restart.
    last_run = {row: time.monotonic() for row, p in enumerate(SCHEDULE) if p.cron}
    while not stop.wait(interval):
        for row, periodic in enumerate(SCHEDULE):
            now = time.monotonic()
            if not periodic.every_tick and now - last_run.get(row, -inf) < periodic.every_seconds:
                continue
            last_run[row] = now
            try:
                periodic.job()
            except Exception:
                log.exception("periodic work failed")


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CCCError)
    async def ccc_error(_request: Request, exc: CCCError) -> JSONResponse:
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Where and what, never the value given: it may be a person's words or number.
        problems = [
            {
                "loc": list(error.get("loc", ())),
                "msg": explain(dict(error)),
                "type": error.get("type", ""),
            }
            for error in exc.errors()
        ]
        return JSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            allowed = {"Allow": ", ".join(_allowed_methods(request))}
            exc = StarletteHTTPException(
                405, exc.detail, headers={**(exc.headers or {}), **allowed}
            )
        return await http_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path, asked of the routes themselves:
    Starlette's 405 names only the first route's (`GET` for `/api/tickets/{reference}`, whose
    `PATCH` is another route)."""
    allowed = []
    for method in ("DELETE", "GET", "PATCH", "POST", "PUT"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def app_from_env() -> FastAPI:
    configure_logging()
    check_simulator(get_settings())
    return create_app()
