"""One validated settings object, read from the environment (names fixed by CONTRACT.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ccc.kernel.vault import key_ring

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
    # Messages per second each sender may hand to its channel (docs/channels.md, "Send rates"):
    # a token bucket in Redis per channel and sender number or bot; 0 for no limit. Defaults are
    # the providers' documented rates: a Twilio long code sends 1 segment/s, a Twilio WhatsApp
    # sender 10 text messages/s, a Telegram bot about 30 messages/s.
    send_rate_sms: float = Field(1.0, ge=0, validation_alias=_env("CCC_SEND_RATE_SMS"))
    send_rate_whatsapp: float = Field(10.0, ge=0, validation_alias=_env("CCC_SEND_RATE_WHATSAPP"))
    send_rate_telegram: float = Field(30.0, ge=0, validation_alias=_env("CCC_SEND_RATE_TELEGRAM"))
    # How many seconds of a sender's rate may go out at once after a quiet spell (the bucket's
    # size): the provider queues a short burst itself and sends it at its own pace.
    send_burst_seconds: float = Field(10.0, gt=0, validation_alias=_env("CCC_SEND_BURST"))
    conversation_timeout_hours: float = Field(
        24.0, validation_alias=_env("CCC_CONVERSATION_TIMEOUT_HOURS")
    )
    # Workers (docs/operations.md): a job running longer is killed and retried; a worker
    # process is replaced after this many jobs or this much memory (0: never).
    job_timeout_seconds: int = Field(120, ge=1, le=3600, validation_alias=_env("CCC_JOB_TIMEOUT"))
    worker_max_jobs: int = Field(0, ge=0, validation_alias=_env("CCC_WORKER_MAX_JOBS"))
    worker_max_memory_mb: int = Field(0, ge=0, validation_alias=_env("CCC_WORKER_MAX_MEMORY_MB"))
    # Webhooks a web process runs at once in its threads (`ccc.kernel.web.in_webhook_thread`);
    # the rest wait their turn on the event loop.
    webhook_threads: int = Field(4, ge=1, le=64, validation_alias=_env("CCC_WEBHOOK_THREADS"))
    # A new call is answered "all lines are busy" once webhooks wait this long for a thread
    # (`ccc.kernel.web.webhooks_backed_up`): Twilio gives up on a request after 15 s. 0: never.
    voice_busy_after_seconds: float = Field(
        5.0, ge=0, le=14, validation_alias=_env("CCC_VOICE_BUSY_AFTER")
    )
    # The bearer token of `GET /metrics`; unset, the endpoint answers 404 (docs/operations.md).
    metrics_token: str | None = Field(None, validation_alias=_env("CCC_METRICS_TOKEN"), repr=False)
    # Addresses or networks whose X-Forwarded-For is believed (ccc/kernel/addresses.py).
    trusted_proxies: str = Field("", validation_alias=_env("CCC_TRUSTED_PROXIES"))
    # Searches with `q` one user may make per minute (429 with Retry-After beyond).
    search_limit_per_minute: int = Field(
        30, ge=1, le=10000, validation_alias=_env("CCC_SEARCH_LIMIT_PER_MINUTE")
    )
    # Access (docs/access.md): API tokens expire; reports hide small counts.
    token_days: float = Field(90.0, gt=0, validation_alias=_env("CCC_TOKEN_DAYS"))
    report_min_count: int = Field(5, ge=1, validation_alias=_env("CCC_REPORT_MIN_COUNT"))
    api_docs: bool = Field(True, validation_alias=_env("CCC_API_DOCS"))
    # One user's reads of one detail of one ticket within this many minutes are one audit
    # record (a ticket left open in the console refreshes every 10 s); 0 records every read.
    audit_view_window_minutes: float = Field(
        5.0, ge=0, le=1440, validation_alias=_env("CCC_AUDIT_VIEW_WINDOW_MINUTES")
    )
    # Rules that escalate notify the supervisors' system here, signed with the secret.
    escalation_webhook_url: str | None = Field(
        None, validation_alias=_env("CCC_ESCALATION_WEBHOOK_URL")
    )
    escalation_webhook_secret: str | None = Field(
        None, validation_alias=_env("CCC_ESCALATION_WEBHOOK_SECRET")
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

    # The toll-free line (docs/voice.md).
    voice_prompts_dir: str | None = Field(None, validation_alias=_env("CCC_VOICE_PROMPTS_DIR"))
    voice_ar_voice: str = Field("Polly.Zeina", validation_alias=_env("CCC_VOICE_AR_VOICE"))
    voice_ar_language: str = Field("arb", validation_alias=_env("CCC_VOICE_AR_LANGUAGE"))
    voice_en_voice: str = Field("Polly.Joanna", validation_alias=_env("CCC_VOICE_EN_VOICE"))
    voice_en_language: str = Field("en-US", validation_alias=_env("CCC_VOICE_EN_LANGUAGE"))
    voice_queue_wait_seconds: int = Field(300, ge=0, validation_alias=_env("CCC_VOICE_QUEUE_WAIT"))
    voice_record_seconds: int = Field(
        180, ge=10, le=3600, validation_alias=_env("CCC_VOICE_RECORD_SECONDS")
    )
    voice_transcribe: bool = Field(False, validation_alias=_env("CCC_VOICE_TRANSCRIBE"))
    voice_recordings_dir: str | None = Field(
        None, validation_alias=_env("CCC_VOICE_RECORDINGS_DIR")
    )
    # Fernet keys (comma-separated, the first encrypts) for the recordings kept on disk.
    recordings_key: str | None = Field(
        None, validation_alias=_env("CCC_RECORDINGS_KEY"), repr=False
    )
    # How long a break-glass grant to a restricted ticket lasts (docs/access.md).
    break_glass_minutes: int = Field(
        60, ge=1, le=24 * 60, validation_alias=_env("CCC_BREAK_GLASS_MINUTES")
    )

    @field_validator("simulator", "api_docs", mode="before")
    @classmethod
    def _on_off(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in {"on", "1", "true", "yes"}:
                return True
            if lowered in {"off", "0", "false", "no", ""}:
                return False
            variable = {"simulator": "CCC_SIMULATOR", "api_docs": "CCC_API_DOCS"}
            raise ValueError(f"{variable.get(str(info.field_name))} must be 'on' or 'off'")
        return value

    @field_validator(
        "redis_url",
        "metrics_token",
        "outbound",
        "voice_prompts_dir",
        "voice_recordings_dir",
        "recordings_key",
        "twilio_account_sid",
        "twilio_auth_token",
        "twilio_sms_from",
        "twilio_whatsapp_from",
        "telegram_bot_token",
        "telegram_webhook_secret",
        "escalation_webhook_url",
        "escalation_webhook_secret",
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
        for name in ("twilio_auth_token", "telegram_webhook_secret", "escalation_webhook_secret"):
            value = getattr(self, name)
            if value is not None and value.lower() in {"changeme", "change-me", "secret"}:
                raise ValueError(f"{name.upper()} is a placeholder; set a real secret")
        if self.escalation_webhook_url and not self.escalation_webhook_secret:
            raise ValueError("CCC_ESCALATION_WEBHOOK_URL needs CCC_ESCALATION_WEBHOOK_SECRET")
        if self.voice_recordings_dir and not self.recordings_key:
            raise ValueError(
                "CCC_VOICE_RECORDINGS_DIR needs CCC_RECORDINGS_KEY: recordings are never kept "
                "on disk unencrypted (docs/data-protection.md)"
            )
        if self.voice_transcribe and not self.recordings_key:
            raise ValueError(
                "CCC_VOICE_TRANSCRIBE=on needs CCC_RECORDINGS_KEY: transcripts are kept sealed "
                "like the recordings (docs/data-protection.md)"
            )
        if self.recordings_key:
            key_ring(self.recordings_key)
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
            # Replies on a voice ticket travel by SMS or WhatsApp (bots/twilio/voice_sender.py).
            "voice": self.twilio_configured
            and bool(self.twilio_sms_from or self.twilio_whatsapp_from),
            "telegram": self.telegram_configured,
        }.get(channel, False)
        if self.outbound == "record" or not can_send:
            return "record"
        return "live"


@lru_cache
def get_settings() -> Settings:
    return Settings()
