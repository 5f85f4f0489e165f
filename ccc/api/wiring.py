"""The composition root: the one module of the core that knows the adapters in `bots/`.

The web process (`create_app`) and the worker (`ccc worker`) both build their runtime here, so
a job finds the same channels whichever process runs it. A new channel is one adapter module
and one `register` call below.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from fastapi import APIRouter

from ccc.calls.prompts import PromptLine
from ccc.channels.registry import ChannelAdapter, ChannelRegistry
from ccc.jobs.dispatch import Dispatcher
from ccc.kernel import ports
from ccc.kernel import runtime as kernel
from ccc.kernel.runtime import Runtime, build_runtime
from ccc.kernel.settings import Settings, get_settings
from ccc.retention import policy as retention_policy
from ccc.sla import policy as sla_policy
from workflows import cli as workflows_cli
from workflows.files.library import PACKAGE_DIR, configure, configured_dir, current, resolve_dir
from workflows.ivr.voice_prompts import VoicePrompts


def channel_registry() -> ChannelRegistry:
    # why: every `ccc` command imports this module (for the engine's commands); the adapters,
    # their routes and HTTP clients load only when a runtime is built.
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
            routers=(voice.router, status.router),
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
    from bots import simulator, voice_simulator  # why: loaded only with CCC_SIMULATOR=on

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
    bootstrap()
    use_retention_file()
    return build_runtime(settings, channels=channel_registry(), dispatcher=dispatcher)


def bootstrap() -> None:
    """Register the core's job kinds and subscribers, then the engine's, and bind the engine's
    ports: what `ccc serve`, `ccc worker` and the tests all start with."""
    kernel.bootstrap()
    # Imported by name, here and in this order, not at the top: subscribers run in the order
    # they subscribed, the core's first, and the satisfaction question must follow the message
    # saying a ticket was resolved.
    for module in (
        "workflows.followup.closing_message",
        "workflows.rules.engine",
        "workflows.followup.satisfaction",
        "workflows.rules.escalation",
        "workflows.binding",
    ):
        importlib.import_module(module)
    # why: subscriber registration order, as the modules above (binding imports the engine).
    from workflows.binding import WorkflowsEngine

    ports.bind(WorkflowsEngine())
    sla_policy.use(lambda: current().rules.sla)


def cli_commands(commands: Any) -> None:
    """The engine's commands of `ccc` (`ccc workflows check`, `ccc voice prompts`)."""
    workflows_cli.add_commands(commands)


def retention_file() -> Path:
    """`retention.yaml` of the workflows folder in force; a folder without one uses CCC's."""
    own = configured_dir() / "retention.yaml"
    return own if own.exists() else PACKAGE_DIR / "retention.yaml"


def use_retention_file() -> None:
    retention_policy.use(retention_file)


def configure_workflows() -> None:
    """For the command line: the workflows folder of the settings, and its retention file."""
    configure(resolve_dir(get_settings().workflows_dir))
    use_retention_file()


def voice_prompt_inventory() -> list[PromptLine]:
    """Every prompt of the IVR per language, from the flows now loaded (the console's
    `/console/prompts` lists them beside their recordings)."""
    return [
        PromptLine(language, speech.key, speech.text, speech.recordable)
        for language, speech in VoicePrompts(current()).inventory()
    ]
