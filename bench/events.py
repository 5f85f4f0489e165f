"""The events-stream part of `bench/console.py`: 100 open console sessions, and the time from a
signed Twilio webhook to its event in each of their streams."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from uuid import uuid4

import httpx
from twilio.request_validator import RequestValidator

PATH = "/webhooks/twilio/messaging"
# A whole tracing intake in English; its last answer creates the ticket.
INTAKE = [
    "hello",
    "4",
    "1",
    "1",
    "Layla Hassan",
    "Omar Hassan",
    "4",
    "Mosul, June 2017",
    "He did not come back.",
    "1",
]


def _form(phone: str, body: str) -> dict[str, str]:
    sid = f"SM{uuid4().hex}"
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": phone,
        "To": "+12025550143",
        "Body": body,
        "NumMedia": "0",
    }


async def _listen(
    client: httpx.AsyncClient, cookie: str, ready: asyncio.Event, arrivals: list[float]
) -> None:
    headers = {"Cookie": f"ccc_session={cookie}", "Accept": "text/event-stream"}
    async with client.stream("GET", "/console/events", headers=headers) as response:
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
                if event == "ready":
                    ready.set()
            elif line.startswith("data:") and event == "ticket":
                if json.loads(line.split(":", 1)[1]).get("kind") == "ticket":
                    arrivals.append(time.perf_counter())


async def measure(base: str, cookies: list[str], token: str, samples: int) -> list[float]:
    """Milliseconds from sending the webhook that creates a ticket to its event, per stream."""
    validator = RequestValidator(token)
    limits = httpx.Limits(max_connections=len(cookies) + 10)
    timeout = httpx.Timeout(30.0, read=None)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        arrivals: list[list[float]] = [[] for _ in cookies]
        readies = [asyncio.Event() for _ in cookies]
        tasks = [
            asyncio.create_task(_listen(client, cookie, ready, got))
            for cookie, ready, got in zip(cookies, readies, arrivals, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
        latencies: list[float] = []
        for sample in range(samples):
            phone = f"+96478{sample:08d}"
            for body in INTAKE:
                form = _form(phone, body)
                signature = validator.compute_signature(f"{base}{PATH}", form)
                sent = time.perf_counter()
                response = await client.post(
                    PATH, data=form, headers={"X-Twilio-Signature": signature}
                )
                assert response.status_code < 300, response.status_code
            expected = sample + 1
            deadline = time.monotonic() + 30
            while any(len(got) < expected for got in arrivals):
                assert time.monotonic() < deadline, "an event did not arrive in 30 s"
                await asyncio.sleep(0.005)
            latencies += [(got[sample] - sent) * 1000 for got in arrivals]
        for task in tasks:
            task.cancel()
        return latencies


def report(latencies: list[float], streams: int, samples: int) -> None:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]
    print(
        f"{'events stream, webhook to event':40} streams={streams} webhooks={samples} "
        f"p50 {statistics.median(ordered):7.1f} ms  p99 {p99:7.1f} ms"
    )
