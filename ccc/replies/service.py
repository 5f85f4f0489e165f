"""Keeping saved replies: supervisors and admins write them, every role reads them.

Services never commit (the request owns the transaction)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ccc.access.policy import OVERSIGHT, Caller
from ccc.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from ccc.replies.models import LANGUAGES, REFERENCE_PLACEHOLDER, SavedReply

MAX_NAME = 120
MAX_TEXT = 1600


def require_writer(caller: Caller) -> None:
    if caller.role not in OVERSIGHT:
        raise Forbidden("only supervisors and admins keep saved replies")


def checked_texts(texts: dict[str, str]) -> dict[str, str]:
    """Every language, none blank: an agent must never find a reply missing in the ticket's
    language and send another language instead."""
    missing = [code for code in LANGUAGES if not (texts.get(code) or "").strip()]
    if missing:
        raise Invalid(f"a text is needed in every language; missing or blank: {', '.join(missing)}")
    unknown = sorted(set(texts) - set(LANGUAGES))
    if unknown:
        raise Invalid(f"unknown languages: {', '.join(unknown)} (use ar, ckb, kmr, en)")
    long = [code for code in LANGUAGES if len(texts[code]) > MAX_TEXT]
    if long:
        raise Invalid(f"texts longer than {MAX_TEXT} characters: {', '.join(long)}")
    return {code: texts[code].strip() for code in LANGUAGES}


def all_replies(session: Session) -> list[SavedReply]:
    return list(session.exec(select(SavedReply).order_by(col(SavedReply.name))).all())


def create(session: Session, *, caller: Caller, name: str, texts: dict[str, str]) -> SavedReply:
    require_writer(caller)
    name = name.strip()
    if not name:
        raise Invalid("a saved reply needs a name")
    if len(name) > MAX_NAME:
        raise Invalid(f"the name is longer than {MAX_NAME} characters")
    clean = checked_texts(texts)
    if session.exec(select(SavedReply).where(SavedReply.name == name)).first() is not None:
        raise Conflict("a saved reply with this name exists already")
    reply = SavedReply(name=name, texts=clean, created_by_id=caller.user_id)
    session.add(reply)
    session.flush()
    return reply


def delete(session: Session, *, caller: Caller, reply_id: int) -> None:
    require_writer(caller)
    reply = session.get(SavedReply, reply_id)
    if reply is None:
        raise NotFound("no such saved reply")
    session.delete(reply)
    session.flush()


def text_for(reply: SavedReply, *, language: str | None, reference: str) -> str:
    """The reply in the ticket's language (Arabic when the ticket has none), its reference in."""
    text = reply.texts.get(language or "ar") or reply.texts.get("ar", "")
    return text.replace(REFERENCE_PLACEHOLDER, reference)
