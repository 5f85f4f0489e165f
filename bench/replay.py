"""A year of a contact centre replayed through the signed webhooks, compressed in time.

The seed centre's year (ICRC Iraq's Community Contact Centre, 2024 activity report: over
16,355 calls; inquiries from families of missing and detained persons, requests for inclusion
in programmes, complaints against the selection criteria; around 2,453 requests resolved) is
drawn as sessions, one per call, at the hours of a working week (Sunday to Thursday, 08:00 to
16:00 Baghdad; fewer in the evening, few at night). Each session is on a channel and goes
through the default flow's menus:

- voice (the toll-free line): the signed voice webhooks, a keypad digit per menu, as
  `bench/voice.py` places calls; a TwiML answer per step;
- SMS and WhatsApp: the signed messaging webhook, a conversation through the menus (language,
  main menu, privacy notice, the intake's questions; or a reference's status, a callback, or
  only a look at the menu); each reply is sent by a worker's job.

The mix is this bench's assumption, not the report's (it gives no channel or category split):
15 % of sessions complete an intake (tracing 30 %, detention 25 %, assistance 30 %, complaint
15 % of those: about the report's 2,453 requests), 20 % ask a reference's status, 10 % ask for a
callback, 55 % read the menu and leave; 60 % voice, 30 % WhatsApp, 10 % SMS. That makes about
3.5 posts per session: ~57,000 webhooks for the year, of which ~24,000 text messages.

The year's timeline is divided by `--compress` (105,120 plays the year in five minutes), each
session starting at its compressed moment; within a session a person answers after
`max(30 s / compress, --gap)`. One `ccc serve`, `ccc worker --processes N`, PostgreSQL and Redis
(both emptied first). Prints the wall time, the webhooks' answer times, and the reply latency
of text messages (stored to its reply's send job done), and the same figures extrapolated to the
whole year, marked as an extrapolation when `--limit` cut the year short.

It also prints where the CPU went (`bench/cpu_share.py`): the bench's own client, the web
process(es), the workers, PostgreSQL and Redis, in seconds and milliseconds per webhook. On two
cores they all compete, so that line, not the wall time, says which part to make cheaper. The
webhooks are signed and encoded before the clock starts, and sent with aiohttp: with httpx and
signing on the fly the client took 8.9 CPU ms per webhook, a quarter of the machine; now 0.8.

    .venv/bin/python bench/replay.py --database postgresql+psycopg://…/SCRATCH \\
        --redis redis://127.0.0.1:6379/N [--scale 1|7] [--compress 105120] [--workers 2] \\
        [--limit 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode
from uuid import uuid4

import aiohttp
import cpu_share
from harness import AUTH_TOKEN, ROOT, add_teams, count, free_port, reset, server
from redis import Redis
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator
from webhooks import forms
from workers import quantile

CALLS_A_YEAR = 16_355
YEAR_SECONDS = 365 * 86_400
THINK_SECONDS = 30.0
MESSAGING = "/webhooks/twilio/messaging"
VOICE = "/webhooks/twilio/voice"
VALIDATOR = RequestValidator(AUTH_TOKEN)
# (kind, share of sessions); an intake's category follows in INTAKES.
KINDS = (("intake", 0.15), ("status", 0.20), ("callback", 0.10), ("menu", 0.55))
INTAKES = (("tracing", 0.30), ("detention", 0.25), ("assistance", 0.30), ("complaint", 0.15))
CHANNELS = (("voice", 0.60), ("whatsapp", 0.30), ("sms", 0.10))
# What a person types, in Arabic (language 1), through the default flow.
TEXTS = {
    "tracing": ["مرحبا", "1", "1", "1", "أحمد علي", "علي حسن", "1", "بغداد 2023", "خرج", "1"],
    "detention": ["مرحبا", "1", "2", "1", "أحمد علي", "حسن علي", "3", "الموصل 2022", "شرطة", "1"],
    "assistance": ["مرحبا", "1", "3", "1", "فاطمة حسين", "1", "5", "بغداد", "1"],
    "complaint": ["مرحبا", "1", "4", "1", "1", "لم أسجل في البرنامج", "1", "1"],
    "status": ["مرحبا", "1", "5", "CCC-2024-0001"],
    "callback": ["مرحبا", "1", "0", "1"],
    "menu": ["مرحبا", "1"],
}
# Keypad digits after the language (1): the main menu's option, then the intake's menus.
DIGITS = {
    "tracing": ["1", "1", "4", "1"],
    "detention": ["2", "1", "3", "1"],
    "assistance": ["3", "1", "1", "1"],
    "complaint": ["4", "1", "1", "1"],
    "status": ["5"],
    "callback": ["0", "1"],
    "menu": [],
}


@dataclass
class Session:
    at: float  # seconds into the year
    channel: str
    kind: str
    number: str

    def posts(self) -> int:
        if self.channel == "voice":
            return 3 + len(DIGITS[self.kind]) + (self.kind in dict(INTAKES))
        return len(TEXTS[self.kind])


@dataclass
class Figures:
    text_latencies: list[float] = field(default_factory=list)
    voice_latencies: list[float] = field(default_factory=list)
    refused: int = 0
    retried: int = 0
    behind: float = 0.0  # the largest lag of a session's start behind its compressed moment


def pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([name for name, _ in table], [share for _, share in table])[0]


def hour_weight(hour_of_week: int) -> float:
    """Sunday 00:00 Baghdad is hour 0; Sunday to Thursday 08:00-16:00 is the working week."""
    day, hour = divmod(hour_of_week, 24)
    if day <= 4 and 8 <= hour < 16:
        return 1.0
    if 7 <= hour < 23:
        return 0.25
    return 0.03


def year(scale: int, seed: int) -> list[Session]:
    rng = random.Random(seed)
    weights = [hour_weight(h) for h in range(168)]
    sessions = []
    for index in range(CALLS_A_YEAR * scale):
        week = rng.randrange(52)
        hour = rng.choices(range(168), weights)[0]
        at = week * 604_800 + hour * 3600 + rng.random() * 3600
        kind = pick(rng, KINDS)
        if kind == "intake":
            kind = pick(rng, INTAKES)
        channel = pick(rng, CHANNELS)
        sessions.append(Session(at, channel, kind, f"+9647{index:09d}"))
    return sorted(sessions, key=lambda session: session.at)


def cut(sessions: list[Session], limit: int | None) -> list[Session]:
    """The year's first sessions, up to `limit` webhooks in all."""
    if limit is None:
        return sessions
    kept, posts = [], 0
    for session in sessions:
        if posts >= limit:
            break
        kept.append(session)
        posts += session.posts()
    return kept


