"""Each sender's pace: a token bucket in Redis per channel and sender, and the backoff after the
provider says "too many requests" (Twilio's HTTP 429 or error 20429, Telegram's 429).

A send asks its sender's bucket for a token just before the call (`take`). With none left it is
not made to wait in the worker: the job goes back to the outbox, due when a token will be free
(`registry.Deferred`), and the worker moves on to the next job. Replies and bulk notices share
a bucket, but a bulk notice takes a token only while `REPLY_SHARE` of the bucket is left, so a
reply written during a mass send still finds one; and workers take the reply queue first.

After a 429 the sender's bucket is closed until `Retry-After` (or 1, 2, 4 ... 60 s with jitter
when the provider gives no time): every send of that sender is deferred until then, not only
the one refused. The refused one is deferred too, and never counts as a failed attempt.

The figures live in Redis, shared by every worker. Without Redis (`ccc serve` running its own
jobs in one thread) there is no bucket, as before: one thread sends one message at a time, and
only the backoff after a 429 is kept, in this process.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ccc.jobs.dispatch import RQDispatcher
from ccc.kernel.settings import Settings

if TYPE_CHECKING:
    from ccc.kernel.runtime import Runtime

log = logging.getLogger(__name__)

# A bulk notice leaves this share of its sender's bucket to replies.
REPLY_SHARE = 0.2
# Backoff after a 429 that names no time: 1 s doubling to this, with jitter.
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
# Deferred sends are spread over this share of a second past the moment a token frees, so that
# they do not all come back at once.
JITTER = 0.25
KEY = "ccc:send:bucket:{channel}:{sender}"
DEFERRED_KEY = "ccc:metrics:sends_deferred"

# KEYS[1]: the bucket. ARGV: rate (tokens/s), capacity, tokens a taker must leave behind.
# Returns {1, 0, strikes} when a token was taken, else {0, milliseconds until one is free, 0}.
# The time is Redis's own, so every worker's clock agrees.
_TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local leave = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'blocked_until', 'strikes')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
local blocked = tonumber(state[3]) or 0
local strikes = tonumber(state[4]) or 0
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local wait = 0
if blocked > now then
  wait = blocked - now
elseif tokens >= 1 + leave then
  tokens = tokens - 1
else
  wait = (1 + leave - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
if wait > 0 then
  return {0, math.ceil(wait * 1000), 0}
end
return {1, 0, strikes}
"""

# KEYS[1]: the bucket. ARGV: the provider's Retry-After in ms (-1: none), base ms, cap ms, a
# random number in [0, 1) for the jitter. Closes the bucket; returns the ms until it opens.
_BACK_OFF = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local strikes = redis.call('HINCRBY', KEYS[1], 'strikes', 1)
local delay = tonumber(ARGV[1]) / 1000
if delay < 0 then
  local full = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ (strikes - 1)) / 1000
  delay = full / 2 + full / 2 * tonumber(ARGV[4])
end
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked_until')) or 0
blocked = math.max(blocked, now + delay)
redis.call('HSET', KEYS[1], 'blocked_until', tostring(blocked), 'tokens', '0', 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
return math.ceil((blocked - now) * 1000)
"""


@dataclass(frozen=True)
class Pace:
    """A sender's rate and bucket size; `rate` 0 means no limit."""

    rate: float
    capacity: float

    def leave(self, bulk: bool) -> float:
        return self.capacity * REPLY_SHARE if bulk and self.capacity >= 2 else 0.0


def sender_of(channel: str, settings: Settings) -> tuple[str, str] | None:
    """The bucket a send on `channel` draws from: the channel whose rate applies and the
    sender's name (number, messaging service, or the bot's id, never its token)."""
    if channel in ("sms", "voice") and settings.twilio_sms_from:
        return "sms", settings.twilio_sms_from
    if channel in ("whatsapp", "voice") and settings.twilio_whatsapp_from:
        return "whatsapp", settings.twilio_whatsapp_from.removeprefix("whatsapp:")
    if channel == "telegram" and settings.telegram_bot_token:
        return "telegram", settings.telegram_bot_token.split(":", 1)[0]
    return None


def pace(channel: str, settings: Settings) -> Pace:
    rate = {
        "sms": settings.send_rate_sms,
        "whatsapp": settings.send_rate_whatsapp,
        "telegram": settings.send_rate_telegram,
    }.get(channel, 0.0)
    return Pace(rate, max(1.0, rate * settings.send_burst_seconds))


def jittered(seconds: float) -> float:
    return seconds + random.uniform(0, JITTER)  # noqa: S311 - spreading retries, not secrets


class SendLimiter:
    """The buckets in one Redis, shared by every worker."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._take = connection.register_script(_TAKE)
        self._back_off = connection.register_script(_BACK_OFF)

    def take(
        self, channel: str, sender: str, settings: Settings, *, bulk: bool
    ) -> tuple[float, int]:
        """(0, strikes) when a token was taken (send now; `strikes`: 429s since the sender's
        last good send), else (the seconds until one will be free, 0). Redis unreachable: go,
        since the outbox, not the bucket, is what must not fail."""
        limit = pace(channel, settings)
        if limit.rate <= 0:
            return 0.0, 0
        key = KEY.format(channel=channel, sender=sender)
        try:
            taken, wait_ms, strikes = self._take(
                keys=[key], args=[limit.rate, limit.capacity, limit.leave(bulk)]
            )
        except Exception as exc:
            log.warning("send rate of %s not checked (Redis: %s)", channel, exc)
            return 0.0, 0
        return (0.0, int(strikes)) if taken else (int(wait_ms) / 1000, 0)

    def clear(self, channel: str, sender: str) -> None:
        """A send went through after a backoff: the next 429 starts from the shortest wait."""
        with suppress(Exception):
            self.connection.hdel(KEY.format(channel=channel, sender=sender), "strikes")

    def back_off(self, channel: str, sender: str, retry_after: float | None) -> float:
        """The provider refused for too many requests: close the bucket; seconds until open."""
        key = KEY.format(channel=channel, sender=sender)
        hint = -1 if retry_after is None else int(retry_after * 1000)
        try:
            closed_ms = self._back_off(
                keys=[key],
                args=[hint, int(BACKOFF_BASE * 1000), int(BACKOFF_CAP * 1000), random.random()],  # noqa: S311
            )
        except Exception as exc:
            log.warning("backoff of %s kept in this process only (Redis: %s)", channel, exc)
            return _LOCAL.back_off(channel, sender, retry_after)
        return int(closed_ms) / 1000


class LocalBackoff:
    """Without Redis: only the length of a 429's backoff, from this process's count of them.
    No bucket and no closing of the sender: one thread sends one message at a time, and the
    refused message itself is deferred."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._strikes: Counter[tuple[str, str]] = Counter()

    def take(self, channel: str, sender: str) -> tuple[float, int]:
        with self._lock:
            return 0.0, self._strikes.get((channel, sender), 0)

    def clear(self, channel: str, sender: str) -> None:
        with self._lock:
            self._strikes.pop((channel, sender), None)

    def back_off(self, channel: str, sender: str, retry_after: float | None) -> float:
        with self._lock:
            self._strikes[(channel, sender)] += 1
            if retry_after is not None:
                return retry_after
            strikes = self._strikes[(channel, sender)]
        full = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (strikes - 1))
        return full / 2 + random.uniform(0, full / 2)  # noqa: S311


