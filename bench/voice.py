"""How fast the toll-free line answers: 1,000 simulated calls through signed Twilio webhooks.

Starts `ccc serve` (one uvicorn process, a fresh database, migrated as in production) and
places calls, `--concurrency` at a time. Each call is what Twilio would post for a caller who
picks a language, option 1, agrees to the notice, keys the relationship and the consent to
share, leaves a voice message and hangs up: seven TwiML answers (the language menu, four menus,
the `<Record>`, the reference read back) and a status callback. Each request is signed with
the real `RequestValidator`. In the same run, on the same server, the messaging webhook takes
as many signed SMS, for comparison.

    .venv/bin/python bench/voice.py [--calls 1000] [--concurrency 16] [--database URL]

Prints TwiML answers per second with p50/p99 latency, calls per second, and the messaging
webhook's figures next to them; every call must have made exactly one ticket.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode
from uuid import uuid4

import httpx
from harness import AUTH_TOKEN, Result, ccc_env, count, free_port, pool, print_results, server
from twilio.request_validator import RequestValidator
from webhooks import forms, hammer

VOICE = "/webhooks/twilio/voice"
DEADLINE_SECONDS = 1800.0  # a thousand calls on a busy machine take minutes


def call_steps(index: int) -> list[tuple[str, dict[str, str]]]:
    """The posts of one call, in order (path, form)."""
    sid = f"CA{uuid4().hex}"
    base = {
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "From": f"+96478{index:08d}",
        "Caller": f"+96478{index:08d}",
        "To": "+18005550199",
    }
    recording = {
        "RecordingSid": f"RE{uuid4().hex}",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE0",
        "RecordingDuration": "37",
    }
    return [
        (VOICE, {**base, "CallStatus": "ringing"}),
        (f"{VOICE}/gather", {**base, "Digits": "1"}),  # Arabic
        (f"{VOICE}/gather", {**base, "Digits": "1"}),  # tracing
        (f"{VOICE}/gather", {**base, "Digits": "1"}),  # continue after the privacy notice
        (f"{VOICE}/gather", {**base, "Digits": "4"}),  # a sibling
        (f"{VOICE}/gather", {**base, "Digits": "1"}),  # consent to share
        (f"{VOICE}/recording", {**base, **recording}),
        (f"{VOICE}/status", {**base, "CallStatus": "completed", "CallDuration": "95"}),
    ]


async def place_calls(origin: str, count: int, offset: int, concurrency: int) -> Result:
    validator = RequestValidator(AUTH_TOKEN)
    calls = asyncio.Queue[list[tuple[str, dict[str, str]]]]()
    for index in range(count):
        calls.put_nowait(call_steps(offset + index))
    latencies: list[float] = []
    refused = 0

    async def caller(client: httpx.AsyncClient) -> None:
        nonlocal refused
        while not calls.empty():
            for path, form in calls.get_nowait():
                headers = {
                    "content-type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": validator.compute_signature(origin + path, form),
                }
                started = time.perf_counter()
                response = await client.post(
                    origin + path, content=urlencode(form), headers=headers
                )
                elapsed = time.perf_counter() - started
                ok = response.status_code == 200 and response.text.startswith("<?xml")
                if path.endswith("/status"):
                    refused += not ok
                    continue  # not a TwiML answer the caller waits for
                latencies.append(elapsed)
                refused += not ok

    seconds = await pool(concurrency, caller, DEADLINE_SECONDS)
    return Result("CCC voice TwiML answers", len(latencies) - refused, refused, seconds, latencies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database", help="a scratch SQLAlchemy URL instead of a SQLite file")
    args = parser.parse_args()
    if not 1 <= args.calls <= 20_000 or not 1 <= args.concurrency <= 256:
        parser.error("--calls must be 1..20000 and --concurrency 1..256")
    with tempfile.TemporaryDirectory(prefix="ccc-bench-voice-") as scratch:
        folder = Path(scratch)
        database = args.database or f"sqlite:///{folder / 'ccc.db'}"
        port = free_port()
        origin = f"http://127.0.0.1:{port}"
        env = {**ccc_env(database, origin), "CCC_SIMULATOR": "off"}
        command = [sys.executable, "-m", "ccc.cli", "serve", "--port", str(port)]
        with server(command, env, port, folder / "ccc.log"):
            asyncio.run(place_calls(origin, args.warmup, 10**7, args.concurrency))
            voice = asyncio.run(place_calls(origin, args.calls, 0, args.concurrency))
            messaging_url = f"{origin}/webhooks/twilio/messaging"
            sms = asyncio.run(
                hammer(
                    "CCC messaging webhook",
                    messaging_url,
                    messaging_url,
                    forms(args.calls),
                    args.concurrency,
                )
            )
        tickets = count(database, "SELECT count(*) FROM ticket WHERE channel = 'voice'")
    kind = "PostgreSQL" if database.startswith("postgresql") else "SQLite"
    print(
        f"{args.calls} calls ({args.calls * 7} TwiML answers) and {args.calls} SMS webhooks, "
        f"{args.concurrency} at a time, {kind}, jobs in-process, one uvicorn process, loopback"
    )
    print_results([voice, sms], width=32)
    print(
        f"calls per second: {args.calls / voice.seconds:.1f}; "
        f"voice tickets stored: {tickets} (warm-up of {args.warmup} calls included)"
    )
    ok = voice.refused == 0 and sms.refused == 0 and tickets == args.calls + args.warmup
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
