"""The console, mounted by the composition root: pages, static files, security headers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ccc.console import pages_auth, pages_dashboard, pages_queue, pages_team, pages_ticket
from ccc.console.web import STATIC_DIR, security_headers


def mount_console(app: FastAPI) -> None:
    app.middleware("http")(security_headers)
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    for module in (pages_auth, pages_queue, pages_ticket, pages_team, pages_dashboard):
        app.include_router(module.router)