@dataclass(frozen=True)
class Post:
    """One webhook, signed before the clock starts so that the replay's client spends its
    CPU on sending, not on HMACs and form encoding: on two cores it competes with the server."""

    path: str
    body: bytes
    signature: str
    answered: str  # "text", "voice", or "" for a status callback nobody waits on


def signed(origin: str, path: str, form: dict[str, str], answered: str) -> Post:
    signature = VALIDATOR.compute_signature(origin + path, form)
    return Post(path, urlencode(form).encode(), signature, answered)


def text_posts(origin: str, session: Session) -> list[Post]:
    base = forms(1)[0]
    sender = session.number
    if session.channel == "whatsapp":
        sender = f"whatsapp:{sender}"
    posts = []
    for body in TEXTS[session.kind]:
        sid = f"SM{uuid4().hex}"
        form = {**base, "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid}
        form.update(From=sender, Body=body)
        if session.channel == "whatsapp":
            form.update(WaId=session.number.lstrip("+"), ProfileName="Replay")
        posts.append(signed(origin, MESSAGING, form, "text"))
    return posts


def call_posts(origin: str, session: Session) -> list[Post]:
    base = {
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "ApiVersion": "2010-04-01",
        "CallSid": f"CA{uuid4().hex}",
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "From": session.number,
        "Caller": session.number,
        "To": "+18005550199",
    }
    posts = [signed(origin, VOICE, {**base, "CallStatus": "ringing"}, "voice")]
    for digit in ["1", *DIGITS[session.kind]]:
        posts.append(signed(origin, f"{VOICE}/gather", {**base, "Digits": digit}, "voice"))
    if session.kind in dict(INTAKES):
        recording = {
            "RecordingSid": f"RE{uuid4().hex}",
            "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE0",
            "RecordingDuration": "37",
        }
        posts.append(signed(origin, f"{VOICE}/recording", {**base, **recording}, "voice"))
    status = {**base, "CallStatus": "completed", "CallDuration": "95"}
    posts.append(signed(origin, f"{VOICE}/status", status, ""))
    return posts


def prepare(origin: str, sessions: list[Session]) -> list[list[Post]]:
    return [
        call_posts(origin, session) if session.channel == "voice" else text_posts(origin, session)
        for session in sessions
    ]


class Replay:
    def __init__(self, origin: str, client: aiohttp.ClientSession, gap: float) -> None:
        self.origin = origin
        self.client = client
        self.gap = gap
        self.figures = Figures()

    async def post(self, post: Post) -> None:
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": post.signature,
        }
        started = time.perf_counter()
        for attempt in range(2):
            try:
                async with self.client.post(
                    self.origin + post.path, data=post.body, headers=headers
                ) as response:
                    await response.read()
                    status = response.status
                break
            except TimeoutError:
                # No answer within a minute (Twilio itself gives up after 15 s): refused.
                self.figures.refused += 1
                return
            except aiohttp.ClientConnectionError:
                # A kept-alive connection the server closed as it was reused (uvicorn drops
                # idle ones after 5 s): posted again, as Twilio retries a failed webhook.
                self.figures.retried += 1
                if attempt:
                    self.figures.refused += 1
                    return
        latency = time.perf_counter() - started
        if post.answered == "text":
            self.figures.text_latencies.append(latency)
        elif post.answered == "voice":
            self.figures.voice_latencies.append(latency)
        self.figures.refused += status != 200

    async def session(self, at: float, posts: list[Post], began: float, compress: float) -> None:
        delay = began + at / compress - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        self.figures.behind = max(self.figures.behind, -delay)
        for index, post in enumerate(posts):
            if index:
                await asyncio.sleep(self.gap)
            await self.post(post)


