"""A long Arabic or Kurdish text goes to Twilio as one message, whole: Twilio and the carrier
segment it (70/67 UCS-2 units a segment) and the phone joins it again. CCC used to cut such
texts itself into separate 67-unit SMS, sometimes in the middle of a word (found on a signed
walk). Checked with the default flow's longest texts, through the signed SMS webhook."""

from __future__ import annotations

import pytest

from ccc.channels.sms import SMS_MAX_BODY, UCS2, length, segments
from tests.conftest import Harness
from tests.support.fakes import FakeApi
from tests.support.people import TwilioPerson, open_ticket, reply
from workflows.files.library import current
from workflows.files.segments import costs

KEYS = {"ar": "1", "ckb": "2", "kmr": "3"}
NAMES_NOTHING = {"ar": "قرب النهر", "ckb": "نزیک ڕووبار", "kmr": "نێزیکی ڕووباری"}


def longest(language: str) -> str:
    """The longest text of the default flow in `language`, as the person receives it."""
    library = current()
    found = [c for c in costs(library.flow, library.prompts) if c.language == language]
    return max(found, key=lambda cost: cost.units).text


@pytest.mark.parametrize("language", sorted(KEYS))
def test_the_governorate_list_arrives_as_one_sms_of_several_segments(
    sms: TwilioPerson, language: str
) -> None:
    sms.say("hello")
    for answer in (KEYS[language], "3", "1", "Layla Hassan", "1", "6", NAMES_NOTHING[language]):
        sms.say(answer)
    listed = sms.received()[-1]
    assert listed.splitlines()[1].startswith("1 ") and listed.splitlines()[-1].startswith("19 ")
    assert segments(listed) == 3  # about 180 units: billed as 3, sent as 1
    assert listed == longest(language)


@pytest.mark.parametrize("language", sorted(KEYS))
def test_the_longest_text_of_the_flow_is_sent_whole(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str], language: str
) -> None:
    reference = open_ticket(sms)
    fake_twilio.requests.clear()
    text = longest(language)
    assert length(text, UCS2) > 2 * 67
    reply(ccc, agent, reference, text)
    assert sms.received() == [text]


@pytest.mark.parametrize("language", sorted(KEYS))
def test_only_a_text_beyond_twilios_limit_is_cut_and_then_between_words(
    ccc: Harness, sms: TwilioPerson, fake_twilio: FakeApi, agent: dict[str, str], language: str
) -> None:
    reference = open_ticket(sms)
    fake_twilio.requests.clear()
    one = " ".join(longest(language).split())  # the list on one line: no line to cut after
    text = " ".join([one] * (SMS_MAX_BODY // len(one) + 2))
    reply(ccc, agent, reference, text)
    parts = sms.received()
    assert len(parts) == 2
    assert all(length(part, UCS2) <= SMS_MAX_BODY for part in parts)
    assert " ".join(parts).split() == text.split(), "no word cut"
