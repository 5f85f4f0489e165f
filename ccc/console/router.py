"""The console, mounted by the composition root: pages, static files, security headers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ccc.console import (
    pages_access,
    pages_auth,
    pages_bulk,
    pages_calls,
    pages_dashboard,
    pages_events,
    pages_live,
    pages_prompts,
    pages_queue,
    pages_replies,
    pages_team,
    pages_ticket,
    pages_year,
)
from ccc.console.web import STATIC_DIR, ConsoleHeaders


def mount_console(app: FastAPI) -> None:
    app.add_middleware(ConsoleHeaders)
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    app.add_exception_handler(pages_ticket.TicketNotShown, pages_ticket.ticket_not_shown)
    modules = (
        pages_auth,
        pages_queue,
        pages_bulk,
        pages_live,
        pages_prompts,
        pages_queue,
        pages_ticket,
        pages_team,
        pages_dashboard,
        pages_calls,
        pages_access,
        pages_events,
        pages_replies,
        pages_year,
    )
    for module in modules:
        app.include_router(module.router)
