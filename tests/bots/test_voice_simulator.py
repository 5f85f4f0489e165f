"""The simulator's keypad drives the same IVR as Twilio, with no account: each prompt is read
in the caller's language, and a typed text stands for the voice message."""

from __future__ import annotations

from typing import Any

from tests.conftest import Harness

CALLER = "+9647701234567"


def step(ccc: Harness, path: str, body: dict[str, str]) -> dict[str, Any]:
    response = ccc.client.post(f"/api/simulator/calls{path}", json=body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_test_call_reads_each_prompt_and_leaves_a_typed_voice_message(
    ccc: Harness, agent: dict[str, str]
) -> None:
    menu = step(ccc, "", {"from": CALLER})
    assert menu["then"] == "gather" and len(menu["said"]) == 4
    sid = menu["call_sid"]
    sorani = step(ccc, f"/{sid}/keys", {"digits": "2"})
    assert sorani["said"][0]["language"] == "ckb"
    assert "چۆن دەتوانین یارمەتیت بدەین" in sorani["said"][0]["text"]
    for digits in ("1", "1", "4"):  # tracing, continue, a sibling
        assert step(ccc, f"/{sid}/keys", {"digits": digits})["then"] == "gather"
    record = step(ccc, f"/{sid}/keys", {"digits": "1"})  # consent to share
    assert record["then"] == "record"
    done = step(ccc, f"/{sid}/voice-message", {"text": "My brother has been missing since May."})
    assert done["then"] == "hangup"
    page = ccc.client.get("/api/tickets?channel=voice", headers=agent).json()["items"]
    [ticket] = page
    assert ticket["category"] == "tracing" and ticket["language"] == "ckb"
    answers = ccc.client.get(f"/api/tickets/{ticket['reference']}", headers=agent).json()["answers"]
    assert (answers["relationship"], answers["consent_to_share"]) == ("sibling", "yes")
    timeline = ccc.client.get(f"/api/tickets/{ticket['reference']}/timeline", headers=agent)
    assert "My brother has been missing since May." in timeline.text


def test_the_keypad_page_is_served_with_the_simulator(ccc: Harness) -> None:
    page = ccc.client.get("/simulator/voice")
    assert page.status_code == 200 and 'id="keypad"' in page.text


def test_keys_for_a_call_the_simulator_did_not_place_are_refused(ccc: Harness) -> None:
    response = ccc.client.post("/api/simulator/calls/CAreal/keys", json={"digits": "1"})
    assert response.status_code == 404


def test_the_keypad_says_plainly_when_a_kurdish_caller_would_hear_arabic(ccc: Harness) -> None:
    menu = step(ccc, "", {"from": CALLER})
    by_language = {said["language"]: said for said in menu["said"]}
    assert by_language["ar"]["heard"] == "voice" and by_language["ar"]["note"] is None
    assert by_language["ckb"]["heard"] == "arabic"
    assert "hears this in Arabic" in by_language["ckb"]["note"]
    assert "Sorani" in by_language["ckb"]["note"]
    assert "Badini" in by_language["kmr"]["note"]
    sorani = step(ccc, f"/{menu['call_sid']}/keys", {"digits": "2"})
    assert all(said["heard"] == "arabic" for said in sorani["said"])
    page = ccc.client.get("/simulator/voice").text
    assert "item.note" in page  # the keypad page shows the note beside the Kurdish text
