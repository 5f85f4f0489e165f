"""The timeline as the ticket page shows it: the chatbot's turns folded into one line, so the
person's own messages and the agents' stand out.

A chatbot turn is an automated message (no agent wrote it) or a message of the person that the
chatbot answered (the next message is the chatbot's): a menu choice, an intake answer. What the
person wrote that nobody or an agent answered stays in view."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from ccc.access.models import User
from ccc.messages.models import Message


def _authors(session: Session, items: list[dict[str, Any]]) -> dict[int, str]:
    ids = [item["id"] for item in items if item["type"] == "message" and item["direction"] == "out"]
    if not ids:
        return {}
    rows = session.exec(
        select(Message.id, User.name)
        .join(User, col(User.id) == Message.author_user_id)
        .where(col(Message.id).in_(ids))
    ).all()
    return {int(message_id): str(name) for message_id, name in rows if message_id is not None}


# What each kind of timeline event is called on the page (catalogue keys, in English). Every
# kind that code records is here (tests/ccc/console/test_event_kinds.py reads the code for
# them), so no raw key such as `out_of_hours_ack` reaches an Arabic or Kurdish page.
EVENT_KINDS = {
    "created": "Ticket created",
    "note": "Internal note",
    "reply": "Reply sent",
    "referred": "Referred",
    "referral_accepted": "Referral accepted",
    "referral_rejected": "Referral rejected",
    "referral_completed": "Referral completed",
    "referral_cancelled": "Referral cancelled",
    "referral.overdue": "Referral overdue",
    "status_changed": "Status changed",
    "priority_changed": "Priority changed",
    "team_changed": "Team changed",
    "assignee_changed": "Assignee changed",
    "category_changed": "Category changed",
    "sensitivity_changed": "Sensitivity changed",
    "viewed": "Viewed",
    "sla.breached": "SLA breached",
    "routed": "Routed",
    "rule": "Rule applied",
    "escalated": "Escalated",
    "callback.requested": "Callback requested",
    "callback.attempt": "Callback attempt",
    "callback.not_reached": "Callback: person not reached",
    "recording.played": "Voice message played",
    "recording.transcribed": "Voice message transcribed",
    "transcript.read": "Transcript read",
    "break_glass": "Restricted access granted",
    "hold": "On hold",
    "hold_released": "Hold released",
    "out_of_hours_ack": "Told the centre is closed and when it answers",
    "handed_back": "The person went back to the menu",
    "named_by_person": "The person named this request",
    "intake_joined": "A second intake joined this ticket",
    "linked": "Linked to a new ticket",
    "follow_up": "Followed up in a new ticket",
    "person_notified": "Closing message sent",
    "satisfaction_asked": "Satisfaction question sent",
    "satisfaction": "Satisfaction rating",
    "held_for_reply": "Template sent; the text waits for the person's reply",
    "held_sent": "Waiting text sent after the person replied",
}


# The chatbot's note on an answer it cut (workflows/steps.py), said again in the reader's words.
CUT_NOTE = re.compile(r"^The answer '(?P<key>\w+)' was longer than (?P<n>\d+) characters")
CUT_WORDS = (
    "The answer “%(key)s” was longer than %(n)s characters and is cut; the whole text is in "
    "the person's message in this timeline."
)


# The notes the senders write on WhatsApp's 24 hours and on a failed send (bots/twilio/sender.py,
# ccc/messages/tasks.py), said again in the reader's words: the core may not import the adapter,
# so they are known by their opening words.
SMS_FALLBACK_NOTE = "Sent by SMS to the same number:"
SMS_FALLBACK_WORDS = (
    "Sent by SMS to the same number: the person last wrote on WhatsApp more than 24 hours ago "
    "and no approved WhatsApp template is set up for this message."
)
TEMPLATE_NOTE = "Sent as the approved WhatsApp template:"
TEMPLATE_WORDS = (
    "Sent as the approved WhatsApp template: the person last wrote on WhatsApp more than 24 "
    "hours ago. The text itself goes out when they reply."
)
NOT_SENT_NOTE = re.compile(
    r"^A message to the person could not be sent \((?P<code>[^)]*)\): (?P<reason>.*)$", re.S
)
NOT_SENT_WORDS = "A message to the person could not be sent (%(code)s): %(reason)s"
OUTSIDE_WINDOW_WORDS = (
    "the person last wrote on WhatsApp more than 24 hours ago, and WhatsApp then accepts only "
    "an approved template; none is set up for this message and SMS is not set up either. "
    "Reach them on another channel or wait until they write again."
)
NOTE_WORDS = (
    CUT_WORDS,
    SMS_FALLBACK_WORDS,
    TEMPLATE_WORDS,
    NOT_SENT_WORDS,
    OUTSIDE_WINDOW_WORDS,
)


def _note_words(text: str, gettext: Callable[..., str]) -> str | None:
    """A system note in the reader's words, or None for a note someone wrote."""
    if match := CUT_NOTE.match(text):
        return gettext(CUT_WORDS, key=gettext(match["key"]), n=match["n"])
    if text.startswith(SMS_FALLBACK_NOTE):
        return gettext(SMS_FALLBACK_WORDS)
    if text.startswith(TEMPLATE_NOTE):
        return gettext(TEMPLATE_WORDS)
    if match := NOT_SENT_NOTE.match(text):
        code = match["code"]
        # Twilio's own error text stays as it came; only the window's reason is CCC's.
        reason = gettext(OUTSIDE_WINDOW_WORDS) if code == "outside_window" else match["reason"]
        return gettext(NOT_SENT_WORDS, code=code, reason=reason)
    return None


def _reworded(item: dict[str, Any], gettext: Callable[..., str]) -> dict[str, Any]:
    text = item["data"].get("text")
    # Only CCC's own notes: what an agent wrote stays as they wrote it.
    system = item.get("actor") in ("routing", "chatbot")
    if item["kind"] != "note" or not isinstance(text, str) or not system:
        return item
    words = _note_words(text, gettext)
    if words is None:
        return item
    return {**item, "data": {**item["data"], "text": words}}


def blocks(
    session: Session, items: list[dict[str, Any]], gettext: Callable[..., str]
) -> list[dict[str, Any]]:
    """[{"bot": [items…]} | {"item": item}], in time order; runs of chatbot turns grouped."""
    authors = _authors(session, items)
    messages = [item for item in items if item["type"] == "message"]
    following = {id(a): b for a, b in zip(messages, messages[1:], strict=False)}
    # What the person writes once the ticket exists is their own word to the centre, never a
    # chatbot turn to fold away, even when the chatbot acknowledged it.
    opened = next((i["created_at"] for i in items if i.get("kind") == "created"), None)

    def automated(item: dict[str, Any]) -> bool:
        return item["direction"] == "out" and item["id"] not in authors

    def chatbot_turn(item: dict[str, Any]) -> bool:
        if item["type"] != "message":
            return False
        if item["direction"] == "out":
            return automated(item)
        if opened is not None and item["created_at"] > opened:
            return False
        after = following.get(id(item))
        return after is not None and automated(after)

    out: list[dict[str, Any]] = []
    for item in items:
        folded = chatbot_turn(item)
        if item["type"] == "message":
            item = {**item, "author": authors.get(item["id"])}
        else:
            item = _reworded(item, gettext)
        if folded:
            if out and "bot" in out[-1]:
                out[-1]["bot"].append(item)
            else:
                out.append({"bot": [item]})
        else:
            out.append({"item": item})
    return out
