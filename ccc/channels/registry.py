"""One entry per channel: its webhook router, its sender and where it reports delivery.

The core owns this registry and never imports an adapter; the composition root
(`ccc/api/wiring.py`) fills it with the adapters of `bots/`. Adding a channel is one adapter
module and one `register` call there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi import APIRouter

from ccc.channels.port import Sender, SendError
from ccc.kernel.settings import Settings

SenderFactory = Callable[[Settings], Sender]
# Opens a recording kept by the provider (settings, recording id) -> its bytes; raises a
# CCCError (502) when the provider cannot give it.
RecordingSource = Callable[[Settings, str], Iterator[bytes]]


@dataclass(frozen=True)
class ChannelAdapter:
    """What the core needs to know of one channel.

    `routers` hold the channel's webhooks (channels may share them, as SMS and WhatsApp share
    Twilio's messaging webhook and status callback); `status_callback_path` is where the
    provider reports delivery, or None where it reports nothing (Telegram).
    """

    channel: str
    sender: SenderFactory | None = None
    routers: tuple[APIRouter, ...] = ()
    status_callback_path: str | None = None
    recordings: RecordingSource | None = None


class ChannelRegistry:
    def __init__(self) -> None:
        self._adapters: dict[str, ChannelAdapter] = {}

    def register(self, adapter: ChannelAdapter) -> None:
        if adapter.channel in self._adapters:
            raise ValueError(f"the {adapter.channel} channel is registered twice")
        self._adapters[adapter.channel] = adapter

    def __contains__(self, channel: object) -> bool:
        return channel in self._adapters

    def routers(self) -> list[APIRouter]:
        """Every channel's webhook router, each once."""
        found: list[APIRouter] = []
        for adapter in self._adapters.values():
            found += [r for r in adapter.routers if all(r is not seen for seen in found)]
        return found

    def sender(self, channel: str, settings: Settings) -> Sender:
        adapter = self._adapters.get(channel)
        if adapter is None or adapter.sender is None:
            raise SendError(
                f"CCC cannot send on the {channel} channel", code="no_sender", permanent=True
            )
        return adapter.sender(settings)

    def recording(self, channel: str, settings: Settings, recording_sid: str) -> Iterator[bytes]:
        adapter = self._adapters.get(channel)
        if adapter is None or adapter.recordings is None:
            raise LookupError(f"the {channel} channel keeps no recordings")
        return adapter.recordings(settings, recording_sid)

    def status_callback_url(self, channel: str, settings: Settings) -> str | None:
        adapter = self._adapters.get(channel)
        if adapter is None or adapter.status_callback_path is None:
            return None
        return f"{settings.public_url}{adapter.status_callback_path}"
