"""What channels report after a send: delivery statuses, and whether a person can be reached.

Status callbacks arrive out of order and more than once (Twilio retries, and a `sent` may come
after the `delivered` it preceded), so a status only ever moves forward. A callback about a
message CCC does not know (another system on the same account, a part of a split SMS) changes
nothing.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, col, select

from ccc.contacts.service import find_identity
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Direction, Message, MessageStatus

log = logging.getLogger(__name__)

# How far along a message is; a report never moves it back. Final outcomes share a rank, so a
# correction from the carrier (delivered, then undelivered) still lands.
_RANK: dict[str, int] = {
    MessageStatus.pending: 0,
    MessageStatus.queued: 1,
    MessageStatus.sent: 2,
    MessageStatus.delivered: 3,
    MessageStatus.undelivered: 3,
    MessageStatus.failed: 3,
    MessageStatus.read: 4,
}


def record_status(
    session: Session,
    *,
    channels: tuple[str, ...],
    external_id: str,
    status: str,
    error_code: str | None = None,
    error_message: str | None = None,
) -> Message | None:
    """Move the outbound message with this channel id to `status`, if that is a step forward.

    Returns the message when it was changed, None when it is unknown or already further along.
    """
    if status not in _RANK:
        raise ValueError(f"unknown delivery status {status!r}")
    message = session.exec(
        select(Message)
        .where(
            col(Message.channel).in_(channels),
            Message.external_id == external_id,
            Message.direction == Direction.outbound,
        )
        .with_for_update()
    ).first()
    if message is None:
        return None
    current = _RANK.get(message.status)
    if current is None or _RANK[status] < current:
        # not_sent, or a late report of an earlier stage: what we know is already more.
        return None
    if message.status == status and not error_code:
        return None
    message.status = status
    if error_code:
        message.error_code = error_code[:40]
        message.error_message = (error_message or message.error_message or "")[:500] or None
    message.updated_at = utcnow()
    session.add(message)
    log.info("message %s is %s", message.id, status)
    return message


def set_reachable(session: Session, *, channel: str, address: str, reason: str | None) -> bool:
    """Mark an identity as unreachable (`reason`), or reachable again (`None`).

    For what a channel tells us outside a send: a Telegram user who blocked or unblocked the
    bot, an SMS sender who texted STOP or START. Unknown identities are left alone.
    """
    identity = find_identity(session, channel=channel, address=address)
    if identity is None:
        return False
    identity.unreachable_reason = reason[:200] if reason else None
    session.add(identity)
    log.info("identity %s is %s", identity.id, "unreachable" if reason else "reachable")
    return True
