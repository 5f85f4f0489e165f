"""One validated settings object, read from the environment (names fixed by CONTRACT.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

OutboundMode = Literal["live", "record"]


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///./ccc.db", validation_alias=_env("CCC_DATABASE_URL"))
    redis_url: str | None = Field(None, validation_alias=_env("CCC_REDIS_URL"))
    public_url: str = Field("http://127.0.0.1:8000", validation_alias=_env("CCC_PUBLIC_URL"))
    outbound: OutboundMode | None = Field(None, validation_alias=_env("CCC_OUTBOUND"))
    simulator: bool = Field(False, validation_alias=_env("CCC_SIMULATOR"))

    twilio_account_sid: str | None = Field(None, validation_alias=_env("TWILIO_ACCOUNT_SID"))
    twilio_auth_token: str | None = Field(None, validation_alias=_env("TWILIO_AUTH_TOKEN"))
    twilio_sms_from: str | None = Field(None, validation_alias=_env("TWILIO_SMS_FROM"))
    twilio_whatsapp_from: str | None = Field(None, validation_alias=_env("TWILIO_WHATSAPP_FROM"))
    twilio_api_base: str | None = Field(None, validation_alias=_env("CCC_TWILIO_API_BASE"))

    telegram_bot_token: str | None = Field(None, validation_alias=_env("TELEGRAM_BOT_TOKEN"))
    telegram_webhook_secret: str | None = Field(
        None, validation_alias=_env("TELEGRAM_WEBHOOK_SECRET")
    )
    telegram_api_base: str | None = Field(None, validation_alias=_env("CCC_TELEGRAM_API_BASE"))

    default_region: str = Field("IQ", validation_alias=_env("CCC_DEFAULT_REGION"))
    workflows_dir: str | None = Field(None, validation_alias=_env("CCC_WORKFLOWS_DIR"))
    restricted_focal_team: str = Field(
        "accountability", validation_alias=_env("CCC_RESTRICTED_FOCAL_TEAM")
    )
    sweep_interval_seconds: float = Field(5.0, validation_alias=_env("CCC_SWEEP_INTERVAL"))
    send_attempts: int = Field(6, ge=1, le=20, validation_alias=_env("CCC_SEND_ATTEMPTS"))
    conversation_timeout_hours: float = Field(
        24.0, validation_alias=_env("CCC_CONVERSATION_TIMEOUT_HOURS")
    )
    # The console: a session ends after this long without a request, and this long after login.
    console_idle_minutes: float = Field(
        30.0, gt=0, validation_alias=_env("CCC_CONSOLE_IDLE_MINUTES")
    )
    console_session_hours: float = Field(
        12.0, gt=0, validation_alias=_env("CCC_CONSOLE_SESSION_HOURS")
    )
    # On: supervisors and admins must set up a second factor before any other console page.
    console_require_totp: bool = Field(False, validation_alias=_env("CCC_CONSOLE_REQUIRE_TOTP"))

    @field_validator("simulator", mode="before")
    @classmethod
    def _on_off(cls, value: object) -> object:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in {"on", "1", "true", "yes"}:
                return True
            if lowered in {"off", "0", "false", "no", ""}:
                return False
            raise ValueError("CCC_SIMULATOR must be 'on' or 'off'")
        return value

    @field_validator(
        "redis_url",
        "outbound",
        "twilio_account_sid",
        "twilio_auth_token",
        "twilio_sms_from",
        "twilio_whatsapp_from",
        "telegram_bot_token",
        "telegram_webhook_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("CCC_PUBLIC_URL must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("workflows_dir")
    @classmethod
    def _workflows_dir_exists(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_dir():
            raise ValueError(f"CCC_WORKFLOWS_DIR {value!r} is not a folder")
        return value

    @model_validator(mode="after")
    def _check_secrets(self) -> Settings:
        for name in ("twilio_auth_token", "telegram_webhook_secret"):
            value = getattr(self, name)
            if value is not None and value.lower() in {"changeme", "change-me", "secret"}:
                raise ValueError(f"{name.upper()} is a placeholder; set a real secret")
        return self

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def telegram_configured(self) -> bool:
        return bool(self.telegram_bot_token)

    def outbound_mode(self, channel: str) -> OutboundMode:
        """`live` only where the channel can really send; never a crash for a missing credential."""
        can_send = {
            "sms": self.twilio_configured and bool(self.twilio_sms_from),
            "whatsapp": self.twilio_configured and bool(self.twilio_whatsapp_from),
            "voice": self.twilio_configured,
            "telegram": self.telegram_configured,
        }.get(channel, False)
        if self.outbound == "record" or not can_send:
            return "record"
        return "live"


@lru_cache
def get_settings() -> Settings:
    return Settings()
