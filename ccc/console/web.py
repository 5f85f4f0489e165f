"""Rendering: the Jinja2 environment, the context every page gets, and security headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ccc.access.models import User
from ccc.access.policy import Caller, may_break_glass
from ccc.console import i18n
from ccc.console.feedback import flash, forget_flash, take_flash
from ccc.console.format import mask_phone, sla_state
from ccc.console.models import ConsoleSession
from ccc.console.timeline_view import EVENT_KINDS
from ccc.kernel.settings import Settings

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["LANGUAGES"] = i18n.LANGUAGES
_env.filters["mask_phone"] = mask_phone
_env.globals["sla_state"] = sla_state
# Catalogue keys of a callback attempt's outcome and a call's outcome ("attempt:busy").
_env.globals["ATTEMPT"] = "attempt:"
_env.globals["CALL"] = "call:"
# What each timeline event is called, in English: the template words it through the catalogue.
_env.globals["EVENT_KINDS"] = EVENT_KINDS

# htmx gets its token from hx-headers; no inline script or style anywhere, so 'self' suffices.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@dataclass
class Console:
    """Who is asking, in which language, within which transaction."""

    session: Session
    settings: Settings
    user: User
    caller: Caller
    login: ConsoleSession
    language: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def _(self) -> Callable[..., str]:
        return i18n.gettext_for(self.language)


def page(
    request: Request,
    template: str,
    *,
    language: str,
    status_code: int = 200,
    console: Console | None = None,
    **context: Any,
) -> HTMLResponse:
    values: dict[str, Any] = {
        "request": request,
        "lang": language,
        "dir": i18n.direction(language),
        "_": i18n.gettext_for(language),
        "ngettext": i18n.ngettext_for(language),
        "when": lambda moment: i18n.format_moment(moment, language),
        "number": lambda value, decimals=None: i18n.format_number(value, language, decimals),
        "percent": lambda share: i18n.format_percent(share, language),
        "digits": lambda text: i18n.digits(text, language),
        "number_locale": i18n.browser_locale(language),
        "value_word": lambda value: i18n.value_word(value, language),
        "actor": lambda name: i18n.actor_word(name, language),
        "me": console.user if console else None,
        "caller": console.caller if console else None,
        # The menu's *Restricted access* link, by the rule `request_access` applies.
        "may_break_glass": may_break_glass(console.caller) if console else False,
        "csrf": console.login.csrf_token if console else context.pop("csrf", ""),
        "flash": take_flash(request, language) if console else None,
    }
    values.update(context)
    html = _env.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    if console:
        forget_flash(request, response)
    return response


def done(console: Console, url: str, key: str) -> RedirectResponse:
    """After an action: back to the page, which then says once what was done."""
    response = RedirectResponse(url, status_code=303)
    flash(response, key, secure=console.settings.public_url.startswith("https://"))
    return response


class ConsoleHeaders:
    """The console's own headers on its pages, as a plain ASGI middleware that lets every other
    path through untouched: as Starlette's `http` middleware it ran a task and a stream per
    request of every kind, a webhook's too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith("/console"):
            await self.app(scope, receive, send)
            return
        static = path.startswith("/console/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                # The app-wide headers (ccc/api/headers.py) set a frame-ancestors-only policy
                # first: the console's pages need their own, which allows their own scripts and
                # no other.
                headers["Content-Security-Policy"] = CSP
                if static:
                    headers["Cache-Control"] = "public, max-age=3600"
            await send(message)

        await self.app(scope, receive, with_headers)
