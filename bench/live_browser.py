"""A supervisor's and an agent's morning in a real browser, by hand as a script: the time from
a signed webhook to the person's message shown on an open ticket page, and a Sorani prompt
uploaded in the console then heard on the next call.

    .venv/bin/python bench/live_browser.py [--database URL] [--port 9260] [--samples 8]
        [--redis redis://127.0.0.1:6379/N]

Starts `ccc serve` (and with `--redis` a `ccc worker`) on a scratch PostgreSQL database (its
`public` schema is dropped and recreated), drives Debian's chromium through Playwright, and
prints, per sample, the milliseconds from sending the SMS webhook to the message being in the
ticket page's timeline (read by the page itself: a MutationObserver stamps `Date.now()`), then
p50 and the largest; then what the prompt check found. Wall-clock figures: print the load
average beside them.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import wave
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse
from uuid import uuid4

import httpx
from console import DEFAULT_DATABASE, fill
from events import INTAKE
from harness import AUTH_TOKEN, ccc_env, fresh_schema, serving, session_cookie
from twilio.request_validator import RequestValidator

CHROMIUM = "/usr/bin/chromium"
WATCH = """
window.__shown = {};
new MutationObserver(() => {
  document.querySelectorAll("#timeline li.msg-in .text").forEach((el) => {
    const text = el.textContent.trim();
    if (text.startsWith("sample ") && !(text in window.__shown)) {
      window.__shown[text] = Date.now();
    }
  });
}).observe(document, { childList: true, subtree: true });
"""


def tone(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A second of 440 Hz, 16-bit mono: a recording the console accepts (0.3 s to 120 s)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        frames = (
            int(8000 * math.sin(i / rate * 2 * math.pi * 440)).to_bytes(2, "little", signed=True)
            for i in range(int(seconds * rate))
        )
        wav.writeframes(b"".join(frames))
    return out.getvalue()


def signed_post(base: str, path: str, form: dict[str, str]) -> httpx.Response:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{base}{path}", form)
    return httpx.post(
        f"{base}{path}", data=form, headers={"X-Twilio-Signature": signature}, timeout=30
    )


def sms(base: str, phone: str, body: str) -> None:
    sid = f"SM{uuid4().hex}"
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": phone,
        "To": "+12025550143",
        "Body": body,
        "NumMedia": "0",
    }
    response = signed_post(base, "/webhooks/twilio/messaging", form)
    assert response.status_code == 200, response.text


def call_step(base: str, path: str, sid: str, **fields: str) -> ET.Element:
    form = {
        "AccountSid": "AC" + "0" * 32,
        "CallSid": sid,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "From": "+9647705550000",
        "To": "+12025550199",
        **fields,
    }
    response = signed_post(base, path, form)
    assert response.status_code == 200, response.text
    return ET.fromstring(response.text)  # noqa: S314 (our own server's TwiML, on loopback)


def prompt_check(page: object, base: str, wav: bytes, env: dict[str, str]) -> None:
    """Upload a Sorani main-menu recording in the console, then call and choose Sorani."""
    folder = Path(tempfile.mkdtemp())
    (folder / "menu.wav").write_bytes(wav)
    page.goto(f"{base}/console/prompts?language=ckb")  # type: ignore[attr-defined]
    page.set_input_files("#file-main_menu", str(folder / "menu.wav"))  # type: ignore[attr-defined]
    page.click("#prompt-main_menu button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("p.flash[role=status]")  # type: ignore[attr-defined]
    sid = f"CA{uuid4().hex}"
    menu = call_step(base, "/webhooks/twilio/voice", sid, CallStatus="ringing")
    action = urlparse(menu.find(".//Gather").attrib["action"]).path  # type: ignore[union-attr]
    sorani = call_step(base, action, sid, Digits="2")
    plays = [el.text or "" for el in sorani.iter("Play")]
    fetched = httpx.get(plays[0], timeout=10) if plays else None
    listed = subprocess.run(  # noqa: S603 (our own console script)
        [str(Path(sys.executable).parent / "ccc"), "voice", "prompts"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    line = next((x for x in listed if x.startswith("ckb/main_menu\t")), "")
    print(f"prompt: <Play> {plays}")
    same = fetched is not None and fetched.content == wav
    print(f"prompt: served bytes identical to the upload: {same}")
    print(f"prompt: ccc voice prompts: {line.split(chr(9))[:2]}")


def main() -> None:
    from playwright.sync_api import sync_playwright  # why: a bench-only dependency

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--port", type=int, default=9260)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--redis", help="a scratch Redis URL: a worker handles the webhooks")
    args = parser.parse_args()
    engine = fresh_schema(args.database)
    fill(engine, 1000)  # the demo teams, and a queue that is not empty
    cookie = session_cookie(engine, "bench-sara", "supervisor", ["ccc"])
    base = f"http://127.0.0.1:{args.port}"
    env = {**ccc_env(args.database, base, args.redis), "CCC_VOICE_PROMPTS_DIR": tempfile.mkdtemp()}
    with serving(env, args.port, worker=bool(args.redis)):
        phone = "+9647712345678"
        for body in INTAKE:
            sms(base, phone, body)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            context.add_cookies([{"name": "ccc_session", "value": cookie, "url": base}])
            context.add_init_script(WATCH)
            page = context.new_page()
            reference = ""
            for _ in range(600):  # the intake's jobs, through the worker when there is one
                page.goto(f"{base}/console")
                refs = page.locator("#queue-rows .ref")
                if refs.count():
                    reference = refs.first.inner_text()
                    break
                time.sleep(0.5)
            page.goto(f"{base}/console/tickets/{reference}")
            page.wait_for_selector("html[data-live=on]")
            latencies = []
            for n in range(args.samples):
                text = f"sample {n}"
                sent = time.time() * 1000
                sms(base, phone, text)
                deadline = time.monotonic() + 30
                while (shown := page.evaluate(f"window.__shown[{text!r}]")) is None:
                    assert time.monotonic() < deadline, f"{text} not shown in 30 s"
                    page.wait_for_timeout(20)
                latencies.append(shown - sent)
                load = os.getloadavg()[0]
                print(f"webhook to shown, {text}: {shown - sent:7.0f} ms  load {load:.1f}")
                page.wait_for_timeout(500)
            print(
                f"webhook to shown: n={len(latencies)} p50 {statistics.median(latencies):.0f} ms "
                f"max {max(latencies):.0f} ms"
            )
            wav = tone()
            prompt_check(page, base, wav, env)
            browser.close()


if __name__ == "__main__":
    main()
