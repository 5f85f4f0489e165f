"""`ccc report year`, run as a person runs it."""

from __future__ import annotations

import json

from tests.ccc.retention.year import generate
from tests.ccc.test_cli import Cli, ccc  # noqa: F401  (the fixture)

CHANNELS = {"sms": "<5", "whatsapp": "<5", "telegram": "<5", "voice": "<5"}


def test_the_command_prints_json_or_csv(ccc: Cli) -> None:  # noqa: F811
    assert ccc("demo").returncode == 0
    with ccc.session() as session:
        generate(session, year=2025, count=12, recordings_dir=None)
        session.commit()
    shown = ccc("report", "year", "2025")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["by_channel"] == CHANNELS
    table = ccc("report", "year", "2025", "--format", "csv")
    assert table.returncode == 0 and table.stdout.startswith("figure,key,value\n")
    assert ccc("report", "year", "1850").returncode == 1
