"""Reading Telegram `Update`s into what CCC stores: one inbound message, or nothing.

People write to the bot in a private chat: text, `/start` (with a deep-link payload), button
presses, photos, documents, voice notes, their own phone number, a location. Everything else
Telegram sends (edits, group and channel posts, polls, service messages) is acknowledged and
dropped: an edited message must not start a second chatbot turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Update
from telegram import Message as TelegramMessage

from ccc.channels.port import InboundMessage, Media
from ccc.kernel.errors import BadRequest
from ccc.kernel.phone import to_e164

CHANNEL = "telegram"
PRIVATE = "private"
# Bounds like the Twilio path's: ids are 64-bit integers in the Bot API, file ids are short
# URL-safe strings; anything else is a forged or broken update, refused with a 400.
MAX_ID = 2**63 - 1
MAX_FILE_ID = 256
_FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class OutOfBounds(ValueError):
    """A field outside what Telegram ever sends; its message names the field."""


@dataclass(frozen=True)
class ParsedUpdate:
    update_id: int
    inbound: InboundMessage | None = None
    # A button press: Telegram shows a spinner on the button until the query is answered.
    callback_query_id: str | None = None
    # (chat id, True when the bot may write again / False when the person blocked it)
    membership: tuple[str, bool] | None = None
    ignored: str | None = None


# The parts of an update CCC reads. Only these are handed to python-telegram-bot, so that a
# field CCC has no use for (a forwarded poll, a newer Bot API object the library is strict
# about) cannot make a person's message unreadable.
_MESSAGE_FIELDS = frozenset(
    {
        "message_id", "from", "chat", "date", "text", "caption", "sticker", "photo",
        "document", "voice", "audio", "video", "video_note", "contact", "location", "venue",
    }
)  # fmt: skip
_CALLBACK_FIELDS = frozenset({"id", "from", "chat_instance", "data"})
_ORIGIN_FIELDS = frozenset({"message_id", "date", "chat"})


def parse_update(data: dict[str, Any], region: str) -> ParsedUpdate:
    update_id = int(data["update_id"])
    try:
        if "message" in data:
            update = Update.de_json({"update_id": update_id, "message": _trim_message(data)})
            assert update.message is not None
            return _message(update_id, update.message, region)
        if "callback_query" in data:
            update = Update.de_json(
                {"update_id": update_id, "callback_query": _trim_callback(data)}
            )
            assert update.callback_query is not None
            return _callback(update_id, update.callback_query)
        if "my_chat_member" in data:
            return _membership(update_id, data["my_chat_member"])
    except OutOfBounds as exc:
        raise BadRequest(f"not a Telegram Update: {exc}") from exc
    except Exception as exc:  # a malformed update is the sender's error, whatever breaks
        raise BadRequest(f"not a Telegram Update: {type(exc).__name__}") from exc
    kinds = [key for key in data if key != "update_id"]
    return ParsedUpdate(update_id, ignored=f"update type {','.join(kinds) or 'empty'}")


def chat_address(chat_id: object) -> str:
    """A Telegram chat id as CCC stores it: a 64-bit integer, written in digits."""
    if isinstance(chat_id, bool) or not isinstance(chat_id, int) or abs(chat_id) > MAX_ID:
        raise OutOfBounds("chat.id must be a 64-bit integer")
    return str(chat_id)


def _trim_message(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data["message"].items() if k in _MESSAGE_FIELDS}


def _trim_callback(data: dict[str, Any]) -> dict[str, Any]:
    query = data["callback_query"]
    trimmed = {k: v for k, v in query.items() if k in _CALLBACK_FIELDS}
    origin = query.get("message")
    if isinstance(origin, dict):
        trimmed["message"] = {k: v for k, v in origin.items() if k in _ORIGIN_FIELDS}
    return trimmed


def _message(update_id: int, message: TelegramMessage, region: str) -> ParsedUpdate:
    if message.chat.type != PRIVATE:
        return ParsedUpdate(update_id, ignored=f"a message in a {message.chat.type} chat")
    sender = message.from_user
    # A bare /start reads as "" but is still a message: the person expects a greeting.
    wrote = bool(message.text or message.caption or message.sticker)
    media = list(_media(message))
    linked_phone, card = _shared_number(message, region)
    if card is not None:
        media.append(card)
    where = _place(message)
    if not (wrote or media or linked_phone or where):
        return ParsedUpdate(update_id, ignored="a message with nothing CCC uses")
    return ParsedUpdate(
        update_id,
        inbound=InboundMessage(
            channel=CHANNEL,
            address=chat_address(message.chat.id),
            external_id=str(update_id),
            text=_text(message),
            media=tuple(media),
            display_name=sender.full_name if sender is not None else None,
            linked_phone=linked_phone,
            location=where,
            proves_reachable=True,
        ),
    )


def _shared_number(message: TelegramMessage, region: str) -> tuple[str | None, Media | None]:
    """A shared contact as (the number to link, the card to keep): only the sender's own number
    links their chat to their phone; someone else's is kept as the person sent it, linked to no
    one, so a forwarded card can never merge two people."""
    contact = message.contact
    if contact is None:
        return None, None
    phone = _phone(contact.phone_number, region)
    sender = message.from_user
    if sender is not None and contact.user_id == sender.id and phone is not None:
        return phone, None
    return None, Media(url=f"tel:{phone or contact.phone_number}", content_type="text/vcard")


def _place(message: TelegramMessage) -> tuple[float, float] | None:
    """Where the person is: a shared location, else the location of a shared venue; a point off
    the globe is a forged update, refused rather than stored."""
    location = message.location or (message.venue.location if message.venue else None)
    if location is None:
        return None
    where = (location.latitude, location.longitude)
    if not (abs(where[0]) <= 90 and abs(where[1]) <= 180):
        raise OutOfBounds("a location is within ±90° latitude and ±180° longitude")
    return where


def _text(message: TelegramMessage) -> str:
    """The words of a message; a command reads as the word, `/start` as its payload only."""
    text = (message.text or message.caption or "").strip()
    if not text and message.sticker is not None:
        return message.sticker.emoji or ""
    if not text.startswith("/"):
        return text
    command, _, rest = text.partition(" ")
    name = command[1:].split("@", 1)[0].lower()
    if name == "start":
        # `t.me/bot?start=PAYLOAD` arrives as `/start PAYLOAD`; bare /start greets like "hi".
        return rest.strip()
    return f"{name} {rest.strip()}".strip()


def _media(message: TelegramMessage) -> list[Media]:
    """References to files on Telegram's servers; CCC does not download them."""
    items: list[Media] = []
    if message.photo:
        largest = message.photo[-1]
        items.append(_file(largest.file_id, "image/jpeg", "image"))
    if message.document is not None:
        document = message.document
        items.append(
            _file(document.file_id, document.mime_type or "application/octet-stream", "document")
        )
    if message.voice is not None:
        items.append(_file(message.voice.file_id, message.voice.mime_type or "audio/ogg", "voice"))
    if message.audio is not None:
        items.append(_file(message.audio.file_id, message.audio.mime_type or "audio/mpeg", "audio"))
    if message.video is not None:
        items.append(_file(message.video.file_id, message.video.mime_type or "video/mp4", "video"))
    if message.video_note is not None:
        items.append(_file(message.video_note.file_id, "video/mp4", "video"))
    return items


