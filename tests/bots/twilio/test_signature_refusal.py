"""A bad Twilio signature is refused without naming CCC_PUBLIC_URL, the URL that was signed
(issue 16, finding 9): the answer says only that the signature did not match."""

from __future__ import annotations

from tests.conftest import PUBLIC_URL, Harness
from tests.support.people import post_twilio


def test_a_bad_twilio_signature_does_not_echo_the_public_url(ccc: Harness) -> None:
    response = post_twilio(
        ccc.client,
        "/webhooks/twilio/messaging",
        {"From": "+9647701234567", "Body": "hi", "MessageSid": "SM1"},
        signature="not-a-signature",
    )
    assert response.status_code == 403
    assert PUBLIC_URL not in response.text
    assert "signature" in response.json()["detail"].lower()
