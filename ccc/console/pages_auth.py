"""Login, logout, the language switch and the account page."""

from __future__ import annotations

import secrets
from typing import Annotated

import pyotp
import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from ccc.access import audit
from ccc.access.service import user_by_name
from ccc.api.deps import SessionDep, SettingsDep
from ccc.console import auth, i18n
from ccc.console.deps import (
    COOKIE,
    HOME,
    LOGIN_CSRF_COOKIE,
    ChangeDep,
    ConsoleDep,
    client_address,
)
from ccc.console.web import Console, done, page
from ccc.kernel.errors import CCCError

router = APIRouter(prefix="/console", include_in_schema=False)


def _secure(settings_url: str) -> bool:
    return settings_url.startswith("https://")


def login_page(
    request: Request, *, secure: bool, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    """The login form with a fresh CSRF token, kept in a cookie of its own until login
    (there is no session yet to hold it)."""
    token = secrets.token_urlsafe(32)
    language = i18n.pick_language(None, request.headers.get("accept-language"))
    response = page(
        request, "login.html", language=language, status_code=status_code, csrf=token, error=error
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path=HOME
    )
    return response


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=120)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    secure = _secure(settings.public_url)
    username, address = username.strip(), client_address(request)
    refusal = None
    if not auth.csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf):
        refusal, error, status = "expired_form", "expired", 403
    elif auth.too_many_failures(session, username=username, address=address):
        refusal, error, status = "locked", "locked", 429
    if refusal is not None:
        user = user_by_name(session, username)
        auth.record_login(session, username=username, address=address, user=user, refusal=refusal)
        return login_page(request, secure=secure, error=error, status_code=status)
    opened = auth.log_in(session, username=username, password=password, address=address, code=code)
    if opened is None:
        return login_page(request, secure=secure, error="wrong")
    response = RedirectResponse(HOME, status_code=303)
    response.set_cookie(
        COOKIE, opened.token, httponly=True, samesite="lax", secure=secure, path=HOME
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=HOME)
    return response


@router.post("/logout")
def logout(request: Request, console: ChangeDep) -> Response:
    auth.end_session(
        console.session,
        console.login,
        user=console.user,
        reason="logout",
        address=client_address(request),
    )
    response = RedirectResponse(HOME, status_code=303)
    response.delete_cookie(COOKIE, path=HOME)
    return response


def _back(next_url: str) -> str:
    """Only back into the console: never an open redirect."""
    if next_url.startswith("/console") and not next_url.startswith("//"):
        return next_url
    return HOME


@router.post("/language")
def switch_language(
    console: ChangeDep,
    language: Annotated[str, Form(max_length=8)],
    next_url: Annotated[str, Form(alias="next", max_length=2000)] = HOME,
) -> Response:
    auth.set_language(console.session, user=console.user, language=language)
    return done(console, _back(next_url), "language")


def account_page(
    request: Request, console: Console, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    """The account page; without a second factor it offers a fresh secret to set one up."""
    user = console.user
    secret = None if user.totp_secret else auth.offered_totp_secret(console.session, user=user)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.name, issuer_name="CCC") if secret else None
    # The QR code authenticator apps scan, as inline SVG (no script, no outside request).
    # segno writes only paths and the constant title: the URI (and the user's name) is
    # encoded in the modules, never written as text.
    svg = segno.make(uri, error="m").svg_inline(scale=4, title="otpauth") if uri else None
    qr = Markup(svg) if svg else None  # noqa: S704
    return page(
        request,
        "account.html",
        language=console.language,
        console=console,
        error=error,
        status_code=status_code,
        totp_secret=secret,
        totp_uri=uri,
        totp_qr=qr,
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, console: ConsoleDep) -> HTMLResponse:
    return account_page(request, console)


@router.post("/account/totp")
def enable_totp(
    request: Request,
    console: ChangeDep,
    code: Annotated[str, Form(max_length=20)],
) -> Response:
    """The secret is the one CCC offered and kept; a `secret` field in the form is ignored."""
    if not auth.enable_totp(console.session, user=console.user, code=code):
        return account_page(request, console, error="wrong_code", status_code=422)
    audit.record(
        console.session, caller=console.caller, action=audit.Action.second_factor_changed, on=True
    )
    return done(console, f"{HOME}/account", "totp_on")


@router.post("/account/totp/off")
def disable_totp(
    request: Request, console: ChangeDep, current: Annotated[str, Form(max_length=1000)]
) -> Response:
    """Turning the second factor off takes the password, so an open laptop is not enough."""
    if not auth.verify_password(console.user, current):
        return account_page(request, console, error="wrong_current", status_code=422)
    auth.disable_totp(console.session, user=console.user)
    audit.record(
        console.session, caller=console.caller, action=audit.Action.second_factor_changed, on=False
    )
    return done(console, f"{HOME}/account", "totp_off")


@router.post("/account/password")
def change_password(
    request: Request,
    console: ChangeDep,
    settings: SettingsDep,
    current: Annotated[str, Form(max_length=1000)],
    new: Annotated[str, Form(max_length=1000)],
    confirm: Annotated[str, Form(max_length=1000)],
) -> Response:
    """A new password ends every session of the user, this one included."""
    error = None
    if not auth.verify_password(console.user, current):
        error = "wrong_current"
    elif new != confirm:
        error = "mismatch"
    else:
        try:
            auth.set_password(
                console.session, name=console.user.name, password=new, by=console.caller
            )
        except CCCError:
            error = "too_short"
    if error:
        return account_page(request, console, error=error, status_code=422)
    response = login_page(request, secure=_secure(settings.public_url), error="changed")
    response.delete_cookie(COOKIE, path=HOME)
    return response
