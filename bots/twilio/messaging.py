"""SMS and WhatsApp through Twilio Messaging: the inbound webhook.

Twilio posts one form per message to `/webhooks/twilio/messaging`, WhatsApp addresses written
`whatsapp:+964…`. Each request is verified against `CCC_PUBLIC_URL`, stored once by its
`MessageSid`, and answered with an empty TwiML `<Response/>`: replies are sent by jobs, never
inline, so that a slow chatbot turn cannot make Twilio time out and retry.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from bots.twilio.forms import parse_message, read_verified_form, twiml
from ccc.channels.delivery import set_reachable
from ccc.channels.port import InboundMessage
from ccc.jobs.outbox import run_in_background
from ccc.kernel.runtime import Runtime
from ccc.kernel.web import in_webhook_thread
from ccc.messages.service import accept_inbound

router = APIRouter(prefix="/webhooks/twilio", tags=["webhooks"])


@router.post("/messaging", summary="Twilio Messaging webhook (SMS and WhatsApp)")
async def messaging(request: Request) -> Response:
    """The form is verified and read on the event loop (no I/O there); the transaction, its
    commit and the hand-over of the turn to Redis run in one trip to a thread (at most
    `CCC_WEBHOOK_THREADS` at once: `in_webhook_thread`). As a plain `def` route with a session
    dependency it took three trips (the session's opening, the route, the session's commit),
    each a thread switch and a few hundred microseconds of CPU. The runtime and the form are
    read here rather than as dependencies: FastAPI's solver for them cost more CPU than the
    signature check (bench/webhook_costs.py)."""
    runtime: Runtime = request.app.state.runtime
    form = await read_verified_form(request, runtime.settings)
    inbound = parse_message(form, runtime.settings.default_region)
    opt_out = form.get("OptOutType").upper()
    await in_webhook_thread(runtime, _store, runtime, inbound, opt_out)
    return twiml()


def _store(runtime: Runtime, inbound: InboundMessage, opt_out: str) -> None:
    """One transaction; committed before Twilio gets its 200, then the turn is enqueued. Run
    again on a new connection if the database connection was dead (a restart): Twilio does not
    redeliver a message answered with a 500, and the message id makes a second run harmless."""

    def store(session: Session) -> None:
        run_in_background(session)
        accepted = accept_inbound(session, inbound=inbound)
        if not accepted.duplicate and opt_out in {"STOP", "START"}:
            reason = f"{opt_out}: the person unsubscribed by text" if opt_out == "STOP" else None
            set_reachable(session, channel=inbound.channel, address=inbound.address, reason=reason)

    runtime.idempotent(store)
