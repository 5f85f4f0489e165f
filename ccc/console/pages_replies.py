"""`/console/saved-replies`: supervisors keep the replies agents insert, in four languages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ccc.access.policy import OVERSIGHT
from ccc.console.deps import ChangeDep, ConsoleDep
from ccc.console.feedback import explain
from ccc.console.web import Console, done, page
from ccc.kernel.errors import CCCError, Forbidden, NotFound
from ccc.kernel.paging import MAX_ID
from ccc.replies import service
from ccc.replies.models import LANGUAGES

router = APIRouter(prefix="/console", include_in_schema=False)
HERE = "/console/saved-replies"
Text = Annotated[str, Form(max_length=service.MAX_TEXT)]


def forbidden(request: Request, console: Console) -> HTMLResponse:
    return page(
        request,
        "forbidden.html",
        language=console.language,
        console=console,
        status_code=403,
    )


def _show(
    request: Request,
    console: Console,
    *,
    failure: str | None = None,
    status_code: int = 200,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "saved_replies.html",
        language=console.language,
        console=console,
        replies=service.all_replies(console.session),
        languages=LANGUAGES,
        typed=typed or {},
        failure=failure,
        status_code=status_code,
    )


@router.get("/saved-replies", response_class=HTMLResponse)
def saved_replies(request: Request, console: ConsoleDep) -> HTMLResponse:
    if console.caller.role not in OVERSIGHT:
        return forbidden(request, console)
    return _show(request, console)


@router.post("/saved-replies")
def add_saved_reply(
    request: Request,
    console: ChangeDep,
    name: Annotated[str, Form(max_length=service.MAX_NAME)] = "",
    ar: Text = "",
    ckb: Text = "",
    kmr: Text = "",
    en: Text = "",
) -> Response:
    texts = {"ar": ar, "ckb": ckb, "kmr": kmr, "en": en}
    try:
        service.create(console.session, caller=console.caller, name=name, texts=texts)
    except Forbidden:
        return forbidden(request, console)
    except CCCError as exc:
        console.session.rollback()
        return _show(
            request,
            console,
            failure=explain(exc, console.language),
            status_code=exc.status_code,
            typed={"name": name, **texts},
        )
    return done(console, HERE, "saved_reply_added")


@router.post("/saved-replies/{reply_id}/delete")
def delete_saved_reply(reply_id: int, request: Request, console: ChangeDep) -> Response:
    try:
        if not 0 < reply_id <= MAX_ID:
            raise NotFound("no such saved reply")
        service.delete(console.session, caller=console.caller, reply_id=reply_id)
    except Forbidden:
        return forbidden(request, console)
    except CCCError as exc:
        console.session.rollback()
        return _show(
            request, console, failure=explain(exc, console.language), status_code=exc.status_code
        )
    return done(console, HERE, "saved_reply_deleted")
