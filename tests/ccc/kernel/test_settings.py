"""Settings come from the environment, with the defaults and names that CONTRACT.md fixes."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from ccc.kernel.settings import Settings

CHANNELS = ("sms", "whatsapp", "voice", "telegram")
TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
    "TWILIO_AUTH_TOKEN": "a-real-looking-auth-token-0123456789",
    "TWILIO_SMS_FROM": "+15005550006",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+15005550006",
}
TELEGRAM = {
    "TELEGRAM_BOT_TOKEN": "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
    "TELEGRAM_WEBHOOK_SECRET": "a-real-looking-webhook-secret",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment with none of CCC's variables set, whatever the machine running tests has."""
    for name in list(os.environ):
        if name.upper().startswith(("CCC_", "TWILIO_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    return monkeypatch


def settings_with(env: pytest.MonkeyPatch, **variables: str) -> Settings:
    for name, value in variables.items():
        env.setenv(name, value)
    return Settings()


# --- defaults ----------------------------------------------------------------------------------


def test_with_nothing_set_ccc_uses_a_local_sqlite_file(env: pytest.MonkeyPatch) -> None:
    assert Settings().database_url == "sqlite:///./ccc.db"


def test_with_nothing_set_jobs_run_in_process(env: pytest.MonkeyPatch) -> None:
    assert Settings().redis_url is None


def test_with_nothing_set_the_public_url_is_the_local_server(env: pytest.MonkeyPatch) -> None:
    assert Settings().public_url == "http://127.0.0.1:8000"


def test_with_nothing_set_the_simulator_is_off(env: pytest.MonkeyPatch) -> None:
    assert Settings().simulator is False


def test_with_nothing_set_no_channel_can_send_so_every_channel_records(
    env: pytest.MonkeyPatch,
) -> None:
    settings = Settings()
    assert settings.outbound is None
    assert not settings.twilio_configured
    assert not settings.telegram_configured
    assert {settings.outbound_mode(channel) for channel in CHANNELS} == {"record"}


def test_every_documented_variable_is_read(env: pytest.MonkeyPatch) -> None:
    settings = settings_with(
        env,
        CCC_DATABASE_URL="postgresql+psycopg://ccc@db/ccc",
        CCC_REDIS_URL="redis://redis:6379/0",
        CCC_PUBLIC_URL="https://ccc.example.org",
        CCC_OUTBOUND="record",
        CCC_SIMULATOR="on",
        **TWILIO,
        **TELEGRAM,
    )
    assert settings.database_url == "postgresql+psycopg://ccc@db/ccc"
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.public_url == "https://ccc.example.org"
    assert settings.outbound == "record"
    assert settings.simulator is True
    assert settings.twilio_account_sid == TWILIO["TWILIO_ACCOUNT_SID"]
    assert settings.twilio_auth_token == TWILIO["TWILIO_AUTH_TOKEN"]
    assert settings.twilio_sms_from == TWILIO["TWILIO_SMS_FROM"]
    assert settings.twilio_whatsapp_from == TWILIO["TWILIO_WHATSAPP_FROM"]
    assert settings.telegram_bot_token == TELEGRAM["TELEGRAM_BOT_TOKEN"]
    assert settings.telegram_webhook_secret == TELEGRAM["TELEGRAM_WEBHOOK_SECRET"]


def test_a_variable_set_to_an_empty_string_counts_as_unset(env: pytest.MonkeyPatch) -> None:
    settings = settings_with(env, CCC_REDIS_URL="", TWILIO_AUTH_TOKEN=" ", CCC_OUTBOUND="")
    assert settings.redis_url is None
    assert settings.twilio_auth_token is None
    assert settings.outbound is None


# --- the simulator switch ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["on", "ON", " on ", "1", "true", "yes"])
def test_the_simulator_is_turned_on_by_on(env: pytest.MonkeyPatch, value: str) -> None:
    assert settings_with(env, CCC_SIMULATOR=value).simulator is True


@pytest.mark.parametrize("value", ["off", "OFF", "0", "false", "no", ""])
def test_the_simulator_is_turned_off_by_off(env: pytest.MonkeyPatch, value: str) -> None:
    assert settings_with(env, CCC_SIMULATOR=value).simulator is False


@pytest.mark.parametrize("value", ["maybe", "enabled", "2"])
def test_a_simulator_value_that_is_neither_on_nor_off_is_refused(
    env: pytest.MonkeyPatch, value: str
) -> None:
    with pytest.raises(ValidationError, match="CCC_SIMULATOR must be 'on' or 'off'"):
        settings_with(env, CCC_SIMULATOR=value)


# --- outbound mode -----------------------------------------------------------------------------


def test_with_twilio_and_telegram_credentials_every_channel_sends_live(
    env: pytest.MonkeyPatch,
) -> None:
    settings = settings_with(env, **TWILIO, **TELEGRAM)
    assert {channel: settings.outbound_mode(channel) for channel in CHANNELS} == {
        "sms": "live",
        "whatsapp": "live",
        "voice": "live",
        "telegram": "live",
    }


def test_ccc_outbound_record_keeps_every_channel_recording_even_with_credentials(
    env: pytest.MonkeyPatch,
) -> None:
    settings = settings_with(env, CCC_OUTBOUND="record", **TWILIO, **TELEGRAM)
    assert {settings.outbound_mode(channel) for channel in CHANNELS} == {"record"}


def test_ccc_outbound_live_without_credentials_records_instead_of_crashing(
    env: pytest.MonkeyPatch,
) -> None:
    settings = settings_with(env, CCC_OUTBOUND="live")
    assert {settings.outbound_mode(channel) for channel in CHANNELS} == {"record"}


def test_a_channel_is_live_only_when_its_own_credentials_are_set(
    env: pytest.MonkeyPatch,
) -> None:
    telegram_only = settings_with(env, TELEGRAM_BOT_TOKEN=TELEGRAM["TELEGRAM_BOT_TOKEN"])
    assert telegram_only.outbound_mode("telegram") == "live"
    assert telegram_only.outbound_mode("sms") == "record"
    assert telegram_only.outbound_mode("whatsapp") == "record"
    assert telegram_only.outbound_mode("voice") == "record"


def test_twilio_without_a_whatsapp_sender_sends_sms_live_but_records_whatsapp(
    env: pytest.MonkeyPatch,
) -> None:
    twilio = {k: v for k, v in TWILIO.items() if k != "TWILIO_WHATSAPP_FROM"}
    settings = settings_with(env, **twilio)
    assert settings.outbound_mode("sms") == "live"
    assert settings.outbound_mode("voice") == "live"
    assert settings.outbound_mode("whatsapp") == "record"


def test_twilio_without_its_auth_token_records_everything(env: pytest.MonkeyPatch) -> None:
    twilio = {k: v for k, v in TWILIO.items() if k != "TWILIO_AUTH_TOKEN"}
    settings = settings_with(env, **twilio)
    assert not settings.twilio_configured
    assert settings.outbound_mode("sms") == "record"
    assert settings.outbound_mode("voice") == "record"


def test_the_simulator_channel_only_ever_records(env: pytest.MonkeyPatch) -> None:
    settings = settings_with(env, CCC_OUTBOUND="live", **TWILIO, **TELEGRAM)
    assert settings.outbound_mode("simulator") == "record"


def test_an_unknown_outbound_mode_is_refused(env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError):
        settings_with(env, CCC_OUTBOUND="send")


# --- secrets and urls --------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["TWILIO_AUTH_TOKEN", "TELEGRAM_WEBHOOK_SECRET"])
@pytest.mark.parametrize("placeholder", ["changeme", "CHANGEME", "change-me", "secret"])
def test_a_placeholder_secret_is_refused_at_start(
    env: pytest.MonkeyPatch, variable: str, placeholder: str
) -> None:
    with pytest.raises(ValidationError, match=f"{variable} is a placeholder"):
        settings_with(env, **{variable: placeholder})


@pytest.mark.parametrize(
    ("configured", "used"),
    [
        ("https://ccc.example.org/", "https://ccc.example.org"),
        ("https://ccc.example.org///", "https://ccc.example.org"),
        ("https://example.org/ccc/", "https://example.org/ccc"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_a_trailing_slash_is_stripped_from_the_public_url(
    env: pytest.MonkeyPatch, configured: str, used: str
) -> None:
    assert settings_with(env, CCC_PUBLIC_URL=configured).public_url == used


@pytest.mark.parametrize("configured", ["ccc.example.org", "ftp://ccc.example.org"])
def test_a_public_url_without_http_is_refused(env: pytest.MonkeyPatch, configured: str) -> None:
    with pytest.raises(ValidationError, match="CCC_PUBLIC_URL must start with http"):
        settings_with(env, CCC_PUBLIC_URL=configured)
