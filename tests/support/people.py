"""People writing to CCC through a channel, as the channel would deliver them.

Each posts real-format payloads (the fixtures), signed as Twilio signs them or carrying the
secret Telegram echoes, then runs the queued jobs; what CCC sent back is read from the fake API.
"""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx
from fastapi.testclient import TestClient
from sqlmodel import col, select
from twilio.request_validator import RequestValidator

from ccc.contacts.models import Contact, Identity
from ccc.jobs.dispatch import RQDispatcher
from ccc.jobs.models import OutboxJob
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Message
from tests.conftest import PUBLIC_URL, Harness
from tests.flows import reference_in
from tests.support.fakes import FakeApi

FIXTURES = Path(__file__).parent / "fixtures"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SMS_FROM = "+12025550143"
WHATSAPP_FROM = "whatsapp:+14155238886"
BOT_TOKEN = "7012345678:AAHk3v9QxTestTokenNotReal_abcdefghijk"
WEBHOOK_SECRET = "c4f1e0d9-5b7a-4e1f-9a2b-webhook-secret"
PHONE = "+9647701234567"
CHAT_ID = 5123456789
FORM = "application/x-www-form-urlencoded"

_update_ids = itertools.count(731550000)


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def sign(url_path: str, fields: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """What Twilio puts in X-Twilio-Signature for a POST to PUBLIC_URL + path (+ query)."""
    signature: str = RequestValidator(token).compute_signature(PUBLIC_URL + url_path, fields)
    return signature


def post_twilio(
    client: TestClient,
    path: str,
    fields: dict[str, str],
    *,
    query: str = "",
    signature: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    url = f"{path}?{query}" if query else path
    sent = {"content-type": FORM, "X-Twilio-Signature": signature or sign(url, fields)}
    sent.update(headers or {})
    return client.post(url, content=urlencode(fields), headers=sent)


def post_telegram(
    client: TestClient, update: dict[str, Any], *, secret: str | None = WEBHOOK_SECRET
) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return client.post("/webhooks/telegram", content=json.dumps(update), headers=headers)


def new_sid(prefix: str = "SM") -> str:
    return f"{prefix}{uuid.uuid4().hex}"


def status_report(
    sid: str, status: str, base: str = "twilio_status_sms", **extra: str
) -> dict[str, str]:
    """The form Twilio posts to the status callback when message `sid` reaches `status`
    (`base` names the fixture: SMS or WhatsApp); `extra` adds fields such as `ErrorCode`."""
    form = fixture(base) | {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status}
    form["SmsStatus"] = status
    form.update(extra)
    return form


@dataclass
class TwilioPerson:
    """Someone texting the centre's number, by SMS or on WhatsApp."""

    ccc: Harness
    api: FakeApi
    whatsapp: bool = False
    number: str = PHONE

    @property
    def address(self) -> str:
        return f"whatsapp:{self.number}" if self.whatsapp else self.number

    def message(self, text: str = "", base: str | None = None, **fields: str) -> dict[str, str]:
        """A form as Twilio would post it for a new message from this person."""
        form = fixture(base or ("twilio_whatsapp_text" if self.whatsapp else "twilio_sms"))
        sid = new_sid("MM" if form.get("NumMedia", "0") != "0" else "SM")
        form.update(MessageSid=sid, SmsMessageSid=sid, SmsSid=sid, From=self.address, Body=text)
        if self.whatsapp:
            form["WaId"] = self.number.lstrip("+")
        form.update(fields)
        return form

    def post(self, form: dict[str, str]) -> httpx.Response:
        response = post_twilio(self.ccc.client, "/webhooks/twilio/messaging", form)
        assert response.status_code == 200, response.text
        self.ccc.drain()
        return response

    def say(self, text: str) -> httpx.Response:
        return self.post(self.message(text))

    def received(self) -> list[str]:
        """The bodies Twilio was asked to deliver to this person, in order."""
        return [
            call.form["Body"]
            for call in self.api.calls("Messages.json")
            if call.form.get("To") == self.address
        ]

    def last_reply(self) -> str:
        outbound = [m for m in self.ccc.transcript(self.number) if m["direction"] == "out"]
        assert outbound, "no reply was sent"
        text: str = outbound[-1]["text"]
        return text


@dataclass
class TelegramPerson:
    """Someone writing to the centre's bot in a private chat."""

    ccc: Harness
    api: FakeApi
    chat_id: int = CHAT_ID

    def update(self, name: str, **changes: Any) -> dict[str, Any]:
        """A fixture update, renumbered as a new update from this person's chat."""
        update = copy.deepcopy(fixture(name))
        update["update_id"] = next(_update_ids)
        for key in ("message", "edited_message"):
            if key in update:
                update[key]["chat"]["id"] = self.chat_id
                update[key]["from"]["id"] = self.chat_id
                update[key].update(changes)
        if "callback_query" in update:
            query = update["callback_query"]
            query["id"] = str(uuid.uuid4().int)[:19]
            query["from"]["id"] = self.chat_id
            query["message"]["chat"]["id"] = self.chat_id
            query.update(changes)
        return update

    def post(self, update: dict[str, Any]) -> httpx.Response:
        response = post_telegram(self.ccc.client, update)
        assert response.status_code == 200, response.text
        self.ccc.drain()
        return response

    def say(self, text: str) -> httpx.Response:
        return self.post(self.update("telegram_text", text=text))

    def press(self, key: str) -> httpx.Response:
        return self.post(self.update("telegram_callback_query", data=key))

    def sent(self) -> list[dict[str, Any]]:
        """The messages the bot sent to this chat: text and inline keyboard."""
        messages = []
        for call in self.api.calls("sendMessage"):
            form = call.form
            if int(form["chat_id"]) != self.chat_id:
                continue
            markup = json.loads(form["reply_markup"]) if "reply_markup" in form else None
            messages.append({"text": form["text"], "reply_markup": markup})
        return messages

    def last_text(self) -> str:
        sent = self.sent()
        assert sent, "the bot sent nothing"
        text: str = sent[-1]["text"]
        return text


def stored(ccc: Harness) -> dict[str, int]:
    """How many rows a webhook could have written: to check that a refusal wrote none."""
    with ccc.session() as session:
        return {
            name: len(session.exec(select(model)).all())
            for name, model in (
                ("messages", Message),
                ("jobs", OutboxJob),
                ("identities", Identity),
                ("contacts", Contact),
            )
        }


def messages(ccc: Harness, *, direction: str | None = None) -> list[Message]:
    with ccc.session() as session:
        query = select(Message).order_by(col(Message.id))
        if direction:
            query = query.where(Message.direction == direction)
        return list(session.exec(query).all())


def identity(ccc: Harness, channel: str, address: str) -> Identity:
    with ccc.session() as session:
        found = session.exec(
            select(Identity).where(Identity.channel == channel, Identity.address == address)
        ).one()
        return found


class Person(Protocol):
    ccc: Harness

    def say(self, text: str) -> httpx.Response: ...


def open_ticket(person: Person) -> str:
    """The shortest way to a ticket: English, then "speak to a person", and yes."""
    for text in ("hello", "4", "0", "1"):
        person.say(text)
    outbound = [m for m in messages(person.ccc, direction="out") if m.ticket_id]
    assert outbound, "no ticket was created"
    return reference_in(outbound[-1].text)


def reply(ccc: Harness, agent: dict[str, str], reference: str, text: str) -> int:
    """An agent's reply through the API; returns the message id once the send job ran."""
    response = ccc.client.post(
        f"/api/tickets/{reference}/replies", json={"text": text}, headers=agent
    )
    assert response.status_code == 202, response.text
    ccc.drain()
    message_id: int = response.json()["id"]
    return message_id


def message(ccc: Harness, message_id: int) -> Message:
    with ccc.session() as session:
        found = session.get(Message, message_id)
        assert found is not None
        return found


def send_job(ccc: Harness, message_id: int) -> OutboxJob:
    with ccc.session() as session:
        jobs = session.exec(select(OutboxJob).where(OutboxJob.kind == "send_message")).all()
        [job] = [job for job in jobs if job.payload.get("message_id") == message_id]
        return job


def retry_due(ccc: Harness, hours: float = 2) -> None:
    """Let time pass until every retry is due, and run them as the periodic sweep would.
    The senders' buckets in Redis, which keep Redis's own time, are emptied: full again."""
    dispatcher = ccc.runtime.dispatcher
    if isinstance(dispatcher, RQDispatcher):
        for key in dispatcher.connection.scan_iter("ccc:send:bucket:*"):
            dispatcher.connection.delete(key)
    ccc.runtime.sweep(now=utcnow() + timedelta(hours=hours))
    ccc.drain()


def notes(ccc: Harness, agent: dict[str, str], reference: str) -> list[str]:
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    return [
        item["data"].get("text", "")
        for item in timeline
        if item["type"] == "event" and item["kind"] == "note"
    ]


def quiet_for_a_day(ccc: Harness) -> None:
    """The WhatsApp person last wrote 25 hours ago: WhatsApp's 24-hour window has closed."""
    with ccc.session() as session:
        person = session.exec(select(Identity).where(Identity.channel == "whatsapp")).one()
        person.last_inbound_at = utcnow() - timedelta(hours=25)
        session.add(person)
        session.commit()


def replies_to(ccc: Harness, phone: str, text: str) -> list[str]:
    """What the centre answered when `phone` said `text`, in order."""
    before = len(ccc.transcript(phone))
    ccc.say(phone, text)
    return [m["text"] for m in ccc.transcript(phone)[before:] if m["direction"] == "out"]
