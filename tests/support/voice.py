"""A caller on the toll-free line, as Twilio Voice would post each step, and TwiML read back
with an XML parser."""

from __future__ import annotations

import itertools
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlparse

from tests.conftest import PUBLIC_URL, Harness
from tests.support.people import ACCOUNT_SID, PHONE, post_twilio

VOICE = "/webhooks/twilio/voice"
LINE_NUMBER = "+18005550199"
AGENT_LINE = "+18005550100"
_recordings = itertools.count(1)
# The keys of a tracing intake after the language: the option, "continue" after the privacy
# notice, a spouse, consent to share; the voice message comes next.
TRACING = ("1", "1", "2", "1")


@dataclass
class TwiML:
    root: ET.Element

    @classmethod
    def parse(cls, text: str) -> TwiML:
        root = ET.fromstring(text)  # noqa: S314  (our own answer, in a test)
        assert root.tag == "Response", text
        return cls(root)

    def verbs(self) -> list[str]:
        return [child.tag for child in self.root]

    def find(self, tag: str) -> ET.Element:
        found = self.root.find(f".//{tag}")
        assert found is not None, f"no <{tag}> in {ET.tostring(self.root, encoding='unicode')}"
        return found

    def has(self, tag: str) -> bool:
        return self.root.find(f".//{tag}") is not None

    def says(self) -> list[ET.Element]:
        return list(self.root.iter("Say"))

    def said(self) -> str:
        return " ".join(say.text or "" for say in self.says())

    def plays(self) -> list[str]:
        return [play.text or "" for play in self.root.iter("Play")]

    def action(self, tag: str) -> str:
        """The path of a verb's action URL, checked to be on CCC's public URL."""
        url = self.find(tag).attrib["action"]
        assert url.startswith(PUBLIC_URL), url
        return urlparse(url).path


@dataclass
class PhoneCall:
    """One call from `number`: each step posts to the URL the last TwiML named."""

    ccc: Harness
    number: str = PHONE
    sid: str = field(default_factory=lambda: f"CA{uuid.uuid4().hex}")
    last: TwiML | None = None

    def form(self, **fields: str) -> dict[str, str]:
        base = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": self.sid,
            "CallStatus": "in-progress",
            "Called": LINE_NUMBER,
            "Caller": self.number,
            "Direction": "inbound",
            "From": self.number,
            "FromCountry": "IQ",
            "To": LINE_NUMBER,
            "ToCountry": "US",
        }
        base.update(fields)
        return base

    def post(self, path: str, **fields: str) -> TwiML:
        response = post_twilio(self.ccc.client, path, self.form(**fields))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        self.last = TwiML.parse(response.text)
        self.ccc.drain()
        return self.last

    def dial(self) -> TwiML:
        return self.post(VOICE, CallStatus="ringing")

    def press(self, digits: str) -> TwiML:
        assert self.last is not None and self.last.has("Gather"), "no menu to answer"
        return self.post(self.last.action("Gather"), Digits=digits)

    def keys(self, *presses: str) -> TwiML:
        for digits in presses:
            self.press(digits)
        assert self.last is not None
        return self.last

    def leave_message(self, seconds: int = 42, sid: str | None = None) -> TwiML:
        assert self.last is not None and self.last.has("Record"), "no recording offered"
        recording = sid or f"RE{next(_recordings):032x}"
        return self.post(
            self.last.action("Record"),
            RecordingSid=recording,
            RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording}",
            RecordingDuration=str(seconds),
            Digits="#",
        )

    def hang_up(self, duration: int = 30) -> None:
        response = post_twilio(
            self.ccc.client,
            f"{VOICE}/status",
            self.form(CallStatus="completed", CallDuration=str(duration)),
        )
        assert response.status_code == 200, response.text
        self.ccc.drain()


def spoken_reference(twiml: TwiML) -> str:
    """The reference as read back digit by digit ("4, 8, 2, ...")."""
    import re

    match = re.search(r"(\d(?:, \d){7})", twiml.said())
    assert match, twiml.said()
    return match.group(1).replace(", ", "")
