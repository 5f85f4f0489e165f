"""The composition root: the one module of the core that knows the adapters in `bots/`.

The web process (`create_app`) and the worker (`ccc worker`) both build their runtime here, so
a job finds the same channels whichever process runs it. A new channel is one adapter module
and one `register` call below.
"""

from __future__ import annotations

from fastapi import APIRouter

from ccc.channels.registry import ChannelAdapter, ChannelRegistry
from ccc.jobs.dispatch import Dispatcher
from ccc.kernel.runtime import Runtime, build_runtime
from ccc.kernel.settings import Settings
from workflows.files.library import configure, resolve_dir


def channel_registry() -> ChannelRegistry:
    from bots.telegram import sender as telegram_sender
    from bots.telegram import webhook as telegram
    from bots.twilio import messaging, recordings, status, voice, voice_sender
    from bots.twilio import sender as twilio_sender

    registry = ChannelRegistry()
    # SMS and WhatsApp come through Twilio's one messaging webhook and status callback.
    for name, sender in (
        ("sms", twilio_sender.sms_sender),
        ("whatsapp", twilio_sender.whatsapp_sender),
    ):
        registry.register(
            ChannelAdapter(
                name,
                sender=sender,
                routers=(messaging.router, status.router),
                status_callback_path=status.PATH,
            )
        )
    registry.register(
        ChannelAdapter(
            "voice",
            sender=voice_sender.voice_sender,
            routers=(voice.router, recordings.router, status.router),
            status_callback_path=status.PATH,
            recordings=recordings.from_twilio,
        )
    )
    registry.register(
        ChannelAdapter("telegram", sender=telegram_sender.sender, routers=(telegram.router,))
    )
    return registry


def simulator_routers() -> list[APIRouter]:
    """The simulator's endpoints and page, mounted only with `CCC_SIMULATOR=on`."""
    from bots import simulator, voice_simulator

    return [
        simulator.router,
        simulator.page_router,
        voice_simulator.router,
        voice_simulator.page_router,
    ]


def runtime_for(settings: Settings, *, dispatcher: Dispatcher | None = None) -> Runtime:
    """The process's runtime, with every channel adapter registered and the flows, prompts and
    rules of `CCC_WORKFLOWS_DIR` (checked now: a bad folder stops the start)."""
    configure(resolve_dir(settings.workflows_dir))
    return build_runtime(settings, channels=channel_registry(), dispatcher=dispatcher)
