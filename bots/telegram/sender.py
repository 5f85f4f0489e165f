"""Telegram: sending through python-telegram-bot's `Bot`, and the errors it reports."""

from __future__ import annotations

import asyncio
import logging
import re
import warnings
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest as TelegramBadRequest,
)
from telegram.error import (
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bots.telegram.updates import CHANNEL
from ccc.channels.port import Button, OutboundMessage, SendError, SendResult
from ccc.channels.sms import split_message
from ccc.kernel.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.telegram.org"
MAX_TEXT = 4096  # UTF-16 code units
BUTTONS_PER_ROW = 2
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")
T = TypeVar("T")


class _HideTokens(logging.Filter):
    """Bot API URLs hold the bot's token, and httpx (at INFO) and the library's Bot (at DEBUG)
    log them. A logger's filters apply only to records made on that very logger, hence one
    filter on each."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub("<token>", message)
            record.args = None
        return True


for _name in ("httpx", "telegram.Bot"):
    logging.getLogger(_name).addFilter(_HideTokens())


async def answer_callback_query(settings: Settings, query_id: str) -> None:
    """Best effort: a query left unanswered only spins a little longer in the person's app."""
    try:
        async with _BotSession(settings, timeout=5.0) as bot:
            await bot.answer_callback_query(query_id)
    except Exception as exc:
        log.warning("could not answer callback query: %s", _redact(str(exc), settings))


class _BotSession:
    """A `Bot` whose connections live only as long as one job: jobs run in fresh event loops,
    and a pooled client would outlive its loop. `Bot.initialize` is skipped on purpose: it
    calls `getMe` on every use and puts the token in its error message."""

    def __init__(self, settings: Settings, timeout: float = 15.0) -> None:
        assert settings.telegram_bot_token
        self.request = HTTPXRequest(
            connection_pool_size=2,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            pool_timeout=timeout,
        )
        base = (settings.telegram_api_base or DEFAULT_API_BASE).rstrip("/")
        self.bot = Bot(
            settings.telegram_bot_token,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=self.request,
            get_updates_request=self.request,
        )

    async def __aenter__(self) -> Bot:
        await self.request.initialize()
        return self.bot

    async def __aexit__(self, *_exc: object) -> None:
        await self.request.shutdown()


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """One inline button per choice, two to a row; pressing one sends its key back."""
    if not buttons:
        return None
    row_list = [
        [
            InlineKeyboardButton(text=button.label[:64], callback_data=button.key[:64])
            for button in buttons[start : start + BUTTONS_PER_ROW]
        ]
        for start in range(0, len(buttons), BUTTONS_PER_ROW)
    ]
    return InlineKeyboardMarkup(row_list)


class TelegramSender:
    channel = CHANNEL

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: OutboundMessage) -> SendResult:
        if not self.settings.telegram_bot_token:
            raise SendError("TELEGRAM_BOT_TOKEN is not set", code="not_configured", permanent=True)
        try:
            chat_id = int(message.address)
        except ValueError as exc:
            raise SendError(
                "not a Telegram chat id", code="invalid_chat", permanent=True, unreachable=True
            ) from exc
        return run_sync(self._send(chat_id, message))

    async def _send(self, chat_id: int, message: OutboundMessage) -> SendResult:
        parts = split_message(message.text, MAX_TEXT)
        sent_ids: list[int] = []
        try:
            async with _BotSession(self.settings) as bot:
                for index, part in enumerate(parts):
                    last = index == len(parts) - 1
                    sent = await bot.send_message(
                        chat_id=chat_id,
                        text=part,
                        reply_markup=keyboard(message.buttons) if last else None,
                    )
                    sent_ids.append(sent.message_id)
        except TelegramError as exc:
            raise send_error(exc, self.settings) from exc
        # Message ids count per chat, so the chat id makes them unique across chats, and the
        # colon keeps them apart from inbound update ids in the same column.
        return SendResult(external_id=f"{chat_id}:{sent_ids[0]}", status="sent", parts=len(parts))


def send_error(exc: TelegramError, settings: Settings) -> SendError:
    """What a Bot API error means for the send job."""
    text = _redact(exc.message, settings)
    if isinstance(exc, RetryAfter):
        return SendError(
            f"Telegram flood control: {text}",
            code="rate_limited",
            retry_after=_seconds(exc),
            rate_limited=True,
        )
    if isinstance(exc, Forbidden):
        return SendError(text, code="blocked", permanent=True, unreachable=True)
    if isinstance(exc, TelegramBadRequest):
        if "chat not found" in text.lower():
            return SendError(text, code="chat_not_found", permanent=True, unreachable=True)
        return SendError(text, code="bad_request", permanent=True)
    if isinstance(exc, InvalidToken):
        return SendError("the bot token was refused", code="invalid_token", permanent=True)
    if isinstance(exc, TimedOut):
        return SendError(f"Telegram did not answer in time: {text}", code="timeout")
    if isinstance(exc, NetworkError):
        # PTB reports Telegram's own 5xx as a NetworkError naming the HTTP status; an agent
        # should tell "Telegram is down" from "our network is down".
        if _SERVER_FAILURE.search(text):
            return SendError(f"Telegram's servers failed: {text}", code="telegram_5xx")
        return SendError(f"could not reach Telegram: {text}", code="network")
    return SendError(text, code="telegram_error")


_SERVER_FAILURE = re.compile(
    r"\(5\d\d\)|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out",
    re.IGNORECASE,
)


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the int form of retry_after is deprecated in PTB 22
        value: int | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _redact(text: str, settings: Settings) -> str:
    token = settings.telegram_bot_token
    if token:
        text = text.replace(token, "<token>")
    return _TOKEN.sub("<token>", text)


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Jobs are synchronous; PTB is not. In a thread that already runs a loop (an async test,
    an ASGI server's loop thread), the coroutine runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def sender(settings: Settings) -> TelegramSender:
    return TelegramSender(settings)
