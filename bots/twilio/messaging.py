"""SMS and WhatsApp through Twilio Messaging: the inbound webhook.

Twilio posts one form per message to `/webhooks/twilio/messaging`, WhatsApp addresses written
`whatsapp:+964…`. Each request is verified against `CCC_PUBLIC_URL`, stored once by its
`MessageSid`, and answered with an empty TwiML `<Response/>`: replies are sent by jobs, never
inline, so that a slow chatbot turn cannot make Twilio time out and retry.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from bots.twilio.forms import FormDep, parse_message, twiml
from ccc.channels.delivery import set_reachable
from ccc.jobs.outbox import run_in_background
from ccc.kernel.web import SessionDep, SettingsDep
from ccc.messages.service import accept_inbound

router = APIRouter(prefix="/webhooks/twilio", tags=["webhooks"])


@router.post("/messaging", summary="Twilio Messaging webhook (SMS and WhatsApp)")
def messaging(form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    inbound = parse_message(form, settings.default_region)
    run_in_background(session)
    accepted = accept_inbound(session, inbound=inbound)
    opt_out = form.get("OptOutType").upper()
    if not accepted.duplicate and opt_out in {"STOP", "START"}:
        reason = f"{opt_out}: the person unsubscribed by text" if opt_out == "STOP" else None
        set_reachable(session, channel=inbound.channel, address=inbound.address, reason=reason)
    return twiml()
