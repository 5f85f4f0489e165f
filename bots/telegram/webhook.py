"""Telegram: the Bot API webhook.

Telegram calls `/webhooks/telegram` with one JSON `Update` per request and the secret given to
`setWebhook` in `X-Telegram-Bot-Api-Secret-Token`. A request without that secret is refused
before its body is read; a repeated `update_id` is stored once; replies go out as jobs (see
`bots/telegram/sender.py`), with the menu's choices as inline buttons.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request

from bots.telegram.sender import answer_callback_query
from bots.telegram.updates import CHANNEL, MAX_ID, parse_update
from bots.webhooks import (
    JSON,
    refuse,
    require_content_type,
    require_unicode_text,
    secret_token_valid,
    without_nul,
)
from ccc.channels.delivery import set_reachable
from ccc.jobs.outbox import run_in_background
from ccc.kernel.errors import BadRequest
from ccc.kernel.web import SessionDep, SettingsDep
from ccc.messages.service import accept_inbound

log = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


async def verified_update(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """The JSON update Telegram posted, or a refusal before anything is stored."""
    if not settings.telegram_webhook_secret:
        raise refuse(request, "TELEGRAM_WEBHOOK_SECRET is not set")
    if not secret_token_valid(
        expected=settings.telegram_webhook_secret, received=request.headers.get(SECRET_HEADER)
    ):
        raise refuse(request, f"bad or missing {SECRET_HEADER}")
    require_content_type(request, JSON)
    body = await request.body()
    try:
        data = without_nul(json.loads(body))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise BadRequest(f"the body is not valid JSON: {reason}") from exc
    if not isinstance(data, dict):
        raise BadRequest("a Telegram Update is a JSON object")
    require_unicode_text(data)
    update_id = data.get("update_id")
    if (
        not isinstance(update_id, int)
        or isinstance(update_id, bool)
        or not 0 <= update_id <= MAX_ID
    ):
        raise BadRequest("update_id must be a non-negative 64-bit integer")
    return data


UpdateDep = Annotated[dict[str, Any], Depends(verified_update)]


@router.post("/telegram", summary="Telegram Bot API webhook")
def telegram_webhook(
    update: UpdateDep, session: SessionDep, settings: SettingsDep, background: BackgroundTasks
) -> dict[str, str]:
    parsed = parse_update(update, settings.default_region)
    if parsed.membership is not None:
        chat_id, may_write = parsed.membership
        reason = None if may_write else "blocked: the person blocked the bot on Telegram"
        set_reachable(session, channel=CHANNEL, address=chat_id, reason=reason)
    if parsed.inbound is None:
        log.info("telegram update %s ignored: %s", parsed.update_id, parsed.ignored)
        return {"status": "ignored"}
    run_in_background(session)
    accepted = accept_inbound(session, inbound=parsed.inbound)
    if accepted.duplicate:
        return {"status": "duplicate"}
    if parsed.callback_query_id and settings.outbound_mode(CHANNEL) == "live":
        # After the response: the button stops spinning, and the webhook never waits on it.
        background.add_task(answer_callback_query, settings, parsed.callback_query_id)
    return {"status": "accepted"}