async def play(
    origin: str, sessions: list[Session], plans: list[list[Post]], compress: float, gap: float
) -> Figures:
    connector = aiohttp.TCPConnector(limit=64)
    # A minute for the server's answer, not counting the wait for one of the 64 connections.
    timeout = aiohttp.ClientTimeout(total=None, sock_read=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        replay = Replay(origin, client, gap)
        began = time.perf_counter() - sessions[0].at / compress
        await asyncio.gather(
            *(
                replay.session(session.at, posts, began, compress)
                for session, posts in zip(sessions, plans, strict=True)
            )
        )
    return replay.figures


# Run on fresh statistics (`reply_latencies`) and with the sends read once (MATERIALIZED): with
# the tables' statistics from before the replay, PostgreSQL expected a few dozen rows and joined
# the outbox once per message, and on the whole year (25,000 messages, 48,000 jobs) the query
# ran for more than twenty minutes after the replay had ended.
REPLY_SQL = """
WITH sends AS MATERIALIZED (
    SELECT (payload->>'message_id')::int AS message_id, finished_at FROM outbox_job
    WHERE kind = 'send_message' AND finished_at IS NOT NULL
)
SELECT EXTRACT(EPOCH FROM (j.finished_at - i.created_at))
FROM message i
JOIN LATERAL (
    SELECT o.id FROM message o
    WHERE o.identity_id = i.identity_id AND o.direction = 'out' AND o.id > i.id
    ORDER BY o.id LIMIT 1
) o ON true
JOIN sends j ON j.message_id = o.id
WHERE i.direction = 'in' AND i.channel IN ('sms', 'whatsapp')
"""
OWED_SQL = """
SELECT count(*) FROM outbox_job
WHERE kind IN ('process_inbound', 'send_message') AND status IN ('pending', 'running')
"""


def wait_for_workers(redis_url: str, workers: int, pool: subprocess.Popen[bytes]) -> None:
    """Until every worker has registered with Redis: their start-up is not the replay's time."""
    redis = Redis.from_url(redis_url)
    deadline = time.monotonic() + 120
    while redis.scard("rq:workers") < workers:
        if pool.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the workers did not start: see worker.log")
        time.sleep(0.2)


def wait_until_done(database: str, deadline: float) -> float:
    began = time.perf_counter()
    while count(database, OWED_SQL) > 0:
        if time.perf_counter() - began > deadline:
            raise SystemExit(f"{count(database, OWED_SQL)} jobs still owed after {deadline} s")
        time.sleep(0.25)
    return time.perf_counter() - began


def reply_latencies(database: str) -> list[float]:
    engine = create_engine(database)
    with engine.connect() as connection:
        connection.execute(text("ANALYZE message, outbox_job"))
        rows = sorted(float(row[0]) for row in connection.execute(text(REPLY_SQL)))
    engine.dispose()
    return rows


def run(
    args: argparse.Namespace, sessions: list[Session], folder: Path
) -> tuple[dict[str, float], dict[str, float]]:
    """The replay's figures, and the CPU seconds each part of the system used meanwhile."""
    reset(args.database, args.redis)
    add_teams(args.database)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {
        "CCC_DATABASE_URL": args.database,
        "CCC_REDIS_URL": args.redis,
        "CCC_PUBLIC_URL": origin,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "CCC_OUTBOUND": "record",
        "CCC_SIMULATOR": "off",
        # Every call is taken, however long it waits: the replay measures how long the year
        # takes, and its schedule asks more than the machine does (bench/surge.py measures
        # what turning new calls away does).
        "CCC_VOICE_BUSY_AFTER": "0",
    }
    serve = [sys.executable, "-m", "ccc.cli", "serve", "--port", str(port)]
    serve += ["--processes", str(args.web)]
    work = [sys.executable, "-m", "ccc.cli", "worker", "--processes", str(args.workers)]
    with (
        server(serve, env, port, folder / "serve.log") as web,
        (folder / "worker.log").open("wb") as log,
    ):
        pool = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            work, env={**os.environ, **env}, cwd=ROOT, stdout=log, stderr=log
        )
        try:
            plans = prepare(origin, sessions)
            wait_for_workers(args.redis, args.workers, pool)
            before = cpu_share.snapshot()
            began = time.perf_counter()
            figures = asyncio.run(play(origin, sessions, plans, args.compress, args.gap))
            sent = time.perf_counter() - began
            wait_until_done(args.database, 3600)
            wall = time.perf_counter() - began
            cpu = cpu_share.shares(
                before,
                cpu_share.snapshot(),
                {"web": web.pid, "workers": pool.pid},
                client=os.getpid(),
            )
        finally:
            pool.terminate()
            pool.wait(timeout=60)
    replies = reply_latencies(args.database)
    return {
        "sent": sent,
        "wall": wall,
        "refused": figures.refused,
        "retried": figures.retried,
        "behind": figures.behind,
        "text_p50": quantile(sorted(figures.text_latencies), 0.5) * 1000,
        "text_p99": quantile(sorted(figures.text_latencies), 0.99) * 1000,
        "voice_p50": quantile(sorted(figures.voice_latencies), 0.5) * 1000,
        "voice_p99": quantile(sorted(figures.voice_latencies), 0.99) * 1000,
        "reply_p50": quantile(replies, 0.5),
        "reply_p99": quantile(replies, 0.99),
        "replies": len(replies),
        "texts": len(figures.text_latencies),
        "answers": len(figures.voice_latencies),
    }, cpu


