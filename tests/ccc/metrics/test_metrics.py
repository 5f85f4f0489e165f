"""`GET /metrics`: hidden without a token, refused without the right one, figures from the
database and Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TEST_REDIS_URL, Harness, build_harness, make_settings

PHONE = "+9647701234567"
TOKEN = "metrics-token-for-tests"


@pytest.fixture
def watched(database_url: str) -> Iterator[Harness]:
    yield from build_harness(make_settings(database_url, metrics_token=TOKEN))


def samples(harness: Harness) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = harness.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_without_a_token_configured_there_is_no_metrics_endpoint(ccc: Harness) -> None:
    assert ccc.client.get("/metrics").status_code == 404


def test_a_wrong_or_missing_token_is_refused(watched: Harness) -> None:
    assert watched.client.get("/metrics").status_code == 401
    wrong = watched.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_the_figures_follow_what_happened(watched: Harness) -> None:
    webhook = ("ccc_webhooks", (("outcome", "refused"), ("path", "/webhooks/twilio/messaging")))
    # Without Redis the count is the process's own, so earlier tests in it may have added to it.
    before = samples(watched).get(webhook, 0)
    watched.say(PHONE, "hello")
    refused = watched.client.post("/webhooks/twilio/messaging", data={"Body": "hi"})
    assert refused.status_code == 403
    found = samples(watched)
    assert found[("ccc_messages_out", (("channel", "simulator"), ("status", "sent")))] == 1
    assert found[webhook] == before + 1
    assert found[("ccc_sla_breached_tickets", ())] == 0
    assert found[("ccc_tickets_waiting_on_centre", ())] == 0
    latency = [key for key in found if key[0] == "ccc_job_latency_seconds"]
    queues = {dict(labels)["queue"] for _, labels in latency}
    assert queues == {"ccc", "ccc-send"}
    if TEST_REDIS_URL:
        assert found[("ccc_queue_depth", (("queue", "ccc-send"),))] == 0
    assert not [key for key in found if key[0] == "ccc_outbox_backlog"]

    watched.client.post("/api/simulator/messages", json={"from": PHONE, "text": "4"})
    if TEST_REDIS_URL:  # not yet run: waiting in Redis and in the outbox
        found = samples(watched)
        assert found[("ccc_queue_depth", (("queue", "ccc"),))] == 1
        assert found[("ccc_outbox_backlog", (("due", "yes"), ("status", "pending")))] == 1
