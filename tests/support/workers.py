"""A real `ccc worker` process beside a test's harness, for what only a separate process shows:
a worker killed mid-backoff, RQ's scheduler sending a deferred job on time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_REDIS_URL, Harness
from tests.support.fakes import FakeApi


def start_worker(ccc: Harness, fake: FakeApi, **extra_env: str) -> subprocess.Popen[bytes]:
    """A worker on the harness's database and the test Redis, sending through the fake Twilio
    API with the harness's credentials; `extra_env` is what the test's settings add (a send
    rate, say), since the process reads its settings from the environment, not the harness."""
    settings = ccc.runtime.settings
    env = dict(os.environ)
    env.update(
        CCC_DATABASE_URL=settings.database_url,
        CCC_REDIS_URL=TEST_REDIS_URL or "",
        CCC_PUBLIC_URL=settings.public_url,
        TWILIO_ACCOUNT_SID=settings.twilio_account_sid or "",
        TWILIO_AUTH_TOKEN=settings.twilio_auth_token or "",
        TWILIO_SMS_FROM=settings.twilio_sms_from or "",
        CCC_TWILIO_API_BASE=fake.url,
        **extra_env,
    )
    env.pop("TELEGRAM_BOT_TOKEN", None)
    command = Path(sys.executable).with_name("ccc")
    return subprocess.Popen(
        [str(command), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop_worker(worker: subprocess.Popen[bytes], seconds: float = 15) -> None:
    """SIGTERM, as a deployment stops it; killed if it has not finished within `seconds`."""
    worker.terminate()
    try:
        worker.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
