"""Channels CCC speaks on."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    sms = "sms"
    whatsapp = "whatsapp"
    telegram = "telegram"
    voice = "voice"
    simulator = "simulator"


PHONE_CHANNELS = frozenset({Channel.sms, Channel.whatsapp, Channel.voice, Channel.simulator})
