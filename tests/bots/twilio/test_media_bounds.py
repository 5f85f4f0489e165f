"""A MediaUrl is an https:// link to Twilio's own hosts, of bounded length: anything else in a
signed form is refused with nothing stored (the console would show it as a link to follow)."""

from __future__ import annotations

import pytest

from tests.conftest import Harness
from tests.support.people import TwilioPerson, post_twilio, stored

TWILIO_MEDIA = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0"


@pytest.mark.parametrize(
    "url",
    [
        "http://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0",
        "https://evil.example/photo.jpg",
        "https://api.twilio.com.evil.example/photo.jpg",
        "javascript:alert(1)",
        TWILIO_MEDIA + "x" * 1000,
    ],
)
def test_a_media_url_that_twilio_did_not_write_is_refused(
    ccc: Harness, sms: TwilioPerson, url: str
) -> None:
    before = stored(ccc)
    form = sms.message(base="twilio_mms", MediaUrl0=url)
    response = post_twilio(ccc.client, "/webhooks/twilio/messaging", form)
    assert 400 <= response.status_code < 500, response.text
    assert "MediaUrl0" in response.json()["detail"]
    assert stored(ccc) == before


def test_twilio_media_links_are_kept(ccc: Harness, sms: TwilioPerson) -> None:
    for url in (TWILIO_MEDIA, "https://media.twiliocdn.com/ME0"):
        response = sms.post(sms.message(base="twilio_mms", MediaUrl0=url))
        assert response.status_code == 200, response.text
