"""Which adapter sends on which channel. The only place the core reaches into `bots/`,
and only when a message really has to leave (live mode)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from ccc.channels.port import Sender, SendError
from ccc.kernel.settings import Settings

# channel -> "module:factory"; each factory takes the settings and returns a Sender.
SENDERS: dict[str, str] = {
    "sms": "bots.twilio.messaging:sms_sender",
    "whatsapp": "bots.twilio.messaging:whatsapp_sender",
    "telegram": "bots.telegram.webhook:sender",
}


def get_sender(channel: str, settings: Settings) -> Sender:
    target = SENDERS.get(channel)
    if target is None:
        raise SendError(
            f"CCC cannot send on the {channel} channel", code="no_sender", permanent=True
        )
    module_name, factory_name = target.split(":")
    factory: Callable[[Settings], Sender] = getattr(import_module(module_name), factory_name)
    return factory(settings)
