"""`/console/prompts` (supervisors): each IVR prompt per language, its text, whether the centre
recorded it, a player, and an upload that the next call plays."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response

from ccc.access.policy import OVERSIGHT
from ccc.calls import prompts
from ccc.calls.prompts import PromptLine
from ccc.console.deps import ChangeDep, ConsoleDep
from ccc.console.feedback import explain
from ccc.console.pages_replies import forbidden
from ccc.console.web import Console, done, page
from ccc.kernel.errors import CCCError, NotFound

router = APIRouter(prefix="/console", include_in_schema=False)
HERE = "/console/prompts"


def inventory(request: Request) -> list[PromptLine]:
    lines: list[PromptLine] = request.app.state.voice_prompts()
    return lines


def _rows(console: Console, lines: list[PromptLine], language: str) -> list[dict[str, Any]]:
    folder = prompts.folder_of(console.settings.voice_prompts_dir)
    rows = []
    for line in lines:
        if line.language != language:
            continue
        found = prompts.recording_of(folder, line.language, line.key)
        rows.append(
            {
                "line": line,
                "file": found.name if found else None,
                "version": int(found.stat().st_mtime) if found else 0,
                "heard": prompts.heard_as(folder, line),
            }
        )
    return rows


def _show(
    request: Request,
    console: Console,
    language: str,
    *,
    failure: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lines = inventory(request)
    rows = _rows(console, lines, language)
    recordable = [row for row in rows if row["line"].recordable]
    return page(
        request,
        "prompts.html",
        language=console.language,
        console=console,
        shown=language,
        languages=prompts.LANGUAGES,
        rows=rows,
        recorded=sum(1 for row in recordable if row["file"]),
        recordable=len(recordable),
        configured=console.settings.voice_prompts_dir is not None,
        max_mb=prompts.MAX_BYTES // (1024 * 1024),
        max_seconds=int(prompts.MAX_SECONDS),
        failure=failure,
        status_code=status_code,
    )


def _language(value: str | None, console: Console) -> str:
    if value in prompts.LANGUAGES:
        return value
    return console.language if console.language in prompts.LANGUAGES else "ar"


@router.get("/prompts", response_class=HTMLResponse)
def prompt_list(request: Request, console: ConsoleDep, language: str | None = None) -> Response:
    if console.caller.role not in OVERSIGHT:
        return forbidden(request, console)
    return _show(request, console, _language(language, console))


@router.get("/prompts/{language}/{key}/audio")
def prompt_audio(request: Request, console: ConsoleDep, language: str, key: str) -> Response:
    if console.caller.role not in OVERSIGHT:
        return forbidden(request, console)
    known = {(line.language, line.key) for line in inventory(request)}
    folder = prompts.folder_of(console.settings.voice_prompts_dir)
    found = prompts.recording_of(folder, language, key) if (language, key) in known else None
    if found is None:
        return Response(status_code=404)
    media = "audio/mpeg" if found.suffix == ".mp3" else "audio/wav"
    return FileResponse(found, media_type=media)


@router.post("/prompts/{language}/{key}")
async def upload_prompt(
    request: Request,
    console: ChangeDep,
    language: str,
    key: str,
    recording: Annotated[UploadFile, File()],
) -> Response:
    if console.caller.role not in OVERSIGHT:
        return forbidden(request, console)
    shown = _language(language, console)
    data = await recording.read(prompts.MAX_BYTES + 1)
    try:
        if language not in prompts.LANGUAGES:
            raise NotFound("no such prompt")
        prompts.store_recording(
            prompts.folder_of(console.settings.voice_prompts_dir),
            inventory=inventory(request),
            language=language,
            key=key,
            data=data,
        )
    except CCCError as exc:
        return _show(
            request,
            console,
            shown,
            failure=explain(exc, console.language),
            status_code=exc.status_code,
        )
    return done(console, f"{HERE}?language={language}#prompt-{key}", "prompt_uploaded")