def describe(sessions: list[Session]) -> str:
    by_channel: dict[str, int] = {}
    for session in sessions:
        by_channel[session.channel] = by_channel.get(session.channel, 0) + 1
    posts = sum(session.posts() for session in sessions)
    channels = ", ".join(f"{name} {number:,}" for name, number in sorted(by_channel.items()))
    return f"{len(sessions):,} sessions ({channels}), {posts:,} webhooks"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a scratch PostgreSQL URL (emptied)")
    parser.add_argument("--redis", required=True, help="a scratch Redis URL (emptied)")
    parser.add_argument("--scale", type=int, choices=(1, 7), default=1, help="7: the IIC")
    parser.add_argument("--compress", type=float, default=105_120.0, help="year / wall time")
    parser.add_argument("--workers", type=int, default=2, help="ccc worker --processes N")
    parser.add_argument("--web", type=int, default=1, help="ccc serve --processes N")
    parser.add_argument("--limit", type=int, help="stop after this many webhooks (a smoke run)")
    parser.add_argument("--gap", type=float, default=0.5, help="least seconds between answers")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    whole = year(args.scale, args.seed)
    sessions = cut(whole, args.limit)
    whole_posts = sum(session.posts() for session in whole)
    posts = sum(session.posts() for session in sessions)
    with tempfile.TemporaryDirectory(prefix="ccc-bench-replay-") as scratch:
        result, cpu = run(args, sessions, Path(scratch))
    span = (sessions[-1].at - sessions[0].at) / 86_400
    print(
        f"{platform.node()} {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"scale {args.scale}, compress {args.compress:g}, {args.workers} worker process(es), "
        f"{args.web} web process(es)"
    )
    print(f"the year: {describe(whole)}")
    print(f"replayed: {describe(sessions)}, {span:.1f} days of the year")
    print(
        f"wall time {result['wall']:.1f} s (sending {result['sent']:.1f} s, of "
        f"{span * 86_400 / args.compress:.1f} s scheduled; starts fell behind by up to "
        f"{result['behind']:.1f} s); refused {result['refused']:.0f}, "
        f"posted again after a dropped connection {result['retried']:.0f}"
    )
    print(
        f"webhook answers: text p50 {result['text_p50']:.0f} ms, p99 {result['text_p99']:.0f} ms "
        f"({result['texts']:.0f}); voice TwiML p50 {result['voice_p50']:.0f} ms, "
        f"p99 {result['voice_p99']:.0f} ms ({result['answers']:.0f})"
    )
    print(
        f"text reply latency (stored to reply sent): p50 {result['reply_p50']:.1f} s, "
        f"p99 {result['reply_p99']:.1f} s ({result['replies']:.0f} replies)"
    )
    print(cpu_share.describe(cpu, posts, "webhook"))
    rate = posts / result["wall"]
    label = "extrapolated" if posts < whole_posts else "measured"
    print(
        f"{rate:.1f} webhooks/s through to the last reply; the whole year ({whole_posts:,} "
        f"webhooks) at that rate: {whole_posts / rate / 60:.1f} min ({label})"
    )
    return 0 if result["refused"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
