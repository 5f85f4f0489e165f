"""The console's request dependencies: the logged-in user, and the CSRF check for changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ccc.access.auth import caller_for_user
from ccc.access.policy import OVERSIGHT
from ccc.api.deps import SessionDep, SettingsDep
from ccc.console import auth, i18n
from ccc.console.web import Console
from ccc.kernel.addresses import request_address

COOKIE = "ccc_session"
LOGIN_CSRF_COOKIE = "ccc_login_csrf"
HOME = "/console"


def login_required(request: Request) -> HTTPException:
    """Back to the login page; htmx follows `HX-Redirect` instead of swapping the page in."""
    if request.headers.get("hx-request"):
        return HTTPException(401, "log in again", headers={"HX-Redirect": HOME})
    return HTTPException(303, "log in", headers={"Location": HOME})


def get_console(request: Request, session: SessionDep, settings: SettingsDep) -> Console:
    token = request.cookies.get(COOKIE)
    opened = None
    if token:
        opened = auth.open_session(
            session,
            token,
            idle=timedelta(minutes=settings.console_idle_minutes),
            lifetime=timedelta(hours=settings.console_session_hours),
            address=client_address(request),
        )
    if opened is None:
        raise login_required(request)
    row, user = opened
    if _must_set_up_totp(request, settings.console_require_totp, user.role, user.totp_secret):
        raise HTTPException(303, "set up a second factor", headers={"Location": SET_UP_TOTP})
    return Console(
        session=session,
        settings=settings,
        user=user,
        # The audit log keeps the address a read or a change came from.
        caller=replace(caller_for_user(session, user=user), address=client_address(request)),
        login=row,
        language=i18n.pick_language(user.language, request.headers.get("accept-language")),
    )


SET_UP_TOTP = f"{HOME}/account"
# What a user without the required second factor may still reach: setting it up, and leaving.
TOTP_EXEMPT = frozenset({SET_UP_TOTP, f"{HOME}/account/totp", f"{HOME}/logout", f"{HOME}/language"})


def _must_set_up_totp(request: Request, required: bool, role: str, secret: str | None) -> bool:
    return required and role in OVERSIGHT and not secret and request.url.path not in TOTP_EXEMPT


ConsoleDep = Annotated[Console, Depends(get_console)]


async def checked_console(request: Request, console: ConsoleDep) -> Console:
    """Every request that changes something carries the session's CSRF token, in the form
    (`csrf`) or, for htmx, in the `X-CSRF-Token` header; without it nothing happens."""
    given = request.headers.get("x-csrf-token")
    if not given:
        form = await request.form()
        value = form.get("csrf")
        given = value if isinstance(value, str) else None
    if not auth.csrf_matches(console.login.csrf_token, given):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    return console


ChangeDep = Annotated[Console, Depends(checked_console)]


def client_address(request: Request) -> str:
    return request_address(request)
