"""`ccc recordings rotate-key`, run as an administrator runs it."""

from __future__ import annotations

from cryptography.fernet import Fernet

from tests.ccc.test_cli import Cli, ccc  # noqa: F401 (the fixture)
from tests.conftest import RECORDINGS_KEY


def test_the_command_rotates_and_says_how_much(ccc: Cli) -> None:  # noqa: F811
    cli = ccc
    cli.env["CCC_VOICE_TRANSCRIBE"] = "on"
    refused = cli("recordings", "rotate-key")
    assert refused.returncode == 2
    assert "CCC_VOICE_TRANSCRIBE=on needs CCC_RECORDINGS_KEY" in refused.stderr
    cli.env["CCC_RECORDINGS_KEY"] = f"{Fernet.generate_key().decode()},{RECORDINGS_KEY}"
    done = cli("recordings", "rotate-key")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == [
        "recordings re-sealed: 0",
        "transcripts re-sealed: 0",
    ]
