"""The calls' jobs: the end of the callback ladder (after three unanswered attempts the person
gets one SMS in their language, only if they said a message may be left, and the callback
closes as not reached), and the callbacks of callers turned away in a surge."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from ccc.calls.callbacks import NOT_REACHED, close
from ccc.calls.models import Callback, CallbackStatus
from ccc.calls.service import call_back_turned_away
from ccc.contacts.service import sms_identity
from ccc.jobs.registry import job_kind
from ccc.kernel import ports
from ccc.kernel.db import database_away
from ccc.messages.service import queue_outbound
from ccc.tickets.models import Ticket
from ccc.tickets.service import ROUTING, record

log = logging.getLogger(__name__)

TURNED_AWAY = "calls.turned_away"


@job_kind(NOT_REACHED, max_attempts=5)
def callback_not_reached(session: Session, callback_id: int, **_extra: Any) -> None:
    callback = session.get(Callback, callback_id, with_for_update=True)
    if callback is None:
        raise LookupError(f"callback {callback_id} does not exist")
    if callback.status != CallbackStatus.open:
        return
    ticket = session.get(Ticket, callback.ticket_id)
    assert ticket is not None
    close(callback, "not_reached")
    session.add(callback)
    texted = bool(callback.may_leave_message)
    if texted:
        text = ports.engine().callback_sms(language=callback.language, reference=ticket.reference)
        identity = sms_identity(session, phone=callback.phone)
        queue_outbound(session, identity=identity, text=text, ticket_id=ticket.id)
    record(session, ticket=ticket, kind="callback.not_reached", caller=ROUTING, texted=texted)
    log.info("callback %s closed: not reached after three attempts", callback_id)


@job_kind(TURNED_AWAY, max_attempts=5)
def turned_away_callbacks(session: Session, call_ids: list[int], **_extra: Any) -> None:
    """The automatic callbacks of a batch of calls turned away (`bots.twilio.turned_away`),
    each in a savepoint: a call that fails is logged and skipped, not the batch's other
    callers. A retried batch finds each callback made already (one a day per number)."""
    made = 0
    for call_id in call_ids:
        try:
            with session.begin_nested():
                made += call_back_turned_away(session, call_id=call_id) is not None
        except Exception as error:
            if database_away(error):
                raise  # the database, not this call: the whole batch is tried again
            log.exception("no callback made for turned-away call %s", call_id)
    log.info("%s calls turned away in a surge: %s callbacks", len(call_ids), made)
