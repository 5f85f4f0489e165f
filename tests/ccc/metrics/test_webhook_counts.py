"""The webhooks' running count: counted in memory on the request's path, added to Redis by the
process within a second (no scrape needed), and kept, not lost, while Redis does not answer."""

from __future__ import annotations

import time

import pytest
from redis import Redis

from ccc.jobs.dispatch import RQDispatcher
from ccc.metrics import FLUSH_SECONDS, WEBHOOK_KEY, WebhookCounts
from tests.conftest import TEST_REDIS_URL, Harness

needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs CCC_TEST_REDIS_URL")
NOBODY_LISTENS = "redis://127.0.0.1:1/0"
REFUSED = "/webhooks/twilio/messaging|refused"


def in_redis(field: str) -> int:
    assert TEST_REDIS_URL
    value = Redis.from_url(TEST_REDIS_URL).hget(WEBHOOK_KEY, field)
    return int(value or 0)


@needs_redis
def test_a_webhook_reaches_the_count_in_redis_within_a_second_without_a_scrape(
    ccc: Harness,
) -> None:
    before = in_redis(REFUSED)
    refused = ccc.client.post("/webhooks/twilio/messaging", data={"Body": "hi"})
    assert refused.status_code == 403
    deadline = time.monotonic() + FLUSH_SECONDS + 4
    while in_redis(REFUSED) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert in_redis(REFUSED) == before + 1


@needs_redis
def test_counts_made_while_redis_is_down_are_kept_and_added_once_it_answers(
    ccc: Harness,
) -> None:
    assert TEST_REDIS_URL
    down = RQDispatcher(NOBODY_LISTENS, ccc.engine)
    ccc.runtime.dispatcher = down
    counts = WebhookCounts(ccc.runtime)
    before = in_redis(REFUSED)

    started = time.monotonic()
    counts.count("/webhooks/twilio/messaging", 403)
    counts.count("/webhooks/twilio/messaging", 401)
    # Far under the 2 s connection timeout a call to the unreachable Redis would wait out.
    assert time.monotonic() - started < 1.0, "counting must not wait on Redis"
    counts.flush()  # fails, and Redis is left alone for a while
    assert down.resting()

    ccc.runtime.dispatcher = RQDispatcher(TEST_REDIS_URL, ccc.engine)
    counts.close()
    assert in_redis(REFUSED) == before + 2
    assert counts.totals()[REFUSED] == before + 2  # in Redis now, not counted twice


def test_without_redis_the_count_is_the_process_own(ccc: Harness) -> None:
    if isinstance(ccc.runtime.dispatcher, RQDispatcher):
        pytest.skip("this case is the in-process runner's")
    counts = WebhookCounts(ccc.runtime)
    counts.count("/webhooks/telegram", 200)
    counts.count("/webhooks/telegram", 200)
    counts.count("/webhooks/telegram", 500)
    counts.close()
    assert counts.totals() == {"/webhooks/telegram|accepted": 2, "/webhooks/telegram|refused": 1}
