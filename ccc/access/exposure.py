"""Start-up refusals that keep case data from being exposed by configuration.

The simulator answers anyone, without a login, with the conversation of any number
(`GET /api/simulator/messages?address=…`): harmless on a demo machine, a leak of real people's
messages wherever CCC really sends. So it never runs while outbound is live.
"""

from __future__ import annotations

import logging

from ccc.kernel.errors import CCCError
from ccc.kernel.settings import Settings

log = logging.getLogger(__name__)
SENDING_CHANNELS = ("sms", "whatsapp", "voice", "telegram")


class UnsafeConfiguration(CCCError):
    status_code = 500


def live_channels(settings: Settings) -> list[str]:
    """The channels on which CCC would really send (CCC_OUTBOUND=live names them all)."""
    if settings.outbound == "live":
        return list(SENDING_CHANNELS)
    return [c for c in SENDING_CHANNELS if settings.outbound_mode(c) == "live"]


def check_simulator(settings: Settings) -> None:
    """Refuses (raises) the simulator beside live outbound; warns when it is on otherwise."""
    if not settings.simulator:
        return
    live = live_channels(settings)
    if live:
        raise UnsafeConfiguration(
            "refusing to start: CCC_SIMULATOR=on while outbound is live "
            f"({', '.join(live)}); the simulator shows any person's conversation without a "
            "login. Turn the simulator off, or set CCC_OUTBOUND=record for tests and staging."
        )
    log.warning(
        "the simulator is on: anyone who can reach this server can read conversations by "
        "number; never run it where real people write in"
    )