_LOCAL = LocalBackoff()
_local_deferred: Counter[str] = Counter()
_local_lock = threading.Lock()


def limiter_of(runtime: Runtime) -> SendLimiter | None:
    """The process's limiter over the dispatcher's Redis; None without Redis."""
    dispatcher = runtime.dispatcher
    if not isinstance(dispatcher, RQDispatcher):
        return None
    limiter: SendLimiter | None = getattr(dispatcher, "_send_limiter", None)
    if limiter is None:
        limiter = SendLimiter(dispatcher.connection)
        dispatcher._send_limiter = limiter  # type: ignore[attr-defined]
    return limiter


@dataclass(frozen=True)
class Token:
    """What `take_token` found: `wait` 0 to send now (else the seconds to defer the send by,
    jitter included), and whether the sender is coming out of a backoff."""

    wait: float
    after_backoff: bool = False


def take_token(runtime: Runtime, channel: str, *, bulk: bool) -> Token:
    bucket = sender_of(channel, runtime.settings)
    if bucket is None:
        return Token(0.0)
    limiter = limiter_of(runtime)
    if limiter is None:
        wait, strikes = _LOCAL.take(*bucket)
    else:
        wait, strikes = limiter.take(*bucket, runtime.settings, bulk=bulk)
    if wait <= 0:
        return Token(0.0, after_backoff=strikes > 0)
    count_deferred(runtime, bucket[0], "rate")
    return Token(jittered(wait))


def went_through(runtime: Runtime, channel: str) -> None:
    """A send after a backoff succeeded: the sender's 429 count starts again."""
    bucket = sender_of(channel, runtime.settings)
    limiter = limiter_of(runtime)
    if bucket is None:
        return
    if limiter is None:
        _LOCAL.clear(*bucket)
    else:
        limiter.clear(*bucket)


def back_off(runtime: Runtime, channel: str, retry_after: float | None) -> float:
    """The provider said 429: the seconds to defer this send by; its sender's other sends wait
    as long (with Redis, in every worker)."""
    bucket = sender_of(channel, runtime.settings) or (channel, "-")
    limiter = limiter_of(runtime)
    if limiter is None:
        delay = _LOCAL.back_off(*bucket, retry_after)
    else:
        delay = limiter.back_off(*bucket, retry_after)
    count_deferred(runtime, bucket[0], "backoff")
    log.warning("%s sender told to slow down: sends wait %.1f s", bucket[0], delay)
    return jittered(delay)


def count_deferred(runtime: Runtime, channel: str, reason: str) -> None:
    """For /metrics: sends put off by the bucket (`rate`) or after a 429 (`backoff`)."""
    field = f"{channel}|{reason}"
    limiter = limiter_of(runtime)
    if limiter is not None:
        try:
            limiter.connection.hincrby(DEFERRED_KEY, field, 1)
            return
        except Exception:  # noqa: S110 - Redis down: counted here, as without Redis
            pass
    with _local_lock:
        _local_deferred[field] += 1


def deferred_counts(runtime: Runtime) -> dict[str, int]:
    counts = dict(_local_deferred)
    limiter = limiter_of(runtime)
    if limiter is not None:
        stored: dict[Any, Any] = dict(limiter.connection.hgetall(DEFERRED_KEY))
        for raw, value in stored.items():
            name = raw.decode() if isinstance(raw, bytes) else str(raw)
            counts[name] = counts.get(name, 0) + int(value)
    return counts