def _file(file_id: str, content_type: str, kind: str) -> Media:
    if not _FILE_ID.match(file_id):
        raise OutOfBounds(f"a file_id is 1 to {MAX_FILE_ID} URL-safe characters")
    if len(content_type) > 100:
        raise OutOfBounds("a mime_type is at most 100 characters")
    return Media(url=f"telegram:file_id:{file_id}", content_type=content_type, kind=kind)


def _phone(raw: str, region: str) -> str | None:
    """Telegram writes shared numbers in international form, often without the `+`."""
    text = raw.strip()
    if text and not text.startswith(("+", "0")):
        text = "+" + text
    return to_e164(text, region)


def _callback(update_id: int, query: CallbackQuery) -> ParsedUpdate:
    if query.data is None:
        return ParsedUpdate(update_id, ignored="a callback query without data")
    if not isinstance(query.data, str):
        raise ValueError("callback data must be a string")
    chat = query.message.chat if query.message is not None else None
    if chat is not None and chat.type != PRIVATE:
        return ParsedUpdate(update_id, ignored=f"a button in a {chat.type} chat")
    # In a private chat the chat id is the user's id, so either names the same conversation.
    address = chat_address(chat.id if chat is not None else query.from_user.id)
    return ParsedUpdate(
        update_id,
        inbound=InboundMessage(
            channel=CHANNEL,
            address=address,
            external_id=str(update_id),
            text=query.data,
            display_name=query.from_user.full_name,
            proves_reachable=True,
        ),
        callback_query_id=query.id,
    )


def _membership(update_id: int, change: dict[str, Any]) -> ParsedUpdate:
    """The person blocked the bot (`kicked`) or unblocked it (`member`). Read by hand: of
    the whole `ChatMemberUpdated`, only the chat and the new status matter."""
    chat = change["chat"]
    if chat["type"] != PRIVATE:
        return ParsedUpdate(update_id, ignored=f"membership in a {chat['type']} chat")
    status = change["new_chat_member"]["status"]
    if status not in {"kicked", "member"}:
        return ParsedUpdate(update_id, ignored=f"membership status {status}")
    return ParsedUpdate(update_id, membership=(str(int(chat["id"])), status == "member"))
